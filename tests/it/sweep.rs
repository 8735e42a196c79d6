//! The schema-driven sweep: every position a value can take in a manifest, read
//! from the compiler's own tables (fields, steps and their options, constructor
//! parameters, and the parameters of every stdlib preset), gets hostile values:
//! line breaks of every kind, `\v`, U+0085, U+00A0, U+2028, NUL, ESC, `\`,
//! quotes, `$`, `${}`, heredoc markers, parser directives, flags, 70 KiB,
//! non-ASCII. For each one, either compiling fails with a diagnostic, or
//! BuildKit's own parser reads back the same instructions as for a harmless
//! value, with the hostile value exactly where the harmless one was. A field,
//! step, option or preset parameter added later is swept without a change here.
//!
//! Each position is first compiled with the harmless marker `wbmxrk`; a
//! position where even the marker does not compile must be one that cannot
//! hold text (an integer, a port, an image reference, an enum), and then the
//! hostile values must fail too.

use crate::dfcheck;
use wbuild::language::Ty;
use wbuild::language::{BodyKind, Field, Form, ParamInfo, CONSTRUCTORS, FIELDS, STEPS};
use wbuild::Compiler;

const MARKER: &str = "wbmxrk";

/// Positions of string type that accept only a fixed form (so not the marker
/// either): every hostile value must be refused there.
/// (An armoured key is one block: a list of lines with another item before it is none.)
const CONSTRAINED: &[&str] = &[
    "step `copy` chmod",
    "step `copy from` chmod",
    "step `apt` key",
];

/// The hostile values, each also placed at the start and the end of the marker.
fn hostile() -> Vec<(&'static str, String)> {
    let mut values: Vec<(&'static str, String)> = [
        ("LF", "\n"),
        ("CR", "\r"),
        ("CRLF", "\r\n"),
        ("LF RUN", "\nRUN touch /pwned"),
        ("VT", "\u{b}"),
        ("FF", "\u{c}"),
        ("NEL", "\u{85}"),
        ("NBSP", "\u{a0}"),
        ("à (C3 A0)", "\u{e0}"),
        ("LS", "\u{2028}"),
        ("PS", "\u{2029}"),
        ("NUL", "\0"),
        ("ESC", "\u{1b}[31m"),
        ("backslash", "\\"),
        ("double backslash", "\\\\"),
        ("quote", "\""),
        ("single quote", "'"),
        ("backtick", "`id`"),
        ("dollar", "$"),
        ("variable", "$HOME"),
        ("braced variable", "${HOME}"),
        ("command substitution", "$(id)"),
        ("heredoc", "<<EOF"),
        ("directive", "# syntax=docker/dockerfile:1"),
        ("escape directive", "# escape=`"),
        ("flag", " --mount=type=bind,target=/x "),
        ("separators", ",=;&&|"),
        ("json", "[\"x\"]"),
        ("space", " "),
        ("tab", "\t"),
        ("non-ASCII", "é日本🚀"),
        ("bidi override", "\u{202e}"),
    ]
    .into_iter()
    .map(|(n, v)| (n, v.to_string()))
    .collect();
    values.push(("70 KiB", "x".repeat(70 * 1024)));
    values
}

/// Where a value goes and how it is written: `value(text)` gives the manifest
/// with `text` in that position.
struct Position {
    name: String,
    /// Whether the position holds text at all (else the marker fails too).
    text: bool,
    manifest: Box<dyn Fn(&str) -> String + Send + Sync>,
}

/// A pattern without `**` as `find -regex` text (without its root): `*` and `?`
/// stand for any characters but `/`, ERE's other specials are escaped.
fn exclude_regex_text(segment: &str) -> String {
    let mut out = String::new();
    for c in segment.chars() {
        match c {
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            c if ".^$+(){}|".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn lit(text: &str) -> String {
    wbuild::fmt::string_literal(text)
}

/// The variant `v` with its default settings, minus the ones `body` sets, and
/// a `helper` variant for presets that take a variant.
fn manifest(imports: &str, image: &str, extends: &str, body: &str) -> String {
    let mut defaults = String::new();
    for (field, line) in [
        (
            "base",
            "  base = \"registry.example.org/debian:bookworm\"\n",
        ),
        ("user", "  user = user(\"app\", 1000)\n"),
        ("cmd", "  cmd = [\"/bin/true\"]\n"),
    ] {
        let set_here = body
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{field} ")));
        if !set_here && (extends.is_empty() || field == "cmd") {
            defaults.push_str(line);
        }
    }
    format!(
        "{imports}image \"svc\" {{\n{image}}}\nvariant helper {{\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = [\"/bin/true\"]\n}}\nvariant v{extends} {{\n{defaults}{body}}}\n"
    )
}

/// The written forms of a value of type `ty` holding `text`, with whether the
/// form holds text.
fn forms(ty: &Ty, text: &str) -> Vec<(String, bool)> {
    forms_keyed(ty, text, None)
}

/// [`forms`] for a map whose keys are names of something (`allow`: rule names):
/// values use `key`, and a hostile key is not text the position can hold.
fn forms_keyed(ty: &Ty, text: &str, key: Option<&str>) -> Vec<(String, bool)> {
    let l = lit(text);
    match ty {
        Ty::String | Ty::Path => vec![(l, true)],
        // From the root: the hostile text after the `/` it must start with.
        Ty::AbsPath => vec![(lit(&format!("/{text}")), true)],
        Ty::Command => vec![
            (l.clone(), true),
            (format!("[{l}]"), true),
            (format!("[\"/bin/echo\", {l}]"), true),
        ],
        Ty::List(inner) => {
            let mut out: Vec<(String, bool)> = forms(inner, text)
                .into_iter()
                .map(|(f, t)| (format!("[{f}]"), t))
                .collect();
            if matches!(**inner, Ty::String | Ty::Path) {
                out.push((format!("[\"aa\", {l}]"), true));
            }
            out
        }
        Ty::Map(inner) => {
            let name = key.unwrap_or("org.example.k");
            let mut out: Vec<(String, bool)> = forms(inner, text)
                .into_iter()
                .map(|(f, t)| (format!("{{ {}: {f} }}", lit(name)), t))
                .collect();
            out.push((format!("{{ {l}: \"a reason\" }}"), key.is_none()));
            out
        }
        Ty::User => vec![(format!("user({l}, 1000)"), true)],
        Ty::Healthcheck => vec![
            (format!("healthcheck(cmd = [{l}])"), true),
            (format!("healthcheck(cmd = {l})"), true),
        ],
        Ty::Mount => vec![
            (format!("bind(source = {l}, target = \"/mnt/x\")"), true),
            (
                format!("bind(from = helper, source = {l}, target = \"/mnt/x\")"),
                true,
            ),
            (
                format!("cache(target = {})", lit(&format!("/{text}"))),
                true,
            ),
            (format!("cache(target = \"/c\", id = {l})"), true),
        ],
        // Names, not text: written as identifiers, swept by the grammar's tests.
        Ty::Variant | Ty::Steps => Vec::new(),
        // Typed scalars: text is never valid there.
        Ty::Int
        | Ty::Bool
        | Ty::Port
        | Ty::Duration
        | Ty::Image
        | Ty::Base
        | Ty::Enum(_)
        | Ty::Suite
        | Ty::Runtime(_) => {
            vec![(l, false)]
        }
    }
}

/// A harmless value for a required parameter of type `ty`.
fn neutral(ty: &Ty) -> String {
    match ty {
        Ty::Variant => "helper".into(),
        Ty::Steps => "{}".into(),
        Ty::List(_) => "[]".into(),
        Ty::Map(_) => "{}".into(),
        Ty::String | Ty::Path => "\"x\"".into(),
        Ty::AbsPath => "\"/x\"".into(),
        Ty::Int => "1000".into(),
        Ty::Command => "[\"/bin/true\"]".into(),
        Ty::Duration => "\"30s\"".into(),
        other => panic!(
            "no neutral value for a required parameter of type {other}: add one to the sweep"
        ),
    }
}

/// The map key a field's forms use: `allow` maps rule names to reasons.
fn field_key(field: Field) -> Option<&'static str> {
    (field == Field::Allow).then_some("root-user")
}

fn field_positions(out: &mut Vec<Position>) {
    for info in FIELDS {
        let field = info.field;
        // A base image's fields never reach a Dockerfile: `wbuildc base build`
        // writes them as JSON (the image config) and as mmdebstrap arguments, which
        // `variants/base.rs` validates (names, APT lines: no option can be smuggled in).
        if !field.allowed_in(BodyKind::Variant) && !field.allowed_in(BodyKind::Image) {
            continue;
        }
        for index in 0..forms_keyed(&field.ty(), MARKER, field_key(field)).len() {
            let (_, text) = forms_keyed(&field.ty(), MARKER, field_key(field))[index].clone();
            let name = info.name;
            let image_only = !field.in_variants();
            out.push(Position {
                name: format!("field `{name}` (form {index})"),
                text,
                manifest: Box::new(move |value| {
                    let (form, _) =
                        forms_keyed(&field.ty(), value, field_key(field))[index].clone();
                    let line = format!("  {name} = {form}\n");
                    if image_only {
                        manifest("", &line, "", "")
                    } else {
                        manifest("", "", "", &line)
                    }
                }),
            });
        }
    }
    // Every field must be swept or named here with the reason it is not.
    for info in FIELDS {
        let swept = !forms(&info.field.ty(), MARKER).is_empty();
        assert!(
            swept || info.field == Field::Steps,
            "field `{}` is not swept",
            info.name
        );
    }
}

/// A step written with `value` in the argument or option `target`.
fn step_text(
    keyword: &str,
    args: &[ParamInfo],
    options: &[ParamInfo],
    target: &str,
    form: &str,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut with: Vec<String> = Vec::new();
    let value = |p: &ParamInfo| -> Option<String> {
        if p.name == target {
            return Some(form.to_string());
        }
        match (keyword, p.name) {
            (_, "sources") => Some("\"src/\"".into()),
            (_, "dest") => Some("\"/srv/app/\"".into()),
            ("copy from", "variant") => Some("helper".into()),
            ("env", "name") | ("arg", "name") => Some("WB_VALUE".into()),
            ("arg", "type") => Some("string".into()),
            ("apt", "packages") => Some("[\"curl\"]".into()),
            ("apt", "repository") if target == "keyring" || target == "key" => {
                Some("\"http://deb.debian.org/debian bookworm main\"".into())
            }
            ("apt", "proxy") if target == "proxy_for" => Some("\"http://wbmxrk:3128\"".into()),
            ("run", "command") => Some("[\"/bin/true\"]".into()),
            ("env", "value") | ("workdir", "path") => Some("\"/srv\"".into()),
            _ if p.required => Some(neutral(&(p.ty)())),
            _ => None,
        }
    };
    for p in args {
        if let Some(v) = value(p) {
            parts.push(match (keyword, p.name) {
                ("env", "value") | ("arg", "default") => format!("= {v}"),
                ("arg", "type") => format!(": {v}"),
                (_, "dest") => format!("to {v}"),
                _ => v,
            });
        }
    }
    for p in options {
        if let Some(v) = value(p) {
            with.push(format!("{} = {v}", p.name));
        }
    }
    let mut text = format!("{keyword} {}", parts.join(" "));
    if !with.is_empty() {
        text.push_str(&format!(" with {}", with.join(", ")));
    }
    text
}

fn step_positions(out: &mut Vec<Position>) {
    for step in STEPS {
        for p in step.args.iter().chain(step.options) {
            if p.form != Form::Expr {
                continue;
            }
            let ty = (p.ty)();
            for (index, (_, text)) in forms(&ty, MARKER).into_iter().enumerate() {
                let (keyword, target, args, options) =
                    (step.keyword, p.name, step.args, step.options);
                let ty = ty.clone();
                // The repository line holds the value in its suite's place, the
                // proxy URL in its host's, the armoured key in a header (which
                // the compiler drops: a value it keeps is one it refused).
                let wrap = move |value: &str| -> String {
                    match (keyword, target) {
                        ("apt", "repository") => {
                            format!("http://deb.debian.org/debian {value} main")
                        }
                        ("apt", "proxy") => format!("http://{value}:3128"),
                        ("apt", "proxy_for") => format!("http://{value}"),
                        ("apt", "key") => {
                            TEST_KEY.replacen("-----\n", &format!("-----\nComment: {value}\n"), 1)
                        }
                        _ => value.to_string(),
                    }
                };
                out.push(Position {
                    name: format!("step `{keyword}` {target} (form {index})"),
                    text,
                    manifest: Box::new(move |value| {
                        let (form, _) = forms(&ty, &wrap(value))[index].clone();
                        let step = step_text(keyword, args, options, target, &form);
                        manifest("", "", "", &format!("  steps = {{\n    {step}\n  }}\n"))
                    }),
                });
            }
        }
    }
}

fn constructor_positions(out: &mut Vec<Position>) {
    for constructor in CONSTRUCTORS {
        // A constructor is swept in the field of its name, or, for a mount,
        // in a `run` step's `mounts`.
        let at: &'static str = match Field::lookup(constructor.name) {
            Some(field) => field.name(),
            None if (constructor.name == "bind" || constructor.name == "cache") => "mounts",
            None => panic!(
                "constructor `{}` has no field to sweep it in",
                constructor.name
            ),
        };
        for p in constructor.params {
            let ty = (p.ty)();
            for (index, (_, text)) in forms(&ty, MARKER).into_iter().enumerate() {
                let (name, params, target) = (constructor.name, constructor.params, p.name);
                let ty = ty.clone();
                out.push(Position {
                    name: format!("constructor `{name}` {target} (form {index})"),
                    text,
                    manifest: Box::new(move |value| {
                        let (form, _) = forms(&ty, value)[index].clone();
                        let args: Vec<String> = params
                            .iter()
                            .filter_map(|q| {
                                if q.name == target {
                                    Some(format!("{} = {form}", q.name))
                                } else if q.required {
                                    let benign = match q.name {
                                        "name" => "\"app\"".to_string(),
                                        _ => neutral(&(q.ty)()),
                                    };
                                    Some(format!("{} = {benign}", q.name))
                                } else {
                                    None
                                }
                            })
                            .collect();
                        let call = format!("{name}({})", args.join(", "));
                        let line = if at == "mounts" {
                            format!("  steps = {{\n    run [\"/bin/true\"] with mounts = {call}\n  }}\n")
                        } else {
                            format!("  {at} = {call}\n")
                        };
                        manifest("", "", "", &line)
                    }),
                });
            }
        }
    }
}

fn preset_positions(out: &mut Vec<Position>) {
    let mut count = 0;
    for (module, text) in wbuild::stdlib::MODULES {
        let parse = wbuild::syntax::parse(wbuild::span::FileId(0), text);
        for item in &parse.ast.items {
            let wbuild::syntax::ast::Item::Preset(preset) = item else {
                continue;
            };
            let mut sink = wbuild::check::eval::Sink::default();
            let params: Vec<(String, Ty, bool)> = preset
                .params
                .iter()
                .filter_map(|p| {
                    let ty = wbuild::check::eval::resolve_type(
                        wbuild::span::FileId(0),
                        &mut sink,
                        &p.ty,
                    )?;
                    Some((p.name.name.clone(), ty, p.default.is_none()))
                })
                .collect();
            assert_eq!(
                params.len(),
                preset.params.len(),
                "{module}.{}: parameter types",
                preset.name.name
            );
            for (target, ty, _) in &params {
                for (index, (_, is_text)) in forms(ty, MARKER).into_iter().enumerate() {
                    count += 1;
                    let call = format!("{module}.{}", preset.name.name);
                    let (params, target, ty) = (params.clone(), target.clone(), ty.clone());
                    out.push(Position {
                        name: format!("preset `{call}` parameter `{target}` (form {index})"),
                        text: is_text,
                        manifest: Box::new(move |value| {
                            let (form, _) = forms(&ty, value)[index].clone();
                            let args: Vec<String> = params
                                .iter()
                                .filter_map(|(name, ty, required)| {
                                    if *name == target {
                                        Some(format!("{name} = {form}"))
                                    } else {
                                        required.then(|| format!("{name} = {}", neutral(ty)))
                                    }
                                })
                                .collect();
                            let module = call.split('.').next().unwrap_or_default();
                            manifest(
                                &format!("import \"{module}\"\n"),
                                "",
                                &format!(" extends {call}({})", args.join(", ")),
                                "",
                            )
                        }),
                    });
                }
            }
        }
    }
    assert!(count >= 30, "only {count} preset positions");
}

fn positions() -> Vec<Position> {
    let mut out = Vec::new();
    field_positions(&mut out);
    step_positions(&mut out);
    constructor_positions(&mut out);
    preset_positions(&mut out);
    out
}

/// An armoured public key (a throwaway test key).
const TEST_KEY: &str = include_str!("../fixtures/data/test-key.asc");

/// The policy the sweep compiles under: keyrings and the marker's proxy
/// allowed, so that the keyring, key and proxy options are reachable.
fn compiler() -> Compiler {
    let mut compiler = Compiler::new();
    let problems = compiler.set_policy(&[wbuild::PolicyFile {
        layer: wbuild::config::Layer::Organisation,
        path: "sweep-policy.toml".into(),
        text: "[apt]\nallow_keyrings = true\nallowed_proxies = [\"http://wbmxrk:3128\"]\n[debian_first]\nenabled = false\n".into(),
    }]);
    assert!(problems.is_empty(), "{problems:?}");
    compiler
}

/// The arguments an instruction runs: its JSON form as is, a shell form through
/// the shell the compiler sets for every stage.
fn what_runs(instruction: &dfcheck::Instruction) -> Vec<String> {
    if instruction.cmd == "RUN" && !instruction.json {
        let mut argv: Vec<String> = wbuild::lower::SHELL.iter().map(|s| s.to_string()).collect();
        argv.extend(instruction.value.iter().cloned());
        argv
    } else {
        instruction.value.clone()
    }
}

struct Case {
    position: usize,
    hostile: String,
    placed: String,
    baseline: String,
    dockerfile: Result<String, String>,
}

/// Compiles `manifest`'s variant `v`, editing one file in place (as an editor
/// does), so the database does not grow with the number of cases.
fn compile(compiler: &mut Compiler, manifest: &str) -> Result<String, String> {
    let file = compiler.add_file("sweep.wbuild", manifest);
    compiler.compile(file, "v").map_err(|e| {
        assert!(
            e.iter().any(wbuild::Diagnostic::is_error),
            "a failed compile without an error"
        );
        compiler.render(&e, false)
    })
}

#[test]
fn every_position_refuses_or_carries_every_hostile_value_unchanged() {
    let positions = positions();
    assert!(positions.len() >= 80, "only {} positions", positions.len());
    let hostile = hostile();
    let mut compiler = compiler();
    // The marker first: text positions must compile with it.
    let mut baselines: Vec<Option<String>> = Vec::new();
    for p in &positions {
        match compile(&mut compiler, &(p.manifest)(MARKER)) {
            Ok(d) => {
                assert!(
                    p.text,
                    "{}: the marker compiled where no text should",
                    p.name
                );
                baselines.push(Some(d));
            }
            Err(rendered) => {
                let constrained = CONSTRAINED.iter().any(|c| p.name.starts_with(c));
                assert!(
                    !p.text || constrained,
                    "{}: the marker does not compile:\n{}\n{rendered}",
                    p.name,
                    (p.manifest)(MARKER),
                );
                baselines.push(None);
            }
        }
    }
    // Then every hostile value in every position, on every core.
    let jobs: Vec<(usize, &str, String)> = positions
        .iter()
        .enumerate()
        .flat_map(|(i, _)| {
            hostile.iter().flat_map(move |(name, h)| {
                let placements = if *name == "70 KiB" {
                    vec![format!("wbm{h}xrk")]
                } else {
                    vec![
                        format!("{MARKER}{h}"),
                        format!("wbm{h}xrk"),
                        format!("{h}{MARKER}"),
                    ]
                };
                placements.into_iter().map(move |placed| (i, *name, placed))
            })
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(1);
    let chunk = jobs.len().div_ceil(threads);
    let results: Vec<(usize, &str, String, Result<String, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk.max(1))
            .map(|part| {
                let positions = &positions;
                scope.spawn(move || {
                    let mut compiler = self::compiler();
                    part.iter()
                        .map(|(i, name, placed)| {
                            let result = compile(&mut compiler, &(positions[*i].manifest)(placed));
                            (*i, *name, placed.clone(), result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a sweep thread panicked"))
            })
            .collect()
    });
    let mut cases: Vec<Case> = Vec::new();
    for (i, name, placed, result) in results {
        match (&baselines[i], result) {
            (None, Ok(d)) => panic!(
                "{} with {name}: compiled where the marker does not:\n{d}",
                positions[i].name
            ),
            (None, Err(_)) => {}
            (Some(baseline), dockerfile) => cases.push(Case {
                position: i,
                hostile: name.to_string(),
                placed,
                baseline: baseline.clone(),
                dockerfile,
            }),
        }
    }
    // Parse every Dockerfile once (baselines and hostile results) with BuildKit's parser.
    let mut texts: Vec<String> = baselines.iter().flatten().cloned().collect();
    texts.extend(
        cases
            .iter()
            .filter_map(|c| c.dockerfile.as_ref().ok().cloned()),
    );
    texts.sort();
    texts.dedup();
    let reports = dfcheck::parse_many(&texts);
    let parsed = |text: &str| -> &dfcheck::Report {
        let at = texts
            .binary_search_by(|t| t.as_str().cmp(text))
            .unwrap_or_else(|_| panic!("not parsed"));
        &reports[at]
    };
    let mut refused = 0;
    let mut carried = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let Ok(dockerfile) = &case.dockerfile else {
            refused += 1;
            continue;
        };
        carried += 1;
        let p = &positions[case.position];
        let base = parsed(&case.baseline);
        let got = parsed(dockerfile);
        // An exclude pattern reaches the filter stage as the regular expression
        // docs/language.md defines ("Excluding files"): its characters escaped.
        // (A pattern with a `/` inside is anchored at the root; no hostile
        // value ends with `/` or holds `**`.)
        let exclude = p.name.contains(" exclude ");
        let floating = format!("\\./(.*/)?{MARKER}");
        let subst = |s: &str| {
            if exclude && s == floating {
                let root = if case.placed.contains('/') {
                    "\\./"
                } else {
                    "\\./(.*/)?"
                };
                format!("{root}{}", exclude_regex_text(&case.placed))
            } else {
                s.replace(MARKER, &case.placed)
            }
        };
        let context = || {
            format!(
                "{} with {} ({:?}):\n{dockerfile}",
                p.name, case.hostile, case.placed
            )
        };
        if let Some(e) = &got.parse_error {
            failures.push(format!("parse error {e}: {}", context()));
            continue;
        }
        let cmds = |r: &dfcheck::Report| {
            r.instructions
                .iter()
                .map(|i| i.cmd.clone())
                .collect::<Vec<_>>()
        };
        if cmds(base) != cmds(got) {
            failures.push(format!(
                "instructions {:?} became {:?}: {}",
                cmds(base),
                cmds(got),
                context()
            ));
            continue;
        }
        for (b, g) in base.instructions.iter().zip(&got.instructions) {
            let flags: Vec<String> = b.flags.iter().map(|f| subst(f)).collect();
            if flags != g.flags {
                failures.push(format!(
                    "{} flags {:?} became {:?}: {}",
                    b.cmd,
                    flags,
                    g.flags,
                    context()
                ));
                continue;
            }
            // A script one shell-form line cannot carry is run through the exec
            // form of the same shell: compare what runs.
            let expected: Vec<String> = match &b.literal {
                Some(values) => values.iter().map(|v| subst(v)).collect(),
                None => what_runs(b).iter().map(|v| subst(v)).collect(),
            };
            let actual = g.literal.clone().unwrap_or_else(|| what_runs(g));
            if expected != actual {
                failures.push(format!(
                    "{} values {:?} became {:?}: {}",
                    b.cmd,
                    expected,
                    actual,
                    context()
                ));
            }
        }
    }
    eprintln!(
        "sweep: {} positions, {} hostile values, {refused} refused with a diagnostic, {carried} carried unchanged",
        positions.len(),
        hostile.len()
    );
    assert!(
        carried > 100 && refused > 100,
        "the sweep tested too little: {carried} carried, {refused} refused"
    );
    assert!(
        failures.is_empty(),
        "{} hostile values changed the Dockerfile:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
