//! The fix for a Python library Debian packages (rule `debian-first`): take it
//! out of the requirements file *and* install Debian's package where the
//! variant's presets take system packages, in the stage that builds and in the
//! stages that run what it built (a `python.runtime(build = build)` copies the
//! virtualenv, which sees the system's site packages, so the package must be
//! there too). Without both halves the application would lose the library.

use super::RuleContext;
use crate::diagnostics::{Edit, Fix};
use crate::resolve::{self, ItemKind};
use crate::span::{Origin, Span};
use crate::syntax::ast;
use crate::variants::ResolvedVariant;

/// The preset parameter that takes Debian packages.
const PACKAGES: &str = "packages";

/// The fix, when every place to add the package is in the user's manifest.
pub(super) fn use_debian_package(
    cx: &RuleContext<'_>,
    variant: &ResolvedVariant,
    package: &str,
    requirement_line: Origin,
) -> Option<Fix> {
    let home = cx.file.id(cx.db);
    let graph = crate::graph::dependencies(cx.db, cx.file);
    // The variant and the variants whose stages copy from it.
    let mut targets = vec![variant.name.as_str()];
    for (name, node) in &graph.variants {
        if node
            .copies_from
            .iter()
            .any(|(from, _)| *from == variant.name)
        {
            targets.push(name.as_str());
        }
    }
    let items = &crate::db::parse(cx.db, cx.file).ast.items;
    let mut edits = vec![Edit {
        file: requirement_line.file,
        span: requirement_line.span,
        replacement: String::new(),
    }];
    for target in targets {
        let Some(resolved) = cx.evaluated.variants.get(target) else {
            continue;
        };
        // The preset call of this file that takes packages, written in the variant.
        let call = resolved.presets.iter().find(|used| {
            used.call_site.file == home && takes_packages(cx, used.module, &used.name)
        })?;
        let parent = items.iter().find_map(|item| match item {
            ast::Item::Variant(v) if v.name.name == target => {
                v.parents.iter().find(|p| p.span == call.call_site.span)
            }
            _ => None,
        })?;
        edits.push(add_package(cx.file.text(cx.db), home, parent, package)?);
    }
    (edits.len() > 1).then(|| Fix {
        title: format!("install Debian's `{package}` instead"),
        edits,
    })
}

fn takes_packages(cx: &RuleContext<'_>, module: crate::span::FileId, name: &str) -> bool {
    let Some(file) = cx.db.file(module) else {
        return false;
    };
    matches!(
        resolve::summary(cx.db, file).items.get(name),
        Some(ItemKind::Preset { params }) if params.iter().any(|p| p == PACKAGES)
    )
}

/// The edit that adds `"package"` to the call's `packages` list, or adds the
/// argument.
fn add_package(
    text: &str,
    file: crate::span::FileId,
    parent: &ast::Parent,
    package: &str,
) -> Option<Edit> {
    let quoted = crate::syntax::string_literal(package);
    let edit = |at: usize, replacement: String| Edit {
        file,
        span: Span::at(at),
        replacement,
    };
    let Some(args) = &parent.args else {
        // `extends python.app`: the arguments start here.
        return Some(edit(
            parent.name.span.end as usize,
            format!("({PACKAGES} = [{quoted}])"),
        ));
    };
    if let Some(existing) = args.iter().find(|a| a.name.name == PACKAGES) {
        let ast::ExprKind::List(items) = &existing.value.kind else {
            return None;
        };
        let close = existing.value.span.end as usize - 1;
        if text.get(close..close + 1) != Some("]") {
            return None;
        }
        return Some(match items.last() {
            Some(last) => edit(last.span.end as usize, format!(", {quoted}")),
            None => edit(close, quoted),
        });
    }
    let close = parent.span.end as usize - 1;
    if text.get(close..close + 1) != Some(")") {
        return None;
    }
    Some(match args.last() {
        Some(last) => edit(last.span.end as usize, format!(", {PACKAGES} = [{quoted}]")),
        None => edit(close, format!("{PACKAGES} = [{quoted}]")),
    })
}
