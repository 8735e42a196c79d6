//! Every error has a label in the user's file. A diagnostic about a variant
//! whose primary label is in another file (a stdlib preset: a base image that is
//! not pinned, a step whose build failed) is anchored at the `extends` entry of
//! the user's file through which the variant reaches that code; the place in the
//! other file becomes a secondary label and the message names the variant. CI
//! annotations need a path that exists in the repository, and `std/base.wbuild`
//! exists nowhere.

use crate::db::{parse, Db, SourceFile};
use crate::diagnostics::{Diagnostic, Label};
use crate::graph::Graph;
use crate::span::{FileId, Origin, Span};
use crate::variants::PresetUse;
use crate::{graph, resolve};

/// Anchors `diagnostics` of `file` (see the module's documentation).
pub fn anchor(db: &dyn Db, file: SourceFile, diagnostics: &mut [Diagnostic]) {
    let home = file.id(db);
    let graph = graph::dependencies(db, file);
    for d in diagnostics {
        if d.primary.file == home {
            continue;
        }
        let Some(variant) = d.variant.clone() else {
            continue;
        };
        let Some(used) = call_site(db, graph, &variant, d.primary.file, d.primary.span, home)
        else {
            continue;
        };
        // The preset as the user wrote it (`python.app`), without its arguments.
        let written = file
            .text(db)
            .get(used.call_site.span.range())
            .and_then(|t| t.split('(').next())
            .map_or(used.name.as_str(), str::trim);
        let moved = std::mem::replace(
            &mut d.primary,
            Label {
                file: home,
                span: used.call_site.span,
                message: format!("`{variant}` gets this from `{written}`"),
            },
        );
        d.secondary.insert(0, moved);
        if !d.message.contains(&format!("`{variant}`")) {
            d.message = format!("in variant `{variant}`: {}", d.message);
        }
    }
}

/// The preset use, written in `home`, through which `variant` reaches `span` of
/// `file`: the preset of `file` whose definition holds the span, then the preset
/// that extends it, and so on up to the one `home` names.
fn call_site<'a>(
    db: &dyn Db,
    graph: &'a Graph,
    variant: &str,
    file: FileId,
    span: Span,
    home: FileId,
) -> Option<&'a PresetUse> {
    let used = graph.presets_used(variant);
    let mut at = Origin { file, span };
    // A chain of presets is at most as long as the list of presets used.
    for _ in 0..=used.len() {
        let in_file: Vec<&&PresetUse> = used.iter().filter(|u| u.module == at.file).collect();
        let found = in_file
            .iter()
            .find(|u| defines(db, u, at.span))
            .or(in_file.first())?;
        if found.call_site.file == home {
            return Some(found);
        }
        at = found.call_site;
    }
    None
}

/// Whether the preset `used` names is defined around `span`.
fn defines(db: &dyn Db, used: &PresetUse, span: Span) -> bool {
    let Some(module) = db.file(used.module) else {
        return false;
    };
    let Some(&item) = resolve::scope(db, module).presets.get(&used.name) else {
        return false;
    };
    parse(db, module)
        .ast
        .items
        .get(item)
        .is_some_and(|i| i.span().start <= span.start && span.end <= i.span().end)
}
