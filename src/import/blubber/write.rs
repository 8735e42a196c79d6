//! The expanded variants written as wbuild: what Blubber would build, said
//! explicitly. Each variant becomes a `variant` in the config's order; a variant
//! whose only include it extends by appending (copies, environment, the
//! entrypoint, the run-time user and directory) becomes `extends` with `+=` and
//! `=`; any other variant is written out whole, since wbuild's `extends` replaces
//! steps where Blubber merges them phase by phase.
//!
//! The phases of a Blubber variant, in wbuild terms: as root, the build
//! arguments, the APT packages, the two users (with home directories) and the
//! application directory; as the `lives` user (`with user` / `with chown`), the
//! builders' requirements and commands, then the copies; at run time, the `runs`
//! user (the `lives` user with `insecurely`), `runs.in` or `lives.in`, the
//! entrypoint.
//!
//! The text is valid wbuild but unformatted; the caller runs the formatter.

use super::expand::{Expanded, User, LOCAL_LIB};
use super::model::{Artifact, Builder, Command, Custom, NodeBuilder, PhpBuilder, PythonBuilder};
use crate::import::yaml::Comment;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the writer needs besides the variants.
pub struct Input<'a> {
    pub image_name: &'a str,
    pub source_name: &'a str,
    pub variants: &'a [Expanded],
    /// Comments of the config outside any variant, in order.
    pub header: &'a [Comment],
    /// Each variant's comments, by variant name.
    pub comments: &'a BTreeMap<String, Vec<Comment>>,
    /// The includes each variant wrote, by variant name.
    pub includes: &'a BTreeMap<String, Vec<String>>,
}

/// A wbuild string literal of `text` (`${` escaped: Blubber has no
/// interpolation, so every `${` is the shell's).
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A wbuild identifier for a Blubber name (`-` and `.` become `_`).
pub fn ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    const RESERVED: &[&str] = &[
        "import", "let", "image", "variant", "preset", "extends", "true", "false", "as", "scratch",
        "base", "user", "apt", "run", "copy", "from", "to", "env", "arg", "workdir", "with",
    ];
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The names the users get in the manifest: `base.somebody` and `base.runuser`
/// when they are the stdlib's (Blubber's defaults are the same users), a `let`
/// otherwise.
struct Users {
    names: BTreeMap<User, String>,
    uses_base: bool,
    /// Base images that several variants written whole start from, by the
    /// `let` that names them.
    images: BTreeMap<String, String>,
}

impl Users {
    fn collect(variants: &[Expanded]) -> Users {
        let mut names = BTreeMap::new();
        let mut taken: Vec<String> = Vec::new();
        let mut uses_base = false;
        for v in variants.iter().filter(|v| v.base.is_some()) {
            // Every stage on an image extends `base.runtime`.
            uses_base = true;
            for u in [&v.lives, &v.runs] {
                if names.contains_key(u) {
                    continue;
                }
                let stdlib = (u.name == "somebody" && u.uid == 65533 && u.gid == 65533)
                    || (u.name == "runuser" && u.uid == 900 && u.gid == 900);
                let name = if stdlib {
                    uses_base = true;
                    format!("base.{}", u.name)
                } else {
                    let mut n = ident(&u.name);
                    // A variant of the same name would be defined twice.
                    if variants.iter().any(|v| ident(&v.name) == n) {
                        n.push_str("_user");
                    }
                    if taken.contains(&n) {
                        n = format!("{n}_{}", u.uid);
                    }
                    taken.push(n.clone());
                    n
                };
                names.insert(u.clone(), name);
            }
        }
        Users {
            names,
            uses_base,
            images: BTreeMap::new(),
        }
    }

    /// Names the base images that more than one of `whole` starts from.
    fn name_images(&mut self, whole: &[&Expanded], variants: &[Expanded]) {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for v in whole {
            if let Some(b) = &v.base {
                *counts.entry(b.as_str()).or_default() += 1;
            }
        }
        let mut taken: Vec<String> = self.names.values().cloned().collect();
        taken.extend(variants.iter().map(|v| ident(&v.name)));
        for (image, count) in counts {
            if count < 2 {
                continue;
            }
            let repository = image.rsplit('/').next().unwrap_or(image);
            let repository = repository.split([':', '@']).next().unwrap_or(repository);
            let mut name = ident(repository);
            if taken.contains(&name) {
                name.push_str("_image");
            }
            while taken.contains(&name) {
                name.push('_');
            }
            taken.push(name.clone());
            self.images.insert(image.to_string(), name);
        }
    }

    /// A base image as the manifest writes it: its `let`, or the reference.
    fn image(&self, reference: &str) -> String {
        self.images
            .get(reference)
            .cloned()
            .unwrap_or_else(|| string(reference))
    }

    fn of(&self, u: &User) -> String {
        self.names.get(u).cloned().unwrap_or_else(|| ident(&u.name))
    }
}

/// The normalised source and destination of a requirement (Blubber's
/// `NormalizedSource` / `NormalizedDestination`).
fn requirement_paths(a: &Artifact) -> (String, String) {
    let source = a
        .source
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_default();
    let is_dir = |p: &str| p.ends_with('/') || p == "." || p.ends_with("/.");
    let clean = clean(&source);
    let normal_source = if clean != "/" && is_dir(&source) {
        format!("{clean}/")
    } else {
        clean.clone()
    };
    let dest = match &a.destination {
        None => {
            if is_dir(&source) {
                source.clone()
            } else {
                let dir = std::path::Path::new(&normal_source)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| ".".into());
                format!("{dir}/")
            }
        }
        Some(d) => {
            let c = clean_dest(&d.value);
            if c != "/" && (is_dir(&d.value) || is_dir(&source)) {
                format!("{c}/")
            } else {
                c
            }
        }
    };
    (normal_source, dest)
}

/// `path.Clean` for relative and absolute paths.
fn clean(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn clean_dest(p: &str) -> String {
    clean(p)
}

/// Blubber's `EffectiveDestination`: where a requirement file ends up.
fn effective_destination(a: &Artifact) -> String {
    let (_, dest) = requirement_paths(a);
    let source = a.source.as_ref().map(|s| s.value.as_str()).unwrap_or("");
    let source_is_dir = source.ends_with('/') || source == ".";
    if !dest.ends_with('/') || source_is_dir {
        return dest;
    }
    let base = std::path::Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if dest == "./" {
        base
    } else {
        format!("{dest}{base}")
    }
}

struct Body<'a> {
    steps: Vec<String>,
    users: &'a Users,
    /// The `HOME` set so far, and the owner's: Blubber sets `HOME` to the
    /// `lives` user's home for the builders and to the runner's for run time;
    /// it is written just before a command needs it.
    home: Option<String>,
    owner_home: String,
}

impl Body<'_> {
    fn new<'a>(users: &'a Users, v: &Expanded) -> Body<'a> {
        Body {
            steps: Vec::new(),
            users,
            home: None,
            owner_home: v.lives.home(),
        }
    }

    fn step(&mut self, line: String) {
        self.steps.push(line);
    }

    fn set_home(&mut self, home: &str) {
        if self.home.as_deref() != Some(home) {
            self.step(format!("env HOME = {}", string(home)));
            self.home = Some(home.to_string());
        }
    }

    /// A requirement list's copies, grouped by source variant and destination
    /// as Blubber groups them.
    fn requirements(&mut self, reqs: &[Artifact], owner: &str) {
        let mut groups: Vec<(String, String, Vec<String>, Vec<String>)> = Vec::new();
        for a in reqs {
            let from = if a.from.value.is_empty() {
                "local".to_string()
            } else {
                a.from.value.clone()
            };
            let (source, dest) = requirement_paths(a);
            let excludes: Vec<String> = a.exclude.iter().map(|e| e.value.clone()).collect();
            match groups
                .iter_mut()
                .find(|(f, d, _, _)| *f == from && *d == dest)
            {
                Some(g) => {
                    g.2.push(source);
                    g.3.extend(excludes);
                }
                None => groups.push((from, dest, vec![source], excludes)),
            }
        }
        for (from, dest, sources, excludes) in groups {
            self.copy(&from, &sources, &dest, Some(owner), &excludes);
        }
    }

    fn copy(
        &mut self,
        from: &str,
        sources: &[String],
        dest: &str,
        owner: Option<&str>,
        excludes: &[String],
    ) {
        let sources = if sources.len() == 1 {
            string(&sources[0])
        } else {
            list(sources)
        };
        let mut options = Vec::new();
        if let Some(o) = owner {
            options.push(format!("chown = {o}"));
        }
        if !excludes.is_empty() {
            options.push(format!("exclude = {}", list(excludes)));
        }
        let with = if options.is_empty() {
            String::new()
        } else {
            format!(" with {}", options.join(", "))
        };
        let head = if from == "local" {
            "copy".to_string()
        } else {
            format!("copy from {}", ident(from))
        };
        self.step(format!("{head} {sources} to {}{with}", string(dest)));
    }

    /// A command run as `who`, with its mounts and caches.
    fn run(&mut self, command: &str, who: &str, mounts: &[String]) {
        if self.home.is_none() {
            let home = self.owner_home.clone();
            self.set_home(&home);
        }
        let mut with = format!(" with user = {who}");
        if !mounts.is_empty() {
            let _ = write!(with, ", mounts = [{}]", mounts.join(", "));
        }
        self.step(format!("run {command}{with}"));
    }

    fn custom(&mut self, c: &Custom, v: &Expanded) {
        let owner = self.users.of(&v.lives);
        if let Some(reqs) = &c.requirements {
            self.requirements(reqs, &owner);
        }
        // Blubber expands `$VAR` in mount and cache paths with the build's
        // environment at that point (`os.Expand`: unknown names are empty).
        let env = |text: &str| expand_env(text, v);
        let at_workdir = |path: &str| {
            clean(&if path.starts_with('/') {
                path.to_string()
            } else {
                format!("{}/{path}", v.lives_in)
            })
        };
        let mut mounts = Vec::new();
        for m in c.mounts.iter().flatten() {
            let target = at_workdir(&env(m
                .destination
                .as_ref()
                .map_or(".", |d| d.value.as_str())));
            let local = m.from.value == "local";
            // Without a source, the whole filesystem: the build context's root,
            // or the variant's or image's `/`.
            let source = m.source.as_ref().map_or_else(
                || {
                    if local {
                        ".".to_string()
                    } else {
                        "/".to_string()
                    }
                },
                |s| env(&s.value),
            );
            let mut args = vec![
                format!("source = {}", string(&source)),
                format!("target = {}", string(&target)),
            ];
            match m.from.value.as_str() {
                "local" => {}
                f if looks_like_image(f) => args.push(format!("from = {}", string(f))),
                f => args.push(format!("from = {}", ident(f))),
            }
            mounts.push(format!("bind({})", args.join(", ")));
        }
        for cache in c.caches.iter().flatten() {
            let target = at_workdir(&env(&cache.destination.value));
            let mut args = vec![format!("target = {}", string(&target))];
            // Without an id the cache is named by its target, in Blubber and in
            // wbuild alike. An id wbuild's cache names cannot carry (`/`) has its
            // other characters made `-`: the cache is the same for every build.
            if let Some(id) = &cache.id {
                let id: String = id
                    .value
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect();
                args.push(format!("id = {}", string(&id)));
            }
            args.push(format!(
                "sharing = {}",
                string(cache.access.as_ref().map_or("shared", |a| a.value.as_str()))
            ));
            mounts.push(format!("cache({})", args.join(", ")));
        }
        let command = match (&c.command, &c.script) {
            (Some(Command::Shell(s)), _) => Some(string(&s.value)),
            (Some(Command::List(parts)), _) => Some(command_list(
                &parts.iter().map(|p| p.value.clone()).collect::<Vec<_>>(),
            )),
            (None, Some(script)) => {
                let (interpreter, body) = match script.value.strip_prefix("#!") {
                    Some(rest) => {
                        let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
                        (
                            line.split_whitespace()
                                .map(String::from)
                                .collect::<Vec<_>>(),
                            body.to_string(),
                        )
                    }
                    None => (vec!["/bin/sh".to_string()], script.value.clone()),
                };
                let mut argv = interpreter;
                argv.push("-c".into());
                argv.push(body);
                Some(list(&argv))
            }
            (None, None) => None,
        };
        if let Some(command) = command {
            self.run(&command, &owner, &mounts);
        }
    }

    fn node(&mut self, n: &NodeBuilder, v: &Expanded) {
        let owner = self.users.of(&v.lives);
        let Some(reqs) = n.requirements.as_ref().filter(|r| !r.is_empty()) else {
            return;
        };
        self.requirements(reqs, &owner);
        let ci = n.use_npm_ci.as_ref().is_some_and(|f| f.value);
        let production = n.env.as_ref().is_some_and(|e| e.value == "production");
        let mut argv = vec![
            "npm".to_string(),
            if ci { "ci" } else { "install" }.to_string(),
        ];
        if production {
            argv.push("--only=production".into());
        }
        self.run(&list(&argv), &owner, &[]);
        if production {
            if n.allow_dedupe_failure.as_ref().is_some_and(|f| f.value) {
                self.run(
                    &string(
                        "npm dedupe || echo \"WARNING: npm dedupe failed, continuing anyways\"",
                    ),
                    &owner,
                    &[],
                );
            } else {
                self.run(&list(&["npm".into(), "dedupe".into()]), &owner, &[]);
            }
        }
    }

    fn php(&mut self, p: &PhpBuilder, v: &Expanded) {
        let owner = self.users.of(&v.lives);
        let Some(reqs) = p.requirements.as_ref().filter(|r| !r.is_empty()) else {
            return;
        };
        self.requirements(reqs, &owner);
        let mut argv = vec![
            "composer".to_string(),
            "install".to_string(),
            "--no-scripts".to_string(),
        ];
        if p.production.as_ref().is_some_and(|f| f.value) {
            argv.push("--no-dev".into());
        }
        self.run(&list(&argv), &owner, &[]);
    }

    fn python(&mut self, p: &PythonBuilder, v: &Expanded) {
        // Blubber runs the Python builder only with a version and requirements.
        let (Some(version), Some(reqs)) = (&p.version, &p.requirements) else {
            return;
        };
        let python = version.value.clone();
        let owner = self.users.of(&v.lives);
        self.requirements(reqs, &owner);
        let venv = p
            .venv
            .as_ref()
            .map_or("/opt/lib/venv".to_string(), |v| v.value.clone());
        let mut argv = vec![python.clone(), "-m".into(), "venv".into(), venv.clone()];
        if p.use_system_site_packages.as_ref().is_some_and(|f| f.value) {
            argv.push("--system-site-packages".into());
        }
        self.run(&list(&argv), &owner, &[]);
        self.step(format!("env VIRTUAL_ENV = {}", string(&venv)));
        self.step(format!(
            "env PATH = {} with inherited = \"after\"",
            string(&format!("{venv}/bin"))
        ));
        let spec = |name: &str,
                    v: &Option<super::model::Spanned<String>>,
                    default: &str|
         -> String {
            match v.as_ref().map(|s| s.value.as_str()) {
                Some(s) if s.starts_with(|c: char| c.is_ascii_digit()) => format!("{name}=={s}"),
                Some(s) => format!("{name}{s}"),
                None => format!("{name}{default}"),
            }
        };
        let pip_default = if python.starts_with("python2") {
            "<21"
        } else {
            ""
        };
        self.run(
            &string(&format!(
                "{python} -m pip install -U {} && {python} -m pip install -U {} {} {}",
                shell_word(&spec("setuptools", &p.setuptools_version, "!=60.9.0")),
                shell_word(&spec("wheel", &p.wheel_version, "")),
                shell_word(&spec("tox", &p.tox_version, "")),
                shell_word(&spec("pip", &p.pip_version, pip_default)),
            )),
            &owner,
            &[],
        );
        if p.poetry.version.is_some() {
            self.step(format!(
                "env POETRY_VIRTUALENVS_PATH = {}",
                string(&format!("{LOCAL_LIB}/poetry"))
            ));
            self.run(
                &list(&[
                    python.clone(),
                    "-m".into(),
                    "pip".into(),
                    "install".into(),
                    "-U".into(),
                    spec("poetry", &p.poetry.version, ""),
                ]),
                &owner,
                &[],
            );
            self.run(
                &list(&["mkdir".into(), "-p".into(), format!("{LOCAL_LIB}/poetry")]),
                &owner,
                &[],
            );
            let mut argv = vec!["poetry".to_string(), "install".into(), "--no-root".into()];
            if let Some(o) = &p.poetry.only {
                argv.extend(["--only".into(), o.value.clone()]);
            }
            if let Some(w) = &p.poetry.without {
                argv.extend(["--without".into(), w.value.clone()]);
            }
            if p.poetry.only.is_none()
                && p.poetry.without.is_none()
                && !p.poetry.devel.as_ref().is_some_and(|f| f.value)
            {
                argv.push("--no-dev".into());
            }
            self.run(&list(&argv), &owner, &[]);
        } else if !reqs.is_empty() {
            let mut argv = vec![python.clone(), "-m".into(), "pip".into(), "install".into()];
            if p.no_deps.as_ref().is_some_and(|f| f.value) {
                argv.push("--no-deps".into());
            }
            for r in reqs {
                argv.extend(["-r".into(), effective_destination(r)]);
            }
            self.run(&list(&argv), &owner, &[]);
        }
    }
}

/// `os.Expand` over what the build's environment holds when a builder runs:
/// `runs.environment`, the arguments' defaults and `HOME` (the owner's).
fn expand_env(text: &str, v: &Expanded) -> String {
    let lookup = |name: &str| -> String {
        if name == "HOME" {
            return v.lives.home();
        }
        v.environment
            .iter()
            .chain(&v.arguments)
            .find(|(k, _)| k == name)
            .map(|(_, val)| val.clone())
            .unwrap_or_default()
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    out.push_str(&lookup(&inner[..end]));
                    rest = &inner[end + 1..];
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..end]));
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether a mount's `from` names an image rather than a variant.
pub fn looks_like_image(from: &str) -> bool {
    from.contains('/') || from.contains(':')
}

/// A word for a shell line: quoted when it has anything a shell would act on.
fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A Blubber command list: Blubber joins it into one shell line with the
/// arguments in double quotes, so `$VAR` in an argument is expanded. Without a
/// `$` (or a `%`, which Blubber treats as a format), the exec form runs the same.
fn command_list(parts: &[String]) -> String {
    if parts.iter().all(|p| !p.contains('$') && !p.contains('%')) {
        return list(parts);
    }
    let mut line = parts.first().cloned().unwrap_or_default();
    for p in parts.iter().skip(1) {
        let quoted = format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\""));
        line.push(' ');
        line.push_str(&quoted);
    }
    string(&line)
}

fn comment_lines(out: &mut String, comments: &[Comment], indent: &str) {
    for c in comments {
        if c.text.is_empty() {
            let _ = writeln!(out, "{indent}#");
        } else {
            let _ = writeln!(out, "{indent}# {}", c.text);
        }
    }
}

/// Whether `child` is `parent` plus only what `+=` and `=` can add after it.
fn appends_to(parent: &Expanded, child: &Expanded) -> bool {
    parent.base == child.base
        && parent.base.is_some()
        && parent.arguments == child.arguments
        && parent.packages.iter().all(|(t, p)| {
            child
                .packages
                .iter()
                .any(|(ct, cp)| ct == t && cp.starts_with(p))
        })
        && parent.sources == child.sources
        && parent.proxies == child.proxies
        && parent.builders == child.builders
        && parent.node == child.node
        && parent.php == child.php
        && parent.python == child.python
        && parent.builder == child.builder
        && parent.lives == child.lives
        && parent.lives_in == child.lives_in
        && parent.runs == child.runs
        && parent.insecurely == child.insecurely
        && child.copies.len() >= parent.copies.len()
        && parent
            .copies
            .iter()
            .zip(&child.copies)
            .all(|(a, b)| a.same(b))
        && child.environment.len() >= parent.environment.len()
        && parent
            .environment
            .iter()
            .zip(&child.environment)
            .all(|(a, b)| a == b)
        && appended_environment_keeps_its_place(parent, child)
}

/// Blubber sets `runs.environment` before the builders run and before the
/// `HOME` it sets for run time; `env` steps added with `+=` come after both. So
/// a variable is only appended when no builder of the parent ran without it,
/// and it is not `HOME`; otherwise the variant is written out whole.
fn appended_environment_keeps_its_place(parent: &Expanded, child: &Expanded) -> bool {
    let added = &child.environment[parent.environment.len().min(child.environment.len())..];
    added.is_empty()
        || (parent.builders.is_empty()
            && parent.node.is_none()
            && parent.php.is_none()
            && parent.python.is_none()
            && parent.builder.is_none()
            && added.iter().all(|(k, _)| k != "HOME"))
}

/// The manifest text.
pub fn manifest(input: &Input<'_>) -> String {
    let mut users = Users::collect(input.variants);
    // Which variants extend their include and which are written whole.
    let parents: Vec<Option<&Expanded>> = input
        .variants
        .iter()
        .map(|v| {
            let includes = input.includes.get(&v.name).cloned().unwrap_or_default();
            match includes.as_slice() {
                [one] => input
                    .variants
                    .iter()
                    .find(|p| p.name == *one)
                    .filter(|p| appends_to(p, v)),
                _ => None,
            }
        })
        .collect();
    let whole: Vec<&Expanded> = input
        .variants
        .iter()
        .zip(&parents)
        .filter(|(_, p)| p.is_none())
        .map(|(v, _)| v)
        .collect();
    users.name_images(&whole, input.variants);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Converted from {} by `wbuildc import-blubber` (Blubber config v4).",
        input.source_name
    );
    let _ = writeln!(
        out,
        "# Blubber's phases are written out: root for packages and users, the `lives`"
    );
    let _ = writeln!(
        out,
        "# user for builders and copies, the `runs` user at run time."
    );
    if !input.header.is_empty() {
        out.push_str("#\n");
        comment_lines(&mut out, input.header, "");
    }
    out.push('\n');
    if users.uses_base {
        out.push_str("import \"base\"\n\n");
    }
    let _ = writeln!(out, "image {} {{}}\n", string(input.image_name));
    let mut lets: Vec<(&User, &String)> = users
        .names
        .iter()
        .filter(|(_, n)| !n.starts_with("base."))
        .collect();
    lets.sort_by(|a, b| a.1.cmp(b.1));
    for (u, name) in &lets {
        let _ = writeln!(
            out,
            "let {name} = user({}, {}, {})",
            string(&u.name),
            u.uid,
            u.gid
        );
    }
    for (image, name) in &users.images {
        let _ = writeln!(out, "let {name}: image = {}", string(image));
    }
    if !lets.is_empty() || !users.images.is_empty() {
        out.push('\n');
    }
    for (v, parent) in input.variants.iter().zip(&parents) {
        let parent = *parent;
        if let Some(c) = input.comments.get(&v.name) {
            comment_lines(&mut out, c, "");
        }
        let includes = input.includes.get(&v.name).cloned().unwrap_or_default();
        if !includes.is_empty() && parent.is_none() {
            let _ = writeln!(
                out,
                "# Blubber `includes: [{}]`, merged in here.",
                includes.join(", ")
            );
        }
        match parent {
            Some(p) => variant_extending(&mut out, p, v, &users),
            None => variant_whole(&mut out, v, &users),
        }
        out.push('\n');
    }
    out
}

fn run_user(v: &Expanded, users: &Users) -> String {
    users.of(if v.insecurely { &v.lives } else { &v.runs })
}

fn variant_extending(out: &mut String, parent: &Expanded, v: &Expanded, users: &Users) {
    let _ = writeln!(
        out,
        "variant {} extends {} {{",
        ident(&v.name),
        ident(&parent.name)
    );
    let mut body = Body::new(users, v);
    body.home = Some(if parent.insecurely {
        parent.lives.home()
    } else {
        parent.runs.home()
    });
    let extra_packages = added_packages(parent, v);
    for (target, packages) in &extra_packages {
        apt_step(&mut body, v, target, packages);
    }
    if v.insecurely != parent.insecurely {
        let home = if v.insecurely {
            v.lives.home()
        } else {
            v.runs.home()
        };
        body.set_home(&home);
    }
    for (k, value) in v.environment.iter().skip(parent.environment.len()) {
        body.step(format!("env {k} = {}", string(value)));
    }
    copies(&mut body, v, v.copies.len() - parent.copies.len());
    if !body.steps.is_empty() {
        let _ = writeln!(out, "  steps += {{");
        for s in &body.steps {
            let _ = writeln!(out, "    {s}");
        }
        let _ = writeln!(out, "  }}");
    }
    if v.insecurely != parent.insecurely {
        let _ = writeln!(out, "  user = {}", run_user(v, users));
    }
    let workdir = |e: &Expanded| e.runs_in.clone().unwrap_or_else(|| e.lives_in.clone());
    if workdir(v) != workdir(parent) {
        let _ = writeln!(out, "  workdir = {}", string(&workdir(v)));
    }
    if v.entrypoint != parent.entrypoint {
        match &v.entrypoint {
            Some(e) if !e.is_empty() => {
                let _ = writeln!(out, "  entrypoint = {}", list(e));
            }
            _ => {
                let _ = writeln!(out, "  override entrypoint = []");
            }
        }
    }
    let _ = writeln!(out, "}}");
}

/// The last `count` copies of the variant, owned by its `lives` user (by root in
/// a scratch variant, where Blubber sets no owner).
fn copies(body: &mut Body<'_>, v: &Expanded, count: usize) {
    let owner = v.base.as_ref().map(|_| body.users.of(&v.lives));
    let start = v.copies.len() - count;
    for a in &v.copies[start..] {
        let excludes: Vec<String> = a.exclude.iter().map(|e| e.value.clone()).collect();
        let from = a.from.value.clone();
        match (&a.source, &a.destination) {
            (None, _) if from == "local" => {
                body.copy("local", &[".".into()], ".", owner.as_deref(), &excludes)
            }
            (None, _) => {
                body.copy(
                    &from,
                    std::slice::from_ref(&v.lives_in),
                    &v.lives_in,
                    owner.as_deref(),
                    &excludes,
                );
                body.copy(
                    &from,
                    &[LOCAL_LIB.to_string()],
                    LOCAL_LIB,
                    owner.as_deref(),
                    &excludes,
                );
            }
            (Some(s), d) => {
                let dest = d.as_ref().map_or(s.value.clone(), |d| d.value.clone());
                body.copy(
                    &from,
                    std::slice::from_ref(&s.value),
                    &dest,
                    owner.as_deref(),
                    &excludes,
                );
            }
        }
    }
}

fn variant_whole(out: &mut String, v: &Expanded, users: &Users) {
    let mut body = Body::new(users, v);
    let Some(base) = &v.base else {
        // Scratch: Blubber emits only the copies and the entrypoint.
        let _ = writeln!(out, "variant {} {{", ident(&v.name));
        let _ = writeln!(out, "  base = scratch");
        copies(&mut body, v, v.copies.len());
        write_steps(out, &body.steps, "=");
        if let Some(e) = v.entrypoint.as_ref().filter(|e| !e.is_empty()) {
            let _ = writeln!(out, "  entrypoint = {}", list(e));
        }
        let _ = writeln!(out, "  allow = {{");
        let _ = writeln!(
            out,
            "    \"root-user\": \"a scratch image has no users; Blubber sets none\","
        );
        let _ = writeln!(out, "  }}");
        let _ = writeln!(out, "}}");
        return;
    };
    let final_user = if v.insecurely { &v.lives } else { &v.runs };
    // The stdlib's `base.runtime` makes Blubber's skeleton (both users with
    // their homes, the application directory owned by the owner, the working
    // directory, the run-time user); a zero id is left to Blubber's own
    // commands, which keep an existing account where `useradd` would refuse it.
    let preset = [&v.lives, &v.runs].iter().all(|u| u.uid != 0 && u.gid != 0);
    let mut arguments = v.arguments.clone();
    arguments.sort();
    for (k, d) in &arguments {
        body.step(format!("arg {k}: string = {}", string(d)));
    }
    let mut targets = v.packages.clone();
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    if !v.sources.is_empty() && targets.iter().any(|(_, p)| !p.is_empty()) {
        // Blubber installs ca-certificates before it adds a source (an https
        // source needs it).
        body.step("apt [\"ca-certificates\"]".to_string());
    }
    for (target, packages) in &targets {
        apt_step(&mut body, v, target, packages);
    }
    if preset {
        let _ = writeln!(
            out,
            "variant {} extends base.runtime(from_image = {}, dir = {}, owner = {}, run_as = {}) {{",
            ident(&v.name),
            users.image(base),
            string(&v.lives_in),
            users.of(&v.lives),
            users.of(final_user),
        );
        body.step(format!(
            "run {}",
            string(&format!(
                "mkdir -p {LOCAL_LIB} && chown {}:{} {LOCAL_LIB}",
                v.lives.uid, v.lives.gid
            ))
        ));
        if final_user != &v.runs {
            // `insecurely`: Blubber still creates the `runs` user.
            body.step(format!(
                "run {}",
                string(&format!(
                    "{} && {}",
                    create_user(&v.runs),
                    create_user_passwd(&v.runs)
                ))
            ));
        }
    } else {
        let _ = writeln!(out, "variant {} {{", ident(&v.name));
        let _ = writeln!(out, "  base = {}", users.image(base));
        body.step(format!(
            "run {}",
            string(&format!(
                "{} && {} && mkdir -p {dir} && chown {uid}:{gid} {dir} && mkdir -p {LOCAL_LIB} && chown {uid}:{gid} {LOCAL_LIB}",
                create_user(&v.lives),
                create_user_passwd(&v.lives),
                dir = v.lives_in,
                uid = v.lives.uid,
                gid = v.lives.gid,
            ))
        ));
        if v.runs != v.lives {
            body.step(format!(
                "run {}",
                string(&format!(
                    "{} && {}",
                    create_user(&v.runs),
                    create_user_passwd(&v.runs)
                ))
            ));
        }
        body.step(format!("workdir {}", string(&v.lives_in)));
    }
    for (k, value) in &v.environment {
        body.step(format!("env {k} = {}", string(value)));
    }
    for b in &v.builders {
        match b {
            Builder::Custom(c) => body.custom(c, v),
            Builder::Node(n) => body.node(n, v),
            Builder::Php(p) => body.php(p, v),
            Builder::Python(p) => body.python(p, v),
        }
    }
    if let Some(n) = &v.node {
        body.node(n, v);
    }
    if let Some(p) = &v.php {
        body.php(p, v);
    }
    if let Some(p) = &v.python {
        body.python(p, v);
    }
    if let Some(c) = &v.builder {
        body.custom(c, v);
    }
    copies(&mut body, v, v.copies.len());
    // Run time: Blubber's post-install phase, as the user the image runs as.
    body.set_home(&final_user.home());
    let node_envs: Vec<&NodeBuilder> = v
        .builders
        .iter()
        .filter_map(|b| {
            if let Builder::Node(n) = b {
                Some(n)
            } else {
                None
            }
        })
        .chain(v.node.iter())
        .collect();
    for n in node_envs {
        if n.env.is_some() || n.requirements.as_ref().is_some_and(|r| !r.is_empty()) {
            body.step(format!(
                "env NODE_ENV = {}",
                string(n.env.as_ref().map_or("", |e| e.value.as_str()))
            ));
        }
    }
    let pythons: Vec<&PythonBuilder> = v
        .builders
        .iter()
        .filter_map(|b| {
            if let Builder::Python(p) = b {
                Some(&**p)
            } else {
                None
            }
        })
        .chain(v.python.iter())
        .collect();
    for p in pythons {
        if p.version.is_some()
            && p.requirements.is_some()
            && p.poetry.version.is_none()
            && p.no_deps.as_ref().is_some_and(|f| f.value)
        {
            let python = p
                .version
                .as_ref()
                .map_or("python".to_string(), |v| v.value.clone());
            body.run(
                &list(&[python, "-m".into(), "pip".into(), "check".into()]),
                &users.of(final_user),
                &[],
            );
        }
    }
    if preset {
        write_steps(out, &body.steps, "+=");
        if let Some(dir) = v.runs_in.as_ref().filter(|d| **d != v.lives_in) {
            let _ = writeln!(out, "  workdir = {}", string(dir));
        }
    } else {
        write_steps(out, &body.steps, "=");
        let _ = writeln!(out, "  user = {}", run_user(v, users));
        let _ = writeln!(
            out,
            "  workdir = {}",
            string(v.runs_in.as_deref().unwrap_or(&v.lives_in))
        );
    }
    if final_user.uid == 0 {
        // Blubber runs it as root (a zero uid at the top level is taken as
        // written): the exception says so where the policy will read it.
        let _ = writeln!(out, "  allow = {{");
        let _ = writeln!(out, "    \"root-user\": \"imported from Blubber, whose config runs this variant as uid 0\",");
        let _ = writeln!(out, "  }}");
    }
    if let Some(e) = v.entrypoint.as_ref().filter(|e| !e.is_empty()) {
        let _ = writeln!(out, "  entrypoint = {}", list(e));
    }
    let _ = writeln!(out, "}}");
}

/// The packages `child` installs beyond `parent`'s, per target release.
fn added_packages(parent: &Expanded, child: &Expanded) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (target, packages) in &child.packages {
        let inherited = parent
            .packages
            .iter()
            .find(|(t, _)| t == target)
            .map_or(&[][..], |(_, p)| p.as_slice());
        if packages.len() > inherited.len() {
            out.push((target.clone(), packages[inherited.len()..].to_vec()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// One `apt` step: the packages of one target release, with the variant's APT
/// source, key and proxies.
fn apt_step(body: &mut Body<'_>, v: &Expanded, target: &str, packages: &[String]) {
    if packages.is_empty() {
        return;
    }
    let mut options = Vec::new();
    if target != "default" {
        options.push(format!("release = {}", string(target)));
    }
    if let Some(s) = v.sources.first() {
        let mut line = vec![s.url.value.clone()];
        line.extend(s.distribution.as_ref().map(|d| d.value.clone()));
        line.extend(s.components.iter().map(|c| c.value.clone()));
        options.push(format!("repository = {}", string(&line.join(" "))));
        if let Some(k) = &s.signed_by {
            options.push(format!("key = {}", string(&k.value)));
        }
    }
    // One proxy for the step (`check_proxies` reports the others).
    if let Some(p) = v.proxies.first() {
        options.push(format!("proxy = {}", string(&p.url.value)));
        if let Some(source) = &p.source {
            options.push(format!("proxy_for = {}", string(&source.value)));
        }
    }
    let with = if options.is_empty() {
        String::new()
    } else {
        format!(" with {}", options.join(", "))
    };
    body.step(format!("apt {}{with}", list(packages)));
}

fn write_steps(out: &mut String, steps: &[String], op: &str) {
    if steps.is_empty() {
        return;
    }
    let _ = writeln!(out, "  steps {op} {{");
    for s in steps {
        let _ = writeln!(out, "    {s}");
    }
    let _ = writeln!(out, "  }}");
}

/// Blubber's group creation (`build.CreateUser`): kept when the gid exists.
fn create_user(u: &User) -> String {
    format!(
        "(getent group {gid} || groupadd -o -g {gid} -r {name})",
        gid = u.gid,
        name = u.name
    )
}

/// Blubber's user creation: a system user with a home directory, kept when the
/// uid exists.
fn create_user_passwd(u: &User) -> String {
    format!(
        "(getent passwd {uid} || useradd -l -o -m -d {home} -r -g {gid} -u {uid} {name})",
        uid = u.uid,
        gid = u.gid,
        home = u.home(),
        name = u.name
    )
}

#[cfg(test)]
#[allow(clippy::expect_used)] // a test that fails says so
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_wbuild_would_read() {
        assert_eq!(string("a\"b\\c\n${X} $Y"), "\"a\\\"b\\\\c\\n\\${X} $Y\"");
    }

    #[test]
    fn identifiers_are_valid() {
        assert_eq!(ident("build-prod"), "build_prod");
        assert_eq!(ident("1x"), "_1x");
        assert_eq!(ident("image"), "image_");
    }

    fn imported(yaml: &str) -> String {
        let options = crate::import::blubber::Options {
            image_name: "svc",
            source_name: "blubber.yaml",
        };
        crate::import::blubber::import(yaml, crate::span::FileId(0), &options)
            .manifest
            .expect("imports")
    }

    /// Blubber's `runs.environment` is set before the builders (the phase it
    /// writes it in comes first), so the parent's `npm install` sees it: an
    /// `extends` that appends the variable after the parent's steps would not.
    #[test]
    fn environment_added_over_builders_is_written_before_them() {
        let manifest = imported(
            "version: v4\nbase: registry.example.org/debian:bookworm\nvariants:\n  build:\n    builders:\n      - node:\n          requirements: [package.json]\n  prod:\n    includes: [build]\n    runs:\n      environment:\n        NODE_ENV: production\n",
        );
        let prod = &manifest[manifest.find("variant prod").expect("prod")..];
        assert!(
            !prod.starts_with("variant prod extends build"),
            "{manifest}"
        );
        let env = prod.find("env NODE_ENV = \"production\"").expect("env");
        let npm = prod.find("run [\"npm\", \"install\"]").expect("npm");
        assert!(env < npm, "{manifest}");
    }

    /// Without builders, an added variable is still an append, unless it is
    /// `HOME`, which Blubber sets after it.
    #[test]
    fn environment_added_without_builders_extends_except_home() {
        let config = |var: &str| {
            format!("version: v4\nbase: registry.example.org/debian:bookworm\nvariants:\n  one:\n    copies: [local]\n  two:\n    includes: [one]\n    runs:\n      environment:\n        {var}: x\n")
        };
        assert!(imported(&config("MODE")).contains("variant two extends one"));
        let home = imported(&config("HOME"));
        assert!(!home.contains("variant two extends one"), "{home}");
    }

    #[test]
    fn clean_is_path_clean() {
        assert_eq!(clean("./a/../b/"), "b");
        assert_eq!(clean("/srv/app/."), "/srv/app");
        assert_eq!(clean("."), ".");
    }
}
