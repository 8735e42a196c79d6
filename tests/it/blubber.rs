//! `wbuildc import-blubber` on the corpus in tests/fixtures/blubber: every
//! config imports (the manifest is a snapshot), the manifest checks without an
//! error under the corpus's organisation policy and every variant compiles; the
//! compiled Dockerfiles say what Blubber builds (`expected.json`, worked out
//! from Blubber's source); bad inputs point at the line and column their
//! `.expect` names; the policy files convert.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wbuild::config::Layer;
use wbuild::import::blubber;
use wbuild::span::FileId;
use wbuild::{Compiler, PolicyFile, Severity};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blubber")
}

fn configs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("blubber.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The formatted manifest of one config, and the import's diagnostics.
fn import(dir: &Path) -> Result<(String, Vec<wbuild::Diagnostic>), String> {
    let text = std::fs::read_to_string(dir.join("blubber.yaml")).expect("config");
    let source = format!("{}/blubber.yaml", name(dir));
    let imported = blubber::import(
        &text,
        FileId(0),
        &blubber::Options {
            image_name: &name(dir),
            source_name: &source,
        },
    );
    let errors: Vec<_> = imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        let messages: Vec<_> = errors.iter().map(|d| &d.message).collect();
        return Err(format!("{}: the import failed: {messages:?}", name(dir)));
    }
    let draft = imported.manifest.ok_or("no manifest")?;
    let mut formatter = Compiler::without_stdlib();
    let file = formatter.add_file("service.wbuild", &draft);
    let manifest = formatter.format(file).ok_or_else(|| {
        let syntax = formatter.render(&formatter.check(file), false);
        format!("{}: the manifest does not parse:\n{syntax}", name(dir))
    })?;
    Ok((manifest, imported.diagnostics))
}

/// The manifest under the corpus's organisation policy.
fn compiler(manifest: &str) -> (Compiler, wbuild::SourceFile) {
    let mut compiler = Compiler::new();
    let policy =
        std::fs::read_to_string(corpus().join("organisation-policy.toml")).expect("policy");
    let problems = compiler.set_policy(&[PolicyFile {
        layer: Layer::Organisation,
        path: "organisation-policy.toml".into(),
        text: policy,
    }]);
    assert!(problems.is_empty(), "{problems:#?}");
    let file = compiler.add_file("service.wbuild", manifest);
    (compiler, file)
}

fn expected(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
    )
    .expect("json")
}

#[test]
fn every_config_imports_checks_and_compiles() {
    let configs = configs();
    assert!(
        configs.len() >= 20,
        "the corpus has {} configs",
        configs.len()
    );
    let mut failures = Vec::new();
    for dir in &configs {
        let (manifest, diagnostics) = match import(dir) {
            Ok(m) => m,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let warnings: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        let (compiler, file) = compiler(&manifest);
        let checked = compiler.check(file);
        // The snapshot shows the manifest with what the import and `wbuildc check`
        // say about it, side by side.
        let check_warnings: Vec<String> = checked
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        let listed = |title: &str, lines: &[String]| {
            format!(
                "# {title}:\n{}",
                lines
                    .iter()
                    .map(|w| format!("#   {w}\n"))
                    .collect::<String>()
            )
        };
        insta::with_settings!({ snapshot_suffix => name(dir), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("blubber_import", format!("{manifest}\n{}{}", listed("import warnings", &warnings), listed("check warnings", &check_warnings)));
        });
        let problems: Vec<_> = checked
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !problems.is_empty() {
            failures.push(format!(
                "{}:\n{}",
                name(dir),
                compiler.render(&problems, false)
            ));
            continue;
        }
        for variant in expected(dir)["variants"]
            .as_object()
            .expect("variants")
            .keys()
        {
            let ident = blubber::write::ident(variant);
            if let Err(d) = compiler.compile(file, &ident) {
                failures.push(format!(
                    "{}#{variant}:\n{}",
                    name(dir),
                    compiler.render(&d, false)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What one stage of a compiled Dockerfile says, read back from its text.
#[derive(Debug, Default)]
struct Stage {
    base: Option<String>,
    user: Option<String>,
    workdir: Option<String>,
    /// The first `WORKDIR`: `lives.in`, where relative copies land.
    first_workdir: Option<String>,
    entrypoint: Option<Vec<String>>,
    env: BTreeMap<String, String>,
    /// (from, sources, destination, owner)
    copies: Vec<(String, Vec<String>, String, Option<String>)>,
    runs: Vec<String>,
    /// `ARG NAME="DEFAULT"`.
    args: BTreeMap<String, String>,
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn target_stage(dockerfile: &str, stage: &str) -> Stage {
    let mut out = stage_of(dockerfile, stage);
    // A copy with `exclude` goes through a filter stage of its own: what it
    // copies is what that stage's first COPY brought in.
    for copy in &mut out.copies {
        if copy.0.contains(".exclude.") {
            let filter = stage_of(dockerfile, &copy.0);
            if let Some(first) = filter.copies.first() {
                copy.0 = first.0.clone();
                copy.1 = first.1.clone();
            }
        }
    }
    out
}

fn stage_of(dockerfile: &str, stage: &str) -> Stage {
    let mut out = Stage::default();
    let mut inside = false;
    for line in dockerfile.lines() {
        if let Some(rest) = line.strip_prefix("FROM ") {
            let (image, name) = rest.split_once(" AS ").unwrap_or((rest, ""));
            inside = name == stage;
            if inside {
                out = Stage {
                    base: (image != "scratch").then(|| image.to_string()),
                    ..Stage::default()
                };
            }
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(u) = line.strip_prefix("USER ") {
            out.user = Some(u.to_string());
        } else if let Some(w) = line.strip_prefix("WORKDIR ") {
            out.workdir = Some(w.trim_matches('"').to_string());
            if out.first_workdir.is_none() {
                out.first_workdir = out.workdir.clone();
            }
        } else if let Some(e) = line.strip_prefix("ENTRYPOINT ") {
            out.entrypoint = Some(json_list(e));
        } else if let Some(a) = line.strip_prefix("ARG ") {
            if let Some((k, v)) = a.split_once('=') {
                out.args
                    .insert(k.to_string(), v.trim_matches('"').to_string());
            }
        } else if let Some(e) = line.strip_prefix("ENV ") {
            if let Some((k, v)) = e.split_once('=') {
                out.env
                    .insert(k.to_string(), v.trim_matches('"').replace("\\\"", "\""));
            }
        } else if let Some(c) = line.strip_prefix("COPY ") {
            let mut from = "local".to_string();
            let mut owner = None;
            let mut rest = c;
            while let Some(flag) = rest.strip_prefix("--") {
                let (word, after) = flag.split_once(' ').unwrap_or((flag, ""));
                if let Some(f) = word.strip_prefix("from=") {
                    from = f.to_string();
                } else if let Some(o) = word.strip_prefix("chown=") {
                    owner = Some(o.to_string());
                }
                rest = after;
            }
            let mut parts = json_list(rest);
            let dest = parts.pop().unwrap_or_default();
            out.copies.push((from, parts, dest, owner));
        } else if let Some(r) = line.strip_prefix("RUN ") {
            // Mount flags come first; the command follows them.
            let mut rest = r;
            while let Some(flag) = rest.strip_prefix("--") {
                rest = flag.split_once(' ').map_or("", |(_, a)| a);
            }
            out.runs.push(rest.to_string());
        }
    }
    out
}

/// `/srv/app/./x/` and `/srv/app/x` are the same place.
fn place(dir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    };
    let parts: Vec<&str> = joined
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Differences from Blubber that wbuild makes on purpose, documented in
/// docs/migrating-from-blubber.md ("What changes"): `DEBIAN_FRONTEND` is set for
/// wbuild's apt steps only, not left in the image's environment.
const NOT_IN_THE_IMAGE: &[&str] = &["DEBIAN_FRONTEND"];

/// The `PATH` the engines give an image that sets none (a scratch stage's); the
/// oracle lists it where Blubber writes it into the config itself.
const ENGINE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[test]
fn compiled_dockerfiles_say_what_blubber_builds() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for dir in configs() {
        let Ok((manifest, _)) = import(&dir) else {
            continue;
        };
        let (compiler, file) = compiler(&manifest);
        let expected = expected(&dir);
        for (variant, facts) in expected["variants"].as_object().expect("variants") {
            let ident = blubber::write::ident(variant);
            let Ok(dockerfile) = compiler.compile(file, &ident) else {
                continue;
            };
            let stage = target_stage(&dockerfile, &ident.to_lowercase());
            let mut fail = |what: &str, want: String, got: String| {
                failures.push(format!(
                    "{}#{variant}: {what}: Blubber {want}, wbuild {got}",
                    name(&dir)
                ));
            };
            let workdir = stage.workdir.clone().unwrap_or_else(|| "/".into());
            if let Some(base) = facts.get("base") {
                compared += 1;
                if base.as_str().map(String::from) != stage.base {
                    fail("base", base.to_string(), format!("{:?}", stage.base));
                }
            }
            if let Some(user) = facts.get("user") {
                compared += 1;
                let uid = stage
                    .user
                    .as_deref()
                    .map(|u| u.split(':').next().unwrap_or(u).to_string());
                if user.as_str().map(String::from) != uid {
                    fail("user (uid)", user.to_string(), format!("{:?}", stage.user));
                }
            }
            if let Some(w) = facts.get("workdir").and_then(Value::as_str) {
                compared += 1;
                if place("/", w) != place("/", &workdir) {
                    fail("workdir", w.into(), workdir.clone());
                }
            }
            if let Some(e) = facts.get("entrypoint") {
                compared += 1;
                let want = (!e.is_null()).then(|| strings(e)).filter(|e| !e.is_empty());
                if want != stage.entrypoint.clone().filter(|e| !e.is_empty()) {
                    fail(
                        "entrypoint",
                        e.to_string(),
                        format!("{:?}", stage.entrypoint),
                    );
                }
            }
            if let Some(env) = facts.get("env").and_then(Value::as_object) {
                for (k, v) in env {
                    if NOT_IN_THE_IMAGE.contains(&k.as_str()) {
                        continue;
                    }
                    compared += 1;
                    let want = v.as_str().unwrap_or("");
                    if k == "PATH" && want == ENGINE_PATH && !stage.env.contains_key(k) {
                        continue;
                    }
                    if stage.env.get(k).map(String::as_str) != Some(want) {
                        fail(
                            &format!("env {k}"),
                            format!("{want:?}"),
                            format!("{:?}", stage.env.get(k)),
                        );
                    }
                }
                for k in stage.env.keys() {
                    if !env.contains_key(k)
                        && facts.get("env_prefix").is_none_or(|p| p.get(k).is_none())
                    {
                        compared += 1;
                        fail(
                            &format!("env {k}"),
                            "does not set it".into(),
                            format!("{:?}", stage.env.get(k)),
                        );
                    }
                }
            }
            if let Some(prefix) = facts.get("env_prefix").and_then(Value::as_object) {
                for (k, v) in prefix {
                    compared += 1;
                    let want = v.as_str().unwrap_or("");
                    let got = stage.env.get(k).cloned().unwrap_or_default();
                    if !got.starts_with(want.trim_end_matches(':'))
                        || !got.contains(&format!("${{{k}"))
                    {
                        fail(
                            &format!("env {k} (before the inherited value)"),
                            want.into(),
                            got,
                        );
                    }
                }
            }
            if let Some(users) = facts.get("users_created").and_then(Value::as_array) {
                let created = users_created(&stage.runs);
                for u in users {
                    compared += 1;
                    let want = (
                        u["name"].as_str().unwrap_or("").to_string(),
                        u["uid"].to_string(),
                        u["gid"].to_string(),
                        u["home"].as_str().unwrap_or("").to_string(),
                    );
                    if !created.contains(&want) {
                        fail("user created", format!("{want:?}"), format!("{created:?}"));
                    }
                }
            }
            // Copies and requirements: every one Blubber makes, in wbuild's COPYs.
            let lives_in = stage.first_workdir.clone().unwrap_or_else(|| "/".into());
            let mut wanted: Vec<(String, Vec<String>, String, Option<String>)> = Vec::new();
            for c in facts
                .get("copies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                wanted.push((
                    c["from"].as_str().unwrap_or("local").to_string(),
                    vec![c["source"].as_str().unwrap_or("").to_string()],
                    c["destination"].as_str().unwrap_or("").to_string(),
                    c["owner"].as_str().map(String::from),
                ));
            }
            for r in facts
                .get("requirements")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                wanted.push((
                    r["from"].as_str().unwrap_or("local").to_string(),
                    strings(&r["sources"]),
                    r["destination"].as_str().unwrap_or("").to_string(),
                    r["owner"].as_str().map(String::from),
                ));
            }
            for (from, sources, dest, owner) in wanted {
                compared += 1;
                let from_stage = if from == "local" {
                    "local".to_string()
                } else {
                    blubber::write::ident(&from).to_lowercase()
                };
                let found = stage.copies.iter().any(|(f, s, d, o)| {
                    *f == from_stage
                        && place(&lives_in, &dest) == place("/", d)
                        && *o == owner
                        && s.len() == sources.len()
                        && s.iter().zip(&sources).all(|(a, b)| {
                            a.trim_end_matches('/') == b.trim_end_matches('/')
                                || place("/", a) == place(&lives_in, b)
                        })
                });
                if !found {
                    fail(
                        "copy",
                        format!("{from} {sources:?} → {dest} owned by {owner:?}"),
                        format!("{:?}", stage.copies),
                    );
                }
            }
            if let Some(packages) = facts.get("apt_packages").and_then(Value::as_array) {
                for p in packages.iter().filter_map(Value::as_str) {
                    compared += 1;
                    if !stage
                        .runs
                        .iter()
                        .any(|r| r.contains("apt-get") && r.split_whitespace().any(|w| w == p))
                    {
                        fail("apt package", p.into(), "not installed".into());
                    }
                }
            }
            if let Some(by_release) = facts
                .get("apt_packages_by_release")
                .and_then(Value::as_object)
            {
                for (release, packages) in by_release {
                    for p in strings(packages) {
                        compared += 1;
                        if !stage.runs.iter().any(|r| {
                            r.contains(&format!("-t {release}"))
                                && r.split_whitespace().any(|w| w == p)
                        }) {
                            fail(
                                "apt package",
                                format!("{p} from {release}"),
                                "not installed from it".into(),
                            );
                        }
                    }
                }
            }
            // Each command a RUN runs, as words, with the build arguments and
            // environment expanded as the shell expands them.
            let commands: Vec<Vec<String>> = stage
                .runs
                .iter()
                .flat_map(|r| {
                    let exec = json_list(r);
                    if !exec.is_empty() {
                        return vec![exec];
                    }
                    // `a || echo ...` (a failure Blubber tolerates) runs `a`.
                    r.split(" && ")
                        .map(|part| {
                            shell_words(&expand(part.split(" || ").next().unwrap_or(part), &stage))
                        })
                        .collect()
                })
                .collect();
            for step in facts
                .get("build_steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                compared += 1;
                let found = if let Some(argv) = step.get("argv") {
                    let argv = strings(argv);
                    commands.contains(&argv)
                } else if let Some(shell) = step.get("shell").and_then(Value::as_str) {
                    let words = shell_words(shell);
                    commands.contains(&words)
                        || stage.runs.iter().any(|r| r == shell)
                        || stage
                            .runs
                            .iter()
                            .any(|r| json_list(r).last().is_some_and(|l| l == shell))
                } else {
                    stage.runs.iter().any(|r| r.contains("\"-c\""))
                };
                if !found {
                    fail("build step", step.to_string(), format!("{:?}", stage.runs));
                }
            }
        }
    }
    assert!(compared > 300, "only {compared} facts compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} facts differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The users the RUN steps create with `useradd`: (name, uid, gid, home).
fn users_created(runs: &[String]) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for run in runs {
        for command in run.split("&&").flat_map(|c| c.split("||")) {
            let words = shell_words(command.trim().trim_matches(|c| c == '(' || c == ')'));
            let Some(at) = words.iter().position(|w| w == "useradd") else {
                continue;
            };
            let (mut uid, mut gid, mut home) = (String::new(), String::new(), String::new());
            let mut args = words[at + 1..].iter();
            let mut name = String::new();
            while let Some(w) = args.next() {
                match w.as_str() {
                    "-u" | "--uid" => uid = args.next().cloned().unwrap_or_default(),
                    "-g" | "--gid" => gid = args.next().cloned().unwrap_or_default(),
                    "-d" | "--home-dir" => home = args.next().cloned().unwrap_or_default(),
                    "-s" | "--shell" => {
                        args.next();
                    }
                    w if w.starts_with('-') => {}
                    w => name = w.trim_end_matches(')').to_string(),
                }
            }
            out.push((name, uid, gid, home));
        }
    }
    out
}

/// A shell line's words: quotes removed (enough for the commands compared).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() || any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() || any {
        words.push(word);
    }
    words
}

/// `${NAME}` and `$NAME` with the stage's build arguments and environment.
fn expand(text: &str, stage: &Stage) -> String {
    let mut out = text.to_string();
    let mut names: Vec<(&String, &String)> = stage.args.iter().chain(stage.env.iter()).collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in names {
        out = out
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    out
}

#[test]
fn bad_inputs_point_at_their_line_and_column() {
    let bad = corpus().join("bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&bad)
        .expect("bad")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("yaml");
        let expect = std::fs::read_to_string(path.with_extension("expect")).expect(".expect");
        let at = expect
            .lines()
            .find_map(|l| l.strip_prefix("at: "))
            .expect("at: LINE:COL")
            .trim()
            .to_string();
        let imported = blubber::import(
            &text,
            FileId(0),
            &blubber::Options {
                image_name: "bad",
                source_name: "bad.yaml",
            },
        );
        let errors: Vec<_> = imported
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let index = wbuild::span::LineIndex::new(&text);
        let places: Vec<String> = errors
            .iter()
            .map(|d| {
                let lc = index.line_col(d.primary.span.start);
                format!("{}:{}", lc.line + 1, lc.column + 1)
            })
            .collect();
        let shown = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if imported.manifest.is_some() || !places.contains(&at) {
            failures.push(format!(
                "{shown}: wanted an error at {at}, got {places:?}: {:?}",
                errors.iter().map(|d| &d.message).collect::<Vec<_>>()
            ));
        }
        insta::with_settings!({ snapshot_suffix => shown.trim_end_matches(".yaml").to_string(), prepend_module_to_snapshot => false, omit_expression => true }, {
            let files = [wbuild::diagnostics::render::SourceInfo { id: FileId(0), path: &shown, text: &text, stdlib: false }];
            insta::assert_snapshot!("blubber_bad", wbuild::diagnostics::render::to_terminal(&files, &imported.diagnostics, false));
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn policy_files_convert_or_say_what_does_not() {
    let dir = corpus().join("policy");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("policy")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("yaml");
        let shown = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let converted = blubber::policy::convert(&text, FileId(1), &shown);
        let files = [wbuild::diagnostics::render::SourceInfo {
            id: FileId(1),
            path: &shown,
            text: &text,
            stdlib: false,
        }];
        let rendered =
            wbuild::diagnostics::render::to_terminal(&files, &converted.diagnostics, false);
        if let Some(toml) = &converted.toml {
            // The converted policy is one the organisation can use as it is.
            let mut compiler = Compiler::new();
            let problems = compiler.set_policy(&[PolicyFile {
                layer: Layer::Organisation,
                path: "policy.toml".into(),
                text: toml.clone(),
            }]);
            assert!(problems.is_empty(), "{shown}: {problems:#?}");
        }
        insta::with_settings!({ snapshot_suffix => shown.trim_end_matches(".yaml").to_string(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("blubber_policy", format!("{}\n{}", converted.toml.as_deref().unwrap_or("(not converted)"), rendered));
        });
    }
}

/// The command itself: the manifest written with `-o` (never over a file
/// without `--force`), nothing written when the config has an error (exit 1,
/// the diagnostic at the YAML line and column), the policy converted to a file,
/// and `--format json` as the report `check` prints (its schema).
#[test]
fn import_blubber_writes_refuses_and_reports() {
    use crate::support::wbuildc_at;
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("service.wbuild");
    let out = out_path.to_string_lossy().into_owned();
    let repo = crate::support::repo();
    let config = "tests/fixtures/blubber/05-node-builders/blubber.yaml";
    let run = |args: &[&str]| wbuildc_at(&repo, args);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();

    let first = run(&[
        "import-blubber",
        config,
        "-o",
        &out,
        "--image",
        "05-node-builders",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let written = std::fs::read_to_string(&out_path).expect("written");
    let (expected, _) = import(&corpus().join("05-node-builders")).expect("imports");
    assert_eq!(
        written.replace("tests/fixtures/blubber/", ""),
        expected,
        "the command writes what the library makes"
    );

    let again = run(&["import-blubber", config, "-o", &out]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("already exists"));
    let forced = run(&[
        "import-blubber",
        config,
        "-o",
        &out,
        "--force",
        "--image",
        "05-node-builders",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));

    // An error: exit 1, the position, and nothing written.
    let bad_out = dir.path().join("bad.wbuild");
    let bad = run(&[
        "import-blubber",
        "tests/fixtures/blubber/bad/unknown-nested-field.yaml",
        "-o",
        &bad_out.to_string_lossy(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = text(&bad.stderr);
    assert!(
        stderr.contains("error[WB7003]") && stderr.contains("unknown-nested-field.yaml:7:7"),
        "{stderr}"
    );
    assert!(!bad_out.exists(), "a failed import writes nothing");

    // The policy, to a file.
    let policy_out = dir.path().join("policy.toml");
    let policy = run(&[
        "import-blubber",
        "--policy",
        "tests/fixtures/blubber/policy/registry-and-privileges.yaml",
        "--policy-output",
        &policy_out.to_string_lossy(),
    ]);
    let converted = std::fs::read_to_string(&policy_out).unwrap_or_default();
    match policy.status.code() {
        Some(0) => assert!(converted.contains("allowed_registries"), "{converted}"),
        code => {
            assert_eq!(code, Some(1), "{}", text(&policy.stderr));
            assert!(text(&policy.stderr).contains("WB7008"));
            assert!(converted.is_empty(), "a failed conversion writes nothing");
        }
    }

    // JSON: the report schema, warnings with their positions, and the files written.
    let json_out = dir.path().join("traps.wbuild");
    let report = run(&[
        "import-blubber",
        "tests/fixtures/blubber/24-merge-traps/blubber.yaml",
        "-o",
        &json_out.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let report_path = dir.path().join("report.json");
    std::fs::write(&report_path, &report.stdout).expect("write report");
    crate::ops::assert_valid("docs/schemas/report.schema.json", &report_path);
    let value: Value = serde_json::from_slice(&report.stdout).expect("json");
    let diagnostics = value["diagnostics"].as_array().cloned().unwrap_or_default();
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "WB7007" && d["primary"]["line"].as_u64().is_some_and(|l| l > 1)),
        "{value}"
    );
    assert_eq!(
        value["written"][0].as_str(),
        Some(json_out.to_string_lossy().as_ref())
    );

    // JSON needs the manifest in a file: standard output is the report's.
    let usage = run(&["import-blubber", config, "--format", "json"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        text(&usage.stdout).contains("\"errors\":[{\"kind\":\"usage\""),
        "{}",
        text(&usage.stdout)
    );
}

/// The configs tests/e2e/blubber.sh builds for real: imported here too, as
/// snapshots, and checked and compiled under the corpus's policy, so that a
/// change to what they import to is reviewed before the end-to-end run.
#[test]
fn the_configs_built_end_to_end_import_and_compile() {
    let root = crate::support::repo().join("tests/e2e/fixtures/blubber");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("e2e configs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("blubber.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "{} configs", dirs.len());
    for dir in dirs {
        let (manifest, _) = import(&dir).unwrap_or_else(|e| panic!("{e}"));
        let (compiler, file) = compiler(&manifest);
        let errors: Vec<_> = compiler
            .check(file)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            name(&dir),
            compiler.render(&errors, false)
        );
        let variants: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("variant "))
            .filter_map(|l| l.split([' ', '{']).next())
            .collect();
        assert!(!variants.is_empty());
        for v in variants {
            if let Err(d) = compiler.compile(file, v) {
                panic!("{}#{v}:\n{}", name(&dir), compiler.render(&d, false));
            }
        }
        insta::with_settings!({ snapshot_suffix => name(&dir), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("blubber_e2e_import", manifest);
        });
    }
}

/// Whatever the YAML, the import answers with a manifest or diagnostics and
/// never panics: every prefix of every corpus config (cut YAML, half a key, an
/// open quote), and each config with one byte replaced by a YAML indicator.
#[test]
fn the_import_never_panics_on_cut_or_mangled_configs() {
    let texts: Vec<String> = configs()
        .iter()
        .map(|d| std::fs::read_to_string(d.join("blubber.yaml")).expect("config"))
        .collect();
    let mut runs = 0;
    for text in &texts {
        let bytes = text.as_bytes();
        for end in (0..bytes.len()).step_by(7) {
            let Some(prefix) = text.get(..end) else {
                continue;
            };
            let imported = blubber::import(
                prefix,
                FileId(0),
                &blubber::Options {
                    image_name: "x",
                    source_name: "x.yaml",
                },
            );
            assert!(
                imported.manifest.is_some() || !imported.diagnostics.is_empty(),
                "no answer for a prefix of {end} bytes"
            );
            runs += 1;
        }
        for (at, indicator) in (0..bytes.len()).step_by(13).zip(
            [
                ":", "-", "[", "{", "&a", "*a", "!t", "'", "\"", "|", "#", "\t",
            ]
            .iter()
            .cycle(),
        ) {
            if !text.is_char_boundary(at) || !text.is_char_boundary(at + 1) {
                continue;
            }
            let mangled = format!("{}{indicator}{}", &text[..at], &text[at + 1..]);
            let _ = blubber::import(
                &mangled,
                FileId(0),
                &blubber::Options {
                    image_name: "x",
                    source_name: "x.yaml",
                },
            );
            runs += 1;
        }
    }
    assert!(runs > 1000, "{runs} inputs");
}
