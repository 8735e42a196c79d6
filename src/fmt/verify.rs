//! The safety net: a canonically printed item must parse back to the same item.
//!
//! The printer is meant to be right by construction; this check makes a printer
//! bug cost a verbatim item instead of a changed build or a lost comment. It
//! re-parses the printed item on its own and compares the trees with the spans
//! erased, and the comment texts in order.

use super::comments::Source;
use crate::span::FileId;
use crate::span::Span;
use crate::syntax::ast::Item;

/// Whether `printed` is `item` (same tree modulo spans, same comments in order);
/// `span` is the item's span without trailing trivia.
pub fn same_item(src: &Source<'_>, item: &Item, span: Span, printed: &str) -> bool {
    let reparsed = crate::syntax::parse(FileId(0), printed);
    if !reparsed.errors.is_empty() {
        return false;
    }
    let [new_item] = reparsed.ast.items.as_slice() else {
        return false;
    };
    if erase_spans(&format!("{new_item:?}")) != erase_spans(&format!("{item:?}")) {
        return false;
    }
    let old = src
        .comments_in(span.start as usize, span.end as usize)
        .iter()
        .map(|c| src.comment_text(*c));
    let new = reparsed
        .comments
        .iter()
        .map(|c| printed.get(c.span.range()).unwrap_or("").trim_end());
    old.eq(new)
}

/// The `Debug` text of a tree with every `Span { start: N, end: M }` replaced by
/// `Span`, so that two trees can be compared modulo positions.
fn erase_spans(debug: &str) -> String {
    const OPEN: &str = "Span { start: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(rest.get(..at).unwrap_or(""));
        out.push_str("Span");
        let after = rest.get(at + OPEN.len()..).unwrap_or("");
        rest = match after.find('}') {
            Some(close) => after.get(close + 1..).unwrap_or(""),
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erases_spans_only() {
        let debug = "Ident { name: \"a\", span: Span { start: 3, end: 4 } }";
        assert_eq!(erase_spans(debug), "Ident { name: \"a\", span: Span }");
    }
}
