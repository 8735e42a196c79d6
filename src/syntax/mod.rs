//! Syntax: text → owned tree with spans, plus the comment side table.
//!
//! Invariant: parsing never fails; it returns a tree and the syntax diagnostics.

pub mod ast;
mod limits;
mod pest;
pub mod print;
pub mod trivia;

/// A text written as a wbuild string literal (quotes and escapes), for fixes.
pub use self::pest::quoted as string_literal;
/// The keywords that start items and steps, and the words that cannot name anything.
pub use self::pest::{ITEM_KEYWORDS, RESERVED, STEP_KEYWORDS};

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
    // One habit repeated on a line (single quotes, `//`) is one mistake.
    let errors = crate::diagnostics::fold_repeats(errors, |a, b| {
        let (start, end) = (a.primary.span.end as usize, b.primary.span.start as usize);
        text.get(start.min(end)..end.max(start))
            .is_some_and(|between| !between.contains('\n'))
    });
    Parse {
        ast,
        comments: trivia::comments(text),
        errors,
    }
}
