//! The escaping property, fuzzed: a generated string is placed in one of the
//! positions where a manifest's text reaches the Dockerfile, and the manifest is
//! compiled. Either compiling fails with an error diagnostic, or BuildKit's own
//! parser (tests/tools/dfcheck.py --serve, the `dockerfile` package) reads back the
//! same instructions as for a harmless marker, with the string exactly where the
//! marker was. (tests/it/sweep.rs checks the same property on a fixed list of
//! hostile values in every position the compiler's tables name.)
//!
//! The oracle is one Python process per fuzzing process, started on first use; it
//! needs the virtualenv of scripts/setup-test-env.sh.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

const MARKER: &str = "wbmxrk";

/// Where the value goes: `{V}` is replaced by the value as a .wbuild string.
/// Paths in the image (`true`) are normalised lexically by design (`//` and `/./`
/// become `/`), so values with `/` are not placed there.
const TEMPLATES: &[(&str, bool)] = &[
    ("steps = { env A = {V} }", false),
    ("steps = { arg A: string = {V} }", false),
    ("steps = { workdir {V} }", true),
    ("steps = { copy {V} to \"/srv/\" }", false),
    ("steps = { copy \"src/\" to {V} }", true),
    ("steps = { copy [\"a\", {V}] to \"/srv/\" }", false),
    ("steps = { copy from helper {V} to \"/srv/\" }", false),
    ("steps = { run {V} }", false),
    ("steps = { run [\"/bin/echo\", {V}] }", false),
    ("steps = { run [\"/bin/true\"] with cache = {V} }", true),
    ("steps = { run [\"/bin/true\"] with secret = {V} }", false),
    ("steps = { apt [{V}] }", false),
    ("labels = { \"org.example.k\": {V} }", false),
    ("labels = { {V}: \"v\" }", false),
    ("volumes = [{V}]", true),
    ("workdir = {V}", true),
    ("entrypoint = [{V}]", false),
    ("entrypoint = {V}", false),
    ("healthcheck = healthcheck(cmd = [{V}])", false),
    ("healthcheck = healthcheck(cmd = {V})", false),
    ("IMAGE version = {V}", false),
];

#[derive(Arbitrary, Debug)]
struct Input {
    template: u8,
    /// Before the marker, inside it or after it (a value's start and end matter:
    /// a leading `--` or `#`, a trailing `\`).
    placement: u8,
    value: String,
}

/// A .wbuild string literal holding exactly `value`.
fn literal(value: &str) -> String {
    wbuild::fmt::string_literal(value)
}

fn manifest(template: &str, value: &str) -> String {
    let (image, body) = match template.strip_prefix("IMAGE ") {
        Some(line) => (line.replace("{V}", &literal(value)), String::new()),
        None => (String::new(), template.replace("{V}", &literal(value))),
    };
    let user = if body.starts_with("user") { "" } else { "  user = user(\"app\", 1000)\n" };
    let cmd = if body.starts_with("cmd") { "" } else { "  cmd = [\"/bin/true\"]\n" };
    format!(
        "image \"svc\" {{\n  {image}\n}}\nvariant helper {{\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = [\"/bin/true\"]\n}}\nvariant v {{\n  base = \"registry.example.org/debian:bookworm\"\n{user}{cmd}  {body}\n}}\n"
    )
}

struct Oracle {
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Oracle {
    fn start() -> Oracle {
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let venv = std::env::var_os("WBUILD_PYENV")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| repo.join(".venv"));
        let mut child = Command::new(venv.join("bin/python"))
            .arg(repo.join("tests/tools/dfcheck.py"))
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start dfcheck.py --serve (run scripts/setup-test-env.sh)");
        let input = child.stdin.take().expect("oracle stdin");
        let output = BufReader::new(child.stdout.take().expect("oracle stdout"));
        Oracle {
            _child: child,
            input,
            output,
        }
    }

    fn parse(&mut self, dockerfile: &str) -> Value {
        let line = serde_json::to_string(dockerfile).expect("JSON string");
        writeln!(self.input, "{line}").expect("write to the oracle");
        self.input.flush().expect("flush the oracle");
        let mut answer = String::new();
        self.output.read_line(&mut answer).expect("read the oracle");
        serde_json::from_str(&answer).expect("the oracle's JSON")
    }
}

struct State {
    oracle: Oracle,
    compiler: wbuild::Compiler,
    baselines: HashMap<usize, Value>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn compile(compiler: &mut wbuild::Compiler, text: &str) -> Result<String, Vec<wbuild::Diagnostic>> {
    let file = compiler.add_file("fuzz.wbuild", text);
    compiler.compile(file, "v")
}

/// What an instruction runs or holds: word-processed values, JSON values, or a
/// shell form through the compiler's shell.
fn values(instruction: &Value) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    if !instruction["literal"].is_null() {
        return strings(&instruction["literal"]);
    }
    let mut out = Vec::new();
    if instruction["cmd"] == "RUN" && instruction["json"] == false {
        out.extend(wbuild::lower::SHELL.iter().map(|s| s.to_string()));
    }
    out.extend(strings(&instruction["value"]));
    out
}

fuzz_target!(|input: Input| {
    let index = input.template as usize % TEMPLATES.len();
    let (template, path) = TEMPLATES[index];
    if input.value.contains(MARKER) || (path && input.value.contains('/')) {
        return;
    }
    let mut guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let state = guard.get_or_insert_with(|| State {
        oracle: Oracle::start(),
        compiler: wbuild::Compiler::new(),
        baselines: HashMap::new(),
    });
    if !state.baselines.contains_key(&index) {
        let dockerfile = compile(&mut state.compiler, &manifest(template, MARKER))
            .unwrap_or_else(|_| panic!("the marker does not compile in {template}"));
        let report = state.oracle.parse(&dockerfile);
        state.baselines.insert(index, report);
    }
    let placed = match input.placement % 3 {
        0 => format!("{}{MARKER}", input.value),
        1 => format!("wbm{}xrk", input.value),
        _ => format!("{MARKER}{}", input.value),
    };
    let dockerfile = match compile(&mut state.compiler, &manifest(template, &placed)) {
        Ok(d) => d,
        Err(errors) => {
            assert!(errors.iter().any(wbuild::Diagnostic::is_error), "failed without an error");
            return;
        }
    };
    let got = state.oracle.parse(&dockerfile);
    let base = &state.baselines[&index];
    assert!(got["parse_error"].is_null(), "{}\n{dockerfile}", got["parse_error"]);
    let empty = Vec::new();
    let base_instructions = base["instructions"].as_array().unwrap_or(&empty);
    let got_instructions = got["instructions"].as_array().unwrap_or(&empty);
    let cmds = |list: &[Value]| list.iter().map(|i| i["cmd"].to_string()).collect::<Vec<_>>();
    assert_eq!(cmds(base_instructions), cmds(got_instructions), "{template} {placed:?}\n{dockerfile}");
    let subst = |s: &str| s.replace(MARKER, &placed);
    for (b, g) in base_instructions.iter().zip(got_instructions) {
        let flags = |i: &Value| -> Vec<String> {
            i["flags"].as_array().into_iter().flatten().filter_map(|f| f.as_str().map(str::to_string)).collect()
        };
        let expected: Vec<String> = flags(b).iter().map(|f| subst(f)).collect();
        assert_eq!(expected, flags(g), "{template} {placed:?}: flags\n{dockerfile}");
        let expected: Vec<String> = values(b).iter().map(|v| subst(v)).collect();
        assert_eq!(expected, values(g), "{template} {placed:?}: values\n{dockerfile}");
    }
});
