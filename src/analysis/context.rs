//! The build context, as far as the driver has looked at it: whether each path a
//! variant copies exists there, and what its directory holds when it does not.
//!
//! Invariant: no I/O here. The driver probes the file system for exactly the
//! paths [`copied_paths`] lists (metadata and one directory listing per missing
//! path, never a file's content) and hands the answers in; this module turns them
//! into diagnostics, anchored like every variant diagnostic.

use crate::check::types::{StepKind, Val, ValKind};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;

/// What the driver found at a context path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    File,
    Directory,
    /// Nothing there (or not readable); the entries of the nearest existing
    /// directory on its way, relative to the context, directories with a `/`.
    Missing {
        nearby: Vec<String>,
    },
    /// Not checked (outside the context, a pattern): the engine decides.
    Unknown,
}

/// A context path one variant's steps read, with where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopiedPath {
    pub path: String,
    pub origin: Origin,
    pub variant: String,
}

/// Every context path the file's variants read (`copy` sources, APT keyrings),
/// each with the step that reads it and the first variant that has that step.
pub fn copied_paths(db: &dyn Db, file: SourceFile) -> Vec<CopiedPath> {
    let mut out: Vec<CopiedPath> = Vec::new();
    for variant in crate::variants::evaluate(db, file).variants.values() {
        let Some(Val {
            kind: ValKind::Steps(steps),
            ..
        }) = variant.fields.get(&Field::Steps)
        else {
            continue;
        };
        for step in steps {
            let paths: Vec<&String> = match &step.kind {
                StepKind::Apt {
                    keyring: Some(k), ..
                } => vec![k],
                kind => kind.context_sources(),
            };
            for path in paths {
                // A step that several variants inherit is reported once, for
                // the first variant that has it (one mistake, one error).
                if !out
                    .iter()
                    .any(|c| c.path == *path && c.origin == step.origin)
                {
                    out.push(CopiedPath {
                        path: path.clone(),
                        origin: step.origin,
                        variant: variant.name.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Whether a copy source is a pattern the engine expands (checked by the engine).
pub fn is_pattern(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// The diagnostics for paths that are not in the context: one per path and
/// place it is written (a step a preset writes is reported once, at the user's
/// line that uses it, by [`super::anchor`]).
pub fn missing(db: &dyn Db, file: SourceFile, probes: &[(CopiedPath, Probe)]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let forbidden = &db.settings().policy(db).forbidden_files.value;
    for (copied, probe) in probes {
        // A file the policy forbids copying is reported as such (`secret-file`);
        // whether it exists does not matter.
        if is_pattern(&copied.path)
            || crate::policy::forbidden_in_copy_source(&copied.path, forbidden).is_some()
        {
            continue;
        }
        let wants_directory = copied.path.ends_with('/');
        let (message, label, nearby) = match probe {
            Probe::Missing { nearby } => (
                format!("`{}` is not in the build context", copied.path),
                "no such file or directory",
                nearby.as_slice(),
            ),
            Probe::File if wants_directory => (
                format!("`{}` is a file, not a directory", copied.path),
                "the trailing `/` names a directory",
                &[][..],
            ),
            _ => continue,
        };
        let mut d = Diagnostic::new(
            Code::NotInContext,
            message,
            copied.origin.file,
            copied.origin.span,
            label,
        )
        .for_variant(&copied.variant);
        let wanted = copied.path.trim_end_matches('/');
        let candidates = nearby
            .iter()
            .map(|n| n.trim_end_matches('/'))
            .filter(|n| *n != wanted);
        match suggest::did_you_mean(wanted, candidates) {
            Some(found) => {
                let entry = nearby
                    .iter()
                    .find(|n| n.trim_end_matches('/') == found)
                    .map_or(found, String::as_str);
                let replacement = if wants_directory || !entry.ends_with('/') {
                    entry.to_string()
                } else {
                    found.to_string()
                };
                d = d.with_help(format!("did you mean `{replacement}`?"));
                if let Some(fix) = literal_fix(db, copied, &replacement) {
                    d = d.with_fix(fix);
                }
            }
            None if probe == &Probe::File => {
                d = d.with_help(format!("copy the file: `{wanted}`"));
                if let Some(fix) = literal_fix(db, copied, wanted) {
                    d = d.with_fix(fix);
                }
            }
            None => {
                d = d.with_help(
                    "copy sources are relative to the build context (the manifest's directory)",
                );
            }
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    super::anchor(db, file, &mut out);
    out
}

/// The fix that rewrites the source, when it is written as one string literal in
/// the step itself (not passed through a constant or a preset's parameter).
fn literal_fix(
    db: &dyn Db,
    copied: &CopiedPath,
    replacement: &str,
) -> Option<crate::diagnostics::Fix> {
    let file = db.file(copied.origin.file)?;
    let text = file.text(db).get(copied.origin.span.range())?;
    let literal = format!("\"{}\"", copied.path);
    let mut found = text.match_indices(&literal);
    let (at, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let start = copied.origin.span.start as usize + at;
    Some(crate::diagnostics::Fix {
        title: format!("replace with `{replacement}`"),
        edits: vec![crate::diagnostics::Edit {
            file: copied.origin.file,
            span: crate::span::Span::new(start, start + literal.len()),
            replacement: format!("\"{replacement}\""),
        }],
    })
}
