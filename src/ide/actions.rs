//! Code actions beyond the compiler's fixes: recording a policy exception. The
//! inserted reason is empty on purpose: an exception without a reason is itself
//! an error (WB5010), so the action cannot silence a rule until someone writes
//! down why.

use crate::db::{Db, SourceFile};
use crate::diagnostics::{Diagnostic, Edit, Fix};
use crate::span::Span;
use crate::syntax::ast;

/// `allow += { "RULE": "" }` in the variant a policy finding is about.
pub fn record_exception(db: &dyn Db, file: SourceFile, diagnostic: &Diagnostic) -> Option<Fix> {
    let rule = crate::policy::RULES
        .iter()
        .find(|(_, codes)| codes.contains(&diagnostic.code))
        .map(|(name, _)| *name)?;
    let variant = diagnostic.variant.as_deref()?;
    let body = crate::db::parse(db, file)
        .ast
        .items
        .iter()
        .find_map(|item| match item {
            ast::Item::Variant(v) if v.name.name == variant => Some(&v.body),
            _ => None,
        })?;
    let text = file.text(db);
    let open = body.span.start as usize;
    if text.get(open..open + 1) != Some("{") {
        return None;
    }
    let line = format!("allow += {{ \"{rule}\": \"\" }}");
    let inside = text.get(open + 1..body.span.end as usize)?;
    let edit = if inside.trim() == "}" {
        Edit {
            file: file.id(db),
            span: body.span,
            replacement: format!("{{\n  {line}\n}}"),
        }
    } else if text[open + 1..]
        .split('\n')
        .next()
        .unwrap_or("x")
        .trim()
        .is_empty()
    {
        Edit {
            file: file.id(db),
            span: Span::at(open + 1),
            replacement: format!("\n  {line}"),
        }
    } else {
        return None;
    };
    Some(Fix {
        title: format!("record an exception to `{rule}` on `{variant}` (then say why)"),
        edits: vec![edit],
    })
}
