//! `--platform os/arch[/variant]`: the platforms the engines build for, named the
//! way OCI image indexes name them (the image-spec's `GOOS`/`GOARCH` values), so
//! that a typo is refused before an engine pulls anything.

/// The operating systems container images are built for here.
const SYSTEMS: &[&str] = &["linux"];

/// Architectures, each with the variants it may name.
const ARCHITECTURES: &[(&str, &[&str])] = &[
    ("amd64", &["v2", "v3", "v4"]),
    ("arm64", &["v8"]),
    ("arm", &["v5", "v6", "v7"]),
    ("386", &[]),
    ("ppc64le", &[]),
    ("s390x", &[]),
    ("riscv64", &[]),
    ("mips64le", &[]),
];

/// Checks `os/arch[/variant]`; the error says which part is wrong and what it may be.
pub fn parse(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('/').collect();
    let (os, arch, variant) = match parts.as_slice() {
        [os, arch] => (*os, *arch, None),
        [os, arch, variant] => (*os, *arch, Some(*variant)),
        _ => {
            return Err(format!(
                "--platform is os/arch or os/arch/variant (e.g. linux/arm64), not `{text}`"
            ))
        }
    };
    if !SYSTEMS.contains(&os) {
        return Err(format!(
            "--platform {text}: the operating system is one of {}",
            SYSTEMS.join(", ")
        ));
    }
    let Some((_, variants)) = ARCHITECTURES.iter().find(|(a, _)| *a == arch) else {
        let names: Vec<&str> = ARCHITECTURES.iter().map(|(a, _)| *a).collect();
        return Err(format!(
            "--platform {text}: `{arch}` is not an architecture; one of {}",
            names.join(", ")
        ));
    };
    if let Some(variant) = variant {
        if !variants.contains(&variant) {
            return Err(if variants.is_empty() {
                format!("--platform {text}: {arch} has no variants")
            } else {
                format!(
                    "--platform {text}: {arch}'s variants are {}",
                    variants.join(", ")
                )
            });
        }
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn platforms_are_os_arch_and_an_optional_variant_of_that_arch() {
        for ok in [
            "linux/amd64",
            "linux/arm64",
            "linux/arm/v7",
            "linux/arm64/v8",
        ] {
            assert_eq!(super::parse(ok).as_deref(), Ok(ok));
        }
        for (bad, why) in [
            ("amd64", "os/arch"),
            ("linux/amd64/v7", "amd64's variants"),
            ("windows/amd64", "operating system"),
            ("linux/x86_64", "not an architecture"),
            ("linux/386/v1", "no variants"),
            ("linux/arm/v7/x", "os/arch"),
        ] {
            let error = super::parse(bad).err().unwrap_or_default();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }
}
