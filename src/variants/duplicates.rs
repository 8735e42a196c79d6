//! Steps that say something twice within one variant's final step list: a
//! package an earlier `apt` step already installs, the same `copy` again, an
//! `env` variable set twice with no `run` in between (the first value is never
//! read). Within one `apt` list, the evaluator reports a repeated package itself.
//!
//! Only steps written in the file itself are reported: a preset's steps are the
//! preset author's, and a variant that sets a variable the preset set before it
//! overrides it on purpose. A step that several variants inherit is reported once.

use super::evaluate;
use crate::check::types::{StepKind, Val, ValKind};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic, Edit, Fix};
use crate::language::Field;
use crate::span::{Origin, Span};
use std::collections::{HashMap, HashSet};

#[salsa::tracked(returns(ref))]
pub fn duplicate_steps(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let home = file.id(db);
    let text = file.text(db);
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut reported: HashSet<(Span, String)> = HashSet::new();
    let mut report = |d: Diagnostic, key: String| {
        if reported.insert((d.primary.span, key)) {
            out.push(d);
        }
    };
    for variant in evaluate(db, file).variants.values() {
        let Some(Val {
            kind: ValKind::Steps(steps),
            ..
        }) = variant.fields.get(&Field::Steps)
        else {
            continue;
        };
        // By package and target release: the same package from another release
        // (`with release`) is an upgrade, not a repetition.
        let mut installed: HashMap<(&str, Option<&str>), Origin> = HashMap::new();
        let mut copies: Vec<(&StepKind, Origin)> = Vec::new();
        // Variables set since the last `run`, with the step that set them.
        let mut unread: HashMap<&str, Origin> = HashMap::new();
        for step in steps {
            let mine = step.origin.file == home;
            match &step.kind {
                StepKind::Apt {
                    packages, release, ..
                } => {
                    for package in packages {
                        let key = (package.as_str(), release.as_deref());
                        match installed.get(&key) {
                            Some(first) if mine && *first != step.origin => report(
                                Diagnostic::new(
                                    Code::Duplicate,
                                    format!(
                                        "`{package}` is already installed by an earlier `apt` step"
                                    ),
                                    home,
                                    step.origin.span,
                                    format!("installs `{package}` again"),
                                )
                                .with_secondary(first.file, first.span, "installed here first")
                                .with_help(format!("remove `{package}` from this step")),
                                package.clone(),
                            ),
                            Some(_) => {}
                            None => {
                                installed.insert(key, step.origin);
                            }
                        }
                    }
                }
                StepKind::Copy { .. } | StepKind::CopyFrom { .. } => {
                    match copies.iter().find(|(kind, _)| *kind == &step.kind) {
                        Some((_, first)) if mine => {
                            let mut d = Diagnostic::new(
                                Code::Duplicate,
                                "the same `copy` is written twice",
                                home,
                                step.origin.span,
                                "copies the same files again",
                            )
                            .with_secondary(
                                first.file,
                                first.span,
                                "first copied here",
                            );
                            d = with_line_removal(d, text, step.origin.span, "remove this copy");
                            report(d, String::new());
                        }
                        Some(_) => {}
                        None => copies.push((&step.kind, step.origin)),
                    }
                }
                StepKind::Env { name, .. } => {
                    if let Some(first) = unread.insert(name, step.origin) {
                        if mine && first.file == home {
                            let mut d = Diagnostic::new(
                                Code::Duplicate,
                                format!("`{name}` is set again before any step reads it"),
                                home,
                                first.span,
                                "this value is never read",
                            )
                            .with_secondary(
                                home,
                                step.origin.span,
                                "set again here",
                            );
                            d = with_line_removal(d, text, first.span, "remove the first `env`");
                            report(d, name.clone());
                        }
                    }
                }
                StepKind::Run { .. } => unread.clear(),
                StepKind::Arg { .. } | StepKind::Workdir { .. } => {}
            }
        }
    }
    out
}

/// The fix that deletes the primary span's line, when the span is all that line
/// holds (besides indentation); otherwise the help says it.
fn with_line_removal(d: Diagnostic, text: &str, span: Span, title: &str) -> Diagnostic {
    let (start, end) = (span.start as usize, span.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let alone = text[line_start..start].trim().is_empty() && text[end..line_end].trim().is_empty();
    if !alone {
        return d.with_help(title.to_string());
    }
    let file = d.primary.file;
    d.with_fix(Fix {
        title: title.to_string(),
        edits: vec![Edit {
            file,
            span: Span::new(line_start, line_end),
            replacement: String::new(),
        }],
    })
}
