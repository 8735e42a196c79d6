//! The resolver: variants with their parents, memoised, with cycle and depth
//! checks. Every step returns what it resolved as a [`Resolved`] value: the
//! fields, the `extends` depth, whether it is complete, and what it used.

use super::{Fields, PresetUse};
use crate::check::budget::{self, Budget};
use crate::check::eval::{module_env, Env, ModuleEnv, Sink};
use crate::check::types::Val;
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::resolve::{self, Definition, Resolutions, Scope};
use crate::span::{FileId, Origin, Span};
use crate::syntax::ast;
use indexmap::IndexMap;
use std::collections::HashMap;

/// How deep `extends` may nest (variants and presets together).
const MAX_EXTENDS_DEPTH: usize = 64;

/// What resolving a variant or instantiating a preset yields.
#[derive(Clone, Debug)]
pub(super) struct Resolved {
    pub fields: Fields,
    /// The longest `extends` chain down from it, itself included.
    pub depth: usize,
    /// `false` when part of it failed to resolve (already reported).
    pub complete: bool,
    /// The variants of the file it extends directly.
    pub extends: Vec<(String, Origin)>,
    /// The presets it instantiates, and the ones those extend, each once (a
    /// "diamond" of presets would otherwise list 2^N).
    pub presets: indexmap::IndexSet<PresetUse>,
}

impl Resolved {
    pub fn new(fields: Fields) -> Resolved {
        Resolved {
            fields,
            depth: 1,
            complete: true,
            extends: Vec::new(),
            presets: indexmap::IndexSet::new(),
        }
    }

    /// What copying it costs, in budget units (see `check::budget`).
    pub fn size(&self) -> u64 {
        let links = (self.extends.len() + self.presets.len()) as u64;
        links * budget::NODE + self.fields.values().map(budget::size).sum::<u64>()
    }

    /// Nothing, because resolution could not go on (already reported).
    pub fn failed() -> Resolved {
        Resolved {
            complete: false,
            ..Resolved::new(Fields::default())
        }
    }
}

/// What an `extends` entry turned out to be.
pub(super) enum Link {
    Variant(String),
    Preset(PresetUse),
}

/// Code of one file with what its names refer to and its constants: the whole
/// file being resolved, or one preset of another file.
#[derive(Clone, Copy)]
pub(super) struct Module<'db> {
    db: &'db dyn Db,
    pub file: SourceFile,
    pub id: FileId,
    /// The whole file's index for the file being resolved; the preset's own
    /// uses for a preset of another file (so editing the rest of that file does
    /// not re-run this resolution).
    pub uses: &'db Resolutions,
    pub env: &'db ModuleEnv,
}

impl<'db> Module<'db> {
    pub fn root(db: &'db dyn Db, file: SourceFile) -> Module<'db> {
        Module {
            db,
            file,
            id: file.id(db),
            uses: &resolve::index(db, file).resolutions,
            env: module_env(db, file),
        }
    }

    /// The module for the code of one preset of `file`.
    fn preset_home(db: &'db dyn Db, file: SourceFile, preset: &str) -> Module<'db> {
        Module {
            db,
            file,
            id: file.id(db),
            uses: resolve::preset_resolutions(db, file, preset.to_string()),
            env: module_env(db, file),
        }
    }

    /// The file's items by name (for the file being resolved).
    pub fn scope(&self) -> &'db Scope {
        resolve::scope(self.db, self.file)
    }

    fn item(&self, index: usize) -> Option<&'db ast::Item> {
        db::parse(self.db, self.file).ast.items.get(index)
    }

    pub fn image(&self) -> Option<&'db ast::Image> {
        match self.item(self.scope().image?) {
            Some(ast::Item::Image(image)) => Some(image),
            _ => None,
        }
    }

    pub fn base(&self) -> Option<&'db ast::Image> {
        match self.item(self.scope().base?) {
            Some(ast::Item::Base(base)) => Some(base),
            _ => None,
        }
    }

    pub fn variant(&self, name: &str) -> Option<&'db ast::Variant> {
        match self.item(*self.scope().variants.get(name)?) {
            Some(ast::Item::Variant(v)) => Some(v),
            _ => None,
        }
    }

    pub fn preset(&self, name: &str) -> Option<&'db ast::Preset> {
        resolve::preset_item(self.db, self.file, name.to_string()).as_ref()
    }
}

pub(super) struct Resolver<'db, 'b> {
    /// What copying values may cost in this file's evaluation.
    pub budget: &'b Budget,
    pub db: &'db dyn Db,
    root: SourceFile,
    pub root_id: FileId,
    sink: Sink,
    /// Resolved variants of the root file (`None`: failed, already reported).
    cache: HashMap<String, Option<Resolved>>,
    /// Variants found in an extends cycle: they fail as a whole.
    poisoned: Vec<String>,
    /// What is being resolved, for cycle detection: (file, name).
    stack: Vec<(FileId, String, Span)>,
    /// Where presets of other files were instantiated, innermost last.
    call_sites: Vec<Origin>,
    /// The variants being resolved, innermost last: what a diagnostic is about.
    resolving: Vec<String>,
    /// Presets instantiated so far, by (file, name), with their arguments.
    pub instances: HashMap<(FileId, String), Vec<Instance>>,
}

/// A preset instantiated with some arguments, and what it yielded.
pub(super) struct Instance {
    pub arguments: IndexMap<String, Val>,
    /// `None`: it failed (already reported).
    pub resolved: Option<Resolved>,
}

impl<'db, 'b> Resolver<'db, 'b> {
    pub fn new(db: &'db dyn Db, root: SourceFile, budget: &'b Budget) -> Resolver<'db, 'b> {
        Resolver {
            budget,
            db,
            root,
            root_id: root.id(db),
            sink: Sink::default(),
            cache: HashMap::new(),
            poisoned: Vec::new(),
            stack: Vec::new(),
            call_sites: Vec::new(),
            resolving: Vec::new(),
            instances: HashMap::new(),
        }
    }

    /// How many diagnostics were reported so far (the sink only grows).
    pub fn reported(&self) -> usize {
        self.sink.diagnostics.len()
    }

    /// Whether an error was reported since [`Resolver::reported`] was `since`.
    /// Looking at the new ones only keeps a file with many variants linear.
    pub fn errors_since(&self, since: usize) -> bool {
        self.sink
            .diagnostics
            .get(since..)
            .is_some_and(|new| new.iter().any(Diagnostic::is_error))
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.sink.diagnostics
    }

    pub fn report(&mut self, mut diagnostic: Diagnostic) {
        if diagnostic.primary.file != self.root_id {
            if let Some(site) = self.call_sites.first() {
                diagnostic =
                    diagnostic.with_secondary(site.file, site.span, "the preset is used here");
            }
        }
        if let Some(variant) = self.resolving.last() {
            diagnostic = diagnostic.for_variant(variant);
        }
        self.sink.push(diagnostic);
    }

    /// Starts resolving `name` of `file` (reached from `span`); `false` after
    /// reporting a cycle or a chain too deep.
    pub fn enter(&mut self, file: FileId, name: &str, span: Span) -> bool {
        if let Some(start) = self
            .stack
            .iter()
            .position(|(f, n, _)| *f == file && n == name)
        {
            let members: Vec<String> = self
                .stack
                .iter()
                .skip(start)
                .map(|(_, n, _)| n.clone())
                .collect();
            let mut names = members.clone();
            names.push(name.to_string());
            let mut d = Diagnostic::new(
                Code::ExtendsCycle,
                format!("`{name}` extends itself"),
                file,
                span,
                "cycle closes here",
            )
            .with_note(format!("cycle: {}", names.join(" → ")))
            .with_help(
                "a variant cannot inherit from itself: remove one `extends` of the cycle, or move what they share into a preset both extend",
            );
            for (f, n, s) in self.stack.iter().skip(start) {
                if !(*f == file && *s == span) {
                    d = d.with_secondary(*f, *s, format!("`{n}` is in the cycle"));
                }
            }
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

    pub fn leave(&mut self) {
        self.stack.pop();
    }

    /// Charges the budget for copying `fields`; `false` (reported once) when it
    /// is exhausted.
    pub fn charge(&mut self, fields: &Fields, extra: u64, origin: Origin) -> bool {
        let units = fields.values().map(budget::size).sum::<u64>();
        self.charge_units(units + extra, origin)
    }

    /// Charges the budget for `units`; `false` (reported once) when it is exhausted.
    pub fn charge_units(&mut self, units: u64, origin: Origin) -> bool {
        match self.budget.charge(units, origin) {
            Ok(()) => true,
            Err(budget::Exhausted(diagnostic)) => {
                if let Some(d) = diagnostic {
                    self.report(*d);
                }
                false
            }
        }
    }

    /// A variant of the file being resolved, on top of the image's fields.
    pub fn variant(
        &mut self,
        module: &Module<'db>,
        name: &str,
        start: &Fields,
    ) -> Option<Resolved> {
        if let Some(cached) = self.cache.get(name) {
            let cached = cached.clone()?;
            let origin = Origin {
                file: module.id,
                span: module
                    .variant(name)
                    .map_or(Span::default(), |v| v.name.span),
            };
            return self.charge_units(cached.size(), origin).then_some(cached);
        }
        let v = module.variant(name)?;
        if !self.enter(module.id, name, v.name.span) {
            return None;
        }
        self.resolving.push(name.to_string());
        let resolved = self.apply(module, None, &v.parents, &v.body, start.clone());
        self.resolving.pop();
        self.leave();
        if self.poisoned.iter().any(|p| p == name) {
            self.cache.insert(name.to_string(), None);
            return None;
        }
        let resolved = self.within_depth(resolved, &v.name, module.id);
        self.cache.insert(name.to_string(), resolved.clone());
        resolved
    }

    /// `resolved` when its `extends` chain is at most [`MAX_EXTENDS_DEPTH`] long,
    /// else `None` after reporting it at `name`. Memoisation keeps recursion
    /// shallow whatever the order of the file, so the limit is on the chain's
    /// length, not on the stack.
    pub fn within_depth(
        &mut self,
        resolved: Resolved,
        name: &ast::Ident,
        file: FileId,
    ) -> Option<Resolved> {
        if resolved.depth <= MAX_EXTENDS_DEPTH {
            return Some(resolved);
        }
        self.report(Diagnostic::new(
            Code::ExtendsTooDeep,
            format!(
                "`{}` is {} levels of `extends` deep, more than {MAX_EXTENDS_DEPTH}",
                name.name, resolved.depth
            ),
            file,
            name.span,
            "chain too long",
        ));
        None
    }

    /// The evaluation environment for `module`'s code.
    pub fn env<'a>(
        &self,
        module: &Module<'db>,
        params: Option<&'a IndexMap<String, Val>>,
    ) -> Env<'a>
    where
        'db: 'a,
        'b: 'a,
    {
        Env {
            db: self.db,
            file: module.file,
            uses: module.uses,
            lets: &module.env.lets,
            params,
            budget: self.budget,
        }
    }

    /// One entry of an `extends` clause, as the index resolved it (a name that
    /// refers to nothing was reported there).
    pub fn parent(
        &mut self,
        module: &Module<'db>,
        params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
        start: &Fields,
    ) -> Option<(Link, Resolved)> {
        // A parent the parser could not read is already reported; `None` marks
        // the variant incomplete, so nothing is judged by its missing parents.
        if parent.error {
            return None;
        }
        let named = parent.name.segments.last()?;
        match module.uses.get(named.span)? {
            Definition::Variant { name, .. } => {
                if parent.args.is_some() {
                    self.report(
                        Diagnostic::new(
                            Code::NotAPreset,
                            format!("variant `{name}` takes no arguments"),
                            module.id,
                            parent.span,
                            "a variant",
                        )
                        .with_help("only presets have parameters"),
                    );
                    return None;
                }
                if module.id != self.root_id {
                    self.report(Diagnostic::new(
                        Code::NotAPreset,
                        format!("a preset cannot extend the variant `{name}`"),
                        module.id,
                        parent.span,
                        "variants belong to their image",
                    ));
                    return None;
                }
                let resolved = self.variant(module, name, start)?;
                Some((Link::Variant(name.clone()), resolved))
            }
            Definition::Preset { file, name } => {
                let home = if *file == self.root {
                    Module::root(self.db, *file)
                } else {
                    Module::preset_home(self.db, *file, name)
                };
                let preset = home.preset(name)?;
                let call_site = Origin {
                    file: module.id,
                    span: parent.span,
                };
                let pushed = module.id == self.root_id && *file != module.file;
                if pushed {
                    self.call_sites.push(call_site);
                }
                let result = self.instantiate(&home, preset, module, params, parent);
                if pushed {
                    self.call_sites.pop();
                }
                let used = PresetUse {
                    module: home.id,
                    name: name.clone(),
                    call_site,
                };
                Some((Link::Preset(used), result?))
            }
            _ => None,
        }
    }
}
