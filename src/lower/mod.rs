//! Lowering: resolved variants → Dockerfile IR.
//!
//! Each variant becomes one stage: `FROM base`, its steps in order, then its
//! runtime settings (labels, expose, volumes, healthcheck, workdir, user,
//! entrypoint, cmd). Compiling a variant emits every stage it needs (its `base`
//! variant and `copy from` sources), dependencies first.
//!
//! Invariant: every value that reaches the IR is representable in a Dockerfile
//! unchanged; what is not (NUL, a newline outside a JSON form) is a WB2014 error
//! here, never altered.

use crate::check::schema::Field;
use crate::check::types::{Command, Origin, Step, StepKind, Val, ValKind, VariantRef};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::dockerfile::fits_shell_form;
use crate::ir::{self, Instruction, Located, Mount, Script};
use crate::variants::{self, Evaluated, ResolvedVariant};
use indexmap::IndexMap;

/// The shell for shell-form `RUN`: bash with pipefail, so a failing command in a
/// pipeline fails the build.
pub const SHELL: [&str; 4] = ["/bin/bash", "-o", "pipefail", "-c"];

/// Label carrying the variant name in every stage.
pub const VARIANT_LABEL: &str = "dev.wbuild.variant";

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LoweredFile {
    /// One stage per variant that lowered cleanly.
    pub stages: IndexMap<String, ir::Stage>,
    /// The variants each stage needs first (base, copy from).
    pub deps: IndexMap<String, Vec<(String, Origin)>>,
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn lower_file(db: &dyn Db, file: SourceFile) -> LoweredFile {
    let evaluated = variants::evaluate(db, file);
    let mut out = LoweredFile::default();
    for variant in evaluated.variants.values() {
        let mut lowering = Lowering {
            diagnostics: Vec::new(),
            pending: Vec::new(),
            deps: Vec::new(),
            file,
        };
        if let Some(stage) = lowering.stage(db, evaluated, variant) {
            out.stages.insert(variant.name.clone(), stage);
        }
        out.deps.insert(variant.name.clone(), lowering.deps);
        out.diagnostics.extend(lowering.diagnostics);
    }
    // Stage cycles are errors of the file, whichever variant is compiled.
    let mut cycles: Vec<Diagnostic> = Vec::new();
    for name in evaluated.variants.keys() {
        let mut order = Vec::new();
        let mut problems = Vec::new();
        visit(
            &out,
            name,
            &mut order,
            &mut Vec::new(),
            &mut problems,
            file,
            db,
        );
        for p in problems {
            // The same cycle is found from each of its members: report it once.
            let members = |d: &Diagnostic| {
                let mut names: Vec<String> = d
                    .notes
                    .iter()
                    .flat_map(|n| {
                        n.trim_start_matches("cycle: ")
                            .split(" → ")
                            .map(str::to_string)
                    })
                    .collect();
                names.sort();
                names.dedup();
                names
            };
            if !cycles.iter().any(|c| members(c) == members(&p)) {
                cycles.push(p);
            }
        }
    }
    out.diagnostics.extend(cycles);
    out
}

/// The Dockerfile for one variant: its stage and every stage it depends on,
/// dependencies first. `Err` holds the diagnostics that prevent it.
pub fn dockerfile(
    db: &dyn Db,
    file: SourceFile,
    target: &str,
) -> Result<ir::Dockerfile, Vec<Diagnostic>> {
    let lowered = lower_file(db, file);
    let mut order: Vec<String> = Vec::new();
    let mut visiting: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    visit(
        lowered,
        target,
        &mut order,
        &mut visiting,
        &mut problems,
        file,
        db,
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut stages = Vec::new();
    for name in &order {
        match lowered.stages.get(name) {
            Some(stage) => stages.push(stage.clone()),
            None => return Err(Vec::new()), // already reported by `check`
        }
    }
    Ok(ir::Dockerfile {
        source: file.path(db).clone(),
        target: target.to_string(),
        stages,
    })
}

fn visit(
    lowered: &LoweredFile,
    name: &str,
    order: &mut Vec<String>,
    visiting: &mut Vec<String>,
    problems: &mut Vec<Diagnostic>,
    file: SourceFile,
    db: &dyn Db,
) {
    if order.iter().any(|n| n == name) {
        return;
    }
    if let Some(start) = visiting.iter().position(|n| n == name) {
        let mut cycle: Vec<String> = visiting.iter().skip(start).cloned().collect();
        cycle.push(name.to_string());
        let origin = lowered
            .deps
            .get(visiting.last().map_or(name, String::as_str))
            .and_then(|deps| deps.iter().find(|(d, _)| d == name))
            .map(|(_, o)| *o);
        let (f, span) = origin.map_or((file.id(db), crate::span::Span::default()), |o| {
            (o.file, o.span)
        });
        problems.push(
            Diagnostic::new(
                Code::StageCycle,
                "variants depend on each other in a cycle",
                f,
                span,
                "this dependency closes the cycle",
            )
            .with_note(format!("cycle: {}", cycle.join(" → "))),
        );
        return;
    }
    visiting.push(name.to_string());
    for (dep, _) in lowered.deps.get(name).into_iter().flatten() {
        visit(lowered, dep, order, visiting, problems, file, db);
    }
    visiting.pop();
    order.push(name.to_string());
}

struct Lowering {
    diagnostics: Vec<Diagnostic>,
    /// Instructions a step needs emitted before its own (an APT keyring's COPY).
    pending: Vec<Instruction>,
    deps: Vec<(String, Origin)>,
    file: SourceFile,
}

impl Lowering {
    fn error(&mut self, code: Code, message: String, origin: Origin, label: &str, help: &str) {
        self.diagnostics
            .push(Diagnostic::new(code, message, origin.file, origin.span, label).with_help(help));
    }

    /// Refuses values a Dockerfile cannot carry unchanged in a non-JSON position.
    fn plain(&mut self, what: &str, value: &str, origin: Origin) -> bool {
        if value.contains('\0') || value.contains('\n') || value.contains('\r') {
            self.error(
                Code::UnrepresentableValue,
                format!("{what} cannot contain a NUL byte or a line break"),
                origin,
                "cannot be written into a Dockerfile unchanged",
                "remove the control character; wbuild never alters values to make them fit",
            );
            return false;
        }
        true
    }

    /// Refuses NUL, which no Dockerfile position can carry.
    fn no_nul(&mut self, what: &str, value: &str, origin: Origin) -> bool {
        if value.contains('\0') {
            self.error(
                Code::UnrepresentableValue,
                format!("{what} cannot contain a NUL byte"),
                origin,
                "NUL byte",
                "remove it",
            );
            return false;
        }
        true
    }

    fn variant_dep(
        &mut self,
        db: &dyn Db,
        evaluated: &Evaluated,
        r: &VariantRef,
        origin: Origin,
    ) -> Option<String> {
        if r.file != self.file.id(db) || !evaluated.variants.contains_key(&r.name) {
            self.error(
                Code::UnknownVariant,
                format!("`{}` is not a variant of this file", r.name),
                origin,
                "unknown variant",
                "stages come from the variants of the file being compiled",
            );
            return None;
        }
        let stage = stage_name(&r.name);
        self.deps.push((r.name.clone(), origin));
        Some(stage)
    }

    fn stage(
        &mut self,
        db: &dyn Db,
        evaluated: &Evaluated,
        variant: &ResolvedVariant,
    ) -> Option<ir::Stage> {
        let fields = &variant.fields;
        let base = fields.get(&Field::Base)?;
        let from = match &base.kind {
            ValKind::Image(r) => ir::From::Image(r.clone()),
            ValKind::Scratch => ir::From::Scratch,
            ValKind::Variant(r) => {
                ir::From::Stage(self.variant_dep(db, evaluated, r, base.origin)?)
            }
            _ => return None,
        };
        let mut out: Vec<Located> = Vec::new();
        let mut ok = true;
        let steps: &[Step] = match fields.get(&Field::Steps).map(|v| &v.kind) {
            Some(ValKind::Steps(steps)) => steps,
            _ => &[],
        };
        let uses_shell = |s: &Step| match &s.kind {
            StepKind::Apt { packages, .. } => !packages.is_empty(),
            StepKind::Run {
                command: Command::Shell(_),
                ..
            } => true,
            _ => false,
        };
        // Build steps run as root. A stage built FROM a variant that switched to an
        // unprivileged user switches back first (its own `user` applies at the end).
        let parent_user = match &base.kind {
            ValKind::Variant(r) => evaluated
                .variants
                .get(&r.name)
                .and_then(|v| v.fields.get(&Field::User))
                .is_some(),
            _ => false,
        };
        let runs = steps
            .iter()
            .any(|s| matches!(&s.kind, StepKind::Run { .. }) || uses_shell(s));
        if parent_user && runs {
            out.push(Located {
                instruction: Instruction::User { uid: 0, gid: 0 },
                origin: base.origin,
            });
        }
        if steps.iter().any(uses_shell) {
            out.push(Located {
                instruction: Instruction::Shell(SHELL.iter().map(|s| s.to_string()).collect()),
                origin: variant.origin,
            });
        }
        // Relative destinations are joined with the working directory the stage
        // starts in: `/`, or where the parent stage left it.
        let mut workdir = match &base.kind {
            ValKind::Variant(r) => final_workdir(evaluated, &r.name, 0),
            _ => String::from("/"),
        };
        for step in steps {
            // `apt []` and `copy [] to ...` (a preset's optional lists left empty) do nothing.
            let empty = match &step.kind {
                StepKind::Apt { packages, .. } => packages.is_empty(),
                StepKind::Copy { sources, .. } | StepKind::CopyFrom { sources, .. } => {
                    sources.is_empty()
                }
                _ => false,
            };
            if empty {
                continue;
            }
            match self.step(db, evaluated, step, &mut workdir) {
                Some(instruction) => {
                    for before in self.pending.drain(..) {
                        out.push(Located {
                            instruction: before,
                            origin: step.origin,
                        });
                    }
                    out.push(Located {
                        instruction,
                        origin: step.origin,
                    });
                }
                None => ok = false,
            }
        }
        ok &= self.runtime(evaluated, variant, &mut out, &workdir);
        ok.then(|| ir::Stage {
            name: stage_name(&variant.name),
            from,
            instructions: out,
        })
    }

    fn step(
        &mut self,
        db: &dyn Db,
        evaluated: &Evaluated,
        step: &Step,
        workdir: &mut String,
    ) -> Option<Instruction> {
        let origin = step.origin;
        Some(match &step.kind {
            StepKind::Apt {
                packages,
                repository,
                keyring,
            } => {
                let install = format!(
                    "apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
                    packages.join(" ")
                );
                let script = match repository {
                    None => install,
                    Some(repo) => {
                        // The repository line was validated as plain words; the file
                        // name is derived from it so the same line gives the same layer.
                        let name = apt_source_name(repo);
                        let signed_by = match keyring {
                            Some(_) => format!("[signed-by=/usr/share/keyrings/{name}.gpg] "),
                            None => String::new(),
                        };
                        format!("echo 'deb {signed_by}{repo}' > /etc/apt/sources.list.d/{name}.list && {install}")
                    }
                };
                if let (Some(k), Some(repo)) = (keyring, repository) {
                    if !self.context_path(k, origin) {
                        return None;
                    }
                    let dest = format!("/usr/share/keyrings/{}.gpg", apt_source_name(repo));
                    self.pending.push(Instruction::Copy {
                        from: None,
                        sources: vec![k.clone()],
                        dest,
                        chmod: Some("0644".into()),
                    });
                }
                Instruction::Run {
                    script: Script::Shell(script),
                    mounts: Vec::new(),
                }
            }
            StepKind::Run {
                command,
                caches,
                secrets,
            } => {
                let mut mounts = Vec::new();
                for target in caches {
                    let target = self.absolute(target, workdir, origin)?;
                    if target.contains([',', '"', '\'', '=', ' ', '\t', '$', '\\'])
                        || !self.plain("a cache path", &target, origin)
                    {
                        self.error(
                            Code::InvalidPath,
                            format!("cache path `{target}` cannot be used in a mount"),
                            origin,
                            "unsupported character",
                            "use a plain path without spaces, quotes, commas, `=`, `$` or `\\`",
                        );
                        return None;
                    }
                    mounts.push(Mount::Cache { target });
                }
                for id in secrets {
                    if id.is_empty()
                        || !id
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                    {
                        self.error(
                            Code::InvalidName,
                            format!("`{id}` is not a valid secret id"),
                            origin,
                            "invalid secret id",
                            "secret ids are [A-Za-z0-9_.-]+",
                        );
                        return None;
                    }
                    mounts.push(Mount::Secret { id: id.clone() });
                }
                let script = match command {
                    Command::Shell(s) if fits_shell_form(s) => Script::Shell(s.clone()),
                    Command::Shell(s) => {
                        if !self.no_nul("a run script", s, origin) {
                            return None;
                        }
                        let mut args: Vec<String> = SHELL.iter().map(|a| a.to_string()).collect();
                        args.push(s.clone());
                        Script::Exec(args)
                    }
                    Command::Exec(args) => {
                        if args.is_empty() {
                            self.error(
                                Code::TypeMismatch,
                                "an exec-form command needs at least the program".into(),
                                origin,
                                "empty command",
                                "write [\"program\", \"arg\", ...]",
                            );
                            return None;
                        }
                        for a in args {
                            if !self.no_nul("a command argument", a, origin) {
                                return None;
                            }
                        }
                        Script::Exec(args.clone())
                    }
                };
                Instruction::Run { script, mounts }
            }
            StepKind::Copy {
                sources,
                dest,
                chmod,
            } => {
                for s in sources {
                    if !self.context_path(s, origin) {
                        return None;
                    }
                }
                Instruction::Copy {
                    from: None,
                    sources: sources.clone(),
                    dest: self.absolute(dest, workdir, origin)?,
                    chmod: chmod.clone(),
                }
            }
            StepKind::CopyFrom {
                stage,
                sources,
                dest,
                chmod,
            } => {
                let from = self.variant_dep(db, evaluated, stage, origin)?;
                for s in sources {
                    if !self.no_nul("a path", s, origin) {
                        return None;
                    }
                }
                Instruction::Copy {
                    from: Some(from),
                    sources: sources.clone(),
                    dest: self.absolute(dest, workdir, origin)?,
                    chmod: chmod.clone(),
                }
            }
            StepKind::Env { name, value } => {
                if !self.plain("an environment value", value, origin) {
                    return None;
                }
                Instruction::Env {
                    name: name.clone(),
                    value: value.clone(),
                }
            }
            StepKind::Arg { name, default, .. } => {
                if let Some(d) = default {
                    if !self.plain("a build argument default", d, origin) {
                        return None;
                    }
                }
                Instruction::Arg {
                    name: name.clone(),
                    default: default.clone(),
                }
            }
            StepKind::Workdir { path } => {
                let path = self.absolute(path, workdir, origin)?;
                if !self.plain("the working directory", &path, origin) {
                    return None;
                }
                workdir.clone_from(&path);
                Instruction::Workdir(path)
            }
        })
    }

    /// A build-context source: relative, inside the context.
    fn context_path(&mut self, source: &str, origin: Origin) -> bool {
        if !self.no_nul("a path", source, origin) {
            return false;
        }
        let escapes = source.starts_with('/') || {
            let mut depth: i64 = 0;
            source.split('/').any(|part| {
                match part {
                    ".." => depth -= 1,
                    "" | "." => {}
                    _ => depth += 1,
                }
                depth < 0
            })
        };
        if escapes {
            self.error(
                Code::InvalidPath,
                format!("`{source}` is outside the build context"),
                origin,
                "escapes the build context",
                "copy sources are relative paths inside the build context",
            );
            return false;
        }
        true
    }

    /// Joins a destination with the working directory; the result must be absolute.
    fn absolute(&mut self, path: &str, workdir: &str, origin: Origin) -> Option<String> {
        if !self.no_nul("a path", path, origin) {
            return None;
        }
        let joined = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{workdir}/{path}")
        };
        Some(normalise_dest(&joined))
    }

    fn runtime(
        &mut self,
        evaluated: &Evaluated,
        variant: &ResolvedVariant,
        out: &mut Vec<Located>,
        workdir: &str,
    ) -> bool {
        let fields = &variant.fields;
        let mut ok = true;
        let mut push = |instruction: Instruction, origin: Origin| {
            out.push(Located {
                instruction,
                origin,
            })
        };

        let mut labels: Vec<(String, String)> = Vec::new();
        if let Some(image) = &evaluated.image {
            labels.push(("org.opencontainers.image.title".into(), image.name.clone()));
            if let Some(version) = &image.version {
                labels.push(("org.opencontainers.image.version".into(), version.clone()));
            }
        }
        labels.push((VARIANT_LABEL.into(), variant.name.clone()));
        if let Some(Val {
            kind: ValKind::Map(map),
            origin,
        }) = fields.get(&Field::Labels)
        {
            for (k, v) in map {
                let text = v.kind.to_text().unwrap_or_default();
                if !is_label_key(k) {
                    self.error(
                        Code::InvalidName,
                        format!("`{k}` is not a valid label key"),
                        *origin,
                        "invalid label key",
                        "label keys are reverse-DNS names: letters, digits, `.`, `-`, `_`, `/` and `:`, starting with a letter or digit",
                    );
                    ok = false;
                    continue;
                }
                if !self.plain("a label", k, v.origin) || !self.plain("a label", &text, v.origin) {
                    ok = false;
                    continue;
                }
                labels.retain(|(key, _)| key != k);
                labels.push((k.clone(), text));
            }
        }
        push(Instruction::Label(labels), variant.origin);

        if let Some(Val {
            kind: ValKind::List(ports),
            origin,
        }) = fields.get(&Field::Expose)
        {
            let ports: Vec<_> = ports
                .iter()
                .filter_map(|p| {
                    if let ValKind::Port(p) = p.kind {
                        Some(p)
                    } else {
                        None
                    }
                })
                .collect();
            if !ports.is_empty() {
                push(Instruction::Expose(ports), *origin);
            }
        }
        if let Some(Val {
            kind: ValKind::List(paths),
            origin,
        }) = fields.get(&Field::Volumes)
        {
            // Relative volumes are relative to the working directory at run time.
            let runtime_dir = match fields.get(&Field::Workdir).map(|v| &v.kind) {
                Some(ValKind::Path(dir)) if dir.starts_with('/') => normalise_dest(dir),
                Some(ValKind::Path(dir)) => normalise_dest(&format!("{workdir}/{dir}")),
                _ => workdir.to_string(),
            };
            let mut absolute = Vec::new();
            for p in paths {
                let text = p.kind.to_text().unwrap_or_default();
                match self.absolute(&text, &runtime_dir, p.origin) {
                    Some(a) => absolute.push(a),
                    None => ok = false,
                }
            }
            if !absolute.is_empty() {
                push(Instruction::Volume(absolute), *origin);
            }
        }
        if let Some(Val {
            kind: ValKind::Healthcheck(h),
            origin,
        }) = fields.get(&Field::Healthcheck)
        {
            let command = match &h.command {
                Command::Exec(args) => args.clone(),
                Command::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
            };
            push(
                Instruction::Healthcheck {
                    command,
                    interval: h.interval.as_ref().map(|d| d.text.clone()),
                    timeout: h.timeout.as_ref().map(|d| d.text.clone()),
                    start_period: h.start_period.as_ref().map(|d| d.text.clone()),
                    retries: h.retries,
                },
                *origin,
            );
        }
        if let Some(Val {
            kind: ValKind::Path(path),
            origin,
        }) = fields.get(&Field::Workdir)
        {
            match self.absolute(path, workdir, *origin) {
                Some(p) if p == workdir => {} // already the working directory
                Some(p) if self.plain("the working directory", &p, *origin) => {
                    push(Instruction::Workdir(p), *origin)
                }
                _ => ok = false,
            }
        }
        if let Some(Val {
            kind: ValKind::User(user),
            origin,
        }) = fields.get(&Field::User)
        {
            push(
                Instruction::User {
                    uid: user.uid,
                    gid: user.gid,
                },
                *origin,
            );
        }
        for (field, make) in [
            (
                Field::Entrypoint,
                Instruction::Entrypoint as fn(Vec<String>) -> Instruction,
            ),
            (Field::Cmd, Instruction::Cmd),
        ] {
            if let Some(Val {
                kind: ValKind::Command(command),
                origin,
            }) = fields.get(&field)
            {
                let args = match command {
                    Command::Exec(args) => args.clone(),
                    Command::Shell(s) => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::CmdNotExecForm,
                                format!(
                                    "`{}` is a single string, run through /bin/sh -c",
                                    field.name()
                                ),
                                origin.file,
                                origin.span,
                                "shell form",
                            )
                            .with_help("write a list of arguments: [\"program\", \"arg\"]"),
                        );
                        vec!["/bin/sh".into(), "-c".into(), s.clone()]
                    }
                };
                if args.iter().any(|a| a.contains('\0')) {
                    self.error(
                        Code::UnrepresentableValue,
                        "a command cannot contain a NUL byte".into(),
                        *origin,
                        "NUL byte",
                        "remove it",
                    );
                    ok = false;
                    continue;
                }
                push(make(args), *origin);
            }
        }
        ok
    }
}

/// The working directory a variant's stage ends in (its `workdir` field, else its
/// last `workdir` step, else its base variant's), for stages built `FROM` it.
fn final_workdir(evaluated: &Evaluated, name: &str, depth: usize) -> String {
    let Some(variant) = evaluated.variants.get(name) else {
        return "/".into();
    };
    if let Some(Val {
        kind: ValKind::Path(p),
        ..
    }) = variant.fields.get(&Field::Workdir)
    {
        if p.starts_with('/') {
            return p.clone();
        }
    }
    let inherited = match variant.fields.get(&Field::Base).map(|v| &v.kind) {
        Some(ValKind::Variant(r)) if depth < 64 => final_workdir(evaluated, &r.name, depth + 1),
        _ => "/".into(),
    };
    let steps: &[Step] = match variant.fields.get(&Field::Steps).map(|v| &v.kind) {
        Some(ValKind::Steps(steps)) => steps,
        _ => &[],
    };
    let mut dir = inherited;
    for step in steps {
        if let StepKind::Workdir { path } = &step.kind {
            dir = if path.starts_with('/') {
                normalise_dest(path)
            } else {
                normalise_dest(&format!("{dir}/{path}"))
            };
        }
    }
    dir
}

/// A stable file name for an APT source line: `wbuild-` and a short FNV-1a hash.
fn apt_source_name(repository: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in repository.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("wbuild-{:08x}", hash >> 32)
}

/// Label keys: BuildKit splits `key=value` at the first `=`, so a key can never
/// contain one; the rest follows the reverse-DNS convention of OCI annotations.
fn is_label_key(key: &str) -> bool {
    key.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:".contains(&b))
}

/// Removes `.` and empty segments (keeping a trailing `/`, which COPY reads as
/// "into this directory"). `..` is kept: the engine resolves it inside the image.
fn normalise_dest(path: &str) -> String {
    let trailing = path.ends_with('/') || path.ends_with("/.");
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// BuildKit stage names are case-insensitive; variants are named in lowercase.
fn stage_name(variant: &str) -> String {
    variant.to_ascii_lowercase()
}
