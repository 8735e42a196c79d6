//! Hostile input through the real binary. Every file of `tests/hostile/` (made by
//! `scripts/gen-hostile-corpus.py`: truncations, mutations, huge values, invalid
//! UTF-8, NUL bytes, CRLF and lone CR, deep nesting, long extends chains, many
//! variants, duplicates) must make `wbuildc check` exit with code 1 and print an
//! `error[WB....]` diagnostic, never panic, overflow its stack or hang. The
//! resource-limit cases too large to commit are generated here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WBUILDC: &str = env!("CARGO_BIN_EXE_wbuildc");
const BASE: &str = "\"registry.example.org/debian:bookworm\"";

/// How long one run may take. An unoptimised build is several times slower than
/// the release build these limits are about (measured: 100,000 variants take
/// about 5 s optimised and 27 s unoptimised), so debug builds get more time.
fn deadline() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(60)
    } else {
        Duration::from_secs(10)
    }
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
}

/// Runs `wbuildc check FILE` (stdout and stderr go to files, so that a huge
/// output cannot block on a full pipe); kills it at the deadline.
fn check(file: &Path, scratch: &Path) -> Outcome {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let err_path = scratch.join(format!("{name}.stderr"));
    let stderr = std::fs::File::create(&err_path).expect("create stderr file");
    let start = Instant::now();
    let mut child = Command::new(WBUILDC)
        .arg("check")
        .arg("--color=never")
        .arg(file)
        .env("WBUILD_CONFIG", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start wbuildc");
    let limit = deadline();
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().expect("wait for wbuildc") {
            break (Some(status), false);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let bytes = std::fs::read(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&err_path);
    Outcome {
        code: status.and_then(|s| s.code()),
        stderr: String::from_utf8_lossy(&bytes).into_owned(),
        elapsed,
        timed_out,
    }
}

/// Why the outcome is not "a clean failure with a diagnostic", if it is not.
fn crash(outcome: &Outcome) -> Option<String> {
    if outcome.timed_out {
        return Some(format!("no result within {:?}", deadline()));
    }
    for sign in [
        "panicked",
        "overflowed its stack",
        "RUST_BACKTRACE",
        "memory allocation of",
    ] {
        if outcome.stderr.contains(sign) {
            let first = outcome
                .stderr
                .lines()
                .find(|l| l.contains(sign))
                .unwrap_or(sign);
            return Some(format!("crashed: {first}"));
        }
    }
    match outcome.code {
        None => Some("killed by a signal".to_string()),
        Some(0 | 1) => None,
        Some(code) => Some(format!("exit code {code}")),
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/hostile exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wbuild"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_hostile_file_fails_with_a_diagnostic_and_never_crashes() {
    let files = corpus();
    assert!(files.len() >= 200, "only {} corpus files", files.len());
    let scratch = scratch_dir("hostile-corpus");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let slowest = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let outcome = check(file, &scratch);
                let name = file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                slowest
                    .lock()
                    .expect("lock")
                    .push((outcome.elapsed, name.clone()));
                let problem = crash(&outcome).or_else(|| {
                    if outcome.code != Some(1) {
                        Some(format!("exit code {:?}, expected 1", outcome.code))
                    } else if !outcome.stderr.contains("error[WB") {
                        Some("no error[WB....] diagnostic on stderr".to_string())
                    } else {
                        None
                    }
                });
                if let Some(problem) = problem {
                    let head: String = outcome.stderr.chars().take(600).collect();
                    failures
                        .lock()
                        .expect("lock")
                        .push(format!("{name}: {problem}\n{head}"));
                }
            });
        }
    });
    let mut slowest = slowest.into_inner().expect("lock");
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (elapsed, name) in slowest.iter().take(5) {
        eprintln!("slowest: {name} {elapsed:?}");
    }
    let failures = failures.into_inner().expect("lock");
    assert!(
        failures.is_empty(),
        "{} of {} hostile files were not rejected cleanly:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// Writes `text` to a scratch file and checks it; the run must end in time with a
/// result or a diagnostic (exit 0 or 1), never a crash.
fn limit_case(name: &str, text: &str, expect_code: Option<&str>) -> Outcome {
    let dir = scratch_dir(&format!("limits-{name}"));
    let path = dir.join(format!("{name}.wbuild"));
    std::fs::write(&path, text).expect("write case");
    let outcome = check(&path, &dir);
    eprintln!(
        "{name}: {} bytes, exit {:?}, {:?}",
        text.len(),
        outcome.code,
        outcome.elapsed
    );
    if let Some(problem) = crash(&outcome) {
        let head: String = outcome.stderr.chars().take(600).collect();
        panic!("{name}: {problem}\n{head}");
    }
    if outcome.code == Some(1) {
        assert!(
            outcome.stderr.contains("error[WB"),
            "{name}: exit 1 without a diagnostic"
        );
    }
    if let Some(code) = expect_code {
        assert!(
            outcome.stderr.contains(&format!("error[{code}]")),
            "{name}: expected {code}:\n{}",
            outcome.stderr.chars().take(600).collect::<String>()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

#[test]
fn one_hundred_thousand_variants() {
    // Compact, so that the file stays under the 8 MiB limit and is really checked.
    let mut text = format!(
        "image \"svc\" {{}}\nvariant t {{\n  base = {BASE}\n  user = user(\"app\", 1000, 1000)\n  cmd = [\"/bin/t\"]\n}}\n"
    );
    for i in 0..100_000 {
        text.push_str(&format!("variant v{i} extends t {{}}\n"));
    }
    let outcome = limit_case("variants-100000", &text, None);
    assert!(
        !outcome.stderr.contains("WB0005"),
        "refused as too large, not checked"
    );
}

#[test]
fn a_fifty_megabyte_file() {
    let block = format!("variant v {{\n  base = {BASE}\n  cmd = [\"/bin/true\"]\n}}\n");
    let mut text = String::from("image \"svc\" {}\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&block);
    }
    limit_case("fifty-megabytes", &text, Some("WB0005"));
}

#[test]
fn ten_thousand_deep_nesting() {
    for (name, open, close) in [
        ("lists", "[", "]"),
        ("blocks", "{", "}"),
        ("calls", "user(", ")"),
    ] {
        let text = format!("let a = {}1{}\n", open.repeat(10_000), close.repeat(10_000));
        limit_case(&format!("nesting-{name}"), &text, Some("WB0005"));
    }
}

fn extends_chain(n: usize, reverse: bool) -> String {
    let mut items = vec![format!(
        "variant v0 {{\n  base = {BASE}\n  cmd = [\"x\"]\n}}\n"
    )];
    items.extend((1..n).map(|i| format!("variant v{i} extends v{} {{}}\n", i - 1)));
    if reverse {
        items.reverse();
    }
    format!("image \"svc\" {{}}\n{}", items.concat())
}

#[test]
fn an_extends_chain_of_ten_thousand_defined_parent_first() {
    limit_case(
        "extends-forward",
        &extends_chain(10_000, false),
        Some("WB3005"),
    );
}

#[test]
fn an_extends_chain_of_ten_thousand_defined_child_first() {
    limit_case(
        "extends-reverse",
        &extends_chain(10_000, true),
        Some("WB3005"),
    );
}

#[test]
fn a_preset_chain_of_ten_thousand() {
    let mut text = format!("image \"svc\" {{}}\npreset p0() {{\n  base = {BASE}\n}}\n");
    for i in 1..10_000 {
        text.push_str(&format!("preset p{i}() extends p{}() {{}}\n", i - 1));
    }
    text.push_str("variant v extends p9999() {\n  cmd = [\"x\"]\n}\n");
    limit_case("preset-chain", &text, Some("WB3005"));
}

/// Every diagnostic is rendered with its whole source line, so N diagnostics on one
/// long line would print O(N × line) bytes (20,000 bad escapes in one 40 KB string:
/// about 800 MB). The terminal renderer shows at most 200 per file and counts the rest.
#[test]
fn many_diagnostics_on_one_long_line() {
    let text = format!(
        "image \"svc\" {{}}\nvariant v {{\n  base = {BASE}\n  cmd = [\"{}\"]\n}}\n",
        "\\q".repeat(20_000)
    );
    limit_case("escapes-20000", &text, Some("WB0003"));
}

/// Files are read with a size limit (the parser's 8 MiB plus one byte), so an
/// import of an endless file (`/dev/zero`) is a diagnostic, not an exhausted
/// memory. Run under a 1 GiB address-space limit so that a regression fails fast.
#[test]
fn an_import_of_an_endless_file_is_bounded() {
    let dir = scratch_dir("limits-dev-zero");
    let path = dir.join("dev-zero.wbuild");
    std::fs::write(&path, "import \"/dev/zero\"\nimage \"svc\" {}\n").expect("write case");
    let start = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576; exec timeout 20 \"$0\" check \"$1\"")
        .arg(WBUILDC)
        .arg(&path)
        .output()
        .expect("run sh");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{:?}: {stderr}",
        start.elapsed()
    );
    assert!(stderr.contains("error[WB"), "{stderr}");
}

/// Evaluation is bounded: values built by reusing names (`let s1 = s0 + s0`
/// doubled 63 times is 1.3 KB of source and 2^63 bytes of value), step blocks
/// doubled the same way, and presets that extend the same preset twice at each of
/// 60 levels (2^60 instantiations unless instances are memoised).
#[test]
fn values_doubled_by_reuse_are_refused_not_built() {
    let mut strings = String::from("let s0 = \"abcdefghijklmnopqrst\"\n");
    for i in 1..64 {
        strings.push_str(&format!("let s{i} = s{} + s{}\n", i - 1, i - 1));
    }
    strings.push_str("image \"svc\" {}\n");
    let outcome = limit_case("doubled-strings", &strings, Some("WB0005"));
    assert_eq!(
        outcome.stderr.matches("error[").count(),
        1,
        "one error, not one per constant:\n{}",
        outcome.stderr
    );

    let mut steps = String::from("let t0: steps = { run \"echo hi\" }\n");
    for i in 1..40 {
        steps.push_str(&format!("let t{i}: steps = t{} + t{}\n", i - 1, i - 1));
    }
    steps.push_str(&format!(
        "image \"svc\" {{}}\nvariant v {{\n  base = {BASE}\n  user = user(\"app\", 1000)\n  steps = t39\n}}\n"
    ));
    limit_case("doubled-steps", &steps, Some("WB0005"));
}

#[test]
fn a_diamond_of_presets_is_instantiated_once_per_preset() {
    let mut text = format!(
        "image \"svc\" {{}}\npreset p0() {{\n  base = {BASE}\n  user = user(\"app\", 1000)\n  steps += {{ run \"echo 0\" }}\n}}\n"
    );
    for i in 1..=60 {
        text.push_str(&format!(
            "preset p{i}() extends p{0}(), p{0}() {{\n  steps += {{ run \"echo {i}\" }}\n}}\n",
            i - 1
        ));
    }
    text.push_str("variant v extends p60() {\n  cmd = [\"x\"]\n}\n");
    let outcome = limit_case("preset-diamond", &text, None);
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
}

/// Checking is linear: ten thousand unknown names among ten thousand constants
/// (each "did you mean" compares a name with every name in scope), and a chain of
/// three thousand imports (each import's cycle check walked the chain below it).
#[test]
fn many_unknown_names_and_long_import_chains_are_checked_in_linear_time() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!("let value_{i} = \"x\"\n"));
    }
    for i in 0..10_000 {
        text.push_str(&format!("let other_{i} = missing_{i}\n"));
    }
    text.push_str("image \"svc\" {}\n");
    let outcome = limit_case("unknown-names", &text, Some("WB1001"));
    assert!(
        outcome.elapsed < deadline() / 4,
        "{:?} for 10,000 unknown names",
        outcome.elapsed
    );

    let dir = scratch_dir("limits-import-chain");
    for i in 0..3000 {
        let next = if i < 2999 {
            format!("import \"./m{}.wbuild\"\n", i + 1)
        } else {
            String::new()
        };
        std::fs::write(
            dir.join(format!("m{i}.wbuild")),
            format!("{next}let c{i} = \"v\"\n"),
        )
        .expect("write chain");
    }
    std::fs::write(
        dir.join("main.wbuild"),
        "import \"./m0.wbuild\"\nimage \"svc\" {}\n",
    )
    .expect("write main");
    let outcome = check(&dir.join("main.wbuild"), &dir);
    assert!(crash(&outcome).is_none(), "{:?}", crash(&outcome));
    assert!(
        outcome.elapsed < deadline() / 4,
        "{:?} for a chain of 3,000 imports",
        outcome.elapsed
    );
}

/// Output is bounded: 400 KB of input with 40,000 mistakes on one line gives at
/// most 1,000 diagnostics (and a count of the rest), each quoting at most 1 KiB.
#[test]
fn the_diagnostics_of_a_huge_input_are_bounded() {
    let names: Vec<String> = (0..40_000).map(|i| format!("b{i}")).collect();
    let text = format!("image \"svc\" {{}}\nlet a = [{}]\n", names.join(", "));
    let dir = scratch_dir("limits-output");
    let path = dir.join("output.wbuild");
    std::fs::write(&path, &text).expect("write case");
    let outcome = check(&path, &dir);
    assert!(crash(&outcome).is_none(), "{:?}", crash(&outcome));
    assert!(
        outcome.stderr.len() < 1 << 20,
        "{} bytes of terminal output",
        outcome.stderr.len()
    );
    let json = Command::new(WBUILDC)
        .args(["check", "--format", "json"])
        .arg(&path)
        .env("WBUILD_CONFIG", "")
        .output()
        .expect("run wbuildc");
    assert!(
        json.stdout.len() < 1 << 20,
        "{} bytes of JSON",
        json.stdout.len()
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let listed = report["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, 1001, "1,000 diagnostics and the count of the rest");
}
