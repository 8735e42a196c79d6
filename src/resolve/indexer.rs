//! The resolution index: every use site of a file → what it refers to.
//!
//! The language's one lookup order is written here and nowhere else. In value
//! position (values, interpolations, `copy from`) a name is, in this order: a
//! parameter of the enclosing preset (a default sees only the parameters
//! declared before it), a constant (a `let`'s value sees only the constants
//! above it), a variant of the file, `scratch`, or an import alias, whose
//! `alias.NAME` is a constant of that module. Further segments (`u.uid`) are
//! fields of the value, which evaluation looks at. An `extends` parent is a
//! variant or preset of the file, or `alias.preset`. Fields, step options and
//! constructors come from the tables in `language`.
//!
//! Invariant: evaluation and variant resolution read the index and never look a
//! name up themselves. A name that refers to nothing is reported here, once per
//! use site; the consumers then stay silent (their value is simply missing).

use super::summaries::{summary, ItemKind, Summary};
use super::Scope;
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::language::{step_options, BodyKind, Field, CONSTRUCTORS};
use crate::span::{FileId, Span};
use crate::syntax::ast;

/// What a use site refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Definition {
    /// A constant (`let`) of a file.
    Let {
        file: SourceFile,
        name: String,
    },
    /// A variant of a file.
    Variant {
        file: SourceFile,
        name: String,
    },
    /// A preset of a file.
    Preset {
        file: SourceFile,
        name: String,
    },
    /// A parameter of a preset.
    Param {
        file: SourceFile,
        preset: String,
        name: String,
    },
    /// An import alias of the file and the module it names (`None`: not loaded,
    /// which the scope reports).
    Module {
        alias: String,
        target: Option<SourceFile>,
    },
    Field(Field),
    StepOption {
        step: &'static str,
        option: &'static str,
    },
    Constructor(&'static str),
    /// The empty image.
    Scratch,
}

/// Where a use site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UseKind {
    /// A name in value position (`base = build`, `app_dir + "/x"`).
    Value,
    /// `${name}` in a string.
    Interpolation,
    /// A parent of an `extends` clause (or its module alias).
    Extends,
    /// The variant of `copy from`.
    CopyFrom,
    /// The variant of a mount, `bind(from = VARIANT, ...)`.
    MountFrom,
    /// `NAME` in `alias.NAME`.
    Member,
    /// The name of a preset argument (`python.app(version = …)`).
    Argument,
    /// The field of an assignment.
    Field,
    /// An option after `with`.
    StepOption,
    /// The name of a constructor call.
    Constructor,
    /// The path of an import.
    Import,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Use {
    pub span: Span,
    pub kind: UseKind,
    /// `None`: it refers to nothing (reported by the index, or by the scope for
    /// an import that was not loaded).
    pub definition: Option<Definition>,
}

/// Use sites ordered by position.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Resolutions {
    uses: Vec<Use>,
}

impl Resolutions {
    /// What the use site at exactly `span` refers to.
    pub fn get(&self, span: Span) -> Option<&Definition> {
        let at = self
            .uses
            .binary_search_by(|u| (u.span.start, u.span.end).cmp(&(span.start, span.end)))
            .ok()?;
        self.uses.get(at)?.definition.as_ref()
    }

    /// The innermost use site that contains `offset`.
    pub fn at(&self, offset: u32) -> Option<&Use> {
        self.uses
            .iter()
            .filter(|u| u.span.start <= offset && offset <= u.span.end)
            .min_by_key(|u| u.span.end - u.span.start)
    }

    pub fn uses(&self) -> &[Use] {
        &self.uses
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Index {
    /// Every use site of the file.
    pub resolutions: Resolutions,
    /// For each item (`ast.items` index), the range of its uses in `resolutions`.
    items: Vec<std::ops::Range<usize>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Index {
    /// The uses inside one item.
    pub fn item(&self, item: usize) -> &[Use] {
        self.items
            .get(item)
            .and_then(|range| self.resolutions.uses.get(range.clone()))
            .unwrap_or(&[])
    }
}

#[salsa::tracked(returns(ref))]
pub fn index(db: &dyn Db, file: SourceFile) -> Index {
    let ast = &db::parse(db, file).ast;
    let mut walker = Walker {
        db,
        file,
        id: file.id(db),
        scope: super::scope(db, file),
        own: summary(db, file),
        visible_lets: usize::MAX,
        params: Vec::new(),
        preset: None,
        variant: None,
        uses: Vec::new(),
        diagnostics: Vec::new(),
        searches: suggest::Searches::default(),
    };
    let mut items = Vec::with_capacity(ast.items.len());
    for (position, item) in ast.items.iter().enumerate() {
        let start = walker.uses.len();
        walker.item(position, item);
        // Items do not overlap, so sorting each item's uses sorts the whole list.
        if let Some(uses) = walker.uses.get_mut(start..) {
            uses.sort_by_key(|u| (u.span.start, u.span.end));
        }
        items.push(start..walker.uses.len());
    }
    Index {
        resolutions: Resolutions { uses: walker.uses },
        items,
        // A name that refers to nothing is one mistake wherever it is used.
        diagnostics: crate::diagnostics::fold_repeats(walker.diagnostics, |_, _| true),
    }
}

/// The uses inside one preset, apart from the rest of its file's index: what
/// an importer reads when it instantiates the preset, so that editing another
/// item of that file does not re-run the importer's resolution.
#[salsa::tracked(returns(ref))]
pub fn preset_resolutions(db: &dyn Db, file: SourceFile, name: String) -> Resolutions {
    let uses = super::scope(db, file)
        .presets
        .get(&name)
        .map(|&item| index(db, file).item(item).to_vec())
        .unwrap_or_default();
    Resolutions { uses }
}

struct Walker<'db> {
    db: &'db dyn Db,
    file: SourceFile,
    id: FileId,
    scope: &'db Scope,
    own: &'db Summary,
    /// A `let`'s value sees the constants of the items before it (by item index).
    visible_lets: usize,
    /// The parameters of the enclosing preset that are visible here.
    params: Vec<&'db str>,
    preset: Option<&'db str>,
    /// The variant being indexed (it cannot `copy from` itself).
    variant: Option<&'db str>,
    uses: Vec<Use>,
    diagnostics: Vec<Diagnostic>,
    searches: suggest::Searches,
}

impl<'db> Walker<'db> {
    fn record(&mut self, span: Span, kind: UseKind, definition: Option<Definition>) {
        self.uses.push(Use {
            span,
            kind,
            definition,
        });
    }

    fn item(&mut self, position: usize, item: &'db ast::Item) {
        self.visible_lets = usize::MAX;
        self.params.clear();
        self.preset = None;
        self.variant = None;
        match item {
            ast::Item::Import(import) => {
                let alias = self
                    .scope
                    .imports
                    .iter()
                    .find(|(_, i)| i.span == import.span);
                if let Some((alias, resolved)) = alias {
                    let definition = Definition::Module {
                        alias: alias.clone(),
                        target: resolved.target,
                    };
                    self.record(import.path.span, UseKind::Import, Some(definition));
                }
            }
            ast::Item::Let(l) => {
                self.visible_lets = position;
                self.expr(&l.value);
            }
            ast::Item::Image(image) => {
                // The image's name is a literal (an interpolation there is an error
                // of its own, not a use).
                self.body(&image.body, BodyKind::Image);
            }
            ast::Item::Base(base) => {
                // Like the image's name, the reference is a literal.
                self.body(&base.body, BodyKind::Base);
            }
            ast::Item::Variant(v) => {
                self.variant = Some(&v.name.name);
                for parent in &v.parents {
                    self.parent(parent);
                }
                self.body(&v.body, BodyKind::Variant);
            }
            ast::Item::Preset(p) => {
                self.preset = Some(&p.name.name);
                for param in &p.params {
                    // A default sees the parameters declared before it.
                    if let Some(default) = &param.default {
                        self.expr(default);
                    }
                    self.params.push(&param.name.name);
                }
                for parent in &p.parents {
                    self.parent(parent);
                }
                self.body(&p.body, BodyKind::Variant);
            }
            ast::Item::Error(_) => {}
        }
    }

    fn body(&mut self, body: &'db ast::Body, kind: BodyKind) {
        for member in &body.members {
            let ast::Member::Assign(a) = member else {
                continue;
            };
            self.field(&a.field, kind);
            self.expr(&a.value);
        }
    }

    fn field(&mut self, name: &ast::Ident, kind: BodyKind) {
        let found = Field::lookup(&name.name);
        if let Some(field) = found.filter(|f| f.allowed_in(kind)) {
            self.record(name.span, UseKind::Field, Some(Definition::Field(field)));
            return;
        }
        let names = crate::language::FIELDS
            .iter()
            .filter(|f| f.field.allowed_in(kind))
            .map(|f| f.name);
        let mut d = Diagnostic::new(
            Code::UnknownField,
            format!("unknown field `{}`", name.name),
            self.id,
            name.span,
            format!("not {} {} field", article(kind.name()), kind.name()),
        )
        .with_did_you_mean(&name.name, names);
        if let Some(field) = found {
            let home = [BodyKind::Variant, BodyKind::Image, BodyKind::Base]
                .into_iter()
                .find(|k| field.allowed_in(*k));
            if let Some(home) = home {
                let block = match home {
                    BodyKind::Variant => "a variant or preset",
                    BodyKind::Image => "the image block",
                    BodyKind::Base => "a `base` item",
                };
                d = d.with_note(format!("`{}` belongs in {block}", name.name));
            }
        }
        self.diagnostics.push(d);
        self.record(name.span, UseKind::Field, None);
    }

    fn parent(&mut self, parent: &'db ast::Parent) {
        if parent.error {
            // The parser reported it; what it read of the arguments is still
            // indexed, the name is not resolved (and not reported twice).
            for arg in parent.args.iter().flatten() {
                self.expr(&arg.value);
            }
            return;
        }
        let preset = match parent.name.segments.as_slice() {
            [name] => self.local_parent(name),
            [alias, member] => self.foreign_parent(alias, member),
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::UnknownName,
                    "expected `name` or `module.name`",
                    self.id,
                    parent.name.span,
                    "cannot extend this",
                ));
                None
            }
        };
        for arg in parent.args.iter().flatten() {
            // An unknown argument is reported where the arguments are bound, with
            // the preset's parameters beside it.
            let definition = preset.as_ref().and_then(|(file, name, params)| {
                params.contains(&arg.name.name).then(|| Definition::Param {
                    file: *file,
                    preset: name.clone(),
                    name: arg.name.name.clone(),
                })
            });
            self.record(arg.name.span, UseKind::Argument, definition);
            self.expr(&arg.value);
        }
    }

    /// `extends NAME`: a variant or preset of this file. Returns the preset with
    /// its parameters, for the arguments.
    fn local_parent(&mut self, name: &ast::Ident) -> Option<(SourceFile, String, Vec<String>)> {
        if self.scope.variants.contains_key(&name.name) {
            let definition = Definition::Variant {
                file: self.file,
                name: name.name.clone(),
            };
            self.record(name.span, UseKind::Extends, Some(definition));
            return None;
        }
        if let Some(ItemKind::Preset { params }) = self
            .scope
            .presets
            .contains_key(&name.name)
            .then(|| self.own.items.get(&name.name))
            .flatten()
        {
            let definition = Definition::Preset {
                file: self.file,
                name: name.name.clone(),
            };
            self.record(name.span, UseKind::Extends, Some(definition));
            return Some((self.file, name.name.clone(), params.clone()));
        }
        let not_extendable =
            self.scope.lets.contains_key(&name.name) || self.scope.imports.contains_key(&name.name);
        let candidates: Vec<&str> = self
            .scope
            .variants
            .keys()
            .chain(self.scope.presets.keys())
            .map(String::as_str)
            .collect();
        let mut d = Diagnostic::new(
            if not_extendable {
                Code::NotAPreset
            } else {
                Code::UnknownName
            },
            format!("cannot extend `{}`", name.name),
            self.id,
            name.span,
            "not a variant or preset",
        );
        if self.searches.allow(candidates.len()) {
            d = d.with_did_you_mean(&name.name, candidates.iter().copied());
        }
        self.diagnostics.push(d);
        self.record(name.span, UseKind::Extends, None);
        None
    }

    /// `extends alias.NAME`: a preset of an imported module.
    fn foreign_parent(
        &mut self,
        alias: &ast::Ident,
        member: &ast::Ident,
    ) -> Option<(SourceFile, String, Vec<String>)> {
        let Some(import) = self.scope.imports.get(&alias.name) else {
            if self.near_failed_import(&alias.name) {
                self.record(alias.span, UseKind::Extends, None);
                return None;
            }
            let mut d = Diagnostic::new(
                Code::UnknownName,
                format!("cannot find module `{}`", alias.name),
                self.id,
                alias.span,
                "not imported",
            )
            .with_did_you_mean(&alias.name, self.scope.imports.keys().map(String::as_str));
            if d.fix.is_none() && self.stdlib_has(&alias.name) {
                d = d
                    .with_help(format!("import it first: import \"{}\"", alias.name))
                    .with_fix(self.import_fix(&alias.name));
            }
            self.diagnostics.push(d);
            self.record(alias.span, UseKind::Extends, None);
            return None;
        };
        let module = Definition::Module {
            alias: alias.name.clone(),
            target: import.target,
        };
        self.record(alias.span, UseKind::Extends, Some(module));
        let target = import.target?;
        let theirs = summary(self.db, target);
        if let Some(ItemKind::Preset { params }) = theirs.items.get(&member.name) {
            let definition = Definition::Preset {
                file: target,
                name: member.name.clone(),
            };
            self.record(member.span, UseKind::Member, Some(definition));
            return Some((target, member.name.clone(), params.clone()));
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownMember,
                format!("module `{}` has no preset `{}`", alias.name, member.name),
                self.id,
                member.span,
                "not defined there",
            )
            .with_did_you_mean(&member.name, theirs.names(Summary::is_preset)),
        );
        self.record(member.span, UseKind::Member, None);
        None
    }

    /// The fix that imports the stdlib module `name`: after the file's last
    /// import, or before its first item.
    fn import_fix(&self, name: &str) -> crate::diagnostics::Fix {
        let items = &db::parse(self.db, self.file).ast.items;
        let last_import = items
            .iter()
            .rev()
            .find(|i| matches!(i, ast::Item::Import(_)))
            .map(|i| i.span().end as usize);
        let (at, text) = match last_import {
            Some(end) => (end, format!("\nimport \"{name}\"")),
            None => (
                items.first().map_or(0, |i| i.span().start as usize),
                format!("import \"{name}\"\n\n"),
            ),
        };
        crate::diagnostics::Fix {
            title: format!("add `import \"{name}\"`"),
            edits: vec![crate::diagnostics::Edit {
                file: self.id,
                span: Span::at(at),
                replacement: text,
            }],
        }
    }

    /// Whether `name`, used as a module, is (nearly) the alias of an import that
    /// failed: that import's error is the one mistake (`import "pyhton"` and then
    /// `python.app`), and suggesting the misspelt alias would repeat it.
    fn near_failed_import(&self, name: &str) -> bool {
        let failed = self
            .scope
            .imports
            .iter()
            .filter(|(_, import)| import.target.is_none())
            .map(|(alias, _)| alias.as_str());
        crate::diagnostics::suggest::did_you_mean(name, failed).is_some()
    }

    fn stdlib_has(&self, name: &str) -> bool {
        self.db
            .workspace()
            .files(self.db)
            .contains_key(&format!("std:{name}"))
    }

    fn expr(&mut self, expr: &'db ast::Expr) {
        match &expr.kind {
            ast::ExprKind::Str(lit) => self.string(lit),
            ast::ExprKind::Int(_) | ast::ExprKind::Bool(_) | ast::ExprKind::Error => {}
            ast::ExprKind::List(items) | ast::ExprKind::Concat(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ast::ExprKind::Map(entries) => {
                for entry in entries {
                    self.string(&entry.key);
                    self.expr(&entry.value);
                }
            }
            ast::ExprKind::Steps(steps) => {
                for step in steps {
                    self.step(step);
                }
            }
            ast::ExprKind::Call { name, args } => {
                self.constructor(name);
                let params = CONSTRUCTORS
                    .iter()
                    .find(|c| c.name == name.name)
                    .map_or(&[][..], |c| c.params);
                for (position, arg) in args.iter().enumerate() {
                    let param = match &arg.name {
                        Some(n) => params.iter().find(|p| p.name == n.name),
                        None => params.get(position),
                    };
                    // A mount's `from` names a stage (a dependency) or an image.
                    match (&arg.value.kind, param) {
                        (ast::ExprKind::Name(q), Some(p))
                            if name.name == "bind" && p.name == "from" =>
                        {
                            self.value(q, UseKind::MountFrom)
                        }
                        _ => self.expr(&arg.value),
                    }
                }
            }
            ast::ExprKind::Name(q) => self.value(q, UseKind::Value),
        }
    }

    fn string(&mut self, lit: &'db ast::StringLit) {
        for part in &lit.parts {
            if let ast::StrPart::Interp(q) = part {
                self.value(q, UseKind::Interpolation);
            }
        }
    }

    fn constructor(&mut self, name: &ast::Ident) {
        match CONSTRUCTORS.iter().find(|c| c.name == name.name) {
            Some(c) => {
                self.record(
                    name.span,
                    UseKind::Constructor,
                    Some(Definition::Constructor(c.name)),
                );
            }
            None => {
                let names: Vec<&str> = CONSTRUCTORS.iter().map(|c| c.name).collect();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownName,
                        format!("there is no constructor `{}`", name.name),
                        self.id,
                        name.span,
                        "unknown",
                    )
                    .with_did_you_mean(&name.name, names.iter().copied())
                    .with_note(format!("constructors: {}", names.join(", "))),
                );
                self.record(name.span, UseKind::Constructor, None);
            }
        }
    }

    fn step(&mut self, step: &'db ast::Step) {
        match &step.kind {
            ast::StepKind::Apt(e) | ast::StepKind::Run(e) | ast::StepKind::Workdir(e) => {
                self.expr(e)
            }
            ast::StepKind::Copy { sources, dest } => {
                self.expr(sources);
                self.expr(dest);
            }
            ast::StepKind::CopyFrom {
                stage,
                sources,
                dest,
            } => {
                self.value(stage, UseKind::CopyFrom);
                self.expr(sources);
                self.expr(dest);
            }
            ast::StepKind::Env { value, .. } => self.expr(value),
            ast::StepKind::Arg { default, .. } => {
                if let Some(default) = default {
                    self.expr(default);
                }
            }
            ast::StepKind::Error => {}
        }
        let keyword = step.kind.keyword();
        let allowed = step_options(keyword);
        for option in &step.options {
            match allowed.iter().find(|o| **o == option.name.name) {
                Some(&name) => {
                    let definition = Definition::StepOption {
                        step: keyword,
                        option: name,
                    };
                    self.record(option.name.span, UseKind::StepOption, Some(definition));
                }
                None if matches!(step.kind, ast::StepKind::Error) => {}
                None => {
                    let d = Diagnostic::new(
                        Code::UnknownOption,
                        format!("unknown option `{}` for `{keyword}`", option.name.name),
                        self.id,
                        option.name.span,
                        "unknown option",
                    );
                    // Who owns a copy and whom a command runs as are said
                    // differently: a copy runs nothing, a command copies nothing.
                    let owner_help = match (keyword, option.name.name.as_str()) {
                        ("copy" | "copy from", "user") => Some("a copy runs nothing: the copied files get an owner with `chown = USER`"),
                        ("run", "chown") => Some("to run the command as a user, write `user = USER`; `chown` gives copied files their owner"),
                        _ => None,
                    };
                    let d = if let Some(help) = owner_help {
                        d.with_help(format!(
                            "{help} (`{keyword}` takes: {})",
                            allowed.join(", ")
                        ))
                    } else if allowed.is_empty() {
                        d.with_help(format!("`{keyword}` takes no options"))
                    } else {
                        d.with_did_you_mean_or(&option.name.name, allowed.iter().copied(), || {
                            format!("`{keyword}` takes: {}", allowed.join(", "))
                        })
                    };
                    self.diagnostics.push(d);
                    self.record(option.name.span, UseKind::StepOption, None);
                }
            }
            self.expr(&option.value);
        }
    }

    /// A name in value position; see the module's documentation for the order.
    fn value(&mut self, name: &'db ast::QualName, kind: UseKind) {
        let Some(first) = name.segments.first() else {
            return;
        };
        let text = first.name.as_str();
        let definition = if self.params.contains(&text) {
            Definition::Param {
                file: self.file,
                preset: self.preset.unwrap_or_default().to_string(),
                name: text.to_string(),
            }
        } else if let Some(&item) = self.scope.lets.get(text) {
            if item >= self.visible_lets {
                self.unknown_value(first, "constants must be defined before they are used");
                self.record(first.span, kind, None);
                return;
            }
            Definition::Let {
                file: self.file,
                name: text.to_string(),
            }
        } else if self.scope.variants.contains_key(text) {
            Definition::Variant {
                file: self.file,
                name: text.to_string(),
            }
        } else if text == "scratch" {
            Definition::Scratch
        } else if let Some(import) = self.scope.imports.get(text) {
            let target = import.target;
            let module = Definition::Module {
                alias: text.to_string(),
                target,
            };
            self.record(first.span, kind, Some(module));
            match (name.segments.get(1), target) {
                (None, _) => self.diagnostics.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("`{text}` is a module, not a value"),
                        self.id,
                        first.span,
                        "a module",
                    )
                    .with_help(format!("name one of its constants: `{text}.NAME`")),
                ),
                (Some(member), Some(target)) => self.member(text, member, target),
                // Not loaded: the scope reports the import.
                (Some(_), None) => {}
            }
            return;
        } else {
            if kind == UseKind::CopyFrom || kind == UseKind::MountFrom {
                self.unknown_stage(first, kind);
            } else if name.segments.len() < 2 || !self.near_failed_import(text) {
                self.unknown_value(first, "");
            }
            self.record(first.span, kind, None);
            return;
        };
        self.record(first.span, kind, Some(definition));
    }

    /// `alias.NAME` in value position: a constant of the module.
    fn member(&mut self, alias: &str, member: &ast::Ident, target: SourceFile) {
        let theirs = summary(self.db, target);
        if let Some(ItemKind::Let) = theirs.items.get(&member.name) {
            let definition = Definition::Let {
                file: target,
                name: member.name.clone(),
            };
            self.record(member.span, UseKind::Member, Some(definition));
            return;
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::UnknownMember,
                format!("module `{alias}` has no constant `{}`", member.name),
                self.id,
                member.span,
                "not defined there",
            )
            .with_did_you_mean(&member.name, theirs.names(Summary::is_let)),
        );
        self.record(member.span, UseKind::Member, None);
    }

    /// `copy from NAME` naming no variant: the suggestions are the file's other
    /// variants (a variant cannot copy from itself) and the preset's parameters.
    fn unknown_stage(&mut self, name: &ast::Ident, kind: UseKind) {
        let (to, what) = if kind == UseKind::MountFrom {
            ("to mount", "`bind(from = ...)`")
        } else {
            ("to copy from", "`copy from`")
        };
        let current = self.variant;
        let others: Vec<&str> = self
            .scope
            .variants
            .keys()
            .map(String::as_str)
            .filter(|v| Some(*v) != current)
            .collect();
        let params = self.params.clone();
        let d = Diagnostic::new(
            Code::UnknownName,
            format!("there is no variant `{}` {to}", name.name),
            self.id,
            name.span,
            "not a variant of this file",
        )
        .with_did_you_mean_or(
            &name.name,
            others.iter().copied().chain(params.iter().copied()),
            || match others.as_slice() {
                [] => format!("{what} takes another variant of this file; this file has no other"),
                list => format!(
                    "{what} takes another variant of this file: {}",
                    list.join(", ")
                ),
            },
        );
        self.diagnostics.push(d);
    }

    /// "cannot find `NAME`", with what it is when it is something else.
    fn unknown_value(&mut self, name: &ast::Ident, defined_later: &str) {
        let mut d = Diagnostic::new(
            Code::UnknownName,
            format!("cannot find `{}`", name.name),
            self.id,
            name.span,
            "not defined",
        );
        if !defined_later.is_empty() {
            d = d
                .with_note(defined_later)
                .with_help("move the `let` above this line");
        } else if self.scope.presets.contains_key(&name.name) {
            d = d.with_help(format!(
                "`{}` is a preset: use it with `extends {}`",
                name.name, name.name
            ));
        } else {
            let count = self.scope.lets.len()
                + self.scope.variants.len()
                + self.scope.imports.len()
                + self.params.len();
            if self.searches.allow(count) {
                let params = self.params.clone();
                d = d.with_did_you_mean(
                    &name.name,
                    self.scope.value_names().chain(params.iter().copied()),
                );
            }
            if d.help.is_none() {
                d = d.with_help(format!(
                    "define it above its first use (`let {} = …`), or import the module it comes from",
                    name.name
                ));
            }
        }
        self.diagnostics.push(d);
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
