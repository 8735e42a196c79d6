//! The canonical formatter: `wbuildc fmt` and the language server's formatting.
//!
//! The file is laid out item by item. Each item is walked into a layout document
//! (`printer`), laid out at 100 columns (`doc`) and checked to parse back to the
//! same item with the same comments (`verify`). An item whose comments sit where
//! the printer cannot place them (`comments`), or that fails the check, is copied
//! verbatim from the source instead, so formatting never loses a comment or
//! changes a build. Between items this module keeps comments and decides the
//! blank lines.
//!
//! Style: 2-space indentation; one blank line between items, except that runs of
//! `import`s and of `let`s keep the source's choice (at most one blank line);
//! bodies and step blocks one entry per line; lists, maps, parameters and
//! arguments inline when they fit, otherwise one element per line with a trailing
//! comma; LF line endings, no trailing whitespace, a final newline.

mod comments;
mod doc;
mod printer;
mod strings;

pub use strings::literal as string_literal;
mod verify;

use crate::span::Span;
use crate::syntax::ast::{File, Item};
use crate::syntax::Parse;
use comments::{Entry, Source};

/// Formats `text`, whose parse is `parse`. Never panics; on a file it cannot
/// make sense of (unexpected text between items) it returns the text unchanged.
pub fn format(text: &str, parse: &Parse) -> String {
    let spans: Vec<Span> = parse.comments.iter().map(|c| c.span).collect();
    let src = Source {
        text,
        comments: &spans,
    };
    match format_file(&src, &parse.ast) {
        Some(formatted) => formatted.text,
        None => text.to_string(),
    }
}

/// A formatted file and how many items had to be copied verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Formatted {
    pub text: String,
    pub verbatim: usize,
}

/// What decides blank lines between top-level items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Import,
    Let,
    Other,
}

fn kind(item: &Item) -> Kind {
    match item {
        Item::Import(_) => Kind::Import,
        Item::Let(_) => Kind::Let,
        _ => Kind::Other,
    }
}

pub(crate) fn format_file(src: &Source<'_>, file: &File) -> Option<Formatted> {
    let spans: Vec<Span> = file.items.iter().map(|i| src.trim(i.span())).collect();
    let attached = src.attach(0, src.text.len(), &spans, &[], false)?;
    let mut out = String::new();
    let mut verbatim = 0;
    let mut prev_kind: Option<Kind> = None;
    let mut after_item = false;
    for (k, entry) in attached.entries.iter().enumerate() {
        if k > 0 {
            // Which item the run of comments (or the item) that starts here leads to.
            let next_kind = attached
                .entries
                .get(k..)
                .unwrap_or(&[])
                .iter()
                .find_map(|e| match e {
                    Entry::Child { index, .. } => file.items.get(*index).map(kind),
                    Entry::Comment { .. } => None,
                });
            let kinds_apart = match (prev_kind, next_kind) {
                (Some(prev), Some(next)) => {
                    !(prev == next && matches!(next, Kind::Import | Kind::Let))
                }
                _ => false,
            };
            out.push('\n');
            if entry.blank_before() || (after_item && kinds_apart) {
                out.push('\n');
            }
        }
        match *entry {
            Entry::Comment { span, .. } => {
                out.push_str(src.comment_text(span));
                after_item = false;
            }
            Entry::Child {
                index, trailing, ..
            } => {
                let (Some(item), Some(&span)) = (file.items.get(index), spans.get(index)) else {
                    return None;
                };
                match print_item(src, item, span) {
                    Some(printed) => out.push_str(&printed),
                    None => {
                        out.push_str(&verbatim_text(src.slice(span)));
                        verbatim += 1;
                    }
                }
                if let Some(comment) = trailing {
                    out.push(' ');
                    out.push_str(src.comment_text(comment));
                }
                prev_kind = Some(kind(item));
                after_item = true;
            }
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    Some(Formatted {
        text: out,
        verbatim,
    })
}

/// The canonical text of one item (whose trimmed span is `span`), or `None` when
/// it must stay verbatim.
fn print_item(src: &Source<'_>, item: &Item, span: Span) -> Option<String> {
    let mut printer = printer::Printer::new(*src);
    let layout = printer.item(item).ok()?;
    if printer.consumed
        != src
            .comments_in(span.start as usize, span.end as usize)
            .len()
    {
        return None;
    }
    let printed = doc::render(&layout);
    verify::same_item(src, item, span, &printed).then_some(printed)
}

/// Source text kept as written, but with LF line endings and no trailing whitespace
/// (a string cannot span lines, so no line ends inside one).
fn verbatim_text(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}

#[cfg(test)]
mod tests;
