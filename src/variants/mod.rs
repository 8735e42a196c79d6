//! Variant resolution: `extends`, presets with arguments, and the explicit merge
//! operators, giving each variant's final fields.
//!
//! The merge rule, in full: a variant starts from the image's fields; each parent,
//! left to right, replaces the fields it sets; then the variant's own assignments
//! apply in order, `=` replacing and `+=` appending (lists, steps) or merging (maps).
//! When two parents set one field differently and the variant does not settle it
//! with `=`, a warning (WB3003) says which parent won.

use crate::check::budget::{self, Budget};
use crate::check::eval::{self, module_env, Env, ModuleEnv, Sink};
use crate::check::types::{Val, ValKind};
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::language::Field;
use crate::resolve::{self, Scope};
use crate::span::FileId;
use crate::span::Origin;
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;
use std::collections::HashMap;

/// How deep `extends` may nest (variants and presets together).
const MAX_EXTENDS_DEPTH: usize = 64;

pub type Fields = IndexMap<Field, Val>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedVariant {
    pub name: String,
    pub origin: Origin,
    pub fields: Fields,
    /// `false` when part of the variant failed to resolve (already reported):
    /// rules that would only report consequences of that stay silent.
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageDecl {
    pub name: String,
    pub version: Option<String>,
    pub source: Option<String>,
    pub origin: Origin,
    /// Where `version` and `source` are written.
    pub version_origin: Option<Origin>,
    pub source_origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Evaluated {
    pub image: Option<ImageDecl>,
    pub variants: IndexMap<String, ResolvedVariant>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Resolves every variant of a file.
#[salsa::tracked(returns(ref))]
pub fn evaluate(db: &dyn Db, file: SourceFile) -> Evaluated {
    let budget = Budget::default();
    let mut resolver = Resolver {
        budget: &budget,
        db,
        root: file.id(db),
        sink: Sink::default(),
        cache: HashMap::new(),
        last_depth: 0,
        depth_acc: Vec::new(),
        poisoned: Vec::new(),
        tainted: false,
        stack: Vec::new(),
        call_sites: Vec::new(),
        instances: HashMap::new(),
    };
    let module = Module::new(db, file);
    let image_fields = module
        .image()
        .map(|image| resolver.apply(&module, None, &[], &image.body, Fields::new(), true));
    let image = module.image().map(|image| ImageDecl {
        name: image.name.as_plain().unwrap_or_default(),
        version: image_fields
            .as_ref()
            .and_then(|f| f.get(&Field::Version))
            .and_then(|v| v.kind.to_text()),
        source: image_fields
            .as_ref()
            .and_then(|f| f.get(&Field::Source))
            .and_then(|v| v.kind.to_text()),
        version_origin: image_fields
            .as_ref()
            .and_then(|f| f.get(&Field::Version))
            .map(|v| v.origin),
        source_origin: image_fields
            .as_ref()
            .and_then(|f| f.get(&Field::Source))
            .map(|v| v.origin),
        origin: Origin {
            file: file.id(db),
            span: image.name.span,
        },
    });
    if let Some(ast_image) = module.image() {
        if ast_image.name.as_plain().is_none() {
            resolver.sink.push(
                Diagnostic::new(Code::BadInterpolation, "an image name cannot use interpolation", file.id(db), ast_image.name.span, "not a plain string")
                    .with_help("write the image name literally: it identifies the image in every registry and report"),
            );
        }
    }
    if let Some(image) = &image {
        // `version` and `source` become labels and OCI annotations: one line of text
        // each, and a source is a URL (no spaces).
        for (what, value, origin, spaces) in [
            ("`version`", &image.version, image.version_origin, true),
            ("`source`", &image.source, image.source_origin, false),
        ] {
            let (Some(text), Some(origin)) = (value, origin) else {
                continue;
            };
            let refusal = crate::ir::LineText::new(text)
                .err()
                .map(|r| (r.found, r.accepts))
                .or_else(|| {
                    text.chars()
                        .find(|c| !spaces && c.is_whitespace())
                        .map(|c| {
                            (
                                format!("whitespace (U+{:04X})", c as u32),
                                "a source is a URL, without spaces",
                            )
                        })
                });
            if let Some((found, accepts)) = refusal {
                resolver.sink.push(
                    Diagnostic::new(
                        Code::UnrepresentableValue,
                        format!("the image's {what} cannot contain {found}"),
                        origin.file,
                        origin.span,
                        "cannot be written into labels and annotations unchanged",
                    )
                    .with_note(accepts)
                    .with_help("remove the character; wbuild never alters values to make them fit"),
                );
            }
        }
        if image.name.is_empty()
            || !image
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b))
        {
            resolver.sink.push(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("`{}` is not a valid image name", image.name),
                    image.origin.file,
                    image.origin.span,
                    "image name",
                )
                .with_help("image names are lowercase [a-z0-9-_./], like a repository path"),
            );
        }
    }
    let mut start = image_fields.unwrap_or_default();
    start.shift_remove(&Field::Version);
    start.shift_remove(&Field::Source);
    // Presets are checked where they are written, not only when something extends
    // them, so a stdlib author sees every error in `wbuildc check stdlib/x.wbuild`.
    for &index in module.scope.presets.values() {
        if let Some(ast::Item::Preset(preset)) = module.ast.items.get(index) {
            resolver.check_preset(&module, preset);
        }
    }
    let mut variants = IndexMap::new();
    for (name, &index) in &module.scope.variants {
        let Some(ast::Item::Variant(v)) = module.ast.items.get(index) else {
            continue;
        };
        let reported_before = resolver.sink.diagnostics.len();
        resolver.tainted = false;
        if let Some(fields) = resolver.variant(&module, name, &start) {
            // A variant whose own checking failed has already been reported; saying
            // it lacks a base or does nothing would only repeat that.
            let clean = !resolver.errors_since(reported_before) && !resolver.tainted;
            if clean && !fields.contains_key(&Field::Base) {
                resolver.sink.push(
                    Diagnostic::new(Code::MissingBase, format!("variant `{name}` has no base image"), file.id(db), v.name.span, "no `base` after merging")
                        .with_help("set `base = \"registry.example.org/debian:bookworm\"` or extend a preset that sets one"),
                );
            }
            let own_settings = fields
                .keys()
                .any(|f| !matches!(f, Field::Base | Field::Labels | Field::Workdir));
            if clean && fields.contains_key(&Field::Base) && !own_settings {
                resolver.sink.push(
                    Diagnostic::new(
                        Code::NoSteps,
                        format!("variant `{name}` does nothing"),
                        file.id(db),
                        v.name.span,
                        "no steps, user, command or ports",
                    )
                    .with_help("add steps or runtime settings, or extend a preset"),
                );
            }
            let origin = Origin {
                file: file.id(db),
                span: v.name.span,
            };
            variants.insert(
                name.clone(),
                ResolvedVariant {
                    name: name.clone(),
                    origin,
                    fields,
                    complete: clean,
                },
            );
        }
    }
    let mut diagnostics = resolver.sink.diagnostics;
    crate::diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    Evaluated {
        image,
        variants,
        diagnostics,
    }
}

/// One file's tree, scope and constants, borrowed from the database.
struct Module<'db> {
    file: SourceFile,
    id: FileId,
    ast: &'db ast::File,
    scope: &'db Scope,
    env: &'db ModuleEnv,
}

impl<'db> Module<'db> {
    fn new(db: &'db dyn Db, file: SourceFile) -> Module<'db> {
        Module {
            file,
            id: file.id(db),
            ast: &db::parse(db, file).ast,
            scope: resolve::scope(db, file),
            env: module_env(db, file),
        }
    }

    fn image(&self) -> Option<&'db ast::Image> {
        match self.ast.items.get(self.scope.image?) {
            Some(ast::Item::Image(image)) => Some(image),
            _ => None,
        }
    }

    fn variant(&self, name: &str) -> Option<&'db ast::Variant> {
        match self.ast.items.get(*self.scope.variants.get(name)?) {
            Some(ast::Item::Variant(v)) => Some(v),
            _ => None,
        }
    }

    fn preset(&self, name: &str) -> Option<&'db ast::Preset> {
        match self.ast.items.get(*self.scope.presets.get(name)?) {
            Some(ast::Item::Preset(p)) => Some(p),
            _ => None,
        }
    }
}

struct Resolver<'db, 'b> {
    /// What copying values may cost in this file's evaluation.
    budget: &'b Budget,
    db: &'db dyn Db,
    root: FileId,
    sink: Sink,
    /// Resolved variants of the root file with their extends depth (`None`:
    /// failed, already reported).
    cache: HashMap<String, Option<(Fields, usize, bool)>>,
    /// The extends depth of what `variant`/`instantiate` resolved last.
    last_depth: usize,
    /// The deepest parent seen, per `apply_with_depth` in progress.
    depth_acc: Vec<usize>,
    /// Variants found in an extends cycle: they fail as a whole.
    poisoned: Vec<String>,
    /// Set when a parent of the variant being resolved failed (already reported).
    tainted: bool,
    /// What is being resolved, for cycle detection: (file, name).
    stack: Vec<(FileId, String, Span)>,
    /// Where presets of other files were instantiated, innermost last.
    call_sites: Vec<Origin>,
    /// Presets instantiated so far, by (file, name), with their arguments.
    instances: HashMap<(FileId, String), Vec<Instance>>,
}

impl<'db, 'b> Resolver<'db, 'b> {
    /// Whether an error was reported since the sink held `since` diagnostics (the
    /// sink only grows). Looking at the new ones only keeps a file with many
    /// variants linear: counting every error per variant was quadratic.
    fn errors_since(&self, since: usize) -> bool {
        self.sink
            .diagnostics
            .get(since..)
            .is_some_and(|new| new.iter().any(Diagnostic::is_error))
    }

    fn report(&mut self, mut diagnostic: Diagnostic) {
        if diagnostic.primary.file != self.root {
            if let Some(site) = self.call_sites.first() {
                diagnostic =
                    diagnostic.with_secondary(site.file, site.span, "the preset is used here");
            }
        }
        self.sink.push(diagnostic);
    }

    fn enter(&mut self, file: FileId, name: &str, span: Span) -> bool {
        if let Some(start) = self
            .stack
            .iter()
            .position(|(f, n, _)| *f == file && n == name)
        {
            let mut names: Vec<String> = self
                .stack
                .iter()
                .skip(start)
                .map(|(_, n, _)| n.clone())
                .collect();
            names.push(name.to_string());
            let mut d = Diagnostic::new(
                Code::ExtendsCycle,
                format!("`{name}` extends itself"),
                file,
                span,
                "cycle closes here",
            )
            .with_note(format!("cycle: {}", names.join(" → ")));
            for (f, n, s) in self.stack.iter().skip(start) {
                if !(*f == file && *s == span) {
                    d = d.with_secondary(*f, *s, format!("`{n}` is in the cycle"));
                }
            }
            let members: Vec<String> = self
                .stack
                .iter()
                .skip(start)
                .map(|(_, n, _)| n.clone())
                .collect();
            self.poisoned.extend(members);
            self.report(d);
            return false;
        }
        if self.stack.len() >= MAX_EXTENDS_DEPTH {
            self.report(Diagnostic::new(
                Code::ExtendsTooDeep,
                format!("`extends` nests deeper than {MAX_EXTENDS_DEPTH} levels"),
                file,
                span,
                "too deep here",
            ));
            return false;
        }
        self.stack.push((file, name.to_string(), span));
        true
    }

    /// Charges the budget for copying `fields`; `false` (reported once) when it
    /// is exhausted.
    fn charge(&mut self, fields: &Fields, extra: u64, origin: Origin) -> bool {
        let units = extra + fields.values().map(budget::size).sum::<u64>();
        match self.budget.charge(units, origin) {
            Ok(()) => true,
            Err(budget::Exhausted(diagnostic)) => {
                if let Some(d) = diagnostic {
                    self.report(*d);
                }
                self.tainted = true;
                false
            }
        }
    }

    fn variant(&mut self, module: &Module<'db>, name: &str, start: &Fields) -> Option<Fields> {
        if let Some(cached) = self.cache.get(name) {
            let origin = Origin {
                file: module.id,
                span: module
                    .variant(name)
                    .map_or(Span::default(), |v| v.name.span),
            };
            return match cached.clone() {
                Some((fields, depth, tainted)) => {
                    if !self.charge(&fields, 0, origin) {
                        return None;
                    }
                    self.last_depth = depth;
                    self.tainted |= tainted;
                    Some(fields)
                }
                None => {
                    self.tainted = true;
                    None
                }
            };
        }
        let v = module.variant(name)?;
        if !self.enter(module.id, name, v.name.span) {
            return None;
        }
        self.last_depth = 0;
        let outer_taint = std::mem::replace(&mut self.tainted, false);
        let (fields, depth) =
            self.apply_with_depth(module, None, &v.parents, &v.body, start.clone(), false);
        let tainted = self.tainted;
        self.tainted |= outer_taint;
        self.stack.pop();
        if self.poisoned.iter().any(|p| p == name) {
            self.cache.insert(name.to_string(), None);
            return None;
        }
        // Memoisation keeps recursion shallow whatever the order of the file, so
        // the limit is on the chain's length, not on the stack.
        if depth > MAX_EXTENDS_DEPTH {
            self.report(Diagnostic::new(
                Code::ExtendsTooDeep,
                format!(
                    "`{name}` is {depth} levels of `extends` deep, more than {MAX_EXTENDS_DEPTH}"
                ),
                module.id,
                v.name.span,
                "chain too long",
            ));
            self.cache.insert(name.to_string(), None);
            return None;
        }
        self.last_depth = depth;
        self.cache
            .insert(name.to_string(), Some((fields.clone(), depth, tainted)));
        Some(fields)
    }

    /// `apply`, also returning the extends depth (1 + the deepest parent).
    fn apply_with_depth(
        &mut self,
        module: &Module<'db>,
        params: Option<&IndexMap<String, Val>>,
        parents: &[ast::Parent],
        body: &ast::Body,
        start: Fields,
        is_image: bool,
    ) -> (Fields, usize) {
        self.depth_acc.push(0);
        let fields = self.apply(module, params, parents, body, start, is_image);
        let deepest = self.depth_acc.pop().unwrap_or(0);
        (fields, deepest + 1)
    }

    fn env<'a>(&self, module: &'a Module<'db>, params: Option<&'a IndexMap<String, Val>>) -> Env<'a>
    where
        'db: 'a,
        'b: 'a,
    {
        Env {
            db: self.db,
            file: module.file,
            scope: module.scope,
            lets: &module.env.lets,
            failed: &module.env.failed,
            params,
            budget: self.budget,
        }
    }

    /// Applies parents, then the body's assignments, on top of `start`.
    fn apply(
        &mut self,
        module: &Module<'db>,
        params: Option<&IndexMap<String, Val>>,
        parents: &[ast::Parent],
        body: &ast::Body,
        start: Fields,
        is_image: bool,
    ) -> Fields {
        let origin = Origin {
            file: module.id,
            span: body.span,
        };
        if !self.charge(&start, 0, origin) {
            return Fields::new();
        }
        let mut fields = start.clone();
        let mut resolved: Vec<(&ast::Parent, Fields)> = Vec::new();
        for p in parents {
            self.last_depth = 0;
            match self.parent(module, params, p, &start) {
                Some(f) => resolved.push((p, f)),
                None => self.tainted = true,
            }
            if let Some(deepest) = self.depth_acc.last_mut() {
                *deepest = (*deepest).max(self.last_depth);
            }
        }

        let settled: Vec<Field> = body
            .members
            .iter()
            .filter_map(|m| match m {
                ast::Member::Assign(a) if a.op == ast::AssignOp::Replace => {
                    Field::lookup(&a.field.name)
                }
                _ => None,
            })
            .collect();
        self.parent_conflicts(module, &resolved, &start, &settled);
        for (_, parent_fields) in resolved {
            for (field, value) in parent_fields {
                fields.insert(field, value);
            }
        }

        let env = self.env(module, params);
        let mut assigned: IndexMap<Field, Span> = IndexMap::new();
        for member in &body.members {
            let ast::Member::Assign(a) = member else {
                continue;
            };
            let field = match Field::lookup(&a.field.name).filter(|f| is_image || f.in_variants()) {
                Some(f) => f,
                None => {
                    let names = crate::language::FIELDS
                        .iter()
                        .filter(|f| is_image || f.place == crate::language::Place::Anywhere)
                        .map(|f| f.name);
                    let mut d = Diagnostic::new(
                        Code::UnknownField,
                        format!("unknown field `{}`", a.field.name),
                        module.id,
                        a.field.span,
                        if is_image {
                            "not an image field"
                        } else {
                            "not a variant field"
                        },
                    )
                    .with_help_opt(suggest::help(&a.field.name, names));
                    if Field::lookup(&a.field.name).is_some() {
                        d = d.with_note("`version` belongs in the image block");
                    }
                    self.report(d);
                    continue;
                }
            };
            if let Some(first) = assigned.get(&field) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        format!("`{}` is assigned twice", field.name()),
                        module.id,
                        a.field.span,
                        "again here",
                    )
                    .with_secondary(module.id, *first, "first here")
                    .with_help("combine them into one assignment"),
                );
                continue;
            }
            assigned.insert(field, a.field.span);
            let mut sink = Sink::default();
            let value = eval::eval_as(&env, &mut sink, &a.value, &field.ty());
            for d in sink.diagnostics {
                self.report(d);
            }
            let Some(value) = value else {
                self.tainted = true;
                continue;
            };
            match a.op {
                ast::AssignOp::Replace => {
                    fields.insert(field, value);
                }
                ast::AssignOp::Append => {
                    if !field.appendable() {
                        self.report(
                            Diagnostic::new(
                                Code::AppendToScalar,
                                format!("cannot use `+=` on `{}`", field.name()),
                                module.id,
                                a.span,
                                format!("`{}` holds one value", field.name()),
                            )
                            .with_help(format!("replace it: `{} = ...`", field.name())),
                        );
                        continue;
                    }
                    let merged = match fields.shift_remove(&field) {
                        Some(old) => append(old, value),
                        None => value,
                    };
                    fields.insert(field, merged);
                }
            }
        }
        fields
    }

    fn parent_conflicts(
        &mut self,
        module: &Module<'db>,
        parents: &[(&ast::Parent, Fields)],
        start: &Fields,
        settled: &[Field],
    ) {
        if parents.len() < 2 {
            return;
        }
        let mut fields: Vec<Field> = parents
            .iter()
            .flat_map(|(_, f)| f.keys().copied())
            .collect();
        fields.sort();
        fields.dedup();
        for field in fields {
            if settled.contains(&field) {
                continue;
            }
            // Only what a parent sets beyond the common starting point counts.
            let setters: Vec<(&ast::Parent, &Val)> = parents
                .iter()
                .filter_map(|(p, f)| {
                    f.get(&field)
                        .filter(|v| start.get(&field) != Some(*v))
                        .map(|v| (*p, v))
                })
                .collect();
            let Some((winner, _)) = setters.last() else {
                continue;
            };
            if setters.iter().all(|(_, v)| *v == setters[0].1) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::ParentConflict,
                format!("parents set `{}` to different values", field.name()),
                module.id,
                winner.span,
                format!(
                    "`{}` wins (the last parent applies last)",
                    winner.name.dotted()
                ),
            )
            .with_help(format!(
                "assign `{} = ...` in the variant to settle it",
                field.name()
            ));
            for (p, _) in setters.iter().take(setters.len() - 1) {
                d = d.with_secondary(
                    module.id,
                    p.span,
                    format!("`{}` sets it too", p.name.dotted()),
                );
            }
            self.report(d);
        }
    }

    fn parent(
        &mut self,
        module: &Module<'db>,
        params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
        start: &Fields,
    ) -> Option<Fields> {
        let segments = &parent.name.segments;
        match segments.as_slice() {
            [name] => {
                if module.scope.variants.contains_key(&name.name) {
                    if parent.args.is_some() {
                        self.report(
                            Diagnostic::new(
                                Code::NotAPreset,
                                format!("variant `{}` takes no arguments", name.name),
                                module.id,
                                parent.span,
                                "a variant",
                            )
                            .with_help("only presets have parameters"),
                        );
                        return None;
                    }
                    if module.id != self.root {
                        self.report(Diagnostic::new(
                            Code::NotAPreset,
                            format!("a preset cannot extend the variant `{}`", name.name),
                            module.id,
                            parent.span,
                            "variants belong to their image",
                        ));
                        return None;
                    }
                    return self.variant(module, &name.name, start);
                }
                if let Some(preset) = module.preset(&name.name) {
                    return self.instantiate(module, preset, module, params, parent);
                }
                let candidates: Vec<&str> = module
                    .scope
                    .variants
                    .keys()
                    .chain(module.scope.presets.keys())
                    .map(String::as_str)
                    .collect();
                let what = if module.scope.lets.contains_key(&name.name)
                    || module.scope.imports.contains_key(&name.name)
                {
                    Code::NotAPreset
                } else {
                    Code::UnknownName
                };
                self.report(
                    Diagnostic::new(
                        what,
                        format!("cannot extend `{}`", name.name),
                        module.id,
                        name.span,
                        "not a variant or preset",
                    )
                    .with_help_opt(
                        self.budget
                            .may_suggest(candidates.len())
                            .then(|| suggest::help(&name.name, candidates.iter().copied()))
                            .flatten(),
                    ),
                );
                None
            }
            [alias, member] => {
                let Some(import) = module.scope.imports.get(&alias.name) else {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownName,
                            format!("cannot find module `{}`", alias.name),
                            module.id,
                            alias.span,
                            "not imported",
                        )
                        .with_help_opt(suggest::help(
                            &alias.name,
                            module.scope.imports.keys().map(String::as_str),
                        ))
                        .with_note(format!("import it first: import \"{}\"", alias.name)),
                    );
                    return None;
                };
                let target = import.target?;
                let foreign = Module::new(self.db, target);
                let Some(preset) = foreign.preset(&member.name) else {
                    self.report(
                        Diagnostic::new(
                            Code::UnknownMember,
                            format!("module `{}` has no preset `{}`", alias.name, member.name),
                            module.id,
                            member.span,
                            "not defined there",
                        )
                        .with_help_opt(suggest::help(
                            &member.name,
                            foreign.scope.presets.keys().map(String::as_str),
                        )),
                    );
                    return None;
                };
                let pushed = module.id == self.root;
                if pushed {
                    self.call_sites.push(Origin {
                        file: module.id,
                        span: parent.span,
                    });
                }
                let result = self.instantiate(&foreign, preset, module, params, parent);
                if pushed {
                    self.call_sites.pop();
                }
                result
            }
            _ => {
                self.report(Diagnostic::new(
                    Code::UnknownName,
                    "expected `name` or `module.name`",
                    module.id,
                    parent.name.span,
                    "cannot extend this",
                ));
                None
            }
        }
    }

    /// Evaluates a preset with the arguments written at `parent` (in `caller`).
    fn instantiate(
        &mut self,
        home: &Module<'db>,
        preset: &'db ast::Preset,
        caller: &Module<'db>,
        caller_params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
    ) -> Option<Fields> {
        if !self.enter(home.id, &preset.name.name, parent.span) {
            return None;
        }
        let result = self.bind_and_apply(home, preset, caller, caller_params, parent);
        self.stack.pop();
        result
    }

    /// Evaluates a preset on its own: parameters take their defaults, and those
    /// without one a neutral value of their type (an empty list, map or step
    /// block; a variant reference). Presets with other required parameters are
    /// checked only where they are used.
    fn check_preset(&mut self, home: &Module<'db>, preset: &'db ast::Preset) {
        use crate::check::types::{ValKind, VariantRef};
        use crate::language::Ty;
        let mut sink = Sink::default();
        let mut bound: IndexMap<String, Val> = IndexMap::new();
        let mut declared: HashMap<&str, Span> = HashMap::new();
        for param in &preset.params {
            if let Some(&first) = declared.get(param.name.name.as_str()) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("parameter `{}` is declared twice", param.name.name),
                        home.id,
                        param.name.span,
                        "declared again here",
                    )
                    .with_secondary(home.id, first, "first declared here")
                    .with_help("rename or remove one of them"),
                );
            }
            declared.entry(&param.name.name).or_insert(param.name.span);
        }
        for param in &preset.params {
            let Some(ty) = eval::resolve_type(home.id, &mut sink, &param.ty) else {
                return;
            };
            let origin = Origin {
                file: home.id,
                span: param.name.span,
            };
            let value = match &param.default {
                Some(default) => {
                    let env = self.env(home, Some(&bound));
                    eval::eval_as(&env, &mut sink, default, &ty)
                }
                None => match ty {
                    Ty::Variant => Some(ValKind::Variant(VariantRef {
                        file: home.id,
                        name: param.name.name.clone(),
                    })),
                    Ty::Steps => Some(ValKind::Steps(Vec::new())),
                    Ty::List(_) => Some(ValKind::List(Vec::new())),
                    Ty::Map(_) => Some(ValKind::Map(IndexMap::new())),
                    _ => {
                        // Errors in parameter types and defaults are still reported.
                        for d in sink.diagnostics {
                            self.report(d);
                        }
                        return;
                    }
                }
                .map(|kind| Val { kind, origin }),
            };
            match value {
                Some(v) => {
                    bound.insert(param.name.name.clone(), v);
                }
                None => {
                    for d in sink.diagnostics {
                        self.report(d);
                    }
                    return;
                }
            }
        }
        for d in sink.diagnostics {
            self.report(d);
        }
        if self.enter(home.id, &preset.name.name, preset.name.span) {
            let _ = self.apply(
                home,
                Some(&bound),
                &preset.parents,
                &preset.body,
                Fields::new(),
                false,
            );
            self.stack.pop();
        }
    }

    fn bind_and_apply(
        &mut self,
        home: &Module<'db>,
        preset: &'db ast::Preset,
        caller: &Module<'db>,
        caller_params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
    ) -> Option<Fields> {
        let mut sink = Sink::default();
        let mut types = IndexMap::new();
        for param in &preset.params {
            if let Some(ty) = eval::resolve_type(home.id, &mut sink, &param.ty) {
                types.insert(param.name.name.clone(), (ty, param));
            }
        }
        let caller_env = self.env(caller, caller_params);
        let mut bound: IndexMap<String, Val> = IndexMap::new();
        let mut ok = true;
        for arg in parent.args.iter().flatten() {
            let Some((ty, _)) = types.get(&arg.name.name) else {
                let names: Vec<&str> = preset.params.iter().map(|p| p.name.name.as_str()).collect();
                let help =
                    suggest::help(&arg.name.name, names.iter().copied()).unwrap_or_else(|| {
                        format!("`{}` takes: {}", preset.name.name, names.join(", "))
                    });
                sink.push(
                    Diagnostic::new(
                        Code::BadArgument,
                        format!(
                            "preset `{}` has no parameter `{}`",
                            preset.name.name, arg.name.name
                        ),
                        caller.id,
                        arg.name.span,
                        "unknown parameter",
                    )
                    .with_secondary(home.id, preset.name.span, "preset defined here")
                    .with_help(help),
                );
                ok = false;
                continue;
            };
            if bound.contains_key(&arg.name.name) {
                sink.push(Diagnostic::new(
                    Code::BadArgument,
                    format!("`{}` is given twice", arg.name.name),
                    caller.id,
                    arg.span,
                    "again here",
                ));
                ok = false;
                continue;
            }
            match eval::eval_as(&caller_env, &mut sink, &arg.value, ty) {
                Some(v) => {
                    bound.insert(arg.name.name.clone(), v);
                }
                None => ok = false,
            }
        }
        for (name, (ty, param)) in &types {
            if bound.contains_key(name) {
                continue;
            }
            match &param.default {
                Some(default) => {
                    // Defaults see the earlier parameters.
                    let value = {
                        // A default sees the parameters declared before it, never later ones.
                        let earlier: IndexMap<String, Val> = preset
                            .params
                            .iter()
                            .take_while(|p| p.name.name != *name)
                            .filter_map(|p| {
                                bound
                                    .get(&p.name.name)
                                    .map(|v| (p.name.name.clone(), v.clone()))
                            })
                            .collect();
                        let defaults_env = self.env(home, Some(&earlier));
                        eval::eval_as(&defaults_env, &mut sink, default, ty)
                    };
                    match value {
                        Some(v) => {
                            bound.insert(name.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                None => {
                    sink.push(
                        Diagnostic::new(
                            Code::BadArgument,
                            format!("preset `{}` needs the argument `{name}`", preset.name.name),
                            caller.id,
                            parent.span,
                            format!("`{name}` is missing"),
                        )
                        .with_secondary(home.id, param.span, "parameter declared here")
                        .with_help(format!("pass it: {}({name} = ...)", parent.name.dotted())),
                    );
                    ok = false;
                }
            }
        }
        for d in sink.diagnostics {
            self.report(d);
        }
        if !ok || types.len() != preset.params.len() {
            return None;
        }
        // A preset yields the same fields for the same arguments: a "diamond" of
        // presets is instantiated once per distinct argument list, not 2^N times.
        let key = (home.id, preset.name.name.clone());
        let origin = Origin {
            file: caller.id,
            span: parent.span,
        };
        let known = self
            .instances
            .get(&key)
            .and_then(|list| list.iter().find(|instance| instance.arguments == bound))
            .map(|instance| (instance.fields.clone(), instance.depth, instance.tainted));
        if let Some((fields, depth, tainted)) = known {
            if !self.charge(&fields, budget::INSTANTIATION, origin) {
                return None;
            }
            self.last_depth = depth;
            self.tainted |= tainted;
            return Some(fields);
        }
        if !self.charge(&Fields::new(), budget::INSTANTIATION, origin) {
            return None;
        }
        let outer_taint = std::mem::replace(&mut self.tainted, false);
        let (fields, depth) = self.apply_with_depth(
            home,
            Some(&bound),
            &preset.parents,
            &preset.body,
            Fields::new(),
            false,
        );
        let tainted = self.tainted;
        self.tainted |= outer_taint;
        if !self.charge(&fields, 0, origin) {
            return None;
        }
        self.instances.entry(key).or_default().push(Instance {
            arguments: bound,
            fields: fields.clone(),
            depth,
            tainted,
        });
        self.last_depth = depth;
        Some(fields)
    }
}

/// A preset instantiated with some arguments, and what it yielded.
struct Instance {
    arguments: IndexMap<String, Val>,
    fields: Fields,
    depth: usize,
    tainted: bool,
}

/// `+=`: lists and steps concatenate, maps merge (the right side wins per key).
fn append(old: Val, new: Val) -> Val {
    let origin = new.origin;
    let kind = match (old.kind, new.kind) {
        (ValKind::List(mut a), ValKind::List(b)) => {
            a.extend(b);
            ValKind::List(a)
        }
        (ValKind::Steps(mut a), ValKind::Steps(b)) => {
            a.extend(b);
            ValKind::Steps(a)
        }
        (ValKind::Map(mut a), ValKind::Map(b)) => {
            a.extend(b);
            ValKind::Map(a)
        }
        (_, b) => b,
    };
    Val { kind, origin }
}
