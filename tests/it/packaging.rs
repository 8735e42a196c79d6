//! The wbuildc image's manifest (packaging/image/wbuildc.wbuild): it checks cleanly
//! once the packaging step has staged the binary (and says what is missing before),
//! its version is Cargo's, and its Dockerfile parses and lints clean. The image
//! itself is built and used by tests/e2e/wbuildc-image.sh.

use crate::dfcheck;
use crate::support::{repo, wbuildc_at};
use std::path::Path;

const MANIFEST: &str = "packaging/image/wbuildc.wbuild";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

/// A copy of the packaging context without `dist/` (what a fresh clone has).
fn fresh_context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_dir(&repo().join("packaging/image"), dir.path());
    let _ = std::fs::remove_dir_all(dir.path().join("dist"));
    dir
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn before_the_packaging_step_the_missing_binary_is_named() {
    let ctx = fresh_context();
    let out = wbuildc_at(ctx.path(), &["check", "wbuildc.wbuild"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error[WB1010]: `dist/wbuildc` is not in the build context"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_staged_manifest_checks_and_compiles_to_a_clean_dockerfile() {
    let ctx = fresh_context();
    let dist = ctx.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(env!("CARGO_BIN_EXE_wbuildc"), dist.join("wbuildc"))
        .unwrap_or_else(|e| panic!("stage the binary: {e}"));

    let out = wbuildc_at(ctx.path(), &["check", "wbuildc.wbuild"]);
    assert!(
        out.status.success() && stderr(&out).is_empty(),
        "{MANIFEST}: {}",
        stderr(&out)
    );
    let out = wbuildc_at(ctx.path(), &["fmt", "--check", "wbuildc.wbuild"]);
    assert!(
        out.status.success(),
        "{MANIFEST} is not formatted: {}",
        stderr(&out)
    );

    let out = wbuildc_at(
        ctx.path(),
        &["compile", "wbuildc.wbuild", "--variant", "production"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dockerfile = stdout(&out);
    let version = format!(
        "\"org.opencontainers.image.version\"=\"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        dockerfile.contains(&version),
        "{MANIFEST}'s image version must be Cargo.toml's ({version}):\n{dockerfile}"
    );
    for line in [
        "USER 65533:65533",
        "ENTRYPOINT [\"/usr/local/bin/wbuildc\"]",
        "COPY --chmod=0755 [\"dist/wbuildc\", \"/usr/local/bin/wbuildc\"]",
    ] {
        assert!(
            dockerfile.lines().any(|l| l == line),
            "missing `{line}`:\n{dockerfile}"
        );
    }
    dfcheck::assert_clean(MANIFEST, &dockerfile, &dfcheck::check(&dockerfile));
}
