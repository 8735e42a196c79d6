//! What an editor asks, answered as plain data with byte offsets: what is at a
//! position, where it is defined, where it is used, what it is (hover), what may be
//! written here (completion), the file's outline, renames. The language server
//! (`lsp/`) turns these into the protocol's types and UTF-16 positions; nothing
//! here knows the protocol.
//!
//! Invariant: every answer is read from the phases' queries (the resolution index
//! for names, `variants::evaluate` for what a variant inherits, the `language/`
//! tables for fields, steps and options). Nothing here resolves a name itself.

mod actions;
mod complete;
mod hints;
mod hover;
mod navigate;
mod signature;
mod symbols;
mod tokens;

pub use actions::record_exception;
pub use complete::{completions, Completion, CompletionKind};
pub use hints::{inlay_hints, InlayHint};
pub use hover::{hover, Hover};
pub use navigate::{definition, highlights, prepare_rename, references, rename, Target};
pub use signature::{signature_help, Signature};
pub use symbols::{document_symbols, folding_ranges, Symbol, SymbolKind};
pub use tokens::{semantic_tokens, Token, TokenKind};

use crate::db::{Db, SourceFile};
use crate::resolve::{self, Definition};
use crate::span::Span;
use crate::syntax::ast;

/// What is at an offset: a use of something, or the name in its definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtOffset {
    /// The name's span in the file asked about.
    pub span: Span,
    pub definition: Definition,
    /// Whether this is the definition itself (the name of a `let`, variant,
    /// preset or parameter), not a use of it.
    pub is_declaration: bool,
}

/// The use or declaration under `offset`.
pub fn at_offset(db: &dyn Db, file: SourceFile, offset: u32) -> Option<AtOffset> {
    if let Some(found) = resolve::index(db, file).resolutions.at(offset) {
        if let Some(definition) = &found.definition {
            return Some(AtOffset {
                span: found.span,
                definition: definition.clone(),
                is_declaration: false,
            });
        }
    }
    declaration_at(db, file, offset)
}

/// The name of an item or parameter under `offset`.
fn declaration_at(db: &dyn Db, file: SourceFile, offset: u32) -> Option<AtOffset> {
    let within = |span: Span| span.start <= offset && offset <= span.end;
    for item in &crate::db::parse(db, file).ast.items {
        if !within(item.span()) {
            continue;
        }
        let (name, definition) = match item {
            ast::Item::Let(l) => (
                &l.name,
                Definition::Let {
                    file,
                    name: l.name.name.clone(),
                },
            ),
            ast::Item::Variant(v) => (
                &v.name,
                Definition::Variant {
                    file,
                    name: v.name.name.clone(),
                },
            ),
            ast::Item::Preset(p) => {
                if let Some(param) = p.params.iter().find(|param| within(param.name.span)) {
                    return Some(AtOffset {
                        span: param.name.span,
                        definition: Definition::Param {
                            file,
                            preset: p.name.name.clone(),
                            name: param.name.name.clone(),
                        },
                        is_declaration: true,
                    });
                }
                (
                    &p.name,
                    Definition::Preset {
                        file,
                        name: p.name.name.clone(),
                    },
                )
            }
            _ => return None,
        };
        if within(name.span) && !name.name.is_empty() {
            return Some(AtOffset {
                span: name.span,
                definition,
                is_declaration: true,
            });
        }
        return None;
    }
    None
}

/// Where a definition is written: its file and the span of its name (for a
/// module, the start of its file). Fields, options, constructors and `scratch`
/// are the language's own and have no place in a file.
pub fn definition_site(db: &dyn Db, definition: &Definition) -> Option<(SourceFile, Span)> {
    match definition {
        Definition::Let { file, name } => item_name(
            db,
            *file,
            |i| matches!(i, ast::Item::Let(l) if l.name.name == *name),
        ),
        Definition::Variant { file, name } => item_name(
            db,
            *file,
            |i| matches!(i, ast::Item::Variant(v) if v.name.name == *name),
        ),
        Definition::Preset { file, name } => item_name(
            db,
            *file,
            |i| matches!(i, ast::Item::Preset(p) if p.name.name == *name),
        ),
        Definition::Param { file, preset, name } => {
            let items = &crate::db::parse(db, *file).ast.items;
            items.iter().find_map(|item| match item {
                ast::Item::Preset(p) if p.name.name == *preset => p
                    .params
                    .iter()
                    .find(|param| param.name.name == *name)
                    .map(|param| (*file, param.name.span)),
                _ => None,
            })
        }
        Definition::Module { target, .. } => target.map(|t| (t, Span::at(0))),
        Definition::Field(_)
        | Definition::StepOption { .. }
        | Definition::Constructor(_)
        | Definition::Scratch => None,
    }
}

/// The name span of the first item of `file` that `matches` (the one the scope
/// resolves the name to: duplicates are errors, the first definition counts).
fn item_name(
    db: &dyn Db,
    file: SourceFile,
    matches: impl Fn(&ast::Item) -> bool,
) -> Option<(SourceFile, Span)> {
    let item = crate::db::parse(db, file)
        .ast
        .items
        .iter()
        .find(|i| matches(i))?;
    let span = match item {
        ast::Item::Let(l) => l.name.span,
        ast::Item::Variant(v) => v.name.span,
        ast::Item::Preset(p) => p.name.span,
        _ => return None,
    };
    Some((file, span))
}

/// The comment lines right above an item (its documentation), without `#`.
pub fn doc_comment(db: &dyn Db, file: SourceFile, item_start: u32) -> Option<String> {
    let text = file.text(db);
    let comments = &crate::db::parse(db, file).comments;
    let mut lines: Vec<&str> = Vec::new();
    let mut expected_end = text[..item_start as usize]
        .trim_end_matches([' ', '\t'])
        .len();
    for comment in comments.iter().rev() {
        if comment.span.start >= item_start {
            continue;
        }
        let end = comment.span.end as usize;
        // The comment must end on the line just above (only a line break between).
        let between = text.get(end..expected_end).unwrap_or("x");
        if between.trim() != "" || between.matches('\n').count() > 1 {
            break;
        }
        let line_start = text[..comment.span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        if !text[line_start..comment.span.start as usize]
            .trim()
            .is_empty()
        {
            break;
        }
        lines.push(
            text[comment.span.range()]
                .trim_start_matches('#')
                .strip_prefix(' ')
                .unwrap_or_else(|| text[comment.span.range()].trim_start_matches('#')),
        );
        expected_end = line_start.saturating_sub(1);
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}
