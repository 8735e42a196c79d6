//! `wbuildc tags` and what `wbuildc publish` refuses before it reaches a
//! registry, in a temporary git repository (the registry part is
//! tests/e2e/publish.sh). The snapshot shows each command with its exit code,
//! standard output and standard error.

use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = r#"import "base"

image "hello" {
  version = "2.1.0"
}

variant builder extends base.build() {}

variant production extends base.runtime() {
  cmd = ["true"]
}

variant test extends production {
  cmd = ["true"]
}
"#;

const POLICY: &str = r#"[images]
allowed_registries = ["registry.example.org"]

[publishing]
require_ci_env = ["WBUILD_TEST_CI"]
"#;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=ci",
            "-c",
            "user.email=ci@example.org",
            "-c",
            "commit.gpgSign=false",
            "-c",
            "tag.gpgSign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs wbuildc in `repo` with the organisation policy of the test, a fixed build
/// date, and the CI marker when `ci`; returns the transcript.
fn run(repo: &Path, policy: &Path, ci: bool, args: &[&str]) -> String {
    let out = output(repo, policy, ci, args);
    format!(
        "$ wbuildc {}\nexit {}\n{}{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn output(repo: &Path, policy: &Path, ci: bool, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wbuildc"));
    command
        .args(args)
        .arg("--policy")
        .arg(policy)
        .current_dir(repo)
        .env("NO_COLOR", "1")
        .env("WBUILD_CONFIG", "")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("REGISTRY_AUTH_FILE");
    if ci {
        command.env("WBUILD_TEST_CI", "true");
    } else {
        command.env_remove("WBUILD_TEST_CI");
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("run wbuildc: {e}"))
}

/// A repository with the manifest committed (and tagged `tag`), beside the
/// organisation's policy: `(tempdir, repo, policy)`.
fn repository(tag: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap_or_else(|e| panic!("{e}"));
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.join("service.wbuild"), MANIFEST).unwrap_or_else(|e| panic!("{e}"));
    git(&repo, &["init", "-q", "."]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "first"]);
    if let Some(tag) = tag {
        git(&repo, &["tag", tag]);
    }
    (dir, repo, policy)
}

/// `--format json` of tags and of publish's refusals: docs/schemas/publish.schema.json.
#[test]
fn tags_and_publish_reports_match_their_schema() {
    let (dir, repo, policy) = repository(Some("v2.1.0"));
    let cases: [(bool, &[&str], i32); 4] = [
        (
            false,
            &[
                "tags",
                "service.wbuild",
                "-v",
                "production",
                "--number",
                "4",
                "--format",
                "json",
            ],
            0,
        ),
        (
            false,
            &[
                "tags",
                "service.wbuild",
                "-v",
                "builder",
                "--snapshot",
                "--number",
                "1",
                "--format",
                "json",
            ],
            0,
        ),
        (
            false,
            &[
                "publish",
                "service.wbuild",
                "-v",
                "production",
                "--format",
                "json",
            ],
            1,
        ),
        (
            true,
            &[
                "publish",
                "service.wbuild",
                "-v",
                "nope",
                "--format",
                "json",
            ],
            1,
        ),
    ];
    for (i, (ci, args, code)) in cases.iter().enumerate() {
        let out = output(&repo, &policy, *ci, args);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = dir.path().join(format!("report-{i}.json"));
        std::fs::write(&report, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
        crate::ops::assert_valid("docs/schemas/publish.schema.json", &report);
    }
}

#[test]
fn tags_and_release_marking_from_git() {
    let (dir, repo, policy) = repository(None);
    let mut transcript = Vec::new();
    let mut step = |ci: bool, args: &[&str]| transcript.push(run(&repo, &policy, ci, args));
    let tags = ["tags", "service.wbuild", "--number", "1", "--variant"];
    // No release tag yet: refused, unless a snapshot.
    step(false, &[&tags[..], &["production"]].concat());
    step(false, &[&tags[..], &["production", "--snapshot"]].concat());
    git(&repo, &["tag", "v2.1.0"]);
    step(false, &[&tags[..], &["production"]].concat());
    step(
        false,
        &[&tags[..], &["production", "--format", "json"]].concat(),
    );
    // Other variants follow the produced convention; test variants are never published.
    step(false, &[&tags[..], &["builder"]].concat());
    step(false, &[&tags[..], &["test"]].concat());
    // A changed tree is no release.
    std::fs::write(repo.join("notes.txt"), "wip\n").unwrap_or_else(|e| panic!("{e}"));
    step(false, &[&tags[..], &["production"]].concat());
    std::fs::remove_file(repo.join("notes.txt")).unwrap_or_else(|e| panic!("{e}"));
    // A second release tag on the same commit, then a tag that disagrees.
    git(&repo, &["tag", "v2.1.1"]);
    step(false, &[&tags[..], &["production"]].concat());
    git(&repo, &["tag", "-d", "v2.1.0"]);
    step(false, &[&tags[..], &["production"]].concat());
    // publish: only in CI, checked before anything is read from a registry; the
    // source must be a local image.
    step(
        false,
        &[
            "publish",
            "service.wbuild",
            "--variant",
            "production",
            "--snapshot",
        ],
    );
    step(
        true,
        &[
            "publish",
            "service.wbuild",
            "--variant",
            "production",
            "--snapshot",
            "--from",
            "docker://registry.example.org/hello:2.1.0",
        ],
    );
    step(
        false,
        &[
            "publish",
            "service.wbuild",
            "--variant",
            "production",
            "--number",
            "0",
        ],
    );
    // A policy that requires signatures: no key, no push (before any registry);
    // a key must be a fingerprint.
    let signing = dir.path().join("signing.toml");
    std::fs::write(&signing, "[publishing]\nrequire_signature = true\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let publish = [
        "publish",
        "service.wbuild",
        "-v",
        "production",
        "--snapshot",
    ];
    transcript.push(run(&repo, &signing, false, &publish));
    transcript.push(run(
        &repo,
        &signing,
        false,
        &[&publish[..], &["--sign-by=-x"]].concat(),
    ));

    let tmp = dir.path().to_string_lossy().into_owned();
    let text = transcript.join("\n").replace(&tmp, "[TMP]");
    insta::assert_snapshot!("publish_tags_and_refusals", text);
}

/// `publish-plan` over the matrix `wbuildc plan` wrote: every target gets an
/// entry (published, skipped with the reason, or failed with publish's errors),
/// in the matrix's order, and the report matches the schema. The registry part
/// is tests/e2e/plan-publish.sh.
#[test]
fn publish_plan_reports_every_target_of_the_matrix() {
    let (dir, repo, policy) = repository(Some("v2.1.0"));
    let out = output(&repo, &policy, false, &["plan", "--out", "plan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Outside CI every image target is refused, the test variant is skipped.
    let args = ["publish-plan", "plan", "--format", "json"];
    let out = output(&repo, &policy, false, &args);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let statuses: Vec<String> = report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {}",
                t["variant"].as_str().unwrap_or("-"),
                t["status"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        statuses,
        ["builder failed", "production failed", "test skipped"],
        "{report}"
    );
    for target in report["targets"].as_array().into_iter().flatten() {
        match target["status"].as_str() {
            Some("failed") => assert!(
                target["errors"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("publishes only from CI")),
                "{target}"
            ),
            _ => assert_eq!(
                target["reason"],
                "a test variant: built and run by CI, never published"
            ),
        }
    }
    let file = dir.path().join("plan-report.json");
    std::fs::write(&file, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    crate::ops::assert_valid("docs/schemas/publish.schema.json", &file);
    // The plan is read as written, or not at all.
    std::fs::write(
        repo.join("plan/matrix.json"),
        r#"{"version": 2, "levels": []}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = output(&repo, &policy, true, &["publish-plan", "plan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("matrix version 2; this wbuildc reads version 1"));
    let out = output(&repo, &policy, true, &["publish-plan", "no-such-plan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("write the plan with `wbuildc plan --out no-such-plan`"));
}

/// A layer: a tar of `(path, content)` files, gzip-compressed when `gzip`.
fn layer(files: &[(&str, &str)], gzip: bool) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    let bytes = builder.into_inner().unwrap();
    if !gzip {
        return bytes;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &bytes).unwrap();
    encoder.finish().unwrap()
}

/// An OCI layout of one image with these layers (`(bytes, gzip)`), bottom first.
fn layout(dir: &Path, layers: &[(Vec<u8>, bool)]) {
    use sha2::{Digest, Sha256};
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = format!("{:x}", Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let (config, config_size) =
        put(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#);
    let layers: Vec<serde_json::Value> = layers
        .iter()
        .map(|(bytes, gzip)| {
            let (digest, size) = put(bytes);
            let media_type = if *gzip {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            } else {
                "application/vnd.oci.image.layer.v1.tar"
            };
            serde_json::json!({ "mediaType": media_type, "digest": digest, "size": size })
        })
        .collect();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size },
        "layers": layers,
    });
    let (digest, size) = put(manifest.to_string().as_bytes());
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size }] });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
}

const STATUS: &str = "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 1:1.2.13.dfsg-1\n\nPackage: old-tool\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9+deb12u4\n";

/// The SBOM of fixture images, through the layers (a later layer's file wins, a
/// whiteout removes one), validated by a real SPDX tool: pyspdxtools of PyPI's
/// spdx-tools (scripts/setup-test-env.sh installs it).
#[test]
fn sboms_of_fixture_images_are_valid_spdx() {
    use wbuild::cli::provenance::read_layout;
    use wbuild::publish::sbom::{document, Image};
    let venv = std::env::var_os("WBUILD_PYENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::support::repo().join(".venv"));
    let pyspdxtools = venv.join("bin/pyspdxtools");
    assert!(
        pyspdxtools.exists(),
        "{} is missing: run scripts/setup-test-env.sh",
        pyspdxtools.display()
    );
    let npm = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/express":{"version":"4.18.2"},"node_modules/@types/node":{"version":"20.1.0"}}}"#;
    let composer =
        r#"{"packages":[{"name":"monolog/monolog","version":"3.5.0"}],"packages-dev":[]}"#;
    let base = layer(
        &[
            (
                "var/lib/dpkg/status",
                "Package: stale\nStatus: install ok installed\nArchitecture: all\nVersion: 0\n",
            ),
            ("srv/old/package-lock.json", npm),
        ],
        false,
    );
    let app = layer(
        &[
            ("var/lib/dpkg/status", STATUS),
            ("srv/old/.wh.package-lock.json", ""),
            ("srv/app/package-lock.json", npm),
            ("srv/app/requirements.txt", "Flask==3.0.0\nidna>=3\n"),
            ("srv/app/node_modules/x/package-lock.json", npm),
            ("var/www/composer.lock", composer),
            ("var/www/broken/composer.lock", "{ not json"),
        ],
        true,
    );
    let scratch = tempfile::tempdir().unwrap();
    let with_packages = scratch.path().join("app");
    layout(&with_packages, &[(base, false), (app, true)]);
    let from_scratch = scratch.path().join("scratch");
    layout(
        &from_scratch,
        &[(layer(&[("srv/app/server", "binary")], true), true)],
    );

    let contents = read_layout(&with_packages, "fixture").unwrap();
    let debs: Vec<String> = contents
        .debs
        .iter()
        .map(|p| format!("{} {} {}", p.name, p.version, p.architecture))
        .collect();
    assert_eq!(
        debs,
        [
            "base-files 12.4+deb12u5 amd64",
            "libc6 2.36-9+deb12u4 i386",
            "zlib1g 1:1.2.13.dfsg-1 amd64"
        ]
    );
    let mut locked: Vec<String> = contents
        .locked
        .iter()
        .map(|p| format!("{} {} {}", p.file, p.name, p.version))
        .collect();
    locked.sort();
    assert_eq!(
        locked,
        [
            "/srv/app/package-lock.json @types/node 20.1.0",
            "/srv/app/package-lock.json express 4.18.2",
            "/srv/app/requirements.txt flask 3.0.0",
            "/var/www/composer.lock monolog/monolog 3.5.0",
        ]
    );
    assert_eq!(contents.warnings.len(), 1, "{:?}", contents.warnings);
    assert!(
        contents.warnings[0].contains("/var/www/broken/composer.lock in fixture cannot be read")
    );
    let empty = read_layout(&from_scratch, "scratch-image").unwrap();
    assert!(empty.debs.is_empty() && empty.locked.is_empty());
    assert!(empty.warnings[0].contains("has no var/lib/dpkg/status"));

    let digest = format!("sha256:{}", "5e".repeat(32));
    let image = Image {
        repository: "registry.example.org/hello",
        digest: &digest,
        version: Some("2.1.0"),
        created: "2023-11-14T22:13:20Z",
    };
    // pyspdxtools -i FILE: exit 0 for a valid document; its output when not.
    let validate = |name: &str, doc: &serde_json::Value| {
        let file = scratch.path().join(format!("{name}.spdx.json"));
        std::fs::write(&file, format!("{doc:#}\n")).unwrap();
        let out = Command::new(&pyspdxtools)
            .arg("-i")
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    for (name, contents, packages) in [("app", &contents, 8), ("scratch", &empty, 1)] {
        let doc = document(&image, &contents.debs, &contents.locked);
        assert_eq!(doc["packages"].as_array().unwrap().len(), packages);
        assert_eq!(doc, document(&image, &contents.debs, &contents.locked));
        let (valid, text) = validate(name, &doc);
        assert!(valid, "pyspdxtools rejects the {name} SBOM: {text}");
    }
    // An invalid document is rejected: the tool does check.
    let mut doc = document(&image, &contents.debs, &contents.locked);
    doc["packages"][1]["SPDXID"] = serde_json::json!("not an id");
    let (valid, _) = validate("bad", &doc);
    assert!(!valid, "pyspdxtools accepted an invalid SBOM");
}

/// `which --sbom` reads only SBOMs `publish` wrote; anything else is a usage
/// error naming the file (the registry part is tests/e2e/publish.sh).
#[test]
fn which_refuses_what_is_not_a_publish_sbom() {
    let (dir, repo, policy) = repository(None);
    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "SPDX?").unwrap_or_else(|e| panic!("{e}"));
    let other = dir.path().join("other.spdx.json");
    std::fs::write(&other, r#"{"spdxVersion": "SPDX-2.3", "packages": []}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    for (file, says) in [
        (dir.path().join("missing.json"), "it does not exist"),
        (not_json, "not JSON"),
        (other, "not an SBOM `wbuildc publish` wrote"),
    ] {
        let file = file.to_string_lossy().into_owned();
        let out = output(
            &repo,
            &policy,
            false,
            &["which", "--package", "curl", "--sbom", &file],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&file) && stderr.contains(says), "{stderr}");
    }
}
