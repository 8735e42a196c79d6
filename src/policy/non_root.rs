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
    let help = "set `user = base.somebody` (uid 65533), or say why root is needed: allow += { \"root-user\": \"reason\" }";
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
        .with_help(help)],
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
