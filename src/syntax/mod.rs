//! Syntax: text → owned tree with spans, plus the comment side table.
//!
//! Invariant: parsing never fails; it returns a tree and the syntax diagnostics.

pub mod ast;
mod pest;
pub mod trivia;

use crate::diagnostics::{Diagnostic, FileId};

/// The result of parsing one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parse {
    pub ast: ast::File,
    pub comments: Vec<trivia::Comment>,
    pub errors: Vec<Diagnostic>,
}

/// Parses `text`; never fails, never panics.
pub fn parse(file: FileId, text: &str) -> Parse {
    let (ast, errors) = pest::parse(file, text);
    Parse { ast, comments: trivia::comments(text), errors }
}
