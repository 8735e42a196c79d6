//! Any string value reaches the image as exactly that data. Many generated hostile
//! values are compiled into every kind of instruction; BuildKit's own parser must
//! read back the same values (after its quote/escape processing) and the same
//! number of instructions, so no value can end an instruction or start another.
//! Values a Dockerfile cannot carry (NUL, a newline outside JSON) must be refused
//! with WB2014, never altered.

use crate::dfcheck;
use wbuild::Compiler;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Pieces that have broken Dockerfile generators: quotes, expansions, escapes,
/// comment markers, continuation backslashes, JSON look-alikes, non-ASCII.
const PIECES: &[&str] = &[
    "\"",
    "'",
    "$",
    "${HOME}",
    "$HOME",
    "$$",
    "`id`",
    "\\",
    "\\\\",
    "\\\"",
    "#",
    "# comment",
    " ",
    "\t",
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
    "é",
    "日本",
    "🚀",
    "\u{202e}",
    "-",
    "--flag",
    "a",
    "value",
    "/",
    "..",
    "~",
    "%",
    "*",
    "?",
    "!",
    "RUN",
    "\nRUN id",
    "\r",
];

fn generate(rng: &mut Rng, allow_newlines: bool) -> String {
    loop {
        let len = 1 + rng.next() % 8;
        let s: String = (0..len).map(|_| *rng.pick(PIECES)).collect();
        if allow_newlines || !s.contains(['\n', '\r']) {
            return s;
        }
    }
}

/// `value` as a .wbuild string literal (the formatter's own escaping).
fn literal(value: &str) -> String {
    wbuild::fmt::string_literal(value)
}

struct Case {
    manifest: String,
    value: String,
    plain: String,
    path: String,
}

fn case(value: &str, plain: &str, path: &str) -> String {
    let v = literal(value);
    let p = literal(plain);
    let src = literal(path);
    let workdir = literal(&format!("/w/{path}"));
    let dest = literal(&format!("/dst/{path}"));
    let volume = literal(&format!("/v/{path}"));
    format!(
        r#"image "escaping" {{
  labels = {{ "org.example.hostile": {p} }}
}}
variant hostile {{
  base = "registry.example.org/debian:bookworm"
  steps = {{
    env HOSTILE = {p}
    arg HOSTILE_ARG: string = {p}
    workdir {workdir}
    copy {src} to {dest}
    run {v}
    run ["printf", "%s", {v}]
  }}
  volumes = [{volume}]
  user = user("app", 1000)
  entrypoint = ["/bin/echo", {v}]
  cmd = [{v}]
}}
"#
    )
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    (0..400)
        .map(|_| {
            let value = generate(&mut rng, true);
            // Plain positions (env, label, arg) cannot hold line breaks.
            let plain = generate(&mut rng, false);
            // Paths: no `/` (lexical normalisation is not what is tested here) and
            // nothing that leaves the build context.
            let path = format!("p{}", generate(&mut rng, false).replace(['/', '.'], "_"));
            Case {
                manifest: case(&value, &plain, &path),
                value,
                plain,
                path,
            }
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn hostile_values_round_trip_through_the_official_parser() {
    let cases = cases();
    let mut dockerfiles = Vec::new();
    for c in &cases {
        let mut compiler = Compiler::new();
        let file = compiler.add_file("escaping.wbuild", &c.manifest);
        let dockerfile = compiler
            .compile(file, "hostile")
            .unwrap_or_else(|e| panic!("{}\n{}", c.manifest, compiler.render(&e, false)));
        dockerfiles.push(dockerfile);
    }
    let reports = dfcheck::check_many(&dockerfiles);
    for ((c, dockerfile), report) in cases.iter().zip(&dockerfiles).zip(&reports) {
        let context = format!(
            "value {:?} plain {:?} path {:?}\n{dockerfile}",
            c.value, c.plain, c.path
        );
        assert!(
            report.parse_error.is_none(),
            "parse error {:?}: {context}",
            report.parse_error
        );
        let cmds: Vec<&str> = report.instructions.iter().map(|i| i.cmd.as_str()).collect();
        assert_eq!(
            cmds,
            [
                "FROM",
                "SHELL",
                "ENV",
                "ARG",
                "WORKDIR",
                "COPY",
                "RUN",
                "RUN",
                "LABEL",
                "VOLUME",
                "USER",
                "ENTRYPOINT",
                "CMD"
            ],
            "instruction count changed: {context}"
        );
        let by = |i: usize| &report.instructions[i];
        let literal = |i: usize| {
            by(i)
                .literal
                .clone()
                .unwrap_or_else(|| panic!("no literal for {}: {context}", by(i).cmd))
        };
        assert_eq!(
            literal(2),
            strings(&["HOSTILE", &c.plain]),
            "ENV: {context}"
        );
        assert_eq!(
            literal(3).concat(),
            format!("HOSTILE_ARG={}", c.plain),
            "ARG: {context}"
        );
        assert_eq!(
            literal(4),
            strings(&[&format!("/w/{}", c.path)]),
            "WORKDIR: {context}"
        );
        assert_eq!(
            literal(5),
            strings(&[&c.path, &format!("/dst/{}", c.path)]),
            "COPY: {context}"
        );
        let run = by(6);
        if run.json {
            assert_eq!(
                run.value,
                strings(&["/bin/bash", "-o", "pipefail", "-c", &c.value]),
                "RUN (exec): {context}"
            );
        } else {
            assert_eq!(run.value, strings(&[&c.value]), "RUN (shell): {context}");
        }
        assert!(by(7).json, "{context}");
        assert_eq!(
            by(7).value,
            strings(&["printf", "%s", &c.value]),
            "RUN exec: {context}"
        );
        assert_eq!(
            literal(8),
            strings(&[
                "org.opencontainers.image.title",
                "escaping",
                "dev.wbuild.variant",
                "hostile",
                "org.example.hostile",
                &c.plain
            ]),
            "LABEL: {context}"
        );
        assert_eq!(
            literal(9),
            strings(&[&format!("/v/{}", c.path)]),
            "VOLUME: {context}"
        );
        assert_eq!(
            by(11).value,
            strings(&["/bin/echo", &c.value]),
            "ENTRYPOINT: {context}"
        );
        assert_eq!(by(12).value, strings(&[&c.value]), "CMD: {context}");
    }
}

#[test]
fn values_a_dockerfile_cannot_carry_are_refused_not_altered() {
    for (what, snippet) in [
        ("newline in env", "env A = \"x\\ny\""),
        (
            "carriage return in a label",
            "env B = \"ok\"\n  }\n  labels = { \"k\": \"a\\rb\" }\n  steps += {",
        ),
        ("newline in workdir", "workdir \"/a\\nb\""),
        ("NUL in a run script", "run \"echo \\u{0}\""),
        ("NUL in exec form", "run [\"echo\", \"\\u{0}\"]"),
    ] {
        let manifest = format!(
            "image \"x\" {{}}\nvariant v {{\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  steps = {{\n  {snippet}\n  }}\n}}\n"
        );
        let mut compiler = Compiler::new();
        let file = compiler.add_file("refuse.wbuild", &manifest);
        let errors = compiler
            .compile(file, "v")
            .err()
            .unwrap_or_else(|| panic!("{what} compiled:\n{manifest}"));
        assert!(
            errors.iter().any(|d| d.code.as_str() == "WB2014"),
            "{what}: {}",
            compiler.render(&errors, false)
        );
    }
}
