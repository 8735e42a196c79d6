//! The only module that knows pest: text → owned [`ast::File`] plus diagnostics.
//!
//! Invariant: this function never fails and never panics. The grammar is wider
//! than the language (grammar/README.md): an item or a step is one keyword and
//! whatever parts follow it, lists take elements and commas in any order, and
//! `junk` takes the rest of a broken line. This builder puts everything it can
//! read into the tree and reports the rest: one diagnostic per broken spot, saying
//! what is wrong, with a machine-applicable [`Fix`] where the fix is known.
//! Parts that cannot be read become `Error` nodes, which checking treats as
//! already reported.

use super::ast::*;
use crate::diagnostics::{suggest, Code, Diagnostic, Edit, Fix};
use crate::span::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/wbuild.pest"]
struct WbuildParser;

/// Bounds pest's work on hostile input (it does not memoise, so some inputs
/// backtrack a lot); beyond it the file is reported as too complex.
const CALL_LIMIT: usize = 50_000_000;

pub const STEP_KEYWORDS: &[&str] = &["apt", "run", "copy", "env", "arg", "workdir"];
pub const ITEM_KEYWORDS: &[&str] = &["import", "let", "image", "base", "variant", "preset"];
/// Words that cannot name anything (docs/language.md, "Identifiers and keywords").
pub const RESERVED: &[&str] = &[
    "import", "let", "image", "variant", "preset", "extends", "true", "false", "as",
];

type P<'i> = Pair<'i, Rule>;

pub(super) fn parse(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut cx = Cx {
        file,
        text,
        diagnostics: Vec::new(),
        open_strings: Vec::new(),
        unclosed: Vec::new(),
        closed_blocks: Vec::new(),
    };
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let ast = match WbuildParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(file_pair) => cx.file(file_pair),
            None => File::default(),
        },
        Err(error) => {
            // The grammar is total; reaching this means the call or stack limit
            // stopped pest.
            let at = match error.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            cx.diagnostics.push(
                Diagnostic::new(
                    Code::TooComplex,
                    "the parser gave up on this file",
                    file,
                    Span::at(at),
                    "here",
                )
                .with_note(error.variant.message().into_owned()),
            );
            File::default()
        }
    };
    cx.slash_comments();
    cx.report_unclosed();
    crate::diagnostics::sort(&mut cx.diagnostics);
    (ast, cx.diagnostics)
}

fn span(pair: &P<'_>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn missing_ident(at: usize) -> Ident {
    Ident {
        name: String::new(),
        span: Span::at(at),
    }
}

fn error_expr(at: usize) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span: Span::at(at),
    }
}

fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `text` as a wbuild string literal: the one quoting rule for fixes that write
/// a string (the formatter keeps each literal's own escapes, above this layer).
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn decode_escape(escape: &str) -> Option<char> {
    let rest = escape.strip_prefix('\\')?;
    Some(match rest {
        "\"" => '"',
        "\\" => '\\',
        "n" => '\n',
        "t" => '\t',
        "r" => '\r',
        "$" => '$',
        _ => {
            let hex = rest.strip_prefix("u{")?.strip_suffix('}')?;
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
        }
    })
}

/// One element of a bracketed or comma-separated list, in source order.
enum Elem<'i> {
    Item(P<'i>),
    /// Something that is not an element (already reported).
    Junk(Span),
}

/// What an item header held, part by part (grammar rule `item`).
#[derive(Default)]
struct Parts<'i> {
    string: Option<P<'i>>,
    ident: Option<P<'i>>,
    params: Option<P<'i>>,
    ty: Option<P<'i>>,
    alias: Option<P<'i>>,
    extends: Option<P<'i>>,
    value: Option<P<'i>>,
    body: Option<P<'i>>,
    junk: Option<P<'i>>,
}

/// Reporting state of one item header or step: after its first problem, parts
/// that are missing are not reported again (they are usually its consequence),
/// and junk that explained a missing part is not reported a second time.
struct Header {
    /// Where what was read so far ends.
    end: usize,
    junk: Option<Span>,
    broken: bool,
}

struct Cx<'t> {
    file: FileId,
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
    /// Where unterminated strings end. A string that runs to the end of its line
    /// may have swallowed the closing bracket of the list around it, so a
    /// bracket whose content ends there is not reported as unclosed as well.
    open_strings: Vec<OpenString>,
    /// Unclosed delimiters, reported at the end (when every string is known).
    unclosed: Vec<Unclosed>,
    /// Value blocks `{ ... }` that span lines, in the order they were read: when
    /// a body is left open, one of them may have taken its `}`.
    closed_blocks: Vec<ClosedBlock>,
}

struct ClosedBlock {
    open: usize,
    close: usize,
    content_end: usize,
}

/// An unterminated string (see [`Cx::open_strings`]).
struct OpenString {
    end: usize,
    /// Its diagnostic in `Cx::diagnostics`, whose fix closes the string.
    diagnostic: usize,
    /// Closers the string swallowed that its fix puts back after the quote.
    swallowed: Vec<char>,
}

struct Unclosed {
    open_at: usize,
    close: char,
    /// Where the content inside ends: the closer's likely place.
    content_end: usize,
    diagnostic: Diagnostic,
}

impl<'t> Cx<'t> {
    // ---- diagnostics ----------------------------------------------------------

    fn syntax(
        &self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Code::Syntax, message, self.file, span, label)
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn fix(&self, title: impl Into<String>, edits: Vec<(Span, String)>) -> Fix {
        Fix {
            title: title.into(),
            edits: edits
                .into_iter()
                .map(|(span, replacement)| Edit {
                    file: self.file,
                    span,
                    replacement,
                })
                .collect(),
        }
    }

    fn slice(&self, span: Span) -> &'t str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The offset of the first character after `at` that is not a space or tab.
    fn skip_spaces(&self, at: usize) -> usize {
        let rest = self.text.get(at..).unwrap_or("");
        at + (rest.len() - rest.trim_start_matches([' ', '\t', '\r']).len())
    }

    /// How a message names what is at `at`, and the span to underline: a word, a
    /// string, one character, or the end of the line or file.
    fn found_at(&self, at: usize) -> (String, Span) {
        let rest = self.text.get(at..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return ("the end of the file".into(), Span::at(at));
        };
        match c {
            '\n' | '#' => ("the end of the line".into(), Span::at(at)),
            '/' if rest.starts_with("//") => ("the end of the line".into(), Span::at(at)),
            '"' => ("a string".into(), Span::new(at, at + 1)),
            c if c.is_alphanumeric() || c == '_' => {
                let len: usize = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                    .map(char::len_utf8)
                    .sum();
                let word = rest.get(..len).unwrap_or("");
                (format!("`{word}`"), Span::new(at, at + len))
            }
            c => (format!("`{c}`"), Span::new(at, at + c.len_utf8())),
        }
    }

    /// "expected WHAT": at `junk` when the place of the missing part holds
    /// something else, otherwise after what was read (`after`).
    fn expected(&mut self, what: &str, after: usize, junk: Option<Span>) {
        let at = junk.map_or_else(|| self.skip_spaces(after), |j| j.start as usize);
        let (found, found_span) = self.found_at(at);
        let d = if found_span.is_empty() {
            let label = if found.ends_with("file") {
                "the file ends here"
            } else {
                "the line ends here"
            };
            self.syntax(format!("expected {what}"), Span::at(after), label)
        } else {
            self.syntax(
                format!("expected {what}, found {found}"),
                found_span,
                format!("unexpected {found}"),
            )
        };
        self.push(d);
    }

    /// Reports a missing part of a header once (see [`Header`]).
    fn missing(&mut self, h: &mut Header, what: &str) {
        if h.broken {
            return;
        }
        let junk = h.junk.take();
        self.expected(what, h.end, junk);
        h.broken = true;
    }

    /// Reports a part that does not belong where it is.
    fn unexpected(&mut self, h: &mut Header, part: Span, message: impl Into<String>, label: &str) {
        let d = self.syntax(message, part, label.to_string());
        self.push(d);
        h.broken = true;
    }

    /// Reports what junk is left after a header or step that was otherwise read.
    fn leftover(&mut self, h: &mut Header, after_what: &str) {
        if let Some(junk) = h.junk.take() {
            if !h.broken {
                let (found, found_span) = self.found_at(junk.start as usize);
                let d = self.syntax(
                    format!("unexpected {found} after {after_what}"),
                    found_span.cover(junk),
                    "not part of it",
                );
                self.push(d);
                h.broken = true;
            }
        }
    }

    /// A stray comma: one error, fixed by deleting it.
    fn stray_comma(&mut self, comma: Span, message: &str) {
        let fix = self.fix("remove the comma", vec![(comma, String::new())]);
        let d = self
            .syntax(message, comma, "remove this comma")
            .with_fix(fix);
        self.push(d);
    }

    fn missing_comma(&mut self, after: usize, between: &str) {
        let fix = self.fix("insert a comma", vec![(Span::at(after), ",".into())]);
        let d = self
            .syntax(
                format!("expected `,` between {between}"),
                Span::at(after),
                "a comma is missing here",
            )
            .with_fix(fix);
        self.push(d);
    }

    /// One "unclosed delimiter" error: the opener, and where its closer probably
    /// belongs (after the last thing read inside), with the fix that inserts it.
    fn unclosed(&mut self, open_at: usize, open: char, content_end: usize) {
        let close = match open {
            '[' => ']',
            '(' => ')',
            _ => '}',
        };
        let open_line = self.line_start(open_at);
        let insertion = if open_line != self.line_start(content_end) {
            let indent: String = self
                .text
                .get(open_line..)
                .unwrap_or("")
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            format!("\n{indent}{close}")
        } else if open == '{' {
            format!(" {close}")
        } else {
            close.to_string()
        };
        let fix = self.fix(
            format!("insert the missing `{close}`"),
            vec![(Span::at(content_end), insertion)],
        );
        let d = Diagnostic::new(
            Code::UnclosedBlock,
            format!("unclosed delimiter: this `{open}` has no matching `{close}`"),
            self.file,
            Span::new(open_at, open_at + 1),
            "opened here",
        )
        .with_secondary(
            self.file,
            Span::at(content_end),
            format!("`{close}` expected here"),
        )
        .with_fix(fix);
        self.unclosed.push(Unclosed {
            open_at,
            close,
            content_end,
            diagnostic: d,
        });
    }

    /// Reports the unclosed delimiters, except those whose content ends at an
    /// unterminated string: the string may have swallowed their closers, and the
    /// string's error is the one to fix. Its fix then also inserts the closers
    /// the line still lacks, innermost first.
    fn report_unclosed(&mut self) {
        let mut pending = std::mem::take(&mut self.unclosed);
        pending.sort_by_key(|u| std::cmp::Reverse(u.open_at));
        for u in pending {
            let Some(string) = self
                .open_strings
                .iter_mut()
                .find(|s| s.end == u.content_end)
            else {
                self.diagnostics.push(u.diagnostic);
                continue;
            };
            if let Some(i) = string.swallowed.iter().position(|&c| c == u.close) {
                string.swallowed.remove(i);
                continue;
            }
            let insertion = u
                .diagnostic
                .fix
                .as_ref()
                .and_then(|f| f.edits.first())
                .map(|e| e.replacement.clone())
                .unwrap_or_default();
            let edit = self
                .diagnostics
                .get_mut(string.diagnostic)
                .and_then(|d| d.fix.as_mut())
                .and_then(|f| f.edits.first_mut());
            if let Some(edit) = edit {
                edit.replacement.push_str(&insertion);
            }
        }
    }

    /// When a body is left open, the block inside it that probably lacks the `}`
    /// instead: one closed by a `}` that starts its line further left than the
    /// block's own line, as far left as the body's line (so it was the body's).
    /// Its opener and where its content ends.
    fn stolen_brace(&self, body: Span) -> Option<(usize, usize)> {
        let body_indent = self.indent(body.start as usize);
        self.closed_blocks
            .iter()
            .filter(|b| b.open > body.start as usize)
            .filter(|b| {
                let line = self.line_start(b.close);
                let before = self.text.get(line..b.close).unwrap_or("x");
                before.trim().is_empty()
                    && before.len() < self.indent(b.open)
                    && before.len() <= body_indent
            })
            .max_by_key(|b| b.close)
            .map(|b| (b.open, b.content_end))
    }

    fn line_start(&self, at: usize) -> usize {
        self.text
            .get(..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1)
    }

    /// The indentation (in bytes) of the line `at` is on.
    fn indent(&self, at: usize) -> usize {
        let line = self.text.get(self.line_start(at)..).unwrap_or("");
        line.len() - line.trim_start_matches([' ', '\t']).len()
    }

    /// Whether a bracketed pair ends with its own closer (not one of a child's).
    fn closed(pair: &P<'_>, close: char, last_child_end: usize) -> bool {
        let s = pair.as_span();
        pair.as_str().ends_with(close) && s.end() > last_child_end && s.end() > s.start() + 1
    }

    /// `//` comments, which the grammar reads as comments so that the tree is the
    /// intended one: each is an error with the fix `//` → `#`. Found by a scan
    /// that skips strings and `#` comments, the way the grammar does.
    fn slash_comments(&mut self) {
        if !self.text.contains("//") {
            return;
        }
        let bytes = self.text.as_bytes();
        let mut found = Vec::new();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' | b'\'' => {
                    i += 1;
                    while let Some(&c) = bytes.get(i) {
                        if c == b'\n' || c == b {
                            break;
                        }
                        if c == b'\\' && b == b'"' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'#' => {
                    while bytes.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    found.push(i);
                    while bytes.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        for at in found {
            let slashes = Span::new(at, at + 2);
            let fix = self.fix("write the comment with `#`", vec![(slashes, "#".into())]);
            let d = self
                .syntax(
                    "comments start with `#`",
                    slashes,
                    "`//` does not start a comment",
                )
                .with_fix(fix);
            self.push(d);
        }
    }

    // ---- names ----------------------------------------------------------------

    /// An identifier; a reserved word is reported (it cannot name anything).
    fn ident(&mut self, pair: &P<'_>, what: &str) -> Ident {
        let name = pair.as_str();
        let span = span(pair);
        if RESERVED.contains(&name) {
            let d = self.syntax(
                format!("`{name}` is a keyword and cannot be used as {what}"),
                span,
                "reserved word",
            );
            self.push(d);
        }
        Ident {
            name: name.to_string(),
            span,
        }
    }

    /// `a.b.c`; `None` (reported) when a `.` is not followed by a name.
    fn qualified(&mut self, pair: P<'_>) -> Option<QualName> {
        let span = span(&pair);
        let text = pair.as_str();
        let mut segments = Vec::with_capacity(2);
        for p in pair.into_inner() {
            segments.push(self.ident(&p, "a name"));
        }
        if text.ends_with('.') || text.contains("..") {
            let dot = span.start as usize
                + text
                    .find("..")
                    .map_or(text.len().saturating_sub(1), |i| i + 1);
            let after = self.skip_spaces(dot + 1);
            let (found, found_span) = self.found_at(after);
            let (message, label) = if found_span.is_empty() || found.starts_with("the end") {
                (
                    "expected a name after `.`".to_string(),
                    Span::new(dot, after),
                )
            } else {
                (
                    format!("expected a name after `.`, found {found}"),
                    found_span,
                )
            };
            let d = self.syntax(message, label, "a name is missing after the `.`");
            self.push(d);
            return None;
        }
        Some(QualName { segments, span })
    }

    // ---- file and items -------------------------------------------------------

    fn file(&mut self, pair: P<'_>) -> File {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::item => items.push(self.item(p)),
                Rule::bogus_item => items.push(Item::Error(self.bogus_item(&p))),
                _ => {}
            }
        }
        File { items }
    }

    /// A top-level region that is not an item.
    fn bogus_item(&mut self, pair: &P<'_>) -> Span {
        let span = span(pair);
        let text = pair.as_str();
        let start = span.start as usize;
        let word: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let d = if !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()) {
            let word_span = Span::new(start, start + word.len());
            let mut d = self.syntax(
                format!("unknown item `{word}`"),
                word_span,
                "not an item keyword",
            );
            match keyword_like(&word, ITEM_KEYWORDS) {
                Some(keyword) => {
                    d = d
                        .with_help(format!("did you mean `{keyword}`?"))
                        .with_fix(self.fix(
                            format!("replace with `{keyword}`"),
                            vec![(word_span, keyword.to_string())],
                        ));
                }
                None => {
                    d = d.with_help(format!(
                        "an item starts with one of: {}",
                        ITEM_KEYWORDS.join(", ")
                    ))
                }
            }
            d
        } else if text.trim_end() == "}" || text.trim_end() == "," {
            let c = text.trim_end();
            let at = Span::new(start, start + 1);
            let message = if c == "}" {
                "unexpected `}`: no block is open here"
            } else {
                "unexpected `,` between items"
            };
            self.syntax(message, at, "nothing to close")
                .with_fix(self.fix(format!("remove the `{c}`"), vec![(at, String::new())]))
        } else {
            let (found, found_span) = self.found_at(start);
            self.syntax(
                format!("expected an item, found {found}"),
                found_span,
                "not an item",
            )
            .with_help(format!(
                "an item starts with one of: {}",
                ITEM_KEYWORDS.join(", ")
            ))
        };
        self.push(d);
        span
    }

    fn item(&mut self, pair: P<'_>) -> Item {
        let item_span = span(&pair);
        let mut kw = "";
        let mut kw_end = item_span.start as usize;
        let mut parts = Parts::default();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::item_kw => {
                    kw = p.as_str();
                    kw_end = p.as_span().end();
                }
                Rule::string | Rule::sq_string => parts.string = Some(p),
                Rule::ident => parts.ident = Some(p),
                Rule::params => parts.params = Some(p),
                Rule::type_ann => parts.ty = Some(p),
                Rule::alias => parts.alias = Some(p),
                Rule::extends => parts.extends = Some(p),
                Rule::item_value => parts.value = Some(p),
                Rule::body => parts.body = Some(p),
                Rule::junk => parts.junk = Some(p),
                _ => {}
            }
        }
        let mut h = Header {
            end: kw_end,
            junk: parts.junk.as_ref().map(span),
            broken: false,
        };
        let what = match kw {
            "import" => "an import",
            "let" => "a constant",
            "image" => "an image",
            "base" => "a base image",
            "variant" => "a variant",
            _ => "a preset",
        };
        // Parts this kind of item does not have.
        let allowed: &[&str] = match kw {
            "import" => &["alias"],
            "let" => &["ty", "value"],
            "image" | "base" => &["body"],
            "variant" => &["extends", "body"],
            _ => &["params", "extends", "body"],
        };
        self.foreign_parts(&mut h, kw, what, allowed, &mut parts);
        let item = match kw {
            "import" => self.import(item_span, &mut h, parts),
            "let" => self.let_item(item_span, &mut h, parts),
            "image" => Item::Image(self.image(item_span, &mut h, parts, "image")),
            "base" => Item::Base(self.image(item_span, &mut h, parts, "base")),
            "variant" => self.variant(item_span, &mut h, parts),
            _ => self.preset(item_span, &mut h, parts),
        };
        self.leftover(&mut h, &format!("{what} header"));
        item
    }

    /// Reports (and drops) the parts of an item header its kind does not have.
    fn foreign_parts(
        &mut self,
        h: &mut Header,
        kw: &str,
        what: &str,
        allowed: &[&str],
        parts: &mut Parts<'_>,
    ) {
        let has = |name: &str| allowed.contains(&name);
        if !has("params") {
            if let Some(p) = parts.params.take() {
                self.unexpected(
                    h,
                    span(&p),
                    format!("{what} has no parameters: only presets do"),
                    "parameters",
                );
            }
        }
        if !has("ty") {
            if let Some(p) = parts.ty.take() {
                self.unexpected(h, span(&p), format!("{what} has no type"), "unexpected `:`");
            }
        }
        if !has("alias") {
            if let Some(p) = parts.alias.take() {
                self.unexpected(
                    h,
                    span(&p),
                    "`as` names an import, nothing else",
                    "unexpected `as`",
                );
            }
        }
        if !has("extends") {
            if let Some(p) = parts.extends.take() {
                self.unexpected(
                    h,
                    span(&p),
                    format!("{what} cannot extend anything: only variants and presets do"),
                    "unexpected `extends`",
                );
            }
        }
        if !has("value") {
            if let Some(p) = parts.value.take() {
                let op = p.clone().into_inner().next().map_or(span(&p), |o| span(&o));
                let message = if has("body") {
                    format!("{what} has a body `{{ … }}`, not `=`")
                } else {
                    format!("{what} takes no value")
                };
                let mut d = self.syntax(message, op, "unexpected `=`");
                let value_is_block = p
                    .clone()
                    .into_inner()
                    .nth(1)
                    .is_some_and(|v| v.as_str().starts_with('{'));
                if has("body") && value_is_block {
                    let end = self.skip_spaces(op.end as usize);
                    d = d.with_fix(self.fix(
                        "remove the `=`",
                        vec![(Span::new(op.start as usize, end), String::new())],
                    ));
                }
                self.push(d);
                h.broken = true;
            }
        }
        if !has("body") {
            if let Some(p) = parts.body.take() {
                let message = match kw {
                    "let" => "a constant is written `let name = value`".to_string(),
                    _ => format!("{what} has no body"),
                };
                self.unexpected(h, span(&p), message, "unexpected block");
            }
        }
    }

    /// The name of a variant, preset or constant: an identifier (a quoted one is
    /// accepted with a fix that removes the quotes).
    fn item_name(&mut self, h: &mut Header, what: &str, parts: &mut Parts<'_>) -> Option<Ident> {
        if let Some(p) = parts.ident.take() {
            h.end = p.as_span().end();
            return Some(self.ident(&p, what));
        }
        if let Some(p) = parts.string.take() {
            let s = span(&p);
            h.end = s.end as usize;
            let inner = p
                .as_str()
                .trim_start_matches(['"', '\''])
                .trim_end_matches(['"', '\'']);
            if is_ident(inner) && !RESERVED.contains(&inner) {
                let fix = self.fix("remove the quotes", vec![(s, inner.to_string())]);
                let d = self
                    .syntax(
                        format!("the name of {what} is not quoted"),
                        s,
                        "a name, not a string",
                    )
                    .with_fix(fix);
                self.push(d);
                h.broken = true;
                return Some(Ident {
                    name: inner.to_string(),
                    span: s,
                });
            }
            self.unexpected(
                h,
                s,
                format!("the name of {what} is an identifier, not a string"),
                "not a name",
            );
            return None;
        }
        self.missing(h, &format!("the name of {what}"));
        None
    }

    /// The string of an import or image (an identifier is accepted with a fix that
    /// quotes it).
    fn item_string(
        &mut self,
        h: &mut Header,
        kw: &str,
        what: &str,
        example: &str,
        parts: &mut Parts<'_>,
    ) -> Option<StringLit> {
        if let Some(p) = parts.string.take() {
            h.end = p.as_span().end();
            if p.as_rule() == Rule::sq_string {
                h.broken = true;
                return Some(self.sq_literal(&p));
            }
            return Some(self.string(p));
        }
        if let Some(p) = parts.ident.take() {
            let s = span(&p);
            h.end = s.end as usize;
            let name = p.as_str();
            let fix = self.fix("quote it", vec![(s, quoted(name))]);
            let d = self
                .syntax(
                    format!("{what} is a string: `{kw} {}`", quoted(name)),
                    s,
                    "expected a string",
                )
                .with_fix(fix);
            self.push(d);
            h.broken = true;
            return Some(StringLit {
                parts: vec![StrPart::Text(name.to_string())],
                span: s,
            });
        }
        self.missing(h, &format!("{what} in quotes, as in {example}"));
        None
    }

    fn import(&mut self, span: Span, h: &mut Header, mut parts: Parts<'_>) -> Item {
        let path = self.item_string(
            h,
            "import",
            "the module name",
            "`import \"base\"`",
            &mut parts,
        );
        let mut alias = None;
        if let Some(a) = parts.alias.take() {
            h.end = a.as_span().end();
            match a.into_inner().find(|p| p.as_rule() == Rule::ident) {
                Some(name) => alias = Some(self.ident(&name, "an import alias")),
                None => self.missing(h, "a name after `as`"),
            }
        }
        match path {
            Some(path) => Item::Import(Import { path, alias, span }),
            None => Item::Error(span),
        }
    }

    fn let_item(&mut self, span: Span, h: &mut Header, mut parts: Parts<'_>) -> Item {
        let name = self.item_name(h, "a constant", &mut parts);
        let ty = parts.ty.take().and_then(|t| self.type_ann(h, t));
        let value = match parts.value.take() {
            Some(v) => self.item_value(h, v),
            None => {
                self.missing(h, "`=` and a value");
                error_expr(h.end)
            }
        };
        match name {
            Some(name) => Item::Let(Let {
                name,
                ty,
                value,
                span,
            }),
            None => Item::Error(span),
        }
    }

    /// `: TYPE` after a name.
    fn type_ann(&mut self, h: &mut Header, pair: P<'_>) -> Option<TypeExpr> {
        h.end = pair.as_span().end();
        match pair.into_inner().next() {
            Some(t) => Some(self.type_expr(t)),
            None => {
                self.missing(h, "a type after `:`");
                None
            }
        }
    }

    /// `= VALUE` of a `let` or a default.
    fn item_value(&mut self, h: &mut Header, pair: P<'_>) -> Expr {
        let mut inner = pair.into_inner();
        let Some(op) = inner.next() else {
            return error_expr(h.end);
        };
        let op_span = span(&op);
        h.end = op_span.end as usize;
        if op.as_str() == "+=" {
            let fix = self.fix("use `=`", vec![(op_span, "=".into())]);
            let d = self
                .syntax(
                    "a constant is defined with `=`",
                    op_span,
                    "`+=` appends to a field",
                )
                .with_fix(fix);
            self.push(d);
            h.broken = true;
        }
        self.value_after(h, op_span, "`=`", inner.next())
    }

    /// The value after an operator (`=`, `:`, `to`): the value, or junk in its
    /// place, or nothing; a value on the next line is reported (with a fix that
    /// joins the lines) and kept.
    fn value_after(&mut self, h: &mut Header, op: Span, after: &str, next: Option<P<'_>>) -> Expr {
        self.part_after(h, op, "a value", after, next)
    }

    /// [`Cx::value_after`], naming what the value is (`a destination`).
    fn part_after(
        &mut self,
        h: &mut Header,
        op: Span,
        what: &str,
        after: &str,
        next: Option<P<'_>>,
    ) -> Expr {
        match next {
            Some(p) if p.as_rule() == Rule::value => {
                let value = span(&p);
                self.late(
                    op.end as usize,
                    value.start as usize,
                    "a value starts on the line of its",
                    after,
                );
                h.end = value.end as usize;
                self.value(p)
            }
            Some(p) => {
                // junk where the value should be
                let junk = span(&p);
                if !h.broken {
                    let text = p.as_str();
                    if after == "`=`" && text.starts_with('=') && !text.starts_with("==") {
                        // `x = = v`: one `=` too many.
                        let rest = text.get(1..).unwrap_or("");
                        let extra = Span::new(
                            junk.start as usize,
                            junk.start as usize + 1 + rest.len() - rest.trim_start().len(),
                        );
                        let fix = self.fix("remove the second `=`", vec![(extra, String::new())]);
                        let d = self
                            .syntax(
                                "`=` is written twice",
                                Span::new(junk.start as usize, junk.start as usize + 1),
                                "one `=` too many",
                            )
                            .with_fix(fix);
                        self.push(d);
                    } else {
                        self.expected(
                            &format!("{what} after {after}"),
                            op.end as usize,
                            Some(junk),
                        );
                    }
                    h.broken = true;
                }
                h.end = junk.end as usize;
                error_expr(junk.start as usize)
            }
            None => {
                self.missing(h, &format!("{what} after {after}"));
                error_expr(op.end as usize)
            }
        }
    }

    /// Reports a part that starts on a later line than the token it belongs to
    /// (`from` ends the token), with a fix that joins the lines when only
    /// whitespace is between them.
    fn late(&mut self, from: usize, to: usize, message: &str, token: &str) {
        let between = self.text.get(from..to).unwrap_or("");
        if !between.contains('\n') {
            return;
        }
        let mut d = self.syntax(
            format!("{message} {token}"),
            Span::new(to, to + 1),
            format!("this belongs on the line of {token}"),
        );
        if between.trim().is_empty() {
            d = d.with_fix(self.fix("join the lines", vec![(Span::new(from, to), " ".into())]));
        }
        self.push(d);
    }

    /// `image "NAME" { ... }` and `base "REF" { ... }`: a quoted name and a body.
    fn image(&mut self, span: Span, h: &mut Header, mut parts: Parts<'_>, kw: &str) -> Image {
        let (what, example, body_of) = if kw == "base" {
            (
                "the base image's reference",
                "`base \"registry.example.org/debian:bookworm\"`",
                "the base image",
            )
        } else {
            ("the image name", "`image \"hello\"`", "the image")
        };
        let name = self.item_string(h, kw, what, example, &mut parts);
        let body = self.item_body(h, parts.body.take(), body_of);
        Image {
            name: name.unwrap_or(StringLit {
                parts: Vec::new(),
                span: Span::at(span.start as usize),
            }),
            body,
            span,
        }
    }

    fn variant(&mut self, span: Span, h: &mut Header, mut parts: Parts<'_>) -> Item {
        let name = self.item_name(h, "a variant", &mut parts);
        let parents = match parts.extends.take() {
            Some(e) => self.extends(h, e),
            None => Vec::new(),
        };
        let body = self.item_body(h, parts.body.take(), "the variant");
        match name {
            Some(name) => Item::Variant(Variant {
                name,
                parents,
                body,
                span,
            }),
            None => Item::Error(span),
        }
    }

    fn preset(&mut self, span: Span, h: &mut Header, mut parts: Parts<'_>) -> Item {
        let name = self.item_name(h, "a preset", &mut parts);
        let params = match parts.params.take() {
            Some(p) => {
                h.end = p.as_span().end();
                let (params, closed) = self.params(p);
                // `preset p(` is one broken spot: its missing body is not another.
                h.broken |= !closed;
                params
            }
            None => {
                if !h.broken {
                    let fix = self.fix(
                        "add an empty parameter list",
                        vec![(Span::at(h.end), "()".into())],
                    );
                    let d = self
                        .syntax(
                            "a preset declares its parameters: `preset name(…) { … }`",
                            Span::at(h.end),
                            "expected `(` here",
                        )
                        .with_fix(fix);
                    self.push(d);
                    h.broken = true;
                }
                Vec::new()
            }
        };
        let parents = match parts.extends.take() {
            Some(e) => self.extends(h, e),
            None => Vec::new(),
        };
        let body = self.item_body(h, parts.body.take(), "the preset");
        match name {
            Some(name) => Item::Preset(Preset {
                name,
                params,
                parents,
                body,
                span,
            }),
            None => Item::Error(span),
        }
    }

    /// The body of an image, variant or preset; an empty one (reported) when it is
    /// missing.
    fn item_body(&mut self, h: &mut Header, body: Option<P<'_>>, what: &str) -> Body {
        match body {
            Some(b) => {
                let start = b.as_span().start();
                self.late(h.end, start, "the body starts on the line of", what);
                let body = self.body(b);
                h.end = body.span.end as usize;
                body
            }
            None => {
                self.missing(h, &format!("`{{` to open the body of {what}"));
                Body {
                    members: Vec::new(),
                    span: Span::at(h.end),
                }
            }
        }
    }

    /// The parameters, and whether the list was closed.
    fn params(&mut self, pair: P<'_>) -> (Vec<Param>, bool) {
        let (elements, closed) = self.elements(pair, "a parameter `name: type`", "parameters", '(');
        let params = elements
            .into_iter()
            .filter_map(|e| match e {
                Elem::Item(p) => self.param(p),
                Elem::Junk(_) => None,
            })
            .collect();
        (params, closed)
    }

    fn param(&mut self, pair: P<'_>) -> Option<Param> {
        let span = span(&pair);
        let mut h = Header {
            end: span.start as usize,
            junk: None,
            broken: false,
        };
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => {
                    h.end = p.as_span().end();
                    name = Some(self.ident(&p, "a parameter name"));
                }
                Rule::type_ann => ty = self.type_ann(&mut h, p),
                Rule::default => default = Some(self.default(&mut h, p)),
                _ => {}
            }
        }
        let name = name?;
        let ty = match ty {
            Some(ty) => ty,
            None => {
                if !h.broken {
                    let d = self.syntax(
                        format!(
                            "the parameter `{}` needs a type: `{}: string`",
                            name.name, name.name
                        ),
                        name.span,
                        "no type",
                    );
                    self.push(d);
                }
                return None;
            }
        };
        Some(Param {
            name,
            ty,
            default,
            span,
        })
    }

    /// `= VALUE` of a parameter or build argument.
    fn default(&mut self, h: &mut Header, pair: P<'_>) -> Expr {
        let mut inner = pair.into_inner();
        let Some(op) = inner.next() else {
            return error_expr(h.end);
        };
        let op_span = span(&op);
        h.end = op_span.end as usize;
        if op.as_str() == "+=" {
            let fix = self.fix("use `=`", vec![(op_span, "=".into())]);
            let d = self
                .syntax("a default is given with `=`", op_span, "not `+=`")
                .with_fix(fix);
            self.push(d);
            h.broken = true;
        }
        self.value_after(h, op_span, "`=`", inner.next())
    }

    fn extends(&mut self, h: &mut Header, pair: P<'_>) -> Vec<Parent> {
        let kw_end = pair
            .clone()
            .into_inner()
            .next()
            .map_or(h.end, |k| k.as_span().end());
        h.end = kw_end;
        let mut parents = Vec::new();
        let mut want = true;
        let mut last_comma = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::parent => {
                    let s = span(&p);
                    if !want {
                        self.missing_comma(h.end, "parents");
                        h.broken = true;
                    }
                    let (parent, closed) = self.parent(p);
                    h.broken |= !closed;
                    parents.push(parent);
                    h.end = s.end as usize;
                    want = false;
                }
                Rule::comma => {
                    let s = span(&p);
                    if want && !parents.is_empty() {
                        self.stray_comma(s, "unexpected `,`: a parent is missing before it");
                        h.broken = true;
                    } else if want {
                        self.stray_comma(s, "unexpected `,` after `extends`");
                        h.broken = true;
                    }
                    h.end = s.end as usize;
                    last_comma = Some(s);
                    want = true;
                }
                _ => {}
            }
        }
        if want {
            // `extends` or `extends a,` with nothing after it: the list is
            // incomplete, so checking must not judge the variant by its parents.
            if !h.broken {
                match last_comma {
                    Some(comma) if !parents.is_empty() => {
                        let fix = self.fix("remove the comma", vec![(comma, String::new())]);
                        let d = self
                            .syntax(
                                "expected a parent after `,`",
                                comma,
                                "nothing follows this comma",
                            )
                            .with_fix(fix);
                        self.push(d);
                    }
                    _ => {
                        let junk = h.junk.take();
                        self.expected("a parent after `extends`", h.end, junk);
                    }
                }
                h.broken = true;
            }
            parents.push(Parent {
                name: QualName {
                    segments: Vec::new(),
                    span: Span::at(h.end),
                },
                args: None,
                span: Span::at(h.end),
                error: true,
            });
        }
        parents
    }

    /// A parent, and whether its argument list (if any) was closed.
    fn parent(&mut self, pair: P<'_>) -> (Parent, bool) {
        let span = span(&pair);
        let mut name = None;
        let mut error = false;
        let mut args = None;
        let mut closed = true;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::qualified => {
                    name = self.qualified(p);
                    error |= name.is_none();
                }
                Rule::args => {
                    closed = p.as_str().ends_with(')');
                    let (named, complete) = self.named_args(p);
                    error |= !complete;
                    args = Some(named);
                }
                _ => {}
            }
        }
        let parent = Parent {
            name: name.unwrap_or(QualName {
                segments: Vec::new(),
                span,
            }),
            args,
            span,
            error,
        };
        (parent, closed)
    }

    /// The `(name = value, ...)` of a parent; `false` when one could not be read.
    fn named_args(&mut self, pair: P<'_>) -> (Vec<NamedArg>, bool) {
        let mut complete = true;
        let mut out = Vec::new();
        let (elements, _) = self.elements(pair, "an argument `name = value`", "arguments", '(');
        for e in elements {
            let Elem::Item(arg) = e else {
                complete = false;
                continue;
            };
            match self.call_arg(arg) {
                CallArg {
                    name: Some(name),
                    value,
                    span,
                } => {
                    complete &= !matches!(value.kind, ExprKind::Error);
                    out.push(NamedArg { name, value, span });
                }
                CallArg { value, .. } => {
                    let d = self.syntax(
                        "the arguments of a preset are named: `name = value`",
                        value.span,
                        "no name",
                    );
                    self.push(d);
                    complete = false;
                }
            }
        }
        (out, complete)
    }

    /// Walks a bracketed list whose children are elements, `comma`s and junk:
    /// reports stray and missing commas (with fixes), junk ("expected WHAT, found
    /// …") and an unclosed bracket; returns the elements and junk in order.
    fn elements<'i>(
        &mut self,
        pair: P<'i>,
        what: &str,
        plural: &str,
        open: char,
    ) -> (Vec<Elem<'i>>, bool) {
        let outer = span(&pair);
        let close = match open {
            '[' => ']',
            '(' => ')',
            _ => '}',
        };
        let mut out = Vec::new();
        let mut want = true;
        let mut last_end = outer.start as usize + 1;
        let mut after_junk = false;
        let pair_for_close = pair.clone();
        for p in pair.into_inner() {
            let s = span(&p);
            match p.as_rule() {
                Rule::comma => {
                    if want && !after_junk {
                        self.stray_comma(s, "unexpected `,`");
                    }
                    want = true;
                    after_junk = false;
                }
                Rule::junk_in | Rule::junk => {
                    if !want && !after_junk {
                        self.missing_comma(last_end, plural);
                    } else {
                        self.expected(what, last_end, Some(s));
                    }
                    out.push(Elem::Junk(s));
                    want = false;
                    after_junk = true;
                }
                _ => {
                    if !want && !after_junk {
                        self.missing_comma(last_end, plural);
                    }
                    out.push(Elem::Item(p));
                    want = false;
                    after_junk = false;
                }
            }
            last_end = s.end as usize;
        }
        let closed = Self::closed(&pair_for_close, close, last_end);
        if !closed {
            self.unclosed(
                outer.start as usize,
                open,
                last_end.max(outer.start as usize + 1),
            );
        }
        (out, closed)
    }

    // ---- bodies ---------------------------------------------------------------

    fn body(&mut self, pair: P<'_>) -> Body {
        let span = span(&pair);
        let mut members = Vec::new();
        let mut last_end = span.start as usize + 1;
        let pair_for_close = pair.clone();
        for p in pair.into_inner() {
            let s = span_of(&p);
            match p.as_rule() {
                Rule::member => members.push(self.member(p)),
                Rule::comma => self.stray_comma(s, "fields are not separated by commas"),
                _ if self.text[s.range()].trim() == ";" => {
                    let fix = self.fix("remove the `;`", vec![(s, String::new())]);
                    let d = self
                        .syntax(
                            "assignments do not end with `;`: a line break ends them",
                            s,
                            "not needed",
                        )
                        .with_fix(fix);
                    self.push(d);
                }
                _ => {
                    let (found, found_span) = self.found_at(s.start as usize);
                    let d = self.syntax(
                        format!("expected a field assignment `name = value`, found {found}"),
                        found_span.cover(s),
                        "not an assignment",
                    );
                    self.push(d);
                    members.push(Member::Error(s));
                }
            }
            last_end = s.end as usize;
        }
        if !Self::closed(&pair_for_close, '}', last_end) {
            match self.stolen_brace(span) {
                Some((open, content_end)) => self.unclosed(open, '{', content_end),
                None => self.unclosed(span.start as usize, '{', last_end),
            }
        }
        Body { members, span }
    }

    fn member(&mut self, pair: P<'_>) -> Member {
        let span = span(&pair);
        let mut inner = pair.into_inner().peekable();
        let overrides = inner
            .next_if(|p| p.as_rule() == Rule::kw_override)
            .map(|p| span_of(&p));
        let Some(field_pair) = inner.next() else {
            return Member::Error(span);
        };
        let field_name = field_pair.as_str();
        let field_span = span_of(&field_pair);
        let mut h = Header {
            end: field_span.end as usize,
            junk: None,
            broken: false,
        };
        let next = inner.next();
        // A step or an item where a field belongs: say so, and keep the tree
        // free of a field that was never meant.
        // `base` is an item keyword and a field: in a body it is the field.
        let item_keyword = ITEM_KEYWORDS.contains(&field_name) && field_name != "base";
        if item_keyword || STEP_KEYWORDS.contains(&field_name) {
            let is_op = next
                .as_ref()
                .is_some_and(|p| p.as_rule() == Rule::assign_op);
            if !is_op {
                let message = if item_keyword {
                    format!("`{field_name}` cannot appear inside a body: items are written at the top level")
                } else {
                    format!("`{field_name}` is a step: steps go in a step block, `steps += {{ {field_name} … }}`")
                };
                let mut d = self.syntax(message, field_span, "not a field");
                if STEP_KEYWORDS.contains(&field_name) && !self.text[span.range()].contains('\n') {
                    let step = self.text[span.range()].trim_end().to_string();
                    let fix = self.fix(
                        "put it in a step block",
                        vec![(span, format!("steps += {{ {step} }}"))],
                    );
                    d = d.with_fix(fix);
                }
                self.push(d);
                return Member::Error(span);
            }
        }
        let field = self.ident(&field_pair, "a field name");
        let mut op_span = Span::at(field_span.end as usize);
        let (op, value) = match next {
            Some(p) if matches!(p.as_rule(), Rule::assign_op | Rule::colon) => {
                op_span = span_of(&p);
                let op = if p.as_str() == "+=" {
                    AssignOp::Append
                } else {
                    AssignOp::Replace
                };
                if p.as_rule() == Rule::colon {
                    let fix = self.fix("use `=`", vec![(op_span, " =".into())]);
                    let d = self
                        .syntax(
                            format!("fields are assigned with `=`: `{field_name} = …`"),
                            op_span,
                            "expected `=` or `+=`",
                        )
                        .with_fix(fix);
                    self.push(d);
                    h.broken = true;
                }
                h.end = op_span.end as usize;
                let value =
                    self.value_after(&mut h, op_span, &format!("`{}`", p.as_str()), inner.next());
                (op, value)
            }
            Some(p) if p.as_rule() == Rule::value => {
                // `field value`: the `=` is missing.
                let value_span = span_of(&p);
                let fix = self.fix(
                    "insert `=`",
                    vec![(Span::at(value_span.start as usize), "= ".into())],
                );
                let d = self
                    .syntax(
                        format!("expected `=` between `{field_name}` and its value"),
                        Span::at(value_span.start as usize),
                        "`=` is missing here",
                    )
                    .with_fix(fix);
                self.push(d);
                h.broken = true;
                let value = self.value(p);
                if let Some(junk) = inner.next() {
                    h.junk = Some(span_of(&junk));
                }
                (AssignOp::Replace, value)
            }
            Some(p) => {
                h.junk = Some(span_of(&p));
                self.missing(&mut h, &format!("`=` after `{field_name}`"));
                (AssignOp::Replace, error_expr(field_span.end as usize))
            }
            None => {
                self.missing(&mut h, &format!("`=` and a value after `{field_name}`"));
                (AssignOp::Replace, error_expr(field_span.end as usize))
            }
        };
        self.leftover(&mut h, "the value");
        if let (Some(keyword), AssignOp::Append) = (overrides, op) {
            // `override` says "replace on purpose"; `+=` keeps what is inherited.
            let removal = Span::new(keyword.start as usize, field_span.start as usize);
            let fix = self.fix("remove `override`", vec![(removal, String::new())]);
            let d = self
                .syntax(
                    "`override` replaces an inherited value; it cannot be used with `+=`",
                    keyword,
                    "`+=` adds to what is inherited",
                )
                .with_fix(fix);
            self.push(d);
        }
        Member::Assign(Assignment {
            overrides,
            field,
            op,
            op_span,
            value,
            span,
        })
    }

    // ---- types ----------------------------------------------------------------

    fn type_expr(&mut self, pair: P<'_>) -> TypeExpr {
        let span = span(&pair);
        let mut inner = pair.into_inner();
        let Some(first) = inner.next() else {
            return TypeExpr {
                kind: TypeExprKind::Named(missing_ident(span.start as usize)),
                span,
            };
        };
        let kind = match first.as_rule() {
            Rule::enum_type => {
                let text = first.as_str();
                let options: Vec<StringLit> = first.into_inner().map(|s| self.string(s)).collect();
                if text.trim_end().ends_with('|') {
                    let end = span.end as usize;
                    self.expected("a string after `|`", end, None);
                }
                TypeExprKind::Enum(options)
            }
            _ => {
                let name = Ident {
                    name: first.as_str().to_string(),
                    span: span_of(&first),
                };
                match inner.next() {
                    Some(args) => {
                        let args_span = span_of(&args);
                        let text = args.as_str();
                        let arg = match args.into_inner().next() {
                            Some(t) => {
                                let t = self.type_expr(t);
                                let closed = text.ends_with('>') && args_span.end > t.span.end;
                                if !closed {
                                    let at = t.span.end as usize;
                                    let fix =
                                        self.fix("insert `>`", vec![(Span::at(at), ">".into())]);
                                    let d = self
                                        .syntax(
                                            "expected `>` to close the type",
                                            Span::at(at),
                                            "`>` is missing here",
                                        )
                                        .with_fix(fix);
                                    self.push(d);
                                }
                                t
                            }
                            None => {
                                self.expected(
                                    "a type after `<`",
                                    args_span.start as usize + 1,
                                    None,
                                );
                                TypeExpr {
                                    kind: TypeExprKind::Named(missing_ident(
                                        args_span.end as usize,
                                    )),
                                    span: Span::at(args_span.end as usize),
                                }
                            }
                        };
                        TypeExprKind::Generic(name, Box::new(arg))
                    }
                    None => TypeExprKind::Named(name),
                }
            }
        };
        TypeExpr { kind, span }
    }

    // ---- values ---------------------------------------------------------------

    /// A `value` pair: one term, or a sum `a + b + …`.
    fn value(&mut self, pair: P<'_>) -> Expr {
        let span = span(&pair);
        let mut terms = Vec::new();
        let mut pending_plus: Option<Span> = None;
        for p in pair.into_inner() {
            if p.as_rule() == Rule::plus {
                pending_plus = Some(span_of(&p));
                continue;
            }
            pending_plus = None;
            terms.push(self.term(p));
        }
        if let Some(plus) = pending_plus {
            self.expected("a value after `+`", plus.end as usize, None);
            terms.push(error_expr(plus.end as usize));
        }
        if terms.len() == 1 {
            if let Some(term) = terms.pop() {
                return term;
            }
        }
        Expr {
            kind: ExprKind::Concat(terms),
            span,
        }
    }

    fn term(&mut self, pair: P<'_>) -> Expr {
        let span = span(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::number => self.number(&pair),
            Rule::list => {
                let items = self
                    .elements(pair, "a value", "list elements", '[')
                    .0
                    .into_iter()
                    .map(|e| match e {
                        Elem::Item(v) => self.value(v),
                        Elem::Junk(s) => error_expr(s.start as usize),
                    })
                    .collect();
                ExprKind::List(items)
            }
            Rule::block => self.block(pair),
            Rule::name => self.name(pair),
            Rule::sq_string => self.sq_string(&pair),
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    fn number(&mut self, pair: &P<'_>) -> ExprKind {
        let text = pair.as_str();
        let span = span(pair);
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            let d = self
                .syntax(
                    format!("`{text}` is not a number"),
                    span,
                    "a number has only digits",
                )
                .with_help("write text in quotes: \"…\"");
            self.push(d);
            return ExprKind::Error;
        }
        match text.parse::<i64>() {
            Ok(n) => ExprKind::Int(n),
            Err(_) => {
                let d = Diagnostic::new(
                    Code::IntOutOfRange,
                    "integer literal does not fit in 64 bits",
                    self.file,
                    span,
                    "too large",
                );
                self.push(d);
                ExprKind::Error
            }
        }
    }

    /// A name, a constructor call (`user("app", 1000)`) or a boolean.
    fn name(&mut self, pair: P<'_>) -> ExprKind {
        let mut inner = pair.into_inner();
        let Some(q) = inner.next() else {
            return ExprKind::Error;
        };
        let text = q.as_str();
        let args = inner.next();
        if args.is_none() {
            match text {
                "true" => return ExprKind::Bool(true),
                "false" => return ExprKind::Bool(false),
                _ => {}
            }
        }
        let q_span = span_of(&q);
        let first = text.split('.').next().unwrap_or("");
        if RESERVED.contains(&first) {
            let d = self.syntax(
                format!("`{first}` is a keyword, not a value"),
                Span::new(q_span.start as usize, q_span.start as usize + first.len()),
                "reserved word",
            );
            self.push(d);
            return ExprKind::Error;
        }
        let Some(name) = self.qualified(q) else {
            return ExprKind::Error;
        };
        match args {
            None => ExprKind::Name(name),
            Some(args) => {
                if text.contains('.') {
                    let d = self.syntax(
                        format!("`{text}` cannot be called: only constructors like `user(…)` take arguments"),
                        q_span,
                        "not a constructor",
                    );
                    self.push(d);
                    return ExprKind::Error;
                }
                let Some(single) = name.segments.into_iter().next() else {
                    return ExprKind::Error;
                };
                let args = self
                    .elements(args, "an argument", "arguments", '(')
                    .0
                    .into_iter()
                    .map(|e| match e {
                        Elem::Item(a) => self.call_arg(a),
                        Elem::Junk(s) => CallArg {
                            name: None,
                            value: error_expr(s.start as usize),
                            span: s,
                        },
                    })
                    .collect();
                ExprKind::Call { name: single, args }
            }
        }
    }

    fn call_arg(&mut self, pair: P<'_>) -> CallArg {
        let span = span(&pair);
        let mut inner = pair.into_inner();
        let Some(first) = inner.next() else {
            return CallArg {
                name: None,
                value: error_expr(span.start as usize),
                span,
            };
        };
        if first.as_rule() != Rule::ident {
            return CallArg {
                name: None,
                value: self.value(first),
                span,
            };
        }
        let name = self.ident(&first, "an argument name");
        let mut h = Header {
            end: name.span.end as usize,
            junk: None,
            broken: false,
        };
        let Some(op) = inner.next() else {
            return CallArg {
                name: Some(name),
                value: error_expr(span.end as usize),
                span,
            };
        };
        let op_span = span_of(&op);
        if op.as_str() == "+=" {
            let fix = self.fix("use `=`", vec![(op_span, "=".into())]);
            let d = self
                .syntax("an argument is given with `=`", op_span, "not `+=`")
                .with_fix(fix);
            self.push(d);
            h.broken = true;
        }
        let value = self.value_after(&mut h, op_span, "`=`", inner.next());
        CallArg {
            name: Some(name),
            value,
            span,
        }
    }

    /// A single-quoted string as the literal it was meant to be (reported).
    fn sq_literal(&mut self, pair: &P<'_>) -> StringLit {
        match self.sq_string(pair) {
            ExprKind::Str(lit) => lit,
            _ => StringLit {
                parts: Vec::new(),
                span: span(pair),
            },
        }
    }

    fn sq_string(&mut self, pair: &P<'_>) -> ExprKind {
        let text = pair.as_str();
        let span = span(pair);
        let closed = text.len() >= 2 && text.ends_with('\'');
        let inner = text
            .strip_prefix('\'')
            .unwrap_or(text)
            .strip_suffix('\'')
            .filter(|_| closed)
            .unwrap_or_else(|| {
                text.strip_prefix('\'')
                    .unwrap_or(text)
                    .trim_end_matches('\r')
            });
        let replace = if closed {
            span
        } else {
            Span::new(span.start as usize, span.start as usize + 1 + inner.len())
        };
        let fix = self.fix("use double quotes", vec![(replace, quoted(inner))]);
        let d = self
            .syntax(
                "strings are written in double quotes",
                span,
                "single quotes do not make a string",
            )
            .with_fix(fix);
        self.push(d);
        // The text the user meant, so that checking goes on with it.
        ExprKind::Str(StringLit {
            parts: vec![StrPart::Text(inner.to_string())],
            span,
        })
    }

    // ---- blocks ---------------------------------------------------------------

    /// `{ ... }`: a map when its first entry is `"key": value`, otherwise a step
    /// block; entries of the other kind are reported. `{}` is an empty map, which
    /// the type checker accepts as either.
    fn block(&mut self, pair: P<'_>) -> ExprKind {
        let outer = span(&pair);
        let pair_for_close = pair.clone();
        let children: Vec<P<'_>> = pair.into_inner().collect();
        let is_map = children
            .iter()
            .find(|c| matches!(c.as_rule(), Rule::step | Rule::map_entry))
            .map_or_else(
                // Only junk: unquoted keys (`{ key = "v" }`) mean a map.
                || {
                    children
                        .iter()
                        .all(|c| c.as_rule() == Rule::comma || looks_like_unquoted_key(c.as_str()))
                },
                |c| c.as_rule() == Rule::map_entry,
            );
        let mut last_end = outer.start as usize + 1;
        let mut steps = Vec::new();
        let mut entries = Vec::new();
        let mut want_entry = true;
        let mut after_junk = false;
        let mut unreadable = false;
        for p in children {
            let s = span_of(&p);
            match p.as_rule() {
                Rule::comma if is_map => {
                    if want_entry && !after_junk {
                        self.stray_comma(s, "unexpected `,`");
                    }
                    want_entry = true;
                }
                Rule::comma => self.stray_comma(s, "steps are not separated by commas"),
                Rule::map_entry if is_map => {
                    if !want_entry && !after_junk {
                        self.missing_comma(last_end, "map entries");
                    }
                    entries.push(self.map_entry(p));
                    want_entry = false;
                    after_junk = false;
                }
                Rule::step if !is_map => steps.push(self.step(p)),
                Rule::map_entry => {
                    let d = self.syntax(
                        "a step block holds steps, not `\"key\": value` entries",
                        s,
                        "a map entry among steps",
                    );
                    self.push(d);
                }
                Rule::step => {
                    let d = self.syntax(
                        "a map holds `\"key\": value` entries, not steps",
                        s,
                        "a step in a map",
                    );
                    self.push(d);
                }
                _ => {
                    if is_map {
                        self.map_junk(&p);
                        after_junk = true;
                        want_entry = false;
                    } else {
                        self.step_junk(&p);
                        steps.push(Step {
                            kind: StepKind::Error,
                            options: Vec::new(),
                            span: s,
                        });
                    }
                    unreadable = true;
                }
            }
            last_end = s.end as usize;
        }
        if !Self::closed(&pair_for_close, '}', last_end) {
            self.unclosed(outer.start as usize, '{', last_end);
        } else if self.slice(outer).contains('\n') {
            self.closed_blocks.push(ClosedBlock {
                open: outer.start as usize,
                close: outer.end as usize - 1,
                content_end: last_end,
            });
        }
        if is_map {
            if unreadable && entries.is_empty() {
                return ExprKind::Error;
            }
            ExprKind::Map(entries)
        } else if steps.is_empty() {
            ExprKind::Map(Vec::new())
        } else {
            ExprKind::Steps(steps)
        }
    }

    fn map_junk(&mut self, junk: &P<'_>) {
        let s = span_of(junk);
        let text = junk.as_str();
        if looks_like_unquoted_key(text) {
            let key_len = text
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
                .unwrap_or(text.len());
            let key = text.get(..key_len).unwrap_or("");
            let key_span = Span::new(s.start as usize, s.start as usize + key_len);
            let mut edits = vec![(key_span, quoted(key))];
            let rest = text.get(key_len..).unwrap_or("");
            let sep_at = s.start as usize + key_len + (rest.len() - rest.trim_start().len());
            if rest.trim_start().starts_with('=') {
                edits.push((Span::new(sep_at, sep_at + 1), ":".into()));
            }
            let fix = self.fix("quote the key", edits);
            let d = self
                .syntax(
                    format!("map keys are strings: `\"{key}\": value`"),
                    key_span,
                    "not quoted",
                )
                .with_fix(fix);
            self.push(d);
            return;
        }
        self.expected("a map entry `\"key\": value`", s.start as usize, Some(s));
    }

    fn step_junk(&mut self, junk: &P<'_>) {
        let s = span_of(junk);
        let text = junk.as_str();
        let word: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            self.expected("a step", s.start as usize, Some(s));
            return;
        }
        let word_span = Span::new(s.start as usize, s.start as usize + word.len());
        let mut d = self.syntax(
            format!("unknown step `{word}`"),
            word_span,
            "not a step keyword",
        );
        match keyword_like(&word, STEP_KEYWORDS) {
            Some(keyword) => {
                d = d
                    .with_help(format!("did you mean `{keyword}`?"))
                    .with_fix(self.fix(
                        format!("replace with `{keyword}`"),
                        vec![(word_span, keyword.to_string())],
                    ));
            }
            None => {
                d = d.with_help(format!(
                    "a step starts with one of: {}",
                    STEP_KEYWORDS.join(", ")
                ));
            }
        }
        self.push(d);
    }

    fn map_entry(&mut self, pair: P<'_>) -> MapEntry {
        let span = span(&pair);
        let mut inner = pair.into_inner();
        let key = match inner.next() {
            Some(k) if k.as_rule() == Rule::sq_string => self.sq_literal(&k),
            Some(k) => self.string(k),
            None => StringLit {
                parts: Vec::new(),
                span,
            },
        };
        let mut h = Header {
            end: key.span.end as usize,
            junk: None,
            broken: false,
        };
        let next = inner.next();
        let value = match next {
            Some(sep) if matches!(sep.as_rule(), Rule::colon | Rule::assign_op) => {
                let sep_span = span_of(&sep);
                if sep.as_rule() == Rule::assign_op {
                    let fix = self.fix("use `:`", vec![(sep_span, ":".into())]);
                    let d = self
                        .syntax(
                            "map entries are written `\"key\": value`",
                            sep_span,
                            "expected `:`",
                        )
                        .with_fix(fix);
                    self.push(d);
                    h.broken = true;
                }
                self.value_after(&mut h, sep_span, "`:`", inner.next())
            }
            Some(v) if v.as_rule() == Rule::value => {
                let at = key.span.end as usize;
                let fix = self.fix("insert `:`", vec![(Span::at(at), ":".into())]);
                let d = self
                    .syntax(
                        "expected `:` between the key and its value",
                        Span::at(at),
                        "`:` is missing here",
                    )
                    .with_fix(fix);
                self.push(d);
                self.value(v)
            }
            Some(junk) => {
                let junk_span = span_of(&junk);
                self.expected(
                    "`:` and a value after the key",
                    key.span.end as usize,
                    Some(junk_span),
                );
                error_expr(junk_span.start as usize)
            }
            None => {
                self.expected("`:` and a value after the key", key.span.end as usize, None);
                error_expr(key.span.end as usize)
            }
        };
        MapEntry { key, value, span }
    }

    // ---- steps ----------------------------------------------------------------

    fn step(&mut self, pair: P<'_>) -> Step {
        let span = span(&pair);
        let mut kw = "";
        let mut kw_end = span.start as usize;
        let mut from: Option<(Span, Option<P<'_>>)> = None;
        let mut value = None;
        let mut ty = None;
        let mut default = None;
        let mut dest = None;
        let mut with = None;
        let mut junk = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::step_kw => {
                    kw = p.as_str();
                    kw_end = p.as_span().end();
                }
                Rule::kw_from => from = Some((span_of(&p), None)),
                Rule::qualified => {
                    if let Some((_, stage)) = from.as_mut() {
                        *stage = Some(p);
                    }
                }
                Rule::value => value = Some(p),
                Rule::type_ann => ty = Some(p),
                Rule::default => default = Some(p),
                Rule::dest => dest = Some(p),
                Rule::with_opts => with = Some(p),
                Rule::junk => junk = Some(p),
                _ => {}
            }
        }
        let mut h = Header {
            end: kw_end,
            junk: junk.as_ref().map(span_of),
            broken: false,
        };
        // Parts that belong to other steps.
        let foreign = |name: &str| -> bool {
            match name {
                "from" | "dest" => kw != "copy",
                "ty" => kw != "arg",
                "default" => kw != "env" && kw != "arg",
                // The step table says which steps take options (`copy from`
                // shares `copy`'s keyword and options here).
                "with" => crate::language::step_options(kw).is_empty(),
                _ => false,
            }
        };
        // Each part another step has: where it is, what to say, and its label.
        let misplaced = [
            (
                foreign("from")
                    .then(|| from.take().map(|(s, _)| s))
                    .flatten(),
                format!("`from` belongs to `copy`, not `{kw}`"),
                "unexpected `from`",
            ),
            (
                foreign("ty")
                    .then(|| ty.take().map(|p| span_of(&p)))
                    .flatten(),
                format!("a `{kw}` step has no type"),
                "unexpected `:`",
            ),
            (
                foreign("default")
                    .then(|| default.take().map(|p| span_of(&p)))
                    .flatten(),
                format!("a `{kw}` step takes no `=`"),
                "unexpected `=`",
            ),
            (
                foreign("dest")
                    .then(|| dest.take().map(|p| span_of(&p)))
                    .flatten(),
                format!("`to` belongs to `copy`, not `{kw}`"),
                "unexpected `to`",
            ),
            (
                foreign("with")
                    .then(|| with.take().map(|p| span_of(&p)))
                    .flatten(),
                format!("a `{kw}` step takes no options"),
                "unexpected `with`",
            ),
        ];
        for (at, message, label) in misplaced {
            if let Some(at) = at {
                self.unexpected(&mut h, at, message, label);
            }
        }
        let kind = match kw {
            "apt" | "run" | "workdir" => self.command_step(&mut h, kw, value),
            "copy" => self.copy_step(&mut h, from, value, dest),
            "env" => self.env_step(&mut h, value, default),
            _ => self.arg_step(&mut h, value, ty, default),
        };
        let options = match with {
            Some(w) => self.options(&mut h, w),
            None => Vec::new(),
        };
        self.leftover(&mut h, &format!("the `{kw}` step"));
        Step {
            kind,
            options,
            span,
        }
    }

    /// `apt`, `run` and `workdir` take one value. Bare words after them are the
    /// command the user meant: the error's fix quotes them.
    fn command_step(&mut self, h: &mut Header, kw: &str, value: Option<P<'_>>) -> StepKind {
        // A name or a number (`run make install`, `run 2to3 x`): a word of the
        // command, not a value.
        let bare_value = value.as_ref().is_some_and(|v| {
            v.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        });
        let junk = h.junk;
        let words_start = match (&value, junk) {
            (Some(v), Some(_)) if bare_value => Some(v.as_span().start()),
            (None, Some(j)) => Some(j.start as usize),
            _ => None,
        };
        if let (Some(start), Some(junk)) = (words_start, junk) {
            if !h.broken {
                let end = start
                    + self
                        .slice(Span::new(start, junk.end as usize))
                        .trim_end()
                        .len();
                let words = self.slice(Span::new(start, end));
                let region = Span::new(start, end);
                let (message, replacement) = match kw {
                    "apt" => (
                        "`apt` takes a package name in quotes or a list of them",
                        format!(
                            "[{}]",
                            words
                                .split_whitespace()
                                .map(quoted)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    "run" => ("`run` takes a string or a list", quoted(words)),
                    _ => ("`workdir` takes a path in quotes", quoted(words)),
                };
                let fix = self.fix("quote it", vec![(region, replacement)]);
                let d = self.syntax(message, region, "not quoted").with_fix(fix);
                self.push(d);
                h.broken = true;
                h.junk = None;
            }
            return StepKind::Error;
        }
        let value = match value {
            Some(v) => {
                h.end = v.as_span().end();
                self.value(v)
            }
            None => {
                let what = match kw {
                    "apt" => "a package name or a list of them after `apt`",
                    "run" => "a command after `run` (a string or a list)",
                    _ => "a path after `workdir`",
                };
                self.missing(h, what);
                error_expr(h.end)
            }
        };
        match kw {
            "apt" => StepKind::Apt(value),
            "run" => StepKind::Run(value),
            _ => StepKind::Workdir(value),
        }
    }

    fn copy_step(
        &mut self,
        h: &mut Header,
        from: Option<(Span, Option<P<'_>>)>,
        value: Option<P<'_>>,
        dest: Option<P<'_>>,
    ) -> StepKind {
        let mut stage = None;
        let mut stage_ok = true;
        if let Some((from_span, q)) = from {
            h.end = from_span.end as usize;
            match q {
                Some(q) => {
                    h.end = q.as_span().end();
                    stage = self.qualified(q);
                    stage_ok = stage.is_some();
                    h.broken |= !stage_ok;
                }
                None => {
                    self.missing(h, "the name of a stage after `from`");
                    stage_ok = false;
                }
            }
        }
        let sources = match value {
            Some(v) => {
                h.end = v.as_span().end();
                self.value(v)
            }
            None => {
                self.missing(h, "what to copy (a path or a list of paths)");
                error_expr(h.end)
            }
        };
        let dest = match dest {
            Some(d) => {
                let mut inner = d.into_inner();
                let to = inner.next().map_or(Span::at(h.end), |t| span_of(&t));
                h.end = to.end as usize;
                self.part_after(h, to, "a destination", "`to`", inner.next())
            }
            None => {
                // `copy "a" "b"`: the destination is there, `to` is not.
                let destination = h
                    .junk
                    .filter(|j| !h.broken && self.text[j.range()].starts_with('"'));
                match destination {
                    Some(junk) => {
                        h.junk = None;
                        h.broken = true;
                        let at = Span::at(junk.start as usize);
                        let fix = self.fix("insert `to`", vec![(at, "to ".into())]);
                        let d = self
                            .syntax(
                                "`copy` needs `to` before the destination",
                                at,
                                "`to` is missing here",
                            )
                            .with_fix(fix);
                        self.push(d);
                    }
                    None => self.missing(h, "`to` and a destination"),
                }
                error_expr(h.end)
            }
        };
        if !stage_ok {
            return StepKind::Error;
        }
        match stage {
            Some(stage) => StepKind::CopyFrom {
                stage,
                sources,
                dest,
            },
            None => StepKind::Copy { sources, dest },
        }
    }

    /// The variable name of `env NAME = …` or `arg NAME: …`, read as a value by
    /// the grammar (the step rule is one rule for all steps).
    fn step_name(&mut self, h: &mut Header, kw: &str, value: Option<P<'_>>) -> Option<Ident> {
        let Some(v) = value else {
            self.missing(h, &format!("a variable name after `{kw}`"));
            return None;
        };
        let s = span_of(&v);
        h.end = s.end as usize;
        let text = v.as_str();
        if is_ident(text) {
            return Some(Ident {
                name: text.to_string(),
                span: s,
            });
        }
        let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
        let mut d = self.syntax(
            format!("`{kw}` takes a variable name: `{kw} NAME …`"),
            s,
            "not a name",
        );
        if let Some(name) = inner.filter(|n| is_ident(n)) {
            d = d.with_fix(self.fix("remove the quotes", vec![(s, name.to_string())]));
        }
        self.push(d);
        h.broken = true;
        None
    }

    fn env_step(
        &mut self,
        h: &mut Header,
        value: Option<P<'_>>,
        default: Option<P<'_>>,
    ) -> StepKind {
        let name = self.step_name(h, "env", value);
        let value = match default {
            Some(d) => Some(self.default(h, d)),
            None => {
                let what = match &name {
                    Some(n) => format!("`=` and a value after `env {}`", n.name),
                    None => "`=` and a value".to_string(),
                };
                self.missing(h, &what);
                None
            }
        };
        match (name, value) {
            (Some(name), Some(value)) => StepKind::Env { name, value },
            _ => StepKind::Error,
        }
    }

    fn arg_step(
        &mut self,
        h: &mut Header,
        value: Option<P<'_>>,
        ty: Option<P<'_>>,
        default: Option<P<'_>>,
    ) -> StepKind {
        let name = self.step_name(h, "arg", value);
        let ty = match ty {
            Some(t) => self.type_ann(h, t),
            None => {
                self.missing(h, "a type: `arg NAME: string`");
                None
            }
        };
        let default = default.map(|d| self.default(h, d));
        match (name, ty) {
            (Some(name), Some(ty)) => StepKind::Arg { name, ty, default },
            _ => StepKind::Error,
        }
    }

    /// `with name = value, ...`.
    fn options(&mut self, h: &mut Header, pair: P<'_>) -> Vec<NamedArg> {
        let with_end = pair
            .clone()
            .into_inner()
            .next()
            .map_or(h.end, |k| k.as_span().end());
        h.end = with_end;
        let mut out = Vec::new();
        let mut want = true;
        for p in pair.into_inner() {
            let s = span_of(&p);
            match p.as_rule() {
                Rule::opt => {
                    if !want {
                        self.missing_comma(h.end, "options");
                        h.broken = true;
                    }
                    h.end = s.end as usize;
                    out.push(self.option(h, p));
                    want = false;
                }
                Rule::comma => {
                    if want {
                        self.stray_comma(s, "unexpected `,`");
                        h.broken = true;
                    }
                    h.end = s.end as usize;
                    want = true;
                }
                _ => {}
            }
        }
        if want {
            let what = if out.is_empty() {
                "an option after `with`, like `with cache = \"/root/.cache\"`"
            } else {
                "an option after `,`"
            };
            self.missing(h, what);
        }
        out
    }

    fn option(&mut self, h: &mut Header, pair: P<'_>) -> NamedArg {
        let span = span(&pair);
        let mut inner = pair.into_inner();
        let name = match inner.next() {
            Some(n) => self.ident(&n, "an option name"),
            None => missing_ident(span.start as usize),
        };
        let value = match inner.next() {
            Some(op) => {
                let op_span = span_of(&op);
                if op.as_str() == "+=" {
                    let fix = self.fix("use `=`", vec![(op_span, "=".into())]);
                    let d = self
                        .syntax("an option is given with `=`", op_span, "not `+=`")
                        .with_fix(fix);
                    self.push(d);
                    h.broken = true;
                }
                self.value_after(h, op_span, "`=`", inner.next())
            }
            None => {
                self.missing(h, &format!("`=` and a value after `{}`", name.name));
                error_expr(name.span.end as usize)
            }
        };
        NamedArg { name, value, span }
    }

    // ---- strings --------------------------------------------------------------

    fn string(&mut self, pair: P<'_>) -> StringLit {
        let span = span(&pair);
        let text = pair.as_str();
        let mut parts: Vec<StrPart> = Vec::new();
        let mut last_end = span.start as usize + 1;
        let mut dangling_escape = false;
        // An interpolation still open where the string stops (for the fix).
        let mut open_interp = false;
        for p in pair.into_inner() {
            let s = span_of(&p);
            last_end = s.end as usize;
            match p.as_rule() {
                Rule::text => {
                    open_interp = self.text_part(&mut parts, p.as_str(), s.start as usize)
                }
                Rule::escape => {
                    open_interp = false;
                    let escape = p.as_str();
                    if escape == "\\" {
                        dangling_escape = true;
                        continue;
                    }
                    match decode_escape(escape) {
                        Some(c) => push_char(&mut parts, c),
                        None => {
                            let d = Diagnostic::new(
                                Code::InvalidEscape,
                                format!("invalid escape `{escape}`"),
                                self.file,
                                s,
                                "unknown escape",
                            )
                            .with_help(
                                "write `\\\\` for a backslash; see `wbuildc explain WB0003`",
                            );
                            self.push(d);
                        }
                    }
                }
                _ => {}
            }
        }
        let closed = text.len() >= 2 && text.ends_with('"') && span.end as usize > last_end;
        if !closed {
            self.unterminated(span, open_interp, dangling_escape);
        }
        StringLit { parts, span }
    }

    fn unterminated(&mut self, span: Span, open_interp: bool, dangling_escape: bool) {
        let end = span.end as usize;
        // The closing quote goes where the text ends, but before closers at the
        // end of the line that nothing in the string opened: the string swallowed
        // them, and they were meant to follow it (`["make]` → `["make"]`).
        let body = self.slice(span);
        let trimmed = body.trim_end();
        let mut depth = [0i32; 3];
        for c in trimmed.chars() {
            match c {
                '(' => depth[0] += 1,
                ')' => depth[0] -= 1,
                '[' => depth[1] += 1,
                ']' => depth[1] -= 1,
                '{' => depth[2] += 1,
                '}' => depth[2] -= 1,
                _ => {}
            }
        }
        let mut cut = trimmed.len();
        let mut swallowed = Vec::new();
        for c in trimmed.chars().rev() {
            let slot = match c {
                ')' => 0,
                ']' => 1,
                '}' => 2,
                ' ' | '\t' => {
                    cut -= 1;
                    continue;
                }
                _ => break,
            };
            let Some(d) = depth.get_mut(slot) else { break };
            if *d >= 0 {
                break;
            }
            *d += 1;
            cut -= 1;
            swallowed.push(c);
        }
        let cut = body.get(..cut).map_or(1, |t| t.trim_end().len()).max(1);
        let at = span.start as usize + cut;
        let mut closing = String::new();
        if open_interp {
            closing.push('}');
        }
        if dangling_escape {
            closing.push('\\');
        }
        closing.push('"');
        let fix = self.fix("close the string", vec![(Span::at(at), closing)]);
        let d = self
            .syntax(
                "unterminated string",
                Span::new(span.start as usize, span.start as usize + 1),
                "this string is never closed",
            )
            .with_secondary(self.file, Span::at(end), "the line ends here")
            .with_help("a string ends on the line it starts on; write `\\n` for a line break")
            .with_fix(fix);
        self.open_strings.push(OpenString {
            end,
            diagnostic: self.diagnostics.len(),
            swallowed,
        });
        self.push(d);
    }

    /// Adds a text token to `parts`, splitting out `${name}` interpolations;
    /// returns whether an interpolation is still open at the end of the token.
    fn text_part(&mut self, parts: &mut Vec<StrPart>, text: &str, base: usize) -> bool {
        let mut rest = text;
        let mut at = base;
        while let Some(i) = rest.find("${") {
            push_text(parts, rest.get(..i).unwrap_or(""));
            let open = at + i;
            let inside = rest.get(i + 2..).unwrap_or("");
            let Some(close) = inside.find('}') else {
                // Unclosed. When the string runs to the end of the line, the
                // string's own error is the one reported (its fix closes both);
                // the half-typed name is not checked either way.
                let name = inside.trim();
                let name_end = open + 2 + (inside.len() - inside.trim_start().len()) + name.len();
                let string_ends_here = self
                    .text
                    .get(base + text.len()..)
                    .is_none_or(|r| r.is_empty() || r.starts_with('\n'));
                if string_ends_here {
                    return is_qualified(name);
                }
                let mut d = self.syntax(
                    "`${` is never closed",
                    Span::new(open, open + 2),
                    "the interpolation starts here",
                );
                if is_qualified(name) {
                    d = d.with_fix(self.fix(
                        "close the interpolation",
                        vec![(Span::at(name_end), "}".into())],
                    ));
                }
                self.push(d);
                return false;
            };
            let name_text = inside.get(..close).unwrap_or("");
            let trimmed = name_text.trim();
            let name_start = open + 2 + (name_text.len() - name_text.trim_start().len());
            if is_qualified(trimmed) {
                let mut segments = Vec::new();
                let mut seg_start = name_start;
                for seg in trimmed.split('.') {
                    let s = Span::new(seg_start, seg_start + seg.len());
                    if RESERVED.contains(&seg) {
                        let d = self.syntax(
                            format!("`{seg}` is a keyword and cannot be used as a name"),
                            s,
                            "reserved word",
                        );
                        self.push(d);
                    }
                    segments.push(Ident {
                        name: seg.to_string(),
                        span: s,
                    });
                    seg_start += seg.len() + 1;
                }
                parts.push(StrPart::Interp(QualName {
                    segments,
                    span: Span::new(name_start, name_start + trimmed.len()),
                }));
            } else {
                let whole = Span::new(open, open + 2 + close + 1);
                let message = if trimmed.is_empty() {
                    "expected a name inside `${}`"
                } else {
                    "only a name can be interpolated: `${name}` or `${module.name}`"
                };
                let d = self
                    .syntax(message, whole, "not a name")
                    .with_help("write `\\${` for a literal `${`");
                self.push(d);
            }
            let consumed = i + 2 + close + 1;
            rest = rest.get(consumed..).unwrap_or("");
            at += consumed;
        }
        push_text(parts, rest);
        false
    }
}

fn span_of(pair: &P<'_>) -> Span {
    span(pair)
}

/// The keyword a word was probably meant to be: the only one it starts (a
/// keyword half-typed), or a close one (a typo).
fn keyword_like(word: &str, keywords: &[&'static str]) -> Option<&'static str> {
    let mut prefixed = keywords.iter().filter(|k| k.starts_with(word));
    if let (Some(&only), None) = (prefixed.next(), prefixed.next()) {
        return Some(only);
    }
    suggest::did_you_mean(word, keywords.iter().copied())
}

fn is_qualified(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(is_ident)
}

fn looks_like_unquoted_key(text: &str) -> bool {
    let key_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .unwrap_or(text.len());
    key_len > 0
        && text
            .get(key_len..)
            .map(str::trim_start)
            .is_some_and(|r| r.starts_with('=') || r.starts_with(':'))
}

fn push_text(parts: &mut Vec<StrPart>, text: &str) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(StrPart::Text(t)) => t.push_str(text),
        _ => parts.push(StrPart::Text(text.to_string())),
    }
}

fn push_char(parts: &mut Vec<StrPart>, c: char) {
    match parts.last_mut() {
        Some(StrPart::Text(t)) => t.push(c),
        _ => parts.push(StrPart::Text(c.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_escapes_only() {
        assert_eq!(decode_escape("\\n"), Some('\n'));
        assert_eq!(decode_escape("\\$"), Some('$'));
        assert_eq!(decode_escape("\\q"), None);
        assert_eq!(decode_escape("\\u{1F600}"), Some('\u{1F600}'));
        assert_eq!(decode_escape("\\u{D800}"), None);
    }

    #[test]
    fn quotes_what_a_fix_inserts() {
        assert_eq!(
            quoted("echo \"hi\" ${HOME} \\"),
            "\"echo \\\"hi\\\" \\${HOME} \\\\\""
        );
    }
}
