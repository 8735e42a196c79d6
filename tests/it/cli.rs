//! The real `wbuildc` binary: exit codes, output channels, formats.

use crate::support::{repo, wbuildc_at};
use std::process::Output;

fn wbuildc(args: &[&str]) -> Output {
    wbuildc_at(&repo(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn compile_prints_the_dockerfile_and_exits_0() {
    let out = wbuildc(&[
        "compile",
        "examples/go-service/service.wbuild",
        "--variant",
        "production",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("FROM scratch AS production"));
    assert!(out.stderr.is_empty());
}

#[test]
fn compile_writes_to_a_file_with_output() {
    let dir = std::env::temp_dir().join(format!("wbuildc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let target = dir.join("Dockerfile");
    let out = wbuildc(&[
        "compile",
        "examples/node-service/service.wbuild",
        "--variant",
        "test",
        "-o",
        target.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&target)
        .unwrap_or_default()
        .contains("CMD [\"npm\", \"test\"]"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_reports_errors_with_exit_1_and_json_on_request() {
    let bad = "tests/fixtures/diagnostics/unknown_field.wbuild";
    // The language fixtures run under the policy that allows root.
    let policy = "--policy=tests/fixtures/language-policy.toml";
    let out = wbuildc(&["check", policy, bad]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error[WB2001]") && stderr.contains("did you mean `entrypoint`?"),
        "{stderr}"
    );

    let out = wbuildc(&["check", policy, "--format", "json", bad]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "WB2001");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["primary"]["file"], bad);
    assert!(first["primary"]["line"].as_u64().is_some_and(|l| l > 1));
    assert_eq!(first["help"], "did you mean `entrypoint`?");
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(wbuildc(&["compile"]).status.code(), Some(2));
    assert_eq!(
        wbuildc(&["check", "does/not/exist.wbuild"]).status.code(),
        Some(2)
    );
    assert_eq!(wbuildc(&["explain", "WB9999"]).status.code(), Some(2));
    assert_eq!(wbuildc(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn unknown_variant_is_an_input_error_with_a_suggestion() {
    let out = wbuildc(&[
        "compile",
        "examples/python-web/service.wbuild",
        "--variant",
        "prodution",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("did you mean `production`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn variants_lists_one_name_per_line() {
    let out = wbuildc(&["variants", "examples/node-service/service.wbuild"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "build\ntest\ndeps\nproduction\n");
}

#[test]
fn explain_prints_the_long_explanation() {
    let out = wbuildc(&["explain", "wb3001"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("WB3001: extends cycle"));
    let all = wbuildc(&["explain"]);
    assert!(text(&all.stdout).lines().count() == wbuild::Code::ALL.len());
}

#[test]
fn help_is_available_on_every_subcommand() {
    for sub in ["check", "compile", "variants", "fmt", "explain"] {
        let out = wbuildc(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        assert!(text(&out.stdout).contains("Usage: wbuildc"), "{sub}");
    }
}

#[test]
fn invalid_utf8_and_nul_bytes_are_diagnostics_not_crashes() {
    let dir = std::env::temp_dir().join(format!("wbuildc-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let file = dir.join("bytes.wbuild");
    std::fs::write(&file, b"image \"x\" {}\nvariant a {\n  base = \"registry.example.org/debian:bookworm\"\n  cmd = [\"\xff\xfe\"]\n}\n\0\0").unwrap_or_default();
    let out = wbuildc(&["check", file.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("error["));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_copy_source_that_links_outside_the_context_is_an_error() {
    let dir = std::env::temp_dir().join(format!("wbuildc-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let manifest = dir.join("service.wbuild");
    std::fs::write(
        &manifest,
        "import \"base\"\nimage \"svc\" {}\nvariant production extends base.runtime() {\n  steps += { copy \"config\" to \"config\" }\n  cmd = [\"true\"]\n}\n",
    )
    .unwrap_or_default();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", dir.join("config")).unwrap_or_default();
    let path = manifest.to_str().unwrap_or_default();
    for args in [
        vec!["check", path],
        vec!["compile", path, "--variant", "production"],
    ] {
        let out = wbuildc(&args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("error[WB2007]")
                && text(&out.stderr).contains("symbolic link"),
            "{}",
            text(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `check` reads the build context's metadata: a copy source that is not there is
/// an error at the line that copies it (at the preset call for a preset's copy),
/// with the closest entry of its directory as a fix; applying every fix makes
/// the manifest check clean. `compile` refuses the same manifest.
#[test]
fn copy_sources_missing_from_the_context_are_errors_with_fixes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for file in ["requirements.txt", "wsgi.py", "pytest.ini"] {
        std::fs::write(dir.path().join(file), "x\n").unwrap_or_default();
    }
    std::fs::create_dir_all(dir.path().join("tests/unit")).unwrap_or_default();
    std::fs::create_dir_all(dir.path().join("webapp")).unwrap_or_default();
    std::fs::write(dir.path().join("webapp/app.py"), "x\n").unwrap_or_default();
    let manifest = dir.path().join("service.wbuild");
    let source = "import \"base\"\nimport \"python\"\nimage \"svc\" {}\n\nvariant build extends python.app(requirements = [\"requirement.txt\"]) {\n  steps += {\n    copy [\"wsgi.py\", \"pytest.in\"] to \"./\"\n    copy \"test/\" to \"tests/\"\n    copy \"webapp/ap.py\" to \"webapp/\"\n    copy \"wsgi.py/\" to \"./\"\n    copy \"*.py\" to \"./\"\n  }\n  user = base.somebody\n  allow += { \"debian-first\": \"tested here without packages\" }\n}\n";
    std::fs::write(&manifest, source).unwrap_or_default();
    let path = manifest.to_str().unwrap_or_default();
    let out = wbuildc(&["check", "--format", "json", path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    let missing: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .map(|list| list.iter().filter(|d| d["code"] == "WB1010").collect())
        .unwrap_or_default();
    let helps: Vec<&str> = missing.iter().filter_map(|d| d["help"].as_str()).collect();
    assert_eq!(
        helps,
        [
            "did you mean `requirements.txt`?",
            "did you mean `pytest.ini`?",
            "did you mean `tests/`?",
            "did you mean `webapp/app.py`?",
            "copy the file: `wsgi.py`",
        ],
        "{report:#}"
    );
    // The preset's copy is reported at the user's `extends` line.
    assert_eq!(missing[0]["primary"]["line"], 5, "{report:#}");
    assert_eq!(missing[0]["variant"], "build", "{report:#}");
    // Every fix written in the manifest itself is applied (the preset's argument
    // is a parameter there, so that one is fixed by hand).
    let mut fixed = source.to_string();
    let mut edits: Vec<(usize, usize, String)> = missing
        .iter()
        .filter_map(|d| d["fix"]["edits"].as_array())
        .flatten()
        .map(|e| {
            let at = |k: &str| e[k].as_u64().unwrap_or_default() as usize;
            (
                at("start"),
                at("end"),
                e["replacement"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(edits.len(), 4, "{report:#}");
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, replacement) in edits {
        fixed.replace_range(start..end, &replacement);
    }
    let fixed = fixed.replace("requirement.txt", "requirements.txt");
    std::fs::write(&manifest, &fixed).unwrap_or_default();
    let out = wbuildc(&["check", path]);
    assert_eq!(out.status.code(), Some(0), "{fixed}\n{}", text(&out.stderr));
    std::fs::write(&manifest, source).unwrap_or_default();
    let out = wbuildc(&["compile", path, "--variant", "build"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("error[WB1010]"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn fmt_rewrites_checks_and_refuses_broken_files() {
    let dir = std::env::temp_dir().join(format!("wbuildc-fmt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let messy = dir.join("messy.wbuild");
    let original = "# keep me\nimage   \"svc\"{labels={\"a\":\"b\"}}   # and me\n";
    std::fs::write(&messy, original).unwrap_or_default();
    let path = messy.to_str().unwrap_or_default();

    assert_eq!(wbuildc(&["fmt", "--check", path]).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap_or_default(),
        original,
        "--check must not write"
    );
    assert_eq!(wbuildc(&["fmt", path]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(&messy).unwrap_or_default();
    assert!(
        formatted.contains("# keep me") && formatted.contains("# and me"),
        "{formatted}"
    );
    assert_eq!(
        wbuildc(&["fmt", "--check", path]).status.code(),
        Some(0),
        "formatting is a fixed point"
    );

    let broken = dir.join("broken.wbuild");
    let broken_text = "image \"svc\" {\n  cmd = = [\"x\"]\n}\n";
    std::fs::write(&broken, broken_text).unwrap_or_default();
    let out = wbuildc(&["fmt", broken.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[WB0001]"));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap_or_default(),
        broken_text,
        "a broken file is never rewritten"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The debian-first fix is whole: it removes the requirement *and* installs
/// Debian's package where the variant's presets take packages, in the stage that
/// builds and in the stage that runs what it built. After it, the library is no
/// longer reported, nothing else is, and both stages install the package.
#[test]
fn the_debian_first_fix_removes_the_requirement_and_installs_the_package() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let example = crate::support::repo().join("examples/python-web");
    let mut todo = vec![(example, dir.path().to_path_buf())];
    while let Some((from, to)) = todo.pop() {
        std::fs::create_dir_all(&to).unwrap_or_default();
        for entry in std::fs::read_dir(&from).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                todo.push((entry.path(), to.join(entry.file_name())));
            } else {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap_or_default();
            }
        }
    }
    let manifest = dir.path().join("service.wbuild");
    let source = std::fs::read_to_string(&manifest).unwrap_or_default();
    // Without the example's recorded exception, so that the rule reports.
    let start = source.find("  allow += {").unwrap_or(0);
    let end = start + source[start..].find("  }\n").unwrap_or(0) + 4;
    std::fs::write(&manifest, format!("{}{}", &source[..start], &source[end..]))
        .unwrap_or_default();
    let path = manifest.to_str().unwrap_or_default();
    let report = |args: &[&str]| -> serde_json::Value {
        let out = wbuildc(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)))
    };
    let before = report(&["check", "--format", "json", path]);
    let flask = before["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["message"].as_str().unwrap_or("").starts_with("`Flask`"))
        .cloned()
        .unwrap_or_else(|| panic!("no Flask finding: {before:#}"));
    let edits = flask["fix"]["edits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 3, "{flask:#}");
    // Apply the edits file by file, the last first.
    let mut by_file: std::collections::BTreeMap<String, Vec<(usize, usize, String)>> =
        std::collections::BTreeMap::new();
    for e in &edits {
        let file = e["file"].as_str().unwrap_or("").to_string();
        let at = |k: &str| e[k].as_u64().unwrap_or(0) as usize;
        by_file.entry(file).or_default().push((
            at("start"),
            at("end"),
            e["replacement"].as_str().unwrap_or("").to_string(),
        ));
    }
    for (file, mut list) in by_file {
        let target = if file.ends_with("requirements.txt") {
            dir.path().join("requirements.txt")
        } else {
            manifest.clone()
        };
        let mut body = std::fs::read_to_string(&target).unwrap_or_default();
        list.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
        for (s, e, r) in list {
            body.replace_range(s..e, &r);
        }
        std::fs::write(&target, body).unwrap_or_default();
    }
    let requirements =
        std::fs::read_to_string(dir.path().join("requirements.txt")).unwrap_or_default();
    assert!(!requirements.contains("Flask=="), "{requirements}");
    let after = report(&["check", "--format", "json", path]);
    let messages: Vec<&str> = after["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        !messages.iter().any(|m| m.starts_with("`Flask`")),
        "{messages:?}"
    );
    assert_eq!(
        after["diagnostics"].as_array().map(Vec::len),
        before["diagnostics"].as_array().map(|d| d.len() - 1),
        "{messages:?}"
    );
    let out = wbuildc(&["compile", path, "--variant", "production"]);
    let dockerfile = text(&out.stdout);
    assert_eq!(
        dockerfile.matches("python3-flask").count(),
        2,
        "the build and the production stage install it:\n{dockerfile}"
    );
}

/// `--deny-warnings` fails a run that has only warnings (in both formats); without
/// it, warnings do not fail the run.
#[test]
fn deny_warnings_makes_warnings_fail_the_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let manifest = dir.path().join("service.wbuild");
    std::fs::write(
        &manifest,
        "import \"base\"\nimage \"svc\" {}\nvariant production extends base.runtime() {\n  cmd = \"sleep infinity\"\n}\n",
    )
    .unwrap_or_default();
    let path = manifest.to_str().unwrap_or_default();
    let plain = wbuildc(&["check", path]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    assert!(
        text(&plain.stderr).contains("warning[WB4001]"),
        "{}",
        text(&plain.stderr)
    );
    for args in [
        vec!["check", "--deny-warnings", path],
        vec!["check", "--deny-warnings", "--format", "json", path],
    ] {
        let out = wbuildc(&args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn check_and_fmt_of_a_directory_read_every_manifest_git_would_see() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap_or_default();
    std::fs::create_dir_all(root.join("svc/.pipeline")).unwrap_or_default();
    std::fs::create_dir_all(root.join("build")).unwrap_or_default();
    let good = "image \"svc\" {\n  version = \"1.0.0\"\n}\n\nvariant production {\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = [\"/bin/true\"]\n}\n";
    std::fs::write(root.join("svc/service.wbuild"), good).unwrap_or_default();
    // Hidden directories are read (Blubber's `.pipeline`), ignored ones are not.
    std::fs::write(
        root.join("svc/.pipeline/bad.wbuild"),
        "variant x {\n  bogus = 1\n}\n",
    )
    .unwrap_or_default();
    std::fs::write(
        root.join("build/generated.wbuild"),
        "this is not a manifest",
    )
    .unwrap_or_default();
    std::fs::write(root.join(".gitignore"), "build/\n").unwrap_or_default();
    let out = wbuildc_at(root, &["check", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("svc/.pipeline/bad.wbuild"), "{stderr}");
    assert!(!stderr.contains("generated.wbuild"), "{stderr}");
    std::fs::remove_file(root.join("svc/.pipeline/bad.wbuild")).unwrap_or_default();
    let out = wbuildc_at(root, &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // fmt --check shows what it would change, as a unified diff, and writes nothing.
    let messy = good.replace("  version", "version");
    std::fs::write(root.join("svc/service.wbuild"), &messy).unwrap_or_default();
    let out = wbuildc_at(root, &["fmt", "--check", "."]);
    assert_eq!(out.status.code(), Some(1));
    let diff = text(&out.stdout);
    assert!(
        diff.contains("--- svc/service.wbuild\n+++ svc/service.wbuild (formatted)\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-version = \"1.0.0\"\n+  version = \"1.0.0\"\n"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("svc/service.wbuild")).unwrap_or_default(),
        messy
    );
    let out = wbuildc_at(root, &["fmt", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(root.join("svc/service.wbuild")).unwrap_or_default(),
        good
    );
    let out = wbuildc_at(root, &["fmt", "--check", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn compile_check_says_whether_a_committed_dockerfile_is_stale() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dockerfile = dir.path().join("Dockerfile");
    let dockerfile = dockerfile.to_string_lossy();
    let manifest = "examples/go-service/service.wbuild";
    let check = || {
        wbuildc(&[
            "compile",
            manifest,
            "-v",
            "production",
            "--check",
            "-o",
            &dockerfile,
        ])
    };
    let out = check();
    assert_eq!(out.status.code(), Some(1), "a missing Dockerfile is stale");
    let out = wbuildc(&["compile", manifest, "-v", "production", "-o", &dockerfile]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = check();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is up to date"));
    let committed = std::fs::read_to_string(&*dockerfile).unwrap_or_default();
    std::fs::write(
        &*dockerfile,
        committed.replace("FROM scratch", "FROM busybox"),
    )
    .unwrap_or_default();
    let out = check();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("-FROM busybox AS production\n+FROM scratch AS production\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("is stale"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&*dockerfile).unwrap_or_default(),
        committed.replace("FROM scratch", "FROM busybox"),
        "--check writes nothing"
    );
    let out = wbuildc(&["compile", manifest, "-v", "production", "--check"]);
    assert_eq!(out.status.code(), Some(2), "--check needs --output");
}

/// `--format json` is a contract: docs/schemas/report.schema.json, validated with
/// check-jsonschema over the reports of every diagnostics, policy and mistakes
/// fixture (hundreds of diagnostics, with fixes and exceptions), and of a usage
/// error, which is in the report too.
#[test]
fn json_reports_match_their_published_schema() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let report = dir.path().join("report.json");
    let out = wbuildc(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/diagnostics",
        "tests/fixtures/policy",
        "tests/fixtures/mistakes",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    std::fs::write(&report, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    crate::ops::assert_valid("docs/schemas/report.schema.json", &report);
    let value: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let diagnostics = value["diagnostics"].as_array().cloned().unwrap_or_default();
    assert!(diagnostics.len() > 300, "{} diagnostics", diagnostics.len());
    // Every diagnostic points into the user's files, never into the stdlib.
    for d in &diagnostics {
        let file = d["primary"]["file"].as_str().unwrap_or("");
        assert!(file.starts_with("tests/fixtures/"), "{d}");
    }
    assert!(diagnostics.iter().any(|d| d["variant"].is_string()));
    assert!(diagnostics.iter().any(|d| d["fix"].is_object()));

    let out = wbuildc(&["check", "--format", "json", "tests/fixtures/no-such.wbuild"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(&report, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    crate::ops::assert_valid("docs/schemas/report.schema.json", &report);
    assert!(
        text(&out.stdout).contains("\"errors\":[{\"kind\":\"usage\""),
        "{}",
        text(&out.stdout)
    );

    let out = wbuildc(&[
        "compile",
        "examples/go-service/service.wbuild",
        "--variant",
        "production",
        "--format",
        "json",
        "-o",
        &dir.path().join("Dockerfile").to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(&report, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    crate::ops::assert_valid("docs/schemas/report.schema.json", &report);
}

/// `wbuildc` in `dir` with `input` on standard input.
fn wbuildc_with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = crate::support::wbuildc_command(dir, args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run wbuildc: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).unwrap_or_default();
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for wbuildc: {e}"))
}

#[test]
fn check_and_fmt_read_an_unsaved_buffer_from_stdin_as_if_it_were_at_its_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap_or_default();
    std::fs::create_dir_all(root.join("svc/app")).unwrap_or_default();
    std::fs::write(root.join("svc/common.wbuild"), "let team = \"web\"\n").unwrap_or_default();
    std::fs::write(root.join("svc/app/main.py"), "").unwrap_or_default();
    // What the editor holds: not saved, importing a neighbour of its path and
    // copying from its build context (one source is missing there).
    let buffer = "import \"base\"\nimport \"./common.wbuild\"\n\nimage \"svc\" {\n  labels = { \"org.example.team\": common.team }\n}\n\nvariant production extends base.runtime() {\n  steps += {\n    copy \"app/main.py\" to \"./\"\n    copy \"app/missing.py\" to \"./\"\n  }\n  cmd = [\"python3\", \"main.py\"]\n}\n";
    let path = "svc/service.wbuild";
    let out = wbuildc_with_stdin(root, &["check", "-", "--stdin-filename", path], buffer);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!root.join(path).exists(), "nothing is written");
    assert!(stderr.contains("┌─ svc/service.wbuild:11:"), "{stderr}");
    assert!(stderr.contains("app/missing.py"), "{stderr}");
    assert!(!stderr.contains("WB1003"), "the import resolves: {stderr}");

    let out = wbuildc_with_stdin(
        root,
        &["check", "--format", "json", "--stdin-filename", path, "-"],
        buffer,
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["primary"]["file"].as_str())
        .collect();
    assert_eq!(files, vec![path], "{report}");

    // Without a name the text is `<stdin>` in the current directory.
    let out = wbuildc_with_stdin(root, &["check", "-"], "variant x {\n  bogus = 1\n}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("┌─ <stdin>:2:3"),
        "{}",
        text(&out.stderr)
    );

    // fmt - is a filter: formatted text out, the input back unchanged when it
    // cannot be parsed, and --check prints the diff under the given name.
    let messy = "image \"svc\"   {\nversion = \"1\"\n}\n";
    let out = wbuildc_with_stdin(root, &["fmt", "-"], messy);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "image \"svc\" {\n  version = \"1\"\n}\n");
    let broken = "image \"svc\" {\n";
    let out = wbuildc_with_stdin(root, &["fmt", "-"], broken);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), broken);
    let out = wbuildc_with_stdin(
        root,
        &["fmt", "--check", "--stdin-filename", path, "-"],
        messy,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("--- svc/service.wbuild\n"),
        "{}",
        text(&out.stdout)
    );

    // Misuse is a usage error.
    for args in [
        vec!["check", "--stdin-filename", path, "svc/common.wbuild"],
        vec!["check", "-", "-"],
        vec!["check", "-", "--stdin-filename", "svc"],
    ] {
        let out = wbuildc_with_stdin(root, &args, "");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn engine_flags_are_checked_before_any_engine_runs() {
    let manifest = "examples/go-service/service.wbuild";
    for (flags, says) in [
        (
            vec!["--platform", "linux/x86_64"],
            "`x86_64` is not an architecture",
        ),
        (vec!["--platform", "arm64"], "os/arch"),
        (
            vec!["--cache-from", "docker.io/someone/cache"],
            "`docker.io` is not an approved registry",
        ),
        (
            vec!["--cache-to", "registry.example.org/cache/go:latest"],
            "without tag or digest",
        ),
        (
            vec![
                "--engine",
                "docker",
                "--cache-to",
                "registry.example.org/cache/go",
            ],
            "--cache-to needs --engine buildah",
        ),
    ] {
        let mut args = vec!["build", manifest, "--variant", "production"];
        args.extend(&flags);
        let out = crate::support::wbuildc_command(&repo(), &args)
            // Reaching an engine would be a different error.
            .env("WBUILDC_BUILDAH", "/nonexistent/buildah")
            .env("WBUILDC_DOCKER", "/nonexistent/docker")
            .output()
            .unwrap_or_else(|e| panic!("run wbuildc: {e}"));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(!stderr.contains("/nonexistent"), "{flags:?}: {stderr}");
    }
}
