//! Signature help in a preset's arguments: the preset's parameters with their
//! types and defaults, and which one the cursor is on.

use crate::db::{Db, SourceFile};
use crate::resolve::{self, Definition};
use crate::syntax::ast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `python.app(version: "3.11" = "3.11", requirements: list<path> = [...])`
    pub label: String,
    /// Each parameter's text, as written in the preset.
    pub parameters: Vec<String>,
    pub active: Option<usize>,
    pub doc: Option<String>,
}

pub fn signature_help(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Signature> {
    let ast = &crate::db::parse(db, file).ast;
    let within = |s: crate::span::Span| s.start < offset && offset <= s.end;
    let parent = ast.items.iter().find_map(|item| {
        let parents = match item {
            ast::Item::Variant(v) => &v.parents,
            ast::Item::Preset(p) => &p.parents,
            _ => return None,
        };
        parents.iter().find(|p| p.args.is_some() && within(p.span))
    })?;
    let (home, name) = preset_of(db, file, parent)?;
    let (home, name) = (&home, &name);
    let preset = crate::db::parse(db, *home)
        .ast
        .items
        .iter()
        .find_map(|i| match i {
            ast::Item::Preset(p) if p.name.name == *name => Some(p),
            _ => None,
        })?;
    let text = home.text(db);
    let parameters: Vec<String> = preset
        .params
        .iter()
        .filter_map(|p| text.get(p.span.range()).map(str::to_string))
        .collect();
    // The argument under the cursor by name, else by position among the commas.
    let args = parent.args.as_deref().unwrap_or(&[]);
    let active = args
        .iter()
        .find(|a| a.span.start <= offset && offset <= a.span.end)
        .and_then(|a| {
            preset
                .params
                .iter()
                .position(|p| p.name.name == a.name.name)
        })
        .or_else(|| {
            // A name being typed (`ver`): the parameter it starts.
            let source = file.text(db);
            let upto = &source[..(offset as usize).min(source.len())];
            let start = upto
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let typed = &upto[start..];
            (!typed.is_empty())
                .then(|| {
                    preset
                        .params
                        .iter()
                        .position(|p| p.name.name.starts_with(typed))
                })
                .flatten()
        })
        .or_else(|| {
            let before = args.iter().filter(|a| a.span.end < offset).count();
            (before < preset.params.len()).then_some(before)
        });
    Some(Signature {
        label: format!("{}({})", parent.name.dotted(), parameters.join(", ")),
        parameters,
        active,
        doc: super::doc_comment(db, *home, preset.span.start),
    })
}

/// The preset a parent names: the index's answer, or for a parent the parser
/// could not read whole (`python.app(ver`: the index leaves it unresolved), the
/// same lookup the scope makes for its module alias or local name.
pub(super) fn preset_of(
    db: &dyn Db,
    file: SourceFile,
    parent: &ast::Parent,
) -> Option<(SourceFile, String)> {
    let last = parent.name.segments.last()?;
    if let Some(Definition::Preset { file, name }) =
        resolve::index(db, file).resolutions.get(last.span)
    {
        return Some((*file, name.clone()));
    }
    if !parent.error {
        return None;
    }
    let scope = resolve::scope(db, file);
    match parent.name.segments.as_slice() {
        [alias, member] => {
            let target = scope.imports.get(&alias.name)?.target?;
            matches!(
                resolve::summary(db, target).items.get(&member.name),
                Some(resolve::ItemKind::Preset { .. })
            )
            .then(|| (target, member.name.clone()))
        }
        [name] => scope
            .presets
            .contains_key(&name.name)
            .then(|| (file, name.name.clone())),
        _ => None,
    }
}
