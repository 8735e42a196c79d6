//! Property tests (proptest):
//! (a) generated well-formed manifests (image, lets, variants with fields and
//!     steps, extends chains, interpolation) check without errors and every
//!     variant compiles;
//! (b) the formatter is idempotent and preserves meaning: the formatted file
//!     compiles to byte-identical Dockerfiles;
//! (c) generated string values in ENV, LABEL and exec-form CMD come back from
//!     BuildKit's own parser unchanged (see `support/dfcheck.rs`).

#[path = "support/dfcheck.rs"]
mod dfcheck;

use proptest::prelude::*;
use proptest::test_runner::Config;
use wbuild::Compiler;

const BASE: &str = "registry.example.org/debian:bookworm";

/// Pieces that have broken Dockerfile generators before.
const PIECES: &[&str] = &[
    "a",
    "value",
    "x y",
    " ",
    "\t",
    "\"",
    "'",
    "$",
    "$HOME",
    "${HOME}",
    "$$",
    "\\",
    "\\\\",
    "\\\"",
    "#",
    "# not a comment",
    "=",
    ",",
    "[",
    "]",
    "{",
    "}",
    "\"]",
    "[\"x\"]",
    ";",
    "&&",
    "|",
    "<<EOF",
    "`id`",
    "é",
    "日本",
    "🚀",
    "\u{202e}",
    "-",
    "--flag",
    "/",
    "..",
    "~",
    "%",
    "*",
    "?",
    "!",
    "RUN",
    "ENV",
    "\\\n",
];

/// A value on one line (ENV and LABEL values cannot hold line breaks).
fn line_value() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..6)
        .prop_map(|parts| parts.concat().replace(['\n', '\r'], ""))
}

/// A value for exec form, where line breaks are fine.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => line_value(),
        1 => (line_value(), line_value()).prop_map(|(a, b)| format!("{a}\n{b}")),
    ]
}

/// `value` as a .wbuild string literal (the formatter's own escaping).
fn literal(value: &str) -> String {
    wbuild::fmt::string_literal(value)
}

// ---- (a) well-formed manifests ---------------------------------------------------

#[derive(Clone, Debug)]
enum Step {
    Run(String),
    RunExec(Vec<String>),
    Env(String),
    Workdir(String),
    Arg(String),
    /// `run "echo ${sN}"`: interpolation of a `let`.
    RunLet(usize),
}

#[derive(Clone, Debug)]
struct Variant {
    /// Extends the variant this many places before it (chains stay short).
    parent: Option<usize>,
    steps: Vec<Step>,
    append: bool,
    cmd: Option<Vec<String>>,
    expose: Vec<u16>,
    labels: Vec<String>,
}

#[derive(Clone, Debug)]
struct Manifest {
    version: Option<String>,
    lets: Vec<String>,
    variants: Vec<Variant>,
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,7}".prop_map(|s| s)
}

fn step(lets: usize) -> impl Strategy<Value = Step> {
    let run_let = if lets == 0 {
        Just(Step::Run("true".to_string())).boxed()
    } else {
        (0..lets).prop_map(Step::RunLet).boxed()
    };
    prop_oneof![
        line_value().prop_map(Step::Run),
        prop::collection::vec(any_value(), 1..4).prop_map(Step::RunExec),
        line_value().prop_map(Step::Env),
        word().prop_map(|w| Step::Workdir(format!("/srv/{w}"))),
        line_value().prop_map(Step::Arg),
        run_let,
    ]
}

fn variant(lets: usize) -> impl Strategy<Value = Variant> {
    (
        prop::option::of(1usize..4),
        prop::collection::vec(step(lets), 0..5),
        any::<bool>(),
        prop::option::of(prop::collection::vec(any_value(), 1..3)),
        prop::collection::vec(1u16..=65535, 0..3),
        prop::collection::vec(line_value(), 0..3),
    )
        .prop_map(|(parent, steps, append, cmd, expose, labels)| Variant {
            parent,
            steps,
            append,
            cmd,
            expose,
            labels,
        })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (0usize..4).prop_flat_map(|lets| {
        (
            prop::option::of("[0-9]\\.[0-9]\\.[0-9]"),
            prop::collection::vec(line_value(), lets),
            prop::collection::vec(variant(lets), 1..6),
        )
            .prop_map(|(version, lets, variants)| Manifest {
                version,
                lets,
                variants,
            })
    })
}

fn render(m: &Manifest) -> String {
    let mut out = String::from("# generated\n");
    for (i, value) in m.lets.iter().enumerate() {
        out.push_str(&format!("let s{i} = {}\n", literal(value)));
    }
    out.push_str("image \"svc\" {\n");
    if let Some(version) = &m.version {
        out.push_str(&format!("  version = {}\n", literal(version)));
    }
    out.push_str("  labels = { \"org.example.team\": \"platform\" }\n}\n\n");
    for (i, v) in m.variants.iter().enumerate() {
        let parent = v.parent.filter(|&back| back <= i).map(|back| i - back);
        match parent {
            Some(p) => out.push_str(&format!("variant v{i} extends v{p} {{\n")),
            None => out.push_str(&format!(
                "variant v{i} {{\n  base = \"{BASE}\"\n  user = user(\"app\", 1000, 1000)\n"
            )),
        }
        if !v.steps.is_empty() {
            let op = if v.append && parent.is_some() {
                "+="
            } else {
                "="
            };
            out.push_str(&format!("  steps {op} {{\n"));
            for s in &v.steps {
                let line = match s {
                    Step::Run(x) => format!("run {}", literal(x)),
                    Step::RunExec(xs) => format!(
                        "run [{}]",
                        xs.iter().map(|x| literal(x)).collect::<Vec<_>>().join(", ")
                    ),
                    Step::Env(x) => format!("env GENERATED = {}", literal(x)),
                    Step::Workdir(x) => format!("workdir {}", literal(x)),
                    Step::Arg(x) => format!("arg GENERATED_ARG: string = {}", literal(x)),
                    Step::RunLet(n) => format!("run \"echo ${{s{n}}}\""),
                };
                out.push_str(&format!("    {line}\n"));
            }
            out.push_str("  }\n");
        }
        // Every variant must do something (WB3006 is only a warning, but keep
        // the manifests meaningful).
        let cmd = v.cmd.clone().unwrap_or_else(|| vec![format!("/bin/v{i}")]);
        out.push_str(&format!(
            "  cmd = [{}]\n",
            cmd.iter()
                .map(|x| literal(x))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !v.expose.is_empty() {
            let ports: Vec<String> = v.expose.iter().map(u16::to_string).collect();
            out.push_str(&format!("  expose = [{}]\n", ports.join(", ")));
        }
        if !v.labels.is_empty() {
            let entries: Vec<String> = v
                .labels
                .iter()
                .enumerate()
                .map(|(k, x)| format!("\"org.example.l{k}\": {}", literal(x)))
                .collect();
            out.push_str(&format!("  labels += {{ {} }}\n", entries.join(", ")));
        }
        out.push_str("}\n\n");
    }
    out
}

fn compile_all(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut compiler = Compiler::new();
    let file = compiler.add_file("generated.wbuild", text);
    let diagnostics = compiler.check(file);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(compiler.render(&diagnostics, false));
    }
    let mut out = Vec::new();
    for name in compiler.variants(file) {
        match compiler.compile(file, &name) {
            Ok(dockerfile) => out.push((name, dockerfile)),
            Err(errors) => return Err(format!("{name}: {}", compiler.render(&errors, false))),
        }
    }
    Ok(out)
}

proptest! {
    #![proptest_config(Config { cases: 64, failure_persistence: None, ..Config::default() })]

    #[test]
    fn well_formed_manifests_check_clean_and_every_variant_compiles(m in manifest()) {
        let text = render(&m);
        let compiled = compile_all(&text);
        prop_assert!(compiled.is_ok(), "{}\n---\n{}", compiled.err().unwrap_or_default(), text);
        let compiled = compiled.unwrap_or_default();
        prop_assert_eq!(compiled.len(), m.variants.len());
        for (name, dockerfile) in &compiled {
            prop_assert!(dockerfile.contains(&format!(" AS {name}")), "{}", dockerfile);
        }
    }

    #[test]
    fn format_is_idempotent_and_preserves_the_dockerfiles(m in manifest()) {
        let text = render(&m);
        let mut compiler = Compiler::new();
        let file = compiler.add_file("generated.wbuild", &text);
        let once = compiler.format(file);
        prop_assert!(once.is_some(), "format refused a well-formed file:\n{}", text);
        let once = once.unwrap_or_default();
        let file = compiler.add_file("generated.wbuild", &once);
        let twice = compiler.format(file).unwrap_or_default();
        prop_assert_eq!(&twice, &once, "format is not idempotent; input:\n{}", text);
        let before = compile_all(&text);
        let after = compile_all(&once);
        prop_assert!(after.is_ok(), "formatted file fails:\n{}\n---\n{}", after.clone().err().unwrap_or_default(), once);
        prop_assert_eq!(before, after, "formatting changed a Dockerfile; input:\n{}\nformatted:\n{}", text, once);
    }
}

// ---- (c) values round-trip through BuildKit's parser ------------------------------

#[derive(Clone, Debug)]
struct Values {
    env: String,
    label: String,
    cmd: String,
}

fn values() -> impl Strategy<Value = Values> {
    (line_value(), line_value(), any_value()).prop_map(|(env, label, cmd)| Values {
        env,
        label,
        cmd,
    })
}

fn value_manifest(v: &Values) -> String {
    format!(
        "image \"roundtrip\" {{}}\nvariant v {{\n  base = \"{BASE}\"\n  user = user(\"app\", 1000, 1000)\n  steps = {{\n    env ROUNDTRIP = {}\n  }}\n  labels = {{ \"org.example.roundtrip\": {} }}\n  cmd = [\"/bin/echo\", {}]\n}}\n",
        literal(&v.env),
        literal(&v.label),
        literal(&v.cmd)
    )
}

proptest! {
    // Each case checks a batch with one parser process: 6 × 60 values.
    #![proptest_config(Config { cases: 6, failure_persistence: None, ..Config::default() })]

    #[test]
    fn string_values_survive_the_official_dockerfile_parser(batch in prop::collection::vec(values(), 60)) {
        let mut dockerfiles = Vec::new();
        for v in &batch {
            let mut compiler = Compiler::new();
            let manifest = value_manifest(v);
            let file = compiler.add_file("roundtrip.wbuild", &manifest);
            let dockerfile = compiler.compile(file, "v");
            prop_assert!(dockerfile.is_ok(), "{:?}: {}", v, dockerfile.err().map(|e| compiler.render(&e, false)).unwrap_or_default());
            dockerfiles.push(dockerfile.unwrap_or_default());
        }
        let reports = dfcheck::check_many(&dockerfiles);
        for ((v, dockerfile), report) in batch.iter().zip(&dockerfiles).zip(&reports) {
            let context = format!("{v:?}\n{dockerfile}");
            prop_assert!(report.parse_error.is_none(), "parse error {:?}: {}", report.parse_error, context);
            let find = |cmd: &str| report.instructions.iter().find(|i| i.cmd == cmd);
            let env = find("ENV");
            prop_assert!(env.is_some(), "no ENV: {}", context);
            let env_literal = env.and_then(|i| i.literal.clone());
            prop_assert_eq!(env_literal, Some(vec!["ROUNDTRIP".to_string(), v.env.clone()]), "ENV: {}", context);
            let label = find("LABEL").and_then(|i| i.literal.clone()).unwrap_or_default();
            let pos = label.iter().position(|k| k == "org.example.roundtrip");
            prop_assert!(pos.is_some(), "LABEL key missing: {}", context);
            prop_assert_eq!(label.get(pos.unwrap_or_default() + 1), Some(&v.label), "LABEL: {}", context);
            let cmd = find("CMD");
            prop_assert!(cmd.is_some_and(|i| i.json), "CMD not in exec form: {}", context);
            prop_assert_eq!(cmd.map(|i| i.value.clone()), Some(vec!["/bin/echo".to_string(), v.cmd.clone()]), "CMD: {}", context);
        }
    }
}
