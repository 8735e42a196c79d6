//! Semantic tokens: every name the resolution index knows, by what it refers to
//! (module, variant, preset, parameter, constant, field, option, constructor),
//! and the names in definitions. Keywords, strings and comments are the
//! TextMate grammar's.

use crate::db::{Db, SourceFile};
use crate::resolve::{self, Definition};
use crate::span::Span;
use crate::syntax::ast;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKind {
    Namespace,
    Type,
    Function,
    Parameter,
    Variable,
    Property,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// The name where it is defined.
    pub declaration: bool,
    /// Part of the language or its stdlib (a field, an option, a constructor, a
    /// stdlib preset).
    pub builtin: bool,
}

pub fn semantic_tokens(db: &dyn Db, file: SourceFile) -> Vec<Token> {
    let mut out = Vec::new();
    for u in resolve::index(db, file).resolutions.uses() {
        // An import's path is a string, the grammar's to colour.
        let (Some(definition), false) = (&u.definition, u.kind == resolve::UseKind::Import) else {
            continue;
        };
        let stdlib = |f: &SourceFile| resolve::is_stdlib_path(f.path(db));
        let (kind, builtin) = match definition {
            Definition::Module { .. } => (TokenKind::Namespace, false),
            Definition::Variant { .. } => (TokenKind::Type, false),
            Definition::Preset { file, .. } => (TokenKind::Function, stdlib(file)),
            Definition::Param { .. } => (TokenKind::Parameter, false),
            Definition::Let { file, .. } => (TokenKind::Variable, stdlib(file)),
            Definition::Field(_) | Definition::StepOption { .. } => (TokenKind::Property, true),
            Definition::Constructor(_) => (TokenKind::Function, true),
            Definition::Scratch => (TokenKind::Variable, true),
        };
        out.push(Token {
            span: u.span,
            kind,
            declaration: false,
            builtin,
        });
    }
    for item in &crate::db::parse(db, file).ast.items {
        let mut declare = |span: Span, kind| {
            out.push(Token {
                span,
                kind,
                declaration: true,
                builtin: false,
            })
        };
        match item {
            ast::Item::Let(l) => declare(l.name.span, TokenKind::Variable),
            ast::Item::Variant(v) => declare(v.name.span, TokenKind::Type),
            ast::Item::Preset(p) => {
                declare(p.name.span, TokenKind::Function);
                for param in &p.params {
                    declare(param.name.span, TokenKind::Parameter);
                }
            }
            _ => {}
        }
    }
    out.retain(|t| !t.span.is_empty());
    out.sort();
    out.dedup_by_key(|t| t.span);
    out
}
