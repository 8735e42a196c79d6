//! Go to definition, references, highlights and rename: all read the resolution
//! index, so they agree with the compiler about what every name means.

use super::{at_offset, definition_site};
use crate::db::{Db, SourceFile};
use crate::resolve::{self, Definition};
use crate::span::Span;

/// A place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub file: SourceFile,
    pub span: Span,
}

/// Where the name under `offset` is defined.
pub fn definition(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Target> {
    let found = at_offset(db, file, offset)?;
    let (file, span) = definition_site(db, &found.definition)?;
    Some(Target { file, span })
}

/// Every use of the definition under `offset` in `files` (and the definition
/// itself when `include_declaration`), in file order, then by position.
pub fn references(
    db: &dyn Db,
    files: &[SourceFile],
    file: SourceFile,
    offset: u32,
    include_declaration: bool,
) -> Vec<Target> {
    let Some(found) = at_offset(db, file, offset) else {
        return Vec::new();
    };
    uses_of(db, files, &found.definition, include_declaration)
}

fn uses_of(
    db: &dyn Db,
    files: &[SourceFile],
    definition: &Definition,
    include_declaration: bool,
) -> Vec<Target> {
    let mut out = Vec::new();
    let site = definition_site(db, definition);
    if include_declaration {
        if let Some((file, span)) = site.filter(|(_, span)| !span.is_empty()) {
            out.push(Target { file, span });
        }
    }
    for &f in files {
        for u in resolve::index(db, f).resolutions.uses() {
            if u.definition.as_ref() == Some(definition) {
                let target = Target {
                    file: f,
                    span: u.span,
                };
                if !out.contains(&target) {
                    out.push(target);
                }
            }
        }
    }
    out
}

/// The occurrences of the name under `offset` in its own file (what an editor
/// highlights).
pub fn highlights(db: &dyn Db, file: SourceFile, offset: u32) -> Vec<Span> {
    references(db, &[file], file, offset, true)
        .into_iter()
        .filter(|t| t.file == file)
        .map(|t| t.span)
        .collect()
}

/// Whether the name under `offset` can be renamed, and the span to rename: the
/// file's own variants, constants and preset parameters (and presets), not the
/// language's fields or the stdlib's names.
pub fn prepare_rename(db: &dyn Db, file: SourceFile, offset: u32) -> Result<Span, String> {
    let found = at_offset(db, file, offset).ok_or("nothing to rename here")?;
    let home = match &found.definition {
        Definition::Let { file, .. }
        | Definition::Variant { file, .. }
        | Definition::Preset { file, .. }
        | Definition::Param { file, .. } => *file,
        _ => return Err("only variants, constants, presets and parameters can be renamed".into()),
    };
    if resolve::is_stdlib_path(home.path(db)) {
        return Err("the stdlib is read-only".into());
    }
    Ok(found.span)
}

/// The edits that rename the definition under `offset` to `new_name` in every
/// file of `files` that uses it, or why it cannot be done.
pub fn rename(
    db: &dyn Db,
    files: &[SourceFile],
    file: SourceFile,
    offset: u32,
    new_name: &str,
) -> Result<Vec<(Target, String)>, String> {
    prepare_rename(db, file, offset)?;
    let found = at_offset(db, file, offset).ok_or("nothing to rename here")?;
    if !is_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: letters, digits and `_`, not starting with a digit"
        ));
    }
    if crate::syntax::RESERVED.contains(&new_name) {
        return Err(format!("`{new_name}` is a keyword"));
    }
    if let Some((home, _)) = definition_site(db, &found.definition) {
        let scope = resolve::scope(db, home);
        let taken = match &found.definition {
            Definition::Param { preset, .. } => {
                let summary = resolve::summary(db, home);
                matches!(summary.items.get(preset), Some(resolve::ItemKind::Preset { params }) if params.iter().any(|p| p == new_name))
            }
            _ => scope.value_names().any(|n| n == new_name) || scope.presets.contains_key(new_name),
        };
        if taken {
            return Err(format!("`{new_name}` is already defined there"));
        }
    }
    Ok(uses_of(db, files, &found.definition, true)
        .into_iter()
        .map(|t| (t, new_name.to_string()))
        .collect())
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
