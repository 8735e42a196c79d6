//! Lowering: resolved variants → Dockerfile IR.
//!
//! Each variant becomes one stage: `FROM base`, its steps in order (`steps.rs`),
//! then its runtime settings (`runtime.rs`: labels, expose, volumes, healthcheck,
//! workdir, user, entrypoint, cmd). Compiling a variant emits every stage it
//! needs (its `base` variant and `copy from` sources), dependencies first.
//!
//! Invariant: every value that reaches the IR went through the checking
//! constructor of its IR type (`ir::values`); what a Dockerfile cannot carry
//! unchanged (NUL, a line break outside a JSON form, a non-ASCII flag value, a
//! line longer than the parsers read) is a WB2014 error here, never altered.

mod paths;
mod runtime;
mod steps;

pub use paths::resolve_dots;

use crate::check::types::{ImageRef, Step, ValKind, VariantRef};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::dockerfile::{longest_line, MAX_LINE_BYTES};
use crate::graph::{self, Graph};
use crate::ir::{self, Instruction, JsonText, Located, Refusal, StageName};
use crate::language::Field;
use crate::span::Origin;
use crate::variants::{self, Evaluated, ResolvedVariant};
use indexmap::IndexMap;

/// The shell for shell-form `RUN`: bash with pipefail, so a failing command in a
/// pipeline fails the build.
pub const SHELL: [&str; 4] = ["/bin/bash", "-o", "pipefail", "-c"];

/// Label carrying the variant name in every stage.
pub const VARIANT_LABEL: &str = "dev.wbuild.variant";

/// Label `"true"` on the stages of variants marked `private = true`
/// (docs/publishing.md, "Private data").
pub const PRIVATE_LABEL: &str = "dev.wbuild.private";

/// A user's copy with its destination resolved against the working directory,
/// for the policy rules that look at where files land and for the driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyRecord {
    pub sources: Vec<String>,
    /// Absolute, `.` and empty segments removed (`..` kept, see [`resolve_dots`]).
    pub dest: String,
    pub mode: Option<String>,
    /// `with chown`: who owns the copied files (`None`: root).
    pub owner: Option<ir::Owner>,
    /// The variant copied from (`copy from`), `None` for the build context.
    pub from_variant: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LoweredFile {
    /// One stage per variant that lowered cleanly.
    pub stages: IndexMap<String, ir::Stage>,
    /// Each variant's copies, with absolute destinations.
    pub copies: IndexMap<String, Vec<CopyRecord>>,
    /// The compiler's own stages a variant's stage needs, emitted just before
    /// it (the filter stages of `copy ... with exclude`).
    pub helpers: IndexMap<String, Vec<ir::Stage>>,
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn lower_file(db: &dyn Db, file: SourceFile) -> LoweredFile {
    let evaluated = variants::evaluate(db, file);
    let graph = graph::dependencies(db, file);
    let mut out = LoweredFile::default();
    for variant in evaluated.variants.values() {
        let mut lowering = Lowering {
            diagnostics: Vec::new(),
            pending: Vec::new(),
            copies: Vec::new(),
            helpers: Vec::new(),
            variant: variant.name.to_ascii_lowercase(),
            file,
            root: file.id(db),
            source: file.text(db),
        };
        if let Some(stage) = lowering.stage(db, evaluated, graph, variant) {
            out.stages.insert(variant.name.clone(), stage);
        }
        out.copies.insert(variant.name.clone(), lowering.copies);
        if !lowering.helpers.is_empty() {
            out.helpers.insert(variant.name.clone(), lowering.helpers);
        }
        out.diagnostics.extend(
            lowering
                .diagnostics
                .into_iter()
                .map(|d| d.for_variant(&variant.name)),
        );
    }
    out
}

/// The Dockerfile for one variant: its stage and every stage it depends on,
/// dependencies first (the order is the dependency graph's). `Err` holds the
/// diagnostics that prevent it (empty when they are reported by `check`).
pub fn dockerfile(
    db: &dyn Db,
    file: SourceFile,
    target: &str,
) -> Result<ir::Dockerfile, Vec<Diagnostic>> {
    let lowered = lower_file(db, file);
    let Some(order) = graph::dependencies(db, file).stage_order(target) else {
        return Err(Vec::new());
    };
    let mut stages = Vec::new();
    for name in &order {
        match lowered.stages.get(name) {
            Some(stage) => {
                stages.extend(lowered.helpers.get(name).into_iter().flatten().cloned());
                stages.push(stage.clone());
            }
            None => return Err(Vec::new()), // already reported by `check`
        }
    }
    let Some(target) = stages.last().map(|s| s.name.clone()) else {
        return Err(Vec::new());
    };
    Ok(ir::Dockerfile {
        source: ir::Comment::lossy(file.path(db)),
        target,
        stages,
    })
}

/// The uid and gid a variant's stage ends with: its own `user`, else that of the
/// stage it is built on (`None`: the base image's, root).
fn effective_user(evaluated: &Evaluated, graph: &Graph, name: &str) -> Option<(u32, u32)> {
    graph.base_chain(name).find_map(|v| {
        match evaluated
            .variants
            .get(v)?
            .fields
            .get(&Field::User)
            .map(|v| &v.kind)
        {
            Some(ValKind::User(user)) => Some((user.uid, user.gid)),
            _ => None,
        }
    })
}

struct Lowering<'db> {
    diagnostics: Vec<Diagnostic>,
    /// Instructions a step needs emitted before its own (an APT keyring's COPY).
    pending: Vec<Instruction>,
    copies: Vec<CopyRecord>,
    /// The compiler's stages this variant's stage needs (see [`LoweredFile`]).
    helpers: Vec<ir::Stage>,
    /// The variant's stage name, which its helper stages' names start with.
    variant: String,
    file: SourceFile,
    root: crate::span::FileId,
    /// The root file's text, to offer fixes that rewrite what the user wrote
    /// only where it is written literally.
    source: &'db str,
}

impl Lowering<'_> {
    fn error(&mut self, code: Code, message: String, origin: Origin, label: &str, help: &str) {
        self.diagnostics
            .push(Diagnostic::new(code, message, origin.file, origin.span, label).with_help(help));
    }

    /// A value in its IR type, or a WB2014 error saying why it cannot go there.
    fn value<T>(
        &mut self,
        make: fn(&str) -> Result<T, Refusal>,
        what: &str,
        text: &str,
        origin: Origin,
    ) -> Option<T> {
        match make(text) {
            Ok(value) => Some(value),
            Err(refusal) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UnrepresentableValue,
                        format!("{what} cannot contain {}", refusal.found),
                        origin.file,
                        origin.span,
                        "cannot be written into a Dockerfile unchanged",
                    )
                    .with_note(refusal.accepts)
                    .with_help("remove or replace the character; wbuild never alters values to make them fit"),
                );
                None
            }
        }
    }

    /// Many values of one IR type; `None` after reporting the first refused one.
    fn values<T>(
        &mut self,
        make: fn(&str) -> Result<T, Refusal>,
        what: &str,
        texts: &[String],
        origin: Origin,
    ) -> Option<Vec<T>> {
        texts
            .iter()
            .map(|t| self.value(make, what, t, origin))
            .collect()
    }

    fn json_args(&mut self, what: &str, args: &[String], origin: Origin) -> Option<Vec<JsonText>> {
        self.values(JsonText::new, what, args, origin)
    }

    fn stage_name(&mut self, variant: &str, origin: Origin) -> Option<StageName> {
        // BuildKit stage names are case-insensitive; variants are named in lowercase.
        self.value(
            StageName::new,
            &format!("the variant name `{variant}` (a stage name)"),
            &variant.to_ascii_lowercase(),
            origin,
        )
    }

    fn variant_dep(
        &mut self,
        db: &dyn Db,
        evaluated: &Evaluated,
        r: &VariantRef,
        origin: Origin,
    ) -> Option<StageName> {
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
        self.stage_name(&r.name, origin)
    }

    /// Refuses an instruction whose text would not fit on Dockerfile lines.
    fn fits(&mut self, instruction: &Instruction, origin: Origin) -> bool {
        let longest = longest_line(instruction);
        if longest <= MAX_LINE_BYTES {
            return true;
        }
        self.error(
            Code::UnrepresentableValue,
            format!("this would be a Dockerfile line of {longest} bytes, more than the {MAX_LINE_BYTES} the parsers read"),
            origin,
            "too long for one Dockerfile line",
            "shorten the value, or copy a file into the image instead of writing it inline",
        );
        false
    }

    fn push(&mut self, out: &mut Vec<Located>, instruction: Instruction, origin: Origin) -> bool {
        if !self.fits(&instruction, origin) {
            return false;
        }
        out.push(Located {
            instruction,
            origin,
        });
        true
    }

    fn stage(
        &mut self,
        db: &dyn Db,
        evaluated: &Evaluated,
        graph: &Graph,
        variant: &ResolvedVariant,
    ) -> Option<ir::Stage> {
        let fields = &variant.fields;
        let base = fields.get(&Field::Base)?;
        let name = self.stage_name(&variant.name, variant.origin);
        let from = match &base.kind {
            ValKind::Image(r) => ir::From::Image(pinned(db, r)),
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
        // Build steps run as root. A stage built FROM a variant that switched to an
        // unprivileged user switches back before the first step that runs
        // something; a `run ... with user` runs as that user, the steps after it
        // as root again. At the end the stage's own `user` applies, or, without
        // one, the user it started as again (see "Who steps run as" in
        // docs/language.md).
        let start_user = match &base.kind {
            ValKind::Variant(r) => effective_user(evaluated, graph, &r.name),
            _ => None,
        }
        .map_or(steps::ROOT, |(uid, gid)| ir::Owner { uid, gid });
        let runs = steps.iter().any(steps::runs_commands);
        let build_user = if runs { steps::ROOT } else { start_user };
        let wanted = |step: &Step| match steps::runs_as(step) {
            steps::RunsAs::User(owner) => Some(owner),
            steps::RunsAs::BuildUser => Some(build_user),
            steps::RunsAs::Anyone => None,
        };
        let steps: Vec<&Step> = steps.iter().filter(|s| !steps::is_empty(s)).collect();
        // Whom the instructions emitted so far run as.
        let mut running_as = start_user;
        // The first switch comes before the SHELL (which runs nothing).
        let first = steps.iter().find_map(|s| wanted(s));
        if let Some(user) = first.filter(|u| *u != running_as) {
            ok &= self.push(&mut out, Instruction::user(user), base.origin);
            running_as = user;
        }
        if steps.iter().any(|s| steps::uses_shell(s)) {
            let shell = self.json_args("the shell", &SHELL.map(String::from), variant.origin)?;
            ok &= self.push(&mut out, Instruction::Shell(shell), variant.origin);
        }
        // Relative destinations are joined with the working directory the stage
        // starts in: `/`, or where the parent stage left it.
        let mut workdir = match &base.kind {
            ValKind::Variant(r) => paths::final_workdir(evaluated, graph, &r.name),
            _ => String::from("/"),
        };
        let apt_base = graph.root_image(&variant.name).cloned();
        for step in steps {
            if let Some(user) = wanted(step).filter(|u| *u != running_as) {
                ok &= self.push(&mut out, Instruction::user(user), step.origin);
                running_as = user;
            }
            let context = steps::StepContext {
                evaluated,
                graph,
                apt_base: apt_base.as_ref(),
            };
            match self.step(db, &context, step, &mut workdir) {
                Some(instruction) => {
                    let before: Vec<Instruction> = self.pending.drain(..).collect();
                    for instruction in before {
                        ok &= self.push(&mut out, instruction, step.origin);
                    }
                    ok &= self.push(&mut out, instruction, step.origin);
                }
                None => ok = false,
            }
        }
        // The `WORKDIR` of the `workdir` field creates its directory as the
        // current user: the build user's, never a `run ... with user`'s.
        if running_as != build_user
            && runtime::ends_with_workdir(fields.get(&Field::Workdir), &workdir)
        {
            ok &= self.push(&mut out, Instruction::user(build_user), variant.origin);
            running_as = build_user;
        }
        ok &= self.runtime(evaluated, variant, &mut out, &workdir);
        if running_as != start_user && !fields.contains_key(&Field::User) {
            ok &= self.push(&mut out, Instruction::user(start_user), base.origin);
        }
        let name = name?;
        ok.then_some(ir::Stage {
            name,
            from,
            instructions: out,
        })
    }
}

/// The reference with the digest `wbuild.lock` pins it to, when it names none.
pub fn pinned(db: &dyn Db, r: &ImageRef) -> ImageRef {
    if r.digest.is_some() {
        return r.clone();
    }
    match db.settings().pins(db).get(&r.to_string()) {
        Some(digest) => ImageRef {
            digest: Some(digest.clone()),
            ..r.clone()
        },
        None => r.clone(),
    }
}
