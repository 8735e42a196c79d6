//! Rule `root-user`: every variant runs as an unprivileged user unless it says,
//! visibly, why it must be root. uid 0 is root whatever the user is called, and
//! so is gid 0 (group root owns and may write what root owns). A variant without
//! a `user` of its own runs as the user of the stage it is built on.

use super::RuleContext;
use crate::check::types::{Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::variants::ResolvedVariant;

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
    // A variant that did not resolve completely may lack its `user` only
    // because of the error already reported.
    if cx.policy.allow_root.value || !variant.complete {
        return Vec::new();
    }
    let base = base_alias(cx);
    let help = match &base {
        Some(alias) => format!("set `user = {alias}.somebody` (uid 65533), or say why root is needed: allow += {{ \"root-user\": \"reason\" }}"),
        None => "import \"base\" and set `user = base.somebody` (uid 65533), or say why root is needed: allow += { \"root-user\": \"reason\" }".to_string(),
    };
    let help = help.as_str();
    // The variant's own user, else the nearest one of the stages it is built on.
    let own = variant.fields.get(&Field::User).map(|v| (v, None));
    let inherited = || {
        cx.stage_ancestors(variant).into_iter().find_map(|a| {
            a.fields
                .get(&Field::User)
                .map(|v| (v, Some(a.name.as_str())))
        })
    };
    match own.or_else(inherited) {
        None => vec![Diagnostic::new(
            Code::RootUser,
            format!("variant `{}` runs as root", variant.name),
            variant.origin.file,
            variant.origin.span,
            "no `user`: the base image's root",
        )
        .with_help(help)
        .with_fix_opt(unprivileged_user(cx, variant, base.as_deref()))],
        Some((
            Val {
                kind: ValKind::User(user),
                origin,
            },
            from,
        )) if user.uid == 0 || user.gid == 0 => {
            let what = if user.uid == 0 {
                format!("user `{}` has uid 0", user.name)
            } else {
                format!("user `{}` has gid 0 (the root group)", user.name)
            };
            let d = match from {
                None => Diagnostic::new(
                    Code::RootUser,
                    format!("variant `{}` runs as root: {what}", variant.name),
                    origin.file,
                    origin.span,
                    if user.uid == 0 {
                        "uid 0 is root"
                    } else {
                        "gid 0 is root's group"
                    },
                ),
                Some(ancestor) => {
                    let at = variant
                        .fields
                        .get(&Field::Base)
                        .map_or(variant.origin, |v| v.origin);
                    Diagnostic::new(
                        Code::RootUser,
                        format!(
                            "variant `{}` runs as root: it keeps the user of `{ancestor}`, and {what}",
                            variant.name
                        ),
                        at.file,
                        at.span,
                        format!("built on `{ancestor}`"),
                    )
                    .with_secondary(origin.file, origin.span, format!("the user of `{ancestor}`"))
                }
            };
            vec![d.with_help(help)]
        }
        Some(_) => Vec::new(),
    }
}

/// The alias the file imports the stdlib's `base` module under, if it does.
fn base_alias(cx: &RuleContext<'_>) -> Option<String> {
    crate::resolve::scope(cx.db, cx.file)
        .imports
        .iter()
        .find(|(_, i)| i.target.is_some_and(|t| t.path(cx.db) == "std/base.wbuild"))
        .map(|(alias, _)| alias.clone())
}

/// The fix for a variant of this file without a user: `user = base.somebody`
/// as the first line of its body (and `import "base"` when the file lacks it).
fn unprivileged_user(
    cx: &RuleContext<'_>,
    variant: &ResolvedVariant,
    base: Option<&str>,
) -> Option<crate::diagnostics::Fix> {
    use crate::diagnostics::{Edit, Fix};
    use crate::span::Span;
    use crate::syntax::ast;
    let id = cx.file.id(cx.db);
    if variant.origin.file != id {
        return None;
    }
    let parsed = crate::db::parse(cx.db, cx.file);
    let body = parsed.ast.items.iter().find_map(|item| match item {
        ast::Item::Variant(v) if v.name.name == variant.name => Some(&v.body),
        _ => None,
    })?;
    let text = cx.file.text(cx.db);
    let open = body.span.start as usize;
    if text.get(open..open + 1) != Some("{") {
        return None;
    }
    let alias = base.unwrap_or("base");
    let line = format!("user = {alias}.somebody");
    let mut edits = Vec::new();
    if base.is_none() {
        let last_import = parsed
            .ast
            .items
            .iter()
            .rev()
            .find(|i| matches!(i, ast::Item::Import(_)))
            .map(|i| i.span().end as usize);
        edits.push(match last_import {
            Some(end) => Edit {
                file: id,
                span: Span::at(end),
                replacement: "\nimport \"base\"".to_string(),
            },
            None => Edit {
                file: id,
                span: Span::at(
                    parsed
                        .ast
                        .items
                        .first()
                        .map_or(0, |i| i.span().start as usize),
                ),
                replacement: "import \"base\"\n\n".to_string(),
            },
        });
    }
    let empty = text
        .get(open + 1..body.span.end as usize)
        .is_some_and(|inside| inside.trim() == "}");
    let rest_of_line = text[open + 1..].split('\n').next().unwrap_or("");
    if !empty && !rest_of_line.trim().is_empty() {
        // `{ cmd = [...] }` on one line: no place for a line of its own.
        return None;
    }
    edits.push(if empty {
        Edit {
            file: id,
            span: body.span,
            replacement: format!("{{\n  {line}\n}}"),
        }
    } else {
        Edit {
            file: id,
            span: Span::at(open + 1),
            replacement: format!("\n  {line}"),
        }
    });
    Some(Fix {
        title: format!("run as `{alias}.somebody` (uid 65533)"),
        edits,
    })
}
