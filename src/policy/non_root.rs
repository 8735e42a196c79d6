//! Rule `root-user`: every variant runs as an unprivileged user unless it says,
//! visibly, why it must be root. uid 0 is root whatever the user is called.

use super::RuleContext;
use crate::check::schema::Field;
use crate::check::types::ValKind;
use crate::diagnostics::{Code, Diagnostic};
use crate::variants::ResolvedVariant;

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
    if cx.policy.allow_root.value {
        return Vec::new();
    }
    let help = "set `user = base.somebody` (uid 65533), or say why root is needed: allow += { \"root-user\": \"reason\" }";
    match variant.fields.get(&Field::User) {
        None => vec![Diagnostic::new(
            Code::RootUser,
            format!("variant `{}` runs as root", variant.name),
            variant.origin.file,
            variant.origin.span,
            "no `user`: the base image's root",
        )
        .with_help(help)],
        Some(v) => match &v.kind {
            ValKind::User(user) if user.uid == 0 => vec![Diagnostic::new(
                Code::RootUser,
                format!(
                    "variant `{}` runs as root: user `{}` has uid 0",
                    variant.name, user.name
                ),
                v.origin.file,
                v.origin.span,
                "uid 0 is root",
            )
            .with_help(help)],
            _ => Vec::new(),
        },
    }
}
