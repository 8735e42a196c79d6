//! The CI integration files (action.yml, .pre-commit-hooks.yaml, ci/), run as
//! written: each is validated against its schema (check-jsonschema's built-in
//! GitLab CI and GitHub schemas, pre-commit's own manifest check), and the
//! shell each one runs is run for real with the built wbuildc on a copy of an
//! example repository: clean, with a manifest that has an error, with one that
//! is not formatted. Building wbuildc with cargo (what the action and the GitLab
//! template do when no wbuildc is given) is replaced by a stand-in `cargo` that
//! records its arguments and installs the built binary: the real build takes
//! minutes, and its command line is what these files own.

use crate::reports::assert_valid_sarif;
use crate::support::repo;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn venv() -> PathBuf {
    std::env::var_os("WBUILD_PYENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} (run scripts/setup-test-env.sh): {e}"))
}

/// A YAML file as JSON (PyYAML, which pre-commit brings into the test env).
fn yaml(path: &Path) -> Value {
    let out = run(Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path));
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// check-jsonschema with a built-in schema, with every HTTP(S) request sent to
/// a closed port: the schemas it ships are all it may use.
fn builtin_schema_check(schema: &str, document: &Path) -> (bool, String) {
    let out = run(Command::new(venv().join("bin/check-jsonschema"))
        .arg("--builtin-schema")
        .arg(schema)
        .arg(document)
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY"));
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// Makes a CI file wrong in one place.
type Breaker = fn(&mut Value);

/// Each file matches its vendor's schema (check-jsonschema ships them, so this
/// needs no network), and the same file made wrong in one place does not: the
/// check is a real one.
#[test]
fn ci_files_match_their_schemas() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases: [(&str, &str, Breaker); 3] = [
        ("vendor.gitlab-ci", "ci/gitlab/wbuild.gitlab-ci.yml", |v| {
            v["wbuild-check"]["script"] = Value::from(5)
        }),
        ("vendor.github-actions", "action.yml", |v| {
            v["runs"]["using"] = Value::from("docker-compose")
        }),
        ("vendor.github-workflows", "ci/github/wbuild.yml", |v| {
            v["jobs"]["wbuild"]["steps"] = Value::from("checkout")
        }),
    ];
    for (schema, file, break_it) in cases {
        let (valid, said) = builtin_schema_check(schema, &repo().join(file));
        assert!(valid, "{file} does not match {schema}:\n{said}");
        let mut broken = yaml(&repo().join(file));
        break_it(&mut broken);
        let path = dir.path().join("broken.json");
        std::fs::write(&path, broken.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let (valid, said) = builtin_schema_check(schema, &path);
        assert!(!valid, "a broken {file} passed {schema}: {said}");
    }
    let out = run(Command::new(venv().join("bin/pre-commit"))
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(repo()));
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A git repository holding a copy of examples/go-service (which checks clean),
/// plus the manifests `extra` names.
fn sample_repository(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_dir(&repo().join("examples/go-service"), dir.path());
    for (name, text) in extra {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let out = run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org"));
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

fn commit_all(dir: &Path) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "hooks"]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The line of the misspelt field in [`bad_manifest`].
fn bad_line() -> usize {
    bad_manifest()
        .lines()
        .position(|l| l.starts_with("  exposse"))
        .map_or(0, |i| i + 1)
}

/// The example's manifest with a misspelt field (WB2001 at column 3).
fn bad_manifest() -> String {
    let good = std::fs::read_to_string(repo().join("examples/go-service/service.wbuild"))
        .unwrap_or_default();
    assert!(good.contains("  expose = [8080]"));
    good.replace("  expose = [8080]", "  exposse = [8080]")
}

const UNFORMATTED: &str = "image \"x\" {\n      version=\"1\"\n}\n";
const FORMATTED: &str = "image \"x\" {\n  version = \"1\"\n}\n";

fn wbuildc() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wbuildc"))
}

/// A directory with a stand-in `cargo`: it writes its arguments to `cargo.args`
/// beside it and installs the built wbuildc under `--root`.
fn cargo_stand_in() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}/cargo.args'\nroot=''\nprev=''\nfor a in \"$@\"; do [ \"$prev\" = --root ] && root=\"$a\"; prev=\"$a\"; done\nmkdir -p \"$root/bin\" && cp '{}' \"$root/bin/wbuildc\"\n",
        dir.path().display(),
        wbuildc().display()
    );
    let cargo = dir.path().join("cargo");
    std::fs::write(&cargo, script).unwrap_or_else(|e| panic!("{e}"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn recorded_args(stand_in: &Path) -> Vec<String> {
    std::fs::read_to_string(stand_in.join("cargo.args"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A PATH with the system's tools (and never a wbuildc installed on this
/// machine), after `first`.
fn path_with(first: &Path) -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", first.display())
}

// --- The GitHub action -------------------------------------------------------

/// What one run of the composite action did: each step's exit code and output.
struct ActionRun {
    steps: Vec<(String, Option<i32>, String)>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
}

impl ActionRun {
    fn exit(&self) -> Option<i32> {
        self.steps
            .iter()
            .map(|s| s.1)
            .find(|c| *c != Some(0))
            .unwrap_or(Some(0))
    }
    fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("--- {}\n{}", s.0, s.2))
            .collect()
    }
}

/// Runs action.yml's steps as the runner does (`bash --noprofile --norc -eo
/// pipefail` in the workspace, inputs and outputs through `${{ }}` in `env`),
/// stopping at the first step that fails.
fn run_action(workspace: &Path, inputs: &[(&str, &str)], path: &str) -> ActionRun {
    let action = yaml(&repo().join("action.yml"));
    let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, input) in action["inputs"].as_object().into_iter().flatten() {
        let default = input["default"].as_str().unwrap_or("").to_string();
        values.insert(format!("inputs.{name}"), default);
    }
    for (name, value) in inputs {
        assert!(
            values.contains_key(&format!("inputs.{name}")),
            "no input {name}"
        );
        values.insert(format!("inputs.{name}"), value.to_string());
    }
    values.insert(
        "github.action_path".into(),
        repo().to_string_lossy().into_owned(),
    );
    values.insert(
        "runner.temp".into(),
        temp.path().to_string_lossy().into_owned(),
    );
    let mut result = ActionRun {
        steps: Vec::new(),
        outputs: BTreeMap::new(),
    };
    assert_eq!(action["runs"]["using"], "composite");
    for step in action["runs"]["steps"].as_array().into_iter().flatten() {
        let script = step["run"]
            .as_str()
            .unwrap_or_else(|| panic!("a step without run: {step}"));
        assert!(
            !script.contains("${{"),
            "inputs reach scripts through env only: {script}"
        );
        assert_eq!(step["shell"], "bash");
        let id = step["id"].as_str().unwrap_or("").to_string();
        let output_file = temp.path().join(format!("output-{id}"));
        std::fs::write(&output_file, "").unwrap_or_else(|e| panic!("{e}"));
        let script_file = temp.path().join(format!("step-{id}.sh"));
        std::fs::write(&script_file, script).unwrap_or_else(|e| panic!("{e}"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(workspace)
            .env("PATH", path)
            .env("GITHUB_OUTPUT", &output_file)
            .env("RUNNER_TEMP", temp.path())
            .env("NO_COLOR", "1")
            .env("WBUILD_CONFIG", "");
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            command.env(name, evaluate(value.as_str().unwrap_or(""), &values));
        }
        let out = run(&mut command);
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in &outputs {
            values.insert(format!("steps.{id}.outputs.{k}"), v.clone());
        }
        result.outputs.insert(id.clone(), outputs);
        let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
        result.steps.push((id, out.status.code(), log));
        if !out.status.success() {
            break;
        }
    }
    result
}

/// `${{ NAME }}` replaced by its value; an expression the test does not know
/// fails it (the action should use nothing else).
fn evaluate(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 3..).unwrap_or("");
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed ${{{{ in {template}"));
        let name = after.get(..end).unwrap_or("").trim();
        let value = values
            .get(name)
            .unwrap_or_else(|| panic!("the test does not know ${{{{ {name} }}}}"));
        out.push_str(value);
        rest = after.get(end + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[test]
fn the_github_action_annotates_writes_sarif_and_fails_on_errors() {
    let wbuildc = wbuildc().to_string_lossy().into_owned();
    let system = path_with(Path::new("/nonexistent"));
    let inputs = [("wbuildc", wbuildc.as_str()), ("sarif", "wbuild.sarif")];

    let clean = sample_repository(&[]);
    let ran = run_action(clean.path(), &inputs, &system);
    assert_eq!(ran.exit(), Some(0), "{}", ran.log());
    let sarif = std::fs::read(clean.path().join("wbuild.sarif")).unwrap_or_default();
    let log = assert_valid_sarif(&sarif);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(ran.outputs["check"]["sarif"], "wbuild.sarif");
    assert_eq!(ran.outputs["install"]["wbuildc"], wbuildc);

    let bad = bad_manifest();
    let broken = sample_repository(&[("bad.wbuild", &bad)]);
    let ran = run_action(broken.path(), &inputs, &system);
    assert_eq!(ran.exit(), Some(1), "{}", ran.log());
    assert!(
        ran.log().contains(&format!("::error file=bad.wbuild,line={0},col=3,endLine={0},endColumn=10,title=WB2001 unknown field::unknown field `exposse`", bad_line())),
        "{}",
        ran.log()
    );
    let sarif = std::fs::read(broken.path().join("wbuild.sarif")).unwrap_or_default();
    let log = assert_valid_sarif(&sarif);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "WB2001");

    let unformatted = sample_repository(&[("x.wbuild", UNFORMATTED)]);
    let ran = run_action(unformatted.path(), &inputs, &system);
    assert_eq!(ran.exit(), Some(1), "{}", ran.log());
    assert!(
        ran.log().contains("::error title=wbuildc fmt::"),
        "{}",
        ran.log()
    );
    let ran = run_action(unformatted.path(), &[inputs[0], ("fmt", "false")], &system);
    assert_eq!(ran.exit(), Some(0), "fmt = false: {}", ran.log());
    let deny = [inputs[0], inputs[1], ("deny-warnings", "true")];
    let ran = run_action(clean.path(), &deny, &system);
    assert_eq!(ran.exit(), Some(0), "deny-warnings: {}", ran.log());
}

#[test]
fn the_github_action_builds_wbuildc_from_its_source_when_none_is_given() {
    let stand_in = cargo_stand_in();
    let clean = sample_repository(&[]);
    let ran = run_action(clean.path(), &[], &path_with(stand_in.path()));
    assert_eq!(ran.exit(), Some(0), "{}", ran.log());
    let root = ran.outputs["install"]["wbuildc"]
        .trim_end_matches("/bin/wbuildc")
        .to_string();
    let source = repo().to_string_lossy().into_owned();
    assert_eq!(
        recorded_args(stand_in.path()),
        ["install", "--locked", "--path", &source, "--root", &root, "--bin", "wbuildc"]
    );
}

// --- The GitLab template ------------------------------------------------------

/// Runs one job of the GitLab template as a runner with a shell executor would:
/// the template's variables (then `overrides`) in the environment, the
/// `before_script` and `script` of the job and what it extends, under `sh -e`
/// in the project directory.
fn run_gitlab_job(project: &Path, job: &str, overrides: &[(&str, &str)], path: &str) -> Output {
    let template = yaml(&repo().join("ci/gitlab/wbuild.gitlab-ci.yml"));
    let definition = &template[job];
    assert!(definition.is_object(), "no job {job}");
    let parent = &template[definition["extends"].as_str().unwrap_or("")];
    let lines = |key: &str| -> Vec<String> {
        let list = if definition[key].is_array() {
            &definition[key]
        } else {
            &parent[key]
        };
        list.as_array()
            .into_iter()
            .flatten()
            .map(|l| l.as_str().unwrap_or("").to_string())
            .collect()
    };
    let script = [lines("before_script"), lines("script")]
        .concat()
        .join("\n");
    let mut command = Command::new("sh");
    command
        .args(["-e", "-c", &script])
        .current_dir(project)
        .env("PATH", path)
        .env("CI_PROJECT_DIR", project)
        .env("NO_COLOR", "1")
        .env("WBUILD_CONFIG", "");
    for (name, value) in template["variables"].as_object().into_iter().flatten() {
        command.env(name, value.as_str().unwrap_or(""));
    }
    for (name, value) in overrides {
        command.env(name, value);
    }
    run(&mut command)
}

fn log(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_gitlab_template_checks_keeps_a_sarif_artifact_and_checks_formatting() {
    let template = yaml(&repo().join("ci/gitlab/wbuild.gitlab-ci.yml"));
    let artifacts = &template["wbuild-check"]["artifacts"];
    assert_eq!(artifacts["paths"][0], "wbuild.sarif");
    let quality = artifacts["reports"]["codequality"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(quality, "gl-code-quality-report.json");
    let bin = wbuildc();
    let with_wbuildc = path_with(bin.parent().unwrap_or(Path::new("/")));

    let clean = sample_repository(&[]);
    let out = run_gitlab_job(clean.path(), "wbuild-check", &[], &with_wbuildc);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert_valid_sarif(&std::fs::read(clean.path().join("wbuild.sarif")).unwrap_or_default());
    let report = std::fs::read(clean.path().join(&quality)).unwrap_or_default();
    assert_eq!(text(&report), "[]\n");
    let out = run_gitlab_job(clean.path(), "wbuild-fmt", &[], &with_wbuildc);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));

    let bad = bad_manifest();
    let broken = sample_repository(&[("bad.wbuild", &bad), ("x.wbuild", UNFORMATTED)]);
    let out = run_gitlab_job(broken.path(), "wbuild-check", &[], &with_wbuildc);
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    assert!(
        log(&out).contains("error[WB2001]: unknown field `exposse`"),
        "{}",
        log(&out)
    );
    let sarif =
        assert_valid_sarif(&std::fs::read(broken.path().join("wbuild.sarif")).unwrap_or_default());
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "WB2001");
    let report = std::fs::read(broken.path().join(&quality)).unwrap_or_default();
    let issues: Value = serde_json::from_slice(&report).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(issues[0]["check_name"], "WB2001", "{issues}");
    assert_eq!(issues[0]["location"]["path"], "bad.wbuild");
    assert_eq!(issues[0]["location"]["lines"]["begin"], bad_line());
    let out = run_gitlab_job(broken.path(), "wbuild-fmt", &[], &with_wbuildc);
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    assert!(log(&out).contains("+  version = \"1\""), "{}", log(&out));
    // The variables are the user's to set.
    let deny = [("WBUILD_CHECK_FLAGS", "--deny-warnings")];
    let out = run_gitlab_job(clean.path(), "wbuild-check", &deny, &with_wbuildc);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    let out = run_gitlab_job(
        broken.path(),
        "wbuild-check",
        &[("WBUILD_PATHS", "cmd")],
        &with_wbuildc,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "no manifests under cmd/: {}",
        log(&out)
    );
}

#[test]
fn the_gitlab_template_builds_wbuildc_once_when_the_image_has_none() {
    let stand_in = cargo_stand_in();
    let clean = sample_repository(&[]);
    let path = path_with(stand_in.path());
    let out = run_gitlab_job(clean.path(), "wbuild-fmt", &[], &path);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    let template = yaml(&repo().join("ci/gitlab/wbuild.gitlab-ci.yml"));
    let variable = |name: &str| {
        template["variables"][name]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        recorded_args(stand_in.path()),
        [
            "install",
            "--locked",
            "--git",
            &variable("WBUILD_SOURCE"),
            "--tag",
            &variable("WBUILD_VERSION"),
            "--root",
            ".wbuildc",
            "--bin",
            "wbuildc",
            "wbuild"
        ]
    );
    assert_eq!(template[".wbuild"]["cache"]["paths"][0], ".wbuildc/");
    // The cached build is used by the next job.
    std::fs::remove_file(stand_in.path().join("cargo.args")).unwrap_or_else(|e| panic!("{e}"));
    let out = run_gitlab_job(clean.path(), "wbuild-check", &[], &path);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    assert!(!stand_in.path().join("cargo.args").exists(), "built twice");
}

// --- The Jenkinsfile -----------------------------------------------------------

/// The shell steps of the Jenkinsfile (`sh '...'` and `sh(..., script: '...')`)
/// and its `environment`, in order.
fn jenkins_steps() -> (Vec<String>, Vec<(String, String)>) {
    let text = std::fs::read_to_string(repo().join("ci/jenkins/Jenkinsfile")).unwrap_or_default();
    let mut steps = Vec::new();
    let mut environment = Vec::new();
    for line in text.lines().map(str::trim) {
        let quoted = |s: &str| s.split('\'').nth(1).map(str::to_string);
        if let Some(rest) = line.strip_prefix("sh '") {
            steps.extend(quoted(&format!("'{rest}")));
        } else if let Some(at) = line.find("script: '") {
            steps.extend(quoted(line.get(at..).unwrap_or("")));
        } else if let Some((name, value)) = line.split_once(" = '") {
            if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                environment.push((name.to_string(), value.trim_end_matches('\'').to_string()));
            }
        }
    }
    (steps, environment)
}

#[test]
fn the_jenkinsfile_shell_steps_run_as_written() {
    let (steps, environment) = jenkins_steps();
    assert_eq!(steps.len(), 3, "{steps:?}");
    let bin = wbuildc();
    let path = path_with(bin.parent().unwrap_or(Path::new("/")));
    let run_steps = |dir: &Path| -> Vec<Output> {
        steps
            .iter()
            .map(|script| {
                let mut command = Command::new("sh");
                command
                    .args(["-xe", "-c", script])
                    .current_dir(dir)
                    .env("PATH", &path)
                    .env("NO_COLOR", "1")
                    .env("WBUILD_CONFIG", "");
                for (name, value) in &environment {
                    command.env(name, value);
                }
                run(&mut command)
            })
            .collect()
    };
    let clean = sample_repository(&[]);
    for out in run_steps(clean.path()) {
        assert_eq!(out.status.code(), Some(0), "{}", log(&out));
    }
    let sarif = std::fs::read(clean.path().join("wbuild.sarif")).unwrap_or_default();
    assert_valid_sarif(&sarif);

    let bad = bad_manifest();
    let broken = sample_repository(&[("bad.wbuild", &bad)]);
    let codes: Vec<Option<i32>> = run_steps(broken.path())
        .iter()
        .map(|o| o.status.code())
        .collect();
    assert_eq!(codes, [Some(0), Some(1), Some(0)]);
    let sarif =
        assert_valid_sarif(&std::fs::read(broken.path().join("wbuild.sarif")).unwrap_or_default());
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "WB2001");
}

// --- pre-commit -----------------------------------------------------------------

fn pre_commit(project: &Path, home: &Path, args: &[&str]) -> Output {
    let bin = wbuildc();
    run(Command::new(venv().join("bin/pre-commit"))
        .args(args)
        .current_dir(project)
        .env("PATH", path_with(bin.parent().unwrap_or(Path::new("/"))))
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env("WBUILD_CONFIG", ""))
}

/// The hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a scratch
/// repository. The `-system` hooks run as published (`try-repo` clones this
/// repository). The `language: rust` ones would have pre-commit build wbuildc
/// with `cargo install` (minutes), so they run from a local configuration that
/// copies each definition as it is, with only the language changed to
/// `system`: the entry, the arguments and the file pattern are the published ones.
#[test]
fn pre_commit_runs_the_published_hooks() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let hooks = yaml(&repo().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "wbuildc-check",
            "wbuildc-fmt",
            "wbuildc-check-system",
            "wbuildc-fmt-system"
        ]
    );
    for hook in &hooks {
        assert_eq!(hook["files"], "\\.wbuild$", "{hook}");
    }

    let bad = bad_manifest();
    // The published manifest, alone in a repository of its own: what pre-commit
    // reads of this repository for `language: system` hooks, without cloning
    // all of it on every run.
    let hook_repository = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(hook_repository.path(), &["init", "-q"]);
    let manifest = hook_repository.path().join(".pre-commit-hooks.yaml");
    std::fs::copy(repo().join(".pre-commit-hooks.yaml"), &manifest)
        .unwrap_or_else(|e| panic!("{e}"));
    commit_all(hook_repository.path());
    let source = hook_repository.path().to_string_lossy().into_owned();
    // The check hook fails on the bad manifest with its diagnostic, passes on the good one.
    let project = sample_repository(&[("bad.wbuild", &bad)]);
    let all = ["--all-files", "--verbose"];
    let try_hook = |id: &str, files: &[&str]| {
        let mut args = vec!["try-repo", source.as_str(), id];
        args.extend(files);
        pre_commit(project.path(), home.path(), &args)
    };
    let out = try_hook("wbuildc-check-system", &all);
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    assert!(
        log(&out).contains("error[WB2001]: unknown field `exposse`"),
        "{}",
        log(&out)
    );
    let at = format!("bad.wbuild:{}:3", bad_line());
    assert!(log(&out).contains(&at), "{}", log(&out));
    let out = try_hook("wbuildc-check-system", &["--files", "service.wbuild"]);
    assert_eq!(out.status.code(), Some(0), "{}", log(&out));

    // The fmt hook rewrites an unformatted (staged) manifest and fails the commit.
    std::fs::write(project.path().join("x.wbuild"), UNFORMATTED).unwrap_or_else(|e| panic!("{e}"));
    git(project.path(), &["add", "x.wbuild"]);
    let out = try_hook(
        "wbuildc-fmt-system",
        &["--files", "x.wbuild", "service.wbuild"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    assert!(
        log(&out).contains("files were modified by this hook"),
        "{}",
        log(&out)
    );
    let rewritten = std::fs::read_to_string(project.path().join("x.wbuild")).unwrap_or_default();
    assert_eq!(rewritten, FORMATTED);

    // The language: rust hooks, as a local configuration with language system.
    let local: Vec<Value> = hooks
        .iter()
        .filter(|h| h["language"] == "rust")
        .map(|h| {
            let mut h = h.clone();
            h["language"] = Value::from("system");
            h
        })
        .collect();
    assert_eq!(local.len(), 2);
    let config = serde_json::json!({ "repos": [{ "repo": "local", "hooks": local }] });
    // JSON is YAML: pre-commit reads this configuration as it is.
    std::fs::write(
        project.path().join(".pre-commit-config.yaml"),
        config.to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(project.path().join("x.wbuild"), UNFORMATTED).unwrap_or_else(|e| panic!("{e}"));
    git(project.path(), &["add", "x.wbuild"]);
    let files = ["bad.wbuild", "service.wbuild", "x.wbuild"];
    let out = pre_commit(
        project.path(),
        home.path(),
        &[&["run", "--files"][..], &files].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", log(&out));
    let said = log(&out);
    assert!(
        said.contains("error[WB2001]: unknown field `exposse`"),
        "{said}"
    );
    assert!(
        said.contains("- hook id: wbuildc-fmt\n- files were modified by this hook"),
        "{said}"
    );
    let rewritten = std::fs::read_to_string(project.path().join("x.wbuild")).unwrap_or_default();
    assert_eq!(rewritten, FORMATTED);
}
