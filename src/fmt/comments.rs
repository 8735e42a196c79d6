//! Attaching comments to the sequences the printer lays out.
//!
//! The grammar skips comments, so the tree does not know where they are; the
//! parser's side table (`syntax::trivia`) only has their spans. A comment can only
//! be placed where the printer prints a *sequence* (items, members, steps, list
//! elements, map entries, parameters, arguments): in the gaps between children.
//! There it is either *trailing* (on the same line as what precedes it: the
//! opening delimiter or a child) or *own-line* (an entry of its own). Every gap is
//! also checked to hold nothing but whitespace, comments and the separator, so that
//! a sequence the printer does not fully understand is never reprinted.

use crate::span::Span;

/// What sits inside one delimited sequence, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attached {
    /// A comment on the same line as the opening delimiter (`{ # note`).
    pub opener: Option<Span>,
    pub entries: Vec<Entry>,
    /// How many comments the gaps held (all of them are in `opener` or `entries`).
    pub count: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A comment on its own line.
    Comment { span: Span, blank_before: bool },
    /// The child with this index, and the comment that ends its line, if any.
    Child {
        index: usize,
        blank_before: bool,
        trailing: Option<Span>,
    },
}

impl Entry {
    pub fn blank_before(&self) -> bool {
        match self {
            Entry::Comment { blank_before, .. } | Entry::Child { blank_before, .. } => {
                *blank_before
            }
        }
    }
}

/// The text and comment spans of one file.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub text: &'a str,
    /// Sorted by start, as the trivia scanner produces them.
    pub comments: &'a [Span],
}

impl<'a> Source<'a> {
    /// The text of `span`, or `""` when it is out of bounds.
    pub fn slice(&self, span: Span) -> &'a str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// A comment's text without trailing whitespace.
    pub fn comment_text(&self, span: Span) -> &'a str {
        self.slice(span).trim_end()
    }

    /// Comments that start in `start..end`.
    pub fn comments_in(&self, start: usize, end: usize) -> &'a [Span] {
        let from = self
            .comments
            .partition_point(|c| (c.start as usize) < start);
        let to = self.comments.partition_point(|c| (c.start as usize) < end);
        self.comments.get(from..to.max(from)).unwrap_or(&[])
    }

    fn newlines(&self, start: usize, end: usize) -> usize {
        self.text
            .get(start..end)
            .map_or(0, |s| s.bytes().filter(|&b| b == b'\n').count())
    }

    /// Whether the source had at least one empty line between `start` and `end`.
    pub fn blank_between(&self, start: usize, end: usize) -> bool {
        self.newlines(start, end) >= 2
    }

    /// Whether `start..end` holds, besides the given comments, only whitespace and
    /// characters from `allowed`.
    fn gap_is_clean(&self, start: usize, end: usize, comments: &[Span], allowed: &[char]) -> bool {
        let mut pos = start;
        let check = |from: usize, to: usize| {
            self.text
                .get(from..to)
                .is_some_and(|s| s.chars().all(|c| c.is_whitespace() || allowed.contains(&c)))
        };
        for c in comments {
            if !check(pos, c.start as usize) {
                return false;
            }
            pos = c.end as usize;
        }
        check(pos, end)
    }

    /// The offset of the first character at or after `pos` that is neither
    /// whitespace, a comment nor one of `skip`.
    pub fn skip_trivia(&self, pos: usize, skip: &[char]) -> usize {
        let mut pos = pos;
        loop {
            let Some(c) = self.text.get(pos..).and_then(|s| s.chars().next()) else {
                return pos;
            };
            if c == '#' {
                pos = self
                    .text
                    .get(pos..)
                    .and_then(|s| s.find('\n'))
                    .map_or(self.text.len(), |n| pos + n);
            } else if c.is_whitespace() || skip.contains(&c) {
                pos += c.len_utf8();
            } else {
                return pos;
            }
        }
    }

    /// `span` without the whitespace and comments at its end. Nodes that end in
    /// an optional part that is absent (`import "a"` without `as`, a step without
    /// `with`) get spans that run over the trivia after them, comments included.
    pub fn trim(&self, span: Span) -> Span {
        let start = span.start as usize;
        let mut end = span.end as usize;
        loop {
            let kept = self.text.get(start..end).map_or(0, |s| s.trim_end().len());
            end = start + kept;
            match self.comments_in(start, end).last() {
                Some(c) if c.end as usize >= end => end = c.start as usize,
                _ => return Span::new(start, end),
            }
        }
    }

    /// The character at byte offset `pos`.
    pub fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..).and_then(|s| s.chars().next())
    }

    /// Sorts the comments between `open_end` and `close_start` (the inside of a
    /// sequence whose children have the given spans) into entries. `None` when a
    /// gap holds anything but whitespace, comments and `allowed` separators.
    /// Without an opener (the file's top level) no comment can trail it.
    pub fn attach(
        &self,
        open_end: usize,
        close_start: usize,
        children: &[Span],
        allowed: &[char],
        has_opener: bool,
    ) -> Option<Attached> {
        let mut out = Attached::default();
        let mut prev_end = open_end;
        // Whether something that a comment could trail ends at `prev_end`.
        let mut trailable = has_opener;
        let gap = |out: &mut Attached,
                   from: usize,
                   to: usize,
                   prev_end: &mut usize,
                   trailable: bool|
         -> Option<()> {
            let found = self.comments_in(from, to);
            if !self.gap_is_clean(from, to, found, allowed) {
                return None;
            }
            out.count += found.len();
            for (i, &c) in found.iter().enumerate() {
                let same_line =
                    i == 0 && trailable && self.newlines(*prev_end, c.start as usize) == 0;
                if same_line {
                    match out.entries.last_mut() {
                        Some(Entry::Child { trailing, .. }) => *trailing = Some(c),
                        _ => out.opener = Some(c),
                    }
                } else {
                    let blank_before = self.blank_between(*prev_end, c.start as usize);
                    out.entries.push(Entry::Comment {
                        span: c,
                        blank_before,
                    });
                }
                *prev_end = c.end as usize;
            }
            Some(())
        };
        for (index, child) in children.iter().enumerate() {
            let child = self.trim(*child);
            let start = child.start as usize;
            if start < prev_end {
                return None;
            }
            gap(&mut out, prev_end, start, &mut prev_end, trailable)?;
            let blank_before = self.blank_between(prev_end, start);
            out.entries.push(Entry::Child {
                index,
                blank_before,
                trailing: None,
            });
            prev_end = child.end as usize;
            trailable = true;
        }
        if close_start < prev_end {
            return None;
        }
        gap(&mut out, prev_end, close_start, &mut prev_end, trailable)?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::trivia;

    fn source(text: &str) -> Vec<Span> {
        trivia::comments(text).into_iter().map(|c| c.span).collect()
    }

    #[test]
    fn sorts_comments_into_trailing_and_own_line() {
        let text = "[ # open\n  \"a\", # a\n\n  # before b\n  \"b\"\n  # dangling\n]";
        let comments = source(text);
        let src = Source {
            text,
            comments: &comments,
        };
        let a = text.find("\"a\"").unwrap_or(0);
        let b = text.find("\"b\"").unwrap_or(0);
        let children = [Span::new(a, a + 3), Span::new(b, b + 3)];
        let attached = src.attach(1, text.len() - 1, &children, &[','], true);
        let Some(attached) = attached else {
            panic!("gaps are clean")
        };
        assert_eq!(attached.count, 4);
        assert_eq!(attached.opener.map(|s| src.slice(s)), Some("# open"));
        let shapes: Vec<String> = attached
            .entries
            .iter()
            .map(|e| match e {
                Entry::Comment { span, blank_before } => {
                    format!("comment {} {blank_before}", src.slice(*span))
                }
                Entry::Child {
                    index,
                    blank_before,
                    trailing,
                } => {
                    format!(
                        "child {index} {blank_before} {:?}",
                        trailing.map(|s| src.slice(s))
                    )
                }
            })
            .collect();
        assert_eq!(
            shapes,
            vec![
                "child 0 false Some(\"# a\")",
                "comment # before b true",
                "child 1 false None",
                "comment # dangling false",
            ]
        );
    }

    #[test]
    fn unexpected_text_in_a_gap_is_refused() {
        let text = "[\"a\" ; \"b\"]";
        let src = Source {
            text,
            comments: &[],
        };
        let children = [Span::new(1, 4), Span::new(7, 10)];
        assert_eq!(src.attach(1, 10, &children, &[','], true), None);
    }
}
