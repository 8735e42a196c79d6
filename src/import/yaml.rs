//! YAML read into a tree that remembers where everything was written: byte spans
//! on every key and value, so that a diagnostic about a Blubber config points at
//! the line and column of the YAML the user wrote (Blubber itself reports none),
//! and the comments, which the YAML parser drops, recovered from the text and
//! attached to the key they stand above or beside.
//!
//! The events come from `yaml-rust2`; the tree, the spans of whole values, the
//! comments and the limits are ours. Anchors and aliases are resolved by copying,
//! with a bound on the nodes that copying makes (a few lines of aliases can
//! otherwise describe billions of nodes).

use crate::span::Span;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The most nodes one document may have, aliases counted as copies.
pub const MAX_NODES: usize = 100_000;
/// The deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    /// The whole value: a scalar as written (quotes included), a collection from
    /// its first to its last character.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~`, or nothing after the colon.
    Null,
    /// Any other scalar; `quoted` when it was written in quotes or as a block
    /// (then it is a string whatever it looks like).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A comment recovered from the text: its text without the `#` and one space,
/// and where it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
    /// On a line of its own (otherwise after a value on the same line).
    pub own_line: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Node,
    pub comments: Vec<Comment>,
}

/// Why the text is not a YAML document this reader takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub span: Span,
}

impl Node {
    /// The entries of a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of value this is, for messages ("a mapping").
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Parses one YAML document (an empty text is a null document).
pub fn parse(text: &str) -> Result<Document, Error> {
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        anchors: Vec::new(),
        root: None,
        nodes: 0,
        error: None,
        blocks: Vec::new(),
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let at = offset_of(text, e.marker());
        return Err(Error {
            message: e.info().to_string(),
            span: Span::new(at, at + 1),
        });
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    let root = builder.root.unwrap_or(Node {
        value: Value::Null,
        span: Span::at(0),
    });
    let comments = comments(text, &builder.blocks);
    Ok(Document { root, comments })
}

/// A marker's byte offset, clamped to a character boundary of the text.
fn offset_of(text: &str, marker: &Marker) -> usize {
    let mut at = marker.index().min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

enum Open {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
    },
}

struct Builder<'a> {
    text: &'a str,
    stack: Vec<Open>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
    nodes: usize,
    error: Option<Error>,
    /// Block scalars' content: (first byte, indentation), where comments are text.
    blocks: Vec<(usize, usize)>,
    documents: usize,
}

impl Builder<'_> {
    fn fail(&mut self, message: impl Into<String>, span: Span) {
        if self.error.is_none() {
            self.error = Some(Error {
                message: message.into(),
                span,
            });
        }
    }

    /// The span of a scalar written at `at`: to its closing quote, or to the end
    /// of its text on that line.
    fn scalar_span(&self, at: usize, text: &str, style: TScalarStyle) -> Span {
        let rest = self.text.get(at..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        let len = match style {
            TScalarStyle::DoubleQuoted => closing(line, '"', true),
            TScalarStyle::SingleQuoted => closing(line, '\'', false),
            TScalarStyle::Literal | TScalarStyle::Folded => line.trim_end().len().max(1),
            _ => text.len().min(line.trim_end().len()).max(1),
        };
        Span::new(
            at,
            at + len.min(rest.len()).max(usize::from(!rest.is_empty())),
        )
    }

    fn add(&mut self, node: Node, anchor: usize) {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.fail(
                format!("the document has more than {MAX_NODES} values"),
                node.span,
            );
            return;
        }
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let Value::Scalar { text, .. } = &node.value else {
                        let span = node.span;
                        self.fail("a mapping key must be a plain string", span);
                        return;
                    };
                    if entries.iter().any(|e| &e.key == text) {
                        let text = text.clone();
                        self.fail(format!("the key `{text}` is written twice"), node.span);
                        return;
                    }
                    *key = Some((text.clone(), node.span));
                }
                Some((k, key_span)) => entries.push(Entry {
                    key: k,
                    key_span,
                    value: node,
                }),
            },
        }
    }

    fn copies(node: &Node) -> usize {
        match &node.value {
            Value::Seq(items) => 1 + items.iter().map(Builder::copies).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|e| 1 + Builder::copies(&e.value))
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}

/// The length of a quoted scalar up to and including its closing quote.
fn closing(line: &str, quote: char, backslash: bool) -> usize {
    let mut chars = line.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if backslash && c == '\\' {
            chars.next();
        } else if c == quote {
            if !backslash && chars.peek().map(|&(_, n)| n) == Some(quote) {
                chars.next();
                continue;
            }
            return i + c.len_utf8();
        }
    }
    line.len()
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.error.is_some() {
            return;
        }
        let at = offset_of(self.text, &marker);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(
                        "more than one YAML document (`---`): a Blubber config is one",
                        Span::new(at, at + 3),
                    );
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.scalar_span(at, &text, style);
                if tag.is_some() {
                    self.fail("YAML tags (`!tag`) are not supported here", span);
                    return;
                }
                let quoted = !matches!(style, TScalarStyle::Plain);
                if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
                    let line_start = self
                        .text
                        .get(..at)
                        .map_or(0, |t| t.rfind('\n').map_or(0, |i| i + 1));
                    self.blocks.push((at, at - line_start));
                }
                let value =
                    if !quoted && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                        Value::Null
                    } else {
                        Value::Scalar { text, quoted }
                    };
                self.add(Node { value, span }, anchor);
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag)
                if tag.is_some() =>
            {
                let _ = anchor;
                self.fail(
                    "YAML tags (`!tag`) are not supported here",
                    Span::new(at, at + 1),
                );
            }
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        format!("nested more than {MAX_DEPTH} levels deep"),
                        Span::new(at, at + 1),
                    );
                    return;
                }
                self.stack.push(Open::Seq {
                    start: at,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        format!("nested more than {MAX_DEPTH} levels deep"),
                        Span::new(at, at + 1),
                    );
                    return;
                }
                self.stack.push(Open::Map {
                    start: at,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Open::Seq {
                    start,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let start = items
                        .first()
                        .map_or(start, |n| n.span.start as usize)
                        .min(start);
                    let end = items.last().map_or(start + 1, |n| n.span.end as usize);
                    self.add(
                        Node {
                            value: Value::Seq(items),
                            span: Span::new(start, end),
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map {
                    start,
                    anchor,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    let start = entries
                        .first()
                        .map_or(start, |e| e.key_span.start as usize)
                        .min(start);
                    let end = entries
                        .last()
                        .map_or(start + 1, |e| e.value.span.end as usize);
                    self.add(
                        Node {
                            value: Value::Map(entries),
                            span: Span::new(start, end),
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                else {
                    self.fail("an alias to an unknown anchor", Span::new(at, at + 1));
                    return;
                };
                self.nodes += Builder::copies(&node);
                let span = Span::new(
                    at,
                    at + 1
                        + self.text.get(at + 1..).map_or(0, |t| {
                            t.find(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == '}')
                                .unwrap_or(t.len())
                        }),
                );
                self.add(
                    Node {
                        value: node.value,
                        span,
                    },
                    0,
                );
            }
            _ => {}
        }
    }
}

/// The comments of the text: every `#` that starts a comment (at the start of a
/// line or after a space, outside quotes), except in block scalars' content.
fn comments(text: &str, blocks: &[(usize, usize)]) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut in_block: Option<usize> = None; // the block's indentation
    let mut blocks = blocks.iter().copied().peekable();
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        if let Some(block_indent) = in_block {
            if content.trim().is_empty() || indent >= block_indent {
                continue;
            }
            in_block = None;
        }
        while let Some(&(at, block_indent)) = blocks.peek() {
            if at < start {
                blocks.next();
                continue;
            }
            if at < offset {
                blocks.next();
                in_block = Some(block_indent);
            }
            break;
        }
        if in_block.is_some() {
            // The block's first line: its content starts on this line.
            continue;
        }
        if let Some(hash) = comment_start(content) {
            let body = content.get(hash + 1..).unwrap_or("");
            out.push(Comment {
                text: body
                    .strip_prefix(' ')
                    .unwrap_or(body)
                    .trim_end()
                    .to_string(),
                span: Span::new(start + hash, start + content.len()),
                own_line: content.get(..hash).is_some_and(|b| b.trim().is_empty()),
            });
        }
    }
    out
}

/// Where the comment of one line starts, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => {
                if q == '\'' && chars.peek().map(|&(_, n)| n) == Some('\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None if (c == '"' || c == '\'') && " \t[{,:-".contains(previous) => quote = Some(c),
            None if c == '#' && (previous == ' ' || previous == '\t' || i == 0) => return Some(i),
            None => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_what_was_written() {
        let text = "version: v4\nvariants:\n  test:\n    base: \"img:1\" # the base\n";
        let doc = parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        let variants = &doc.root.entries().unwrap_or_default()[1];
        assert_eq!(variants.key, "variants");
        let test = &variants.value.entries().unwrap_or_default()[0];
        let base = &test.value.entries().unwrap_or_default()[0];
        assert_eq!(text.get(base.value.span.range()), Some("\"img:1\""));
        assert_eq!(text.get(base.key_span.range()), Some("base"));
        assert_eq!(doc.comments.len(), 1);
        assert_eq!(doc.comments[0].text, "the base");
        assert!(!doc.comments[0].own_line);
    }

    #[test]
    fn block_scalars_keep_their_hashes() {
        let text = "# head\nscript: |\n  #!/bin/sh\n  # in the script\n# after\nx: 'a # b' # c\n";
        let doc = parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        let texts: Vec<_> = doc.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["head", "after", "c"]);
    }

    #[test]
    fn aliases_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).err().map(|e| e.message);
        assert!(
            err.is_some_and(|m| m.contains("more than")),
            "expansion must be refused"
        );
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_positions() {
        let e = parse("a: 1\na: 2\n").err();
        assert_eq!(e.map(|e| e.span.start), Some(5));
        let e = parse("a: [1\nb: 2\n").err();
        assert!(e.is_some());
    }
}
