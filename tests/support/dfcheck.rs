//! Real Dockerfile checkers for tests: BuildKit's own parser (the `dockerfile`
//! PyPI package) and hadolint with the repository's `.hadolint.yaml`, both run
//! through `tests/tools/dfcheck.py` in the virtualenv made by
//! `scripts/setup-test-env.sh`. A missing virtualenv is a test failure.
//!
//! Include it with `#[path = "../support/dfcheck.rs"] mod dfcheck;` (or
//! `mod support;`). Needs only `serde`, `serde_json` and std.
//!
//! # How the parser reports values (checked against a real BuildKit build)
//!
//! [`Instruction::value`] is the parser's raw output: quotes and escapes are
//! NOT removed and variables are NOT expanded. `ENV A="x\"y" B=$$` gives
//! `value == ["A", "\"x\\\"y\"", "B", "$$"]` (LABEL the same: keys and values
//! alternate, keys keep their quotes too). Never compare `value` with an
//! original string; compare [`Instruction::literal`] instead.
//!
//! [`Instruction::literal`] is what BuildKit makes of each value for
//! ADD, ARG, COPY, ENV, EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR
//! (and the JSON exec form of RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK, which is
//! literal as is): outside quotes `\c` gives `c`; `'...'` is literal; inside
//! `"..."` only `\"`, `\$` and `\\` are escapes, any other `\` stays. It is
//! `None` when the value contains a variable reference (`$NAME`, `${...}`,
//! `$1`, and also `$$`, which BuildKit expands to the empty string: `$$` is
//! NOT an escape); [`Instruction::literal_error`] says why. A literal `$` is
//! `\$` (or `'$'`, or a `$` not followed by a name, `{` or special character);
//! a literal backslash is `\\`. This was checked value for value against
//! docker 20.10's BuildKit on ~1800 random words. A value whose line ends in
//! `\` (even `\ ` followed by spaces) continues onto the next line. Details:
//! `docs/dockerfile-facts.md`.

#![allow(dead_code)]

use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// One instruction as BuildKit's parser reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Instruction {
    /// Upper-case instruction name as written (`RUN`, `ONBUILD`, ...).
    pub cmd: String,
    /// The instruction after `ONBUILD`, else `None`.
    pub sub_cmd: Option<String>,
    /// `true` for the JSON (exec) form; then `value` holds the decoded strings.
    pub json: bool,
    /// `--flag=value` options as written, e.g. `--from=build`.
    pub flags: Vec<String>,
    /// Raw values (quotes and escapes kept, variables unexpanded).
    pub value: Vec<String>,
    /// The instruction text, continuation lines joined.
    pub original: String,
    pub start_line: u32,
    #[serde(default)]
    pub end_line: u32,
    #[serde(default)]
    pub heredocs: Vec<Heredoc>,
    /// Values after BuildKit's quote/escape removal (see module docs).
    #[serde(default)]
    pub literal: Option<Vec<String>>,
    #[serde(default)]
    pub literal_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Heredoc {
    pub name: String,
    pub file_descriptor: u32,
    pub content: String,
}

/// One hadolint finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Finding {
    pub code: String,
    /// `error`, `warning`, `info` or `style`.
    pub level: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Report {
    /// The parser's error, or an instruction BuildKit does not know.
    pub parse_error: Option<String>,
    pub instructions: Vec<Instruction>,
    pub hadolint: Vec<Finding>,
}

impl Report {
    /// Findings that fail the build (`.hadolint.yaml`: threshold warning).
    pub fn failing(&self) -> Vec<&Finding> {
        self.hadolint
            .iter()
            .filter(|f| f.level == "error" || f.level == "warning")
            .collect()
    }

    /// Whether hadolint reported `code` (e.g. `"DL3007"`) at any level.
    pub fn has(&self, code: &str) -> bool {
        self.hadolint.iter().any(|f| f.code == code)
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let venv = match std::env::var_os("WBUILD_PYENV") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir().join(".venv"),
    };
    let python = venv.join("bin").join("python");
    if !python.exists() {
        panic!(
            "Dockerfile checkers not installed: {} is missing; run scripts/setup-test-env.sh",
            python.display()
        );
    }
    python
}

/// Checks all `dockerfiles` with one Python process; one report each, in order.
pub fn check_many(dockerfiles: &[String]) -> Vec<Report> {
    run_batch(dockerfiles, &[])
}

/// Like [`check_many`], but only BuildKit's parser runs (no hadolint findings).
pub fn parse_many(dockerfiles: &[String]) -> Vec<Report> {
    run_batch(dockerfiles, &["--no-hadolint"])
}

fn run_batch(dockerfiles: &[String], extra: &[&str]) -> Vec<Report> {
    if dockerfiles.is_empty() {
        return Vec::new();
    }
    let script = manifest_dir().join("tests/tools/dfcheck.py");
    let mut child = Command::new(python())
        .arg(&script)
        .arg("--batch")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
    let input = serde_json::to_vec(dockerfiles).expect("serialise Dockerfiles");
    let mut stdin = child.stdin.take().expect("child stdin");
    // Write on another thread so a large batch cannot deadlock on full pipes.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait for dfcheck.py");
    let written = writer.join().expect("stdin writer thread");
    if !output.status.success() {
        panic!(
            "dfcheck.py failed ({}); run scripts/setup-test-env.sh if tools are missing\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    written.expect("write Dockerfiles to dfcheck.py");
    let reports: Vec<Report> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "dfcheck.py printed invalid JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert_eq!(
        reports.len(),
        dockerfiles.len(),
        "dfcheck.py returned the wrong number of reports"
    );
    reports
}

/// Checks one Dockerfile.
pub fn check(dockerfile: &str) -> Report {
    check_many(&[dockerfile.to_string()])
        .pop()
        .expect("one report")
}

/// Panics unless the Dockerfile parsed and hadolint found nothing at level
/// warning or error. The message shows the numbered Dockerfile and findings.
pub fn assert_clean(name: &str, dockerfile: &str, report: &Report) {
    let failing = report.failing();
    if report.parse_error.is_none() && failing.is_empty() {
        return;
    }
    let mut msg = format!("Dockerfile `{name}` is not clean:\n");
    if let Some(err) = &report.parse_error {
        let _ = writeln!(msg, "  BuildKit parser: {err}");
    }
    for f in &report.hadolint {
        let _ = writeln!(
            msg,
            "  hadolint line {}: {} [{}] {}",
            f.line,
            f.code,
            f.level,
            f.message.replace('\n', " ")
        );
    }
    msg.push_str("---\n");
    for (i, line) in dockerfile.lines().enumerate() {
        let _ = writeln!(msg, "{:>4} | {line}", i + 1);
    }
    msg.push_str("---");
    panic!("{msg}");
}
