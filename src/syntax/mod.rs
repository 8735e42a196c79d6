//! Syntax: text → owned tree with spans, plus the comment side table.
//!
//! Invariant: parsing never fails; it returns a tree and the syntax diagnostics.

pub mod ast;
mod limits;
mod pest;
pub mod print;
pub mod trivia;

use crate::diagnostics::Diagnostic;
use crate::span::FileId;

/// The result of parsing one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parse {
    pub ast: ast::File,
    pub comments: Vec<trivia::Comment>,
    pub errors: Vec<Diagnostic>,
}

/// The largest manifest the parser accepts (real ones are a few kilobytes).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The deepest bracket nesting the parser accepts.
pub const MAX_NESTING: usize = 128;

/// Parses `text`; never fails, never panics.
pub fn parse(file: FileId, text: &str) -> Parse {
    if let Some(error) = limits::check(file, text) {
        return Parse {
            ast: ast::File::default(),
            comments: Vec::new(),
            errors: vec![error],
        };
    }
    let (ast, errors) = pest::parse(file, text);
    Parse {
        ast,
        comments: trivia::comments(text),
        errors,
    }
}
