//! The merge rule (written in full in `mod.rs`): parents left to right, then the
//! body's assignments in order, `=` replacing and `+=` appending.

use super::resolver::{Link, Module, Resolved, Resolver};
use super::Fields;
use crate::check::eval::{self, Sink};
use crate::check::types::{Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::{Origin, Span};
use crate::syntax::ast;
use indexmap::IndexMap;

impl<'db> Resolver<'db, '_> {
    /// Applies `parents`, then the body's assignments, on top of `start`.
    pub(super) fn apply(
        &mut self,
        module: &Module<'db>,
        params: Option<&IndexMap<String, Val>>,
        parents: &[ast::Parent],
        body: &ast::Body,
        start: Fields,
    ) -> Resolved {
        let origin = Origin {
            file: module.id,
            span: body.span,
        };
        if !self.charge(&start, 0, origin) {
            return Resolved::failed();
        }
        let mut out = Resolved::new(Fields::default());
        let mut fields = start.clone();
        let mut merged: Vec<(&ast::Parent, Fields)> = Vec::new();
        let mut deepest = 0;
        for p in parents {
            let Some((link, resolved)) = self.parent(module, params, p, &start) else {
                out.complete = false;
                continue;
            };
            deepest = deepest.max(resolved.depth);
            out.complete &= resolved.complete;
            match link {
                Link::Variant(name) => out.extends.push((
                    name,
                    Origin {
                        file: module.id,
                        span: p.span,
                    },
                )),
                Link::Preset(used) => {
                    out.presets.insert(used);
                    out.presets.extend(resolved.presets);
                }
            }
            merged.push((p, resolved.fields));
        }
        out.depth = deepest + 1;

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
        self.parent_conflicts(module, &merged, &start, &settled);
        // Which parent each inherited field comes from (the last one that sets
        // it), to say what an `=` discards.
        let mut set_by: IndexMap<Field, &ast::Parent> = IndexMap::new();
        for (parent, parent_fields) in merged {
            for (field, value) in parent_fields {
                set_by.insert(field, parent);
                fields.insert(field, value);
            }
        }

        let env = self.env(module, params);
        let mut assigned: IndexMap<Field, Span> = IndexMap::new();
        for member in &body.members {
            let ast::Member::Assign(a) = member else {
                continue;
            };
            // An unknown field is reported by the resolution index.
            let Some(crate::resolve::Definition::Field(field)) = module.uses.get(a.field.span)
            else {
                out.complete = false;
                continue;
            };
            let field = *field;
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
                out.complete = false;
                continue;
            };
            match a.op {
                ast::AssignOp::Replace => {
                    if a.overrides.is_none() {
                        if let Some(old) = fields.get(&field) {
                            let from = set_by.get(&field).copied();
                            if let Some(d) = discarded_entries(module.id, a, old, from) {
                                self.report(d);
                            }
                        }
                    }
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
        out.fields = fields;
        out
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

/// `field = value` over a non-empty inherited list, map or step block throws the
/// inherited entries away, which is rarely meant when extending a preset (its
/// steps install the language, its labels describe the image): a warning with
/// the fix to `+=`, unless the assignment says `override`.
fn discarded_entries(
    file: crate::span::FileId,
    assignment: &ast::Assignment,
    old: &Val,
    from: Option<&ast::Parent>,
) -> Option<Diagnostic> {
    let (count, what) = match &old.kind {
        ValKind::Steps(steps) => (steps.len(), "step"),
        ValKind::List(items) => (items.len(), "item"),
        ValKind::Map(entries) => (entries.len(), "entry"),
        _ => return None,
    };
    if count == 0 {
        return None;
    }
    let name = &assignment.field.name;
    let what = match (count, what) {
        (1, _) => format!("the {what}"),
        (_, "entry") => format!("the {count} entries"),
        _ => format!("the {count} {what}s"),
    };
    let source = match from {
        Some(parent) => format!("`{}`", parent.name.dotted()),
        None => "the image block".to_string(),
    };
    let mut d = Diagnostic::new(
        Code::DiscardsInherited,
        format!("`{name} =` discards {what} inherited from {source}"),
        file,
        assignment.op_span,
        "`=` replaces the inherited value",
    )
    .with_fix(crate::diagnostics::Fix {
        title: format!("add to them: `{name} +=`"),
        edits: vec![crate::diagnostics::Edit {
            file,
            span: assignment.op_span,
            replacement: "+=".to_string(),
        }],
    })
    .with_help(format!(
        "to keep them, write `{name} += …`; to replace them on purpose, write `override {name} = …`"
    ));
    if let Some(parent) = from {
        d = d.with_secondary(file, parent.span, format!("`{name}` is set by this parent"));
    }
    Some(d)
}
