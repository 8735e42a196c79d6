//! `wbuildc base build FILE --output oci:DIR`: a base image from its definition,
//! with mmdebstrap for the root filesystem and our own writer for the OCI
//! layout, so that the same definition and package versions give the same
//! digest. The package list is recorded beside the image.

use crate::build::oci::{self, ImageConfig, LayoutOptions};
use crate::cli::args::Common;
use crate::cli::commands::ops::env_epoch;
use crate::cli::{exit, prepare, report_usage, use_color, UsageError};
use std::collections::BTreeMap;
use std::path::Path;

/// The image's `PATH` unless the definition sets one (what Debian's images have).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub fn build(common: &Common, file: &Path, output: &str, source_date_epoch: Option<i64>) -> u8 {
    match run(common, file, output, source_date_epoch) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn run(
    common: &Common,
    file: &Path,
    output: &str,
    source_date_epoch: Option<i64>,
) -> Result<u8, UsageError> {
    let dir = output
        .strip_prefix("oci:")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| UsageError(format!("--output {output}: expected oci:DIR")))?;
    let epoch = source_date_epoch.or_else(env_epoch).unwrap_or(0);
    if epoch < 0 {
        return Err(UsageError("SOURCE_DATE_EPOCH cannot be negative".into()));
    }
    let prepared = prepare(common, file)?;
    let compiler = &prepared.session.compiler;
    let color = use_color(common);
    let mut diagnostics = prepared.session.problems.clone();
    diagnostics.extend(compiler.check(prepared.file));
    let failed = diagnostics.iter().any(crate::Diagnostic::is_error);
    if !diagnostics.is_empty() {
        eprint!("{}", compiler.render(&diagnostics, color));
    }
    if failed {
        return Ok(exit::INPUT_ERRORS);
    }
    let Some(base) = compiler.base(prepared.file) else {
        return Err(UsageError(format!(
            "{} defines no base image (`base \"REF\" {{ ... }}`)",
            file.display()
        )));
    };
    let Some(reference) = base.reference.clone() else {
        return Ok(exit::INPUT_ERRORS);
    };
    let scratch = tempfile::Builder::new()
        .prefix("wbuild-base-")
        .tempdir()
        .map_err(|e| UsageError(format!("cannot create a scratch directory: {e}")))?;
    let rootfs = scratch.path().join("rootfs.tar");
    eprintln!("base: making the root filesystem of {reference} with mmdebstrap (SOURCE_DATE_EPOCH={epoch})");
    let started = std::time::Instant::now();
    let status = crate::build::rootfs::mmdebstrap_command(&base, &rootfs, epoch)
        .status()
        .map_err(|e| {
            UsageError(format!(
                "cannot run mmdebstrap: {e} (install Debian's mmdebstrap package)"
            ))
        })?;
    if !status.success() {
        return Err(UsageError(format!(
            "mmdebstrap failed ({status}); its output is above"
        )));
    }
    // Debian's own images set the standard PATH; a definition may replace it.
    let mut env: Vec<(String, String)> = Vec::new();
    if !base.environment.iter().any(|(k, _, _)| k == "PATH") {
        env.push(("PATH".into(), DEFAULT_PATH.into()));
    }
    env.extend(
        base.environment
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone())),
    );
    let config = ImageConfig {
        env,
        cmd: base.cmd.clone(),
        user: None,
        workdir: base.workdir.clone(),
        labels: base
            .labels
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect(),
    };
    let suite = base.suite.as_ref().map_or("", |(s, _)| s.as_str());
    let annotations = BTreeMap::from([
        (
            "org.opencontainers.image.created".to_string(),
            crate::build::rfc3339(epoch),
        ),
        (
            "org.opencontainers.image.ref.name".to_string(),
            reference.to_string(),
        ),
        ("dev.wbuild.debian-suite".to_string(), suite.to_string()),
    ]);
    let opts = LayoutOptions {
        ref_name: reference.to_string(),
        source_date_epoch: epoch,
        architecture: debian_to_oci_arch(std::env::consts::ARCH).to_string(),
        annotations,
    };
    let layout = Path::new(dir);
    let written = oci::write_layout(&rootfs, &config, &opts, layout)
        .map_err(|e| UsageError(format!("cannot write the OCI layout {dir}: {e}")))?;
    let packages = oci::installed_packages(&rootfs)
        .map_err(|e| UsageError(format!("cannot read the package list: {e}")))?;
    crate::build::packages::record(
        layout,
        &reference.to_string(),
        &written.manifest_digest,
        &packages,
    )
    .map_err(|e| UsageError(format!("cannot record the package list in {dir}: {e}")))?;
    eprintln!(
        "base: {reference} → oci:{dir}:{reference}\n  manifest {}\n  layer {} ({} bytes), {} packages, {} non-reproducible files dropped, {} setuid/setgid bits cleared ({}), in {:.0?}",
        written.manifest_digest,
        written.layer_digest,
        written.layer_size,
        packages.len(),
        written.removed.len(),
        written.unprivileged.len(),
        written.unprivileged.join(" "),
        started.elapsed()
    );
    println!("{}", written.manifest_digest);
    Ok(exit::SUCCESS)
}

/// The OCI architecture name of the machine (Rust's names differ for some).
fn debian_to_oci_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}
