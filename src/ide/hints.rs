//! Inlay hints: after a variant's header, what it gets from what it extends and
//! does not set itself (base image, user, working directory, command), so that
//! the preset bodies a new user cannot see become visible where they apply.

use crate::check::types::ValKind;
use crate::db::{Db, SourceFile};
use crate::language::Field;
use crate::syntax::ast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes: after the header's `{`.
    pub offset: u32,
    pub label: String,
}

/// The fields a hint shows, in this order.
const SHOWN: &[Field] = &[
    Field::Base,
    Field::User,
    Field::Workdir,
    Field::Entrypoint,
    Field::Cmd,
];

pub fn inlay_hints(db: &dyn Db, file: SourceFile) -> Vec<InlayHint> {
    let evaluated = crate::variants::evaluate(db, file);
    let text = file.text(db);
    let mut out = Vec::new();
    for item in &crate::db::parse(db, file).ast.items {
        let ast::Item::Variant(v) = item else {
            continue;
        };
        let Some(resolved) = evaluated.variants.get(&v.name.name) else {
            continue;
        };
        let own: Vec<&str> = v
            .body
            .members
            .iter()
            .filter_map(|m| match m {
                ast::Member::Assign(a) => Some(a.field.name.as_str()),
                ast::Member::Error(_) => None,
            })
            .collect();
        let parts: Vec<String> = SHOWN
            .iter()
            .filter(|f| !own.contains(&f.name()))
            .filter_map(|f| resolved.fields.get(f).map(|v| (f, v)))
            .map(|(field, value)| format!("{} {}", field.name(), shown(&value.kind)))
            .collect();
        if parts.is_empty() {
            continue;
        }
        // After the `{` that opens the body, when it ends its line.
        let open = v.body.span.start as usize;
        if text.get(open..open + 1) != Some("{") {
            continue;
        }
        out.push(InlayHint {
            offset: open as u32 + 1,
            label: format!(" # {}", parts.join(" · ")),
        });
    }
    out
}

fn shown(kind: &ValKind) -> String {
    match kind {
        ValKind::User(u) => format!("{} ({})", u.name, u.uid),
        ValKind::Image(r) => r.to_string(),
        ValKind::Variant(v) => v.name.clone(),
        ValKind::Scratch => "scratch".to_string(),
        ValKind::Str(s) | ValKind::Path(s) => s.clone(),
        ValKind::Command(crate::check::types::Command::Exec(args)) => format!("{args:?}"),
        ValKind::Command(crate::check::types::Command::Shell(s)) => format!("{s:?}"),
        other => other
            .to_text()
            .unwrap_or_else(|| other.describe().to_string()),
    }
}
