//! A file's summary: what other files can know of it, without positions.
//!
//! Invariant: nothing here holds a span or a diagnostic, so a whitespace edit or
//! an edit inside a body leaves the summary equal and salsa does not re-run what
//! reads it: the importers' name resolution and the workspace's import cycles.

use crate::db::{self, Db, SourceFile};
use crate::syntax::ast;
use indexmap::IndexMap;

/// What a name of a file is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Let,
    Variant,
    /// A preset with its parameters' names, in order.
    Preset {
        params: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    /// The import paths as written (plain strings only), in source order.
    pub imports: Vec<String>,
    /// Each name the file defines (its first definition), with what it is.
    pub items: IndexMap<String, ItemKind>,
    /// Whether the file declares an image.
    pub has_image: bool,
    /// The reference of the base image the file defines (`base "REF" { ... }`).
    pub base: Option<String>,
    /// Whether the parser reported errors (what was read may be partial).
    pub has_syntax_errors: bool,
}

impl Summary {
    /// The names of one kind (`Let`, `Variant`, any preset), in source order.
    pub fn names(&self, kind: fn(&ItemKind) -> bool) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .filter(move |(_, k)| kind(k))
            .map(|(name, _)| name.as_str())
    }

    pub fn is_let(kind: &ItemKind) -> bool {
        matches!(kind, ItemKind::Let)
    }

    pub fn is_preset(kind: &ItemKind) -> bool {
        matches!(kind, ItemKind::Preset { .. })
    }
}

#[salsa::tracked(returns(ref))]
pub fn summary(db: &dyn Db, file: SourceFile) -> Summary {
    let parsed = db::parse(db, file);
    let mut summary = Summary {
        has_syntax_errors: !parsed.errors.is_empty(),
        ..Summary::default()
    };
    for item in &parsed.ast.items {
        let (name, kind) = match item {
            ast::Item::Import(import) => {
                summary.imports.extend(import.path.as_plain());
                continue;
            }
            ast::Item::Image(_) => {
                summary.has_image = true;
                continue;
            }
            ast::Item::Base(base) => {
                if summary.base.is_none() {
                    summary.base = base.name.as_plain();
                }
                continue;
            }
            ast::Item::Error(_) => continue,
            ast::Item::Let(l) => (&l.name, ItemKind::Let),
            ast::Item::Variant(v) => (&v.name, ItemKind::Variant),
            ast::Item::Preset(p) => (
                &p.name,
                ItemKind::Preset {
                    params: p.params.iter().map(|p| p.name.name.clone()).collect(),
                },
            ),
        };
        if !name.name.is_empty() && !summary.items.contains_key(&name.name) {
            summary.items.insert(name.name.clone(), kind);
        }
    }
    summary
}
