//! The only renderers of diagnostics: terminal text (codespan-reporting), JSON,
//! and for other tools SARIF (`sarif.rs`), GitHub workflow commands
//! (`github.rs`) and GitLab's Code Quality report (`gitlab.rs`).

pub mod github;
pub mod gitlab;
pub mod sarif;

use super::{Diagnostic, Severity};
use crate::span::FileId;
use crate::span::LineIndex;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// What the renderers need to know about a file.
pub struct SourceInfo<'a> {
    pub id: FileId,
    pub path: &'a str,
    pub text: &'a str,
    /// A stdlib module (embedded, or from the organisation's directory).
    pub stdlib: bool,
}

/// How many diagnostics per file the terminal renderer shows.
pub const MAX_SHOWN_PER_FILE: usize = 200;

/// How much terminal text one call renders at most: past it, diagnostics are
/// counted instead of shown (`--format json` still lists them).
pub const MAX_RENDERED_BYTES: usize = 4 * 1024 * 1024;

/// Source lines longer than this are not quoted: the diagnostic shows its
/// location instead (a snippet repeats the whole line per diagnostic).
pub const MAX_QUOTED_LINE: usize = 1000;

/// Characters that would act on a terminal or a log viewer instead of being
/// shown: control characters (escape sequences, carriage returns, C1 controls),
/// line and paragraph separators, and bidirectional-text controls that reorder
/// what a reader sees.
pub fn is_unsafe_to_print(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text for a terminal or a log: every character that [`is_unsafe_to_print`]
/// (and line breaks) written as an escape (`\u{1B}`), everything else as is.
pub fn printable(text: &str) -> String {
    if !text.chars().any(|c| c == '\n' || is_unsafe_to_print(c)) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c == '\n' || is_unsafe_to_print(c) {
                format!("\\u{{{:X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A file's text for quoting: each unsafe character becomes as many `?` as it
/// has bytes, so that every byte offset (and so every span) stays valid. A `\r`
/// before `\n` is kept: it is a line ending, which codespan handles.
fn quotable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_at = |i: usize, c: char| {
        is_unsafe_to_print(c) && !(c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if unsafe_at(i, c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Renders diagnostics for a terminal; `color` adds ANSI colours.
pub fn to_terminal(files: &[SourceInfo<'_>], diagnostics: &[Diagnostic], color: bool) -> String {
    // Only the files a diagnostic points into are handed to codespan.
    let mut simple = SimpleFiles::new();
    let mut ids = std::collections::HashMap::new();
    let referenced: std::collections::HashSet<FileId> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.primary.file).chain(d.secondary.iter().map(|l| l.file)))
        .collect();
    let mut indexes = std::collections::HashMap::new();
    for f in files.iter().filter(|f| referenced.contains(&f.id)) {
        ids.insert(
            f.id,
            simple.add(printable(f.path), quotable(f.text).into_owned()),
        );
        indexes.insert(f.id, (f.path, f.text, LineIndex::new(f.text)));
    }
    // Each rendered diagnostic repeats its source lines, so thousands of them on one
    // long line would print gigabytes: show the first ones per file and count the rest.
    let mut shown_per_file: std::collections::HashMap<FileId, usize> =
        std::collections::HashMap::new();
    let mut hidden = 0usize;
    let config = term::Config::default();
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for d in diagnostics {
        let shown = shown_per_file.entry(d.primary.file).or_insert(0);
        if *shown >= MAX_SHOWN_PER_FILE || buffer.as_slice().len() > MAX_RENDERED_BYTES {
            hidden += 1;
            continue;
        }
        *shown += 1;
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        // A label on a very long line is shown by its location only.
        let mut label = |l: &super::Label, primary: bool| {
            let (Some(&file), Some((path, text, index))) = (ids.get(&l.file), indexes.get(&l.file))
            else {
                return;
            };
            let start = index.line_col(l.span.start);
            if index.line_len(text, start.line) > MAX_QUOTED_LINE {
                notes.push(format!(
                    "{}at {}:{}:{}: {} (the line is too long to quote)",
                    if primary { "" } else { "also " },
                    printable(path),
                    start.line + 1,
                    start.column + 1,
                    printable(&l.message)
                ));
                return;
            }
            let message = printable(&l.message);
            labels.push(if primary {
                cs::Label::primary(file, l.span.range()).with_message(message)
            } else {
                cs::Label::secondary(file, l.span.range()).with_message(message)
            });
        };
        label(&d.primary, true);
        for l in &d.secondary {
            label(l, false);
        }
        notes.extend(d.notes.iter().map(|n| printable(n)));
        match (&d.help, &d.fix) {
            (Some(help), _) => notes.push(format!("help: {}", printable(help))),
            (None, Some(fix)) => notes.push(format!("help: {}", printable(&fix.title))),
            (None, None) => {}
        }
        let diagnostic = cs::Diagnostic::new(severity)
            .with_code(d.code.as_str())
            .with_message(printable(&d.message))
            .with_labels(labels)
            .with_notes(notes);
        if term::emit_to_write_style(&mut buffer, &config, &simple, &diagnostic).is_err() {
            // Spans are clamped by construction; this is a last resort that still shows the message.
            buffer_fallback(&mut buffer, d);
        }
    }
    let mut text = String::from_utf8_lossy(buffer.as_slice()).into_owned();
    if hidden > 0 {
        text.push_str(&format!(
            "note: {hidden} more diagnostics not shown (at most {MAX_SHOWN_PER_FILE} per file); `--format json` lists them all\n"
        ));
    }
    text
}

/// The line that ends a command's terminal output: how many errors and warnings
/// it reported, and where to read more about the first one (empty when there
/// were none).
pub fn summary(reported: impl IntoIterator<Item = (Severity, super::Code)>) -> String {
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut first: Option<(Severity, super::Code)> = None;
    for (severity, code) in reported {
        match severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        // The first error, else the first warning.
        if first.is_none_or(|(s, _)| s == Severity::Warning && severity == Severity::Error) {
            first = Some((severity, code));
        }
    }
    let Some((severity, code)) = first else {
        return String::new();
    };
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let counts = match (errors, warnings) {
        (0, w) => format!("warning: {} emitted", count(w, "warning")),
        (e, 0) => format!("error: {} emitted", count(e, "error")),
        (e, w) => format!(
            "error: {}, {} emitted",
            count(e, "error"),
            count(w, "warning")
        ),
    };
    let what = if severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    format!("{counts}\nnote: `wbuildc explain {code}` explains the first {what} in detail\n")
}

fn buffer_fallback(buffer: &mut termcolor::Buffer, d: &Diagnostic) {
    use std::io::Write;
    let _ = writeln!(
        buffer,
        "{}[{}]: {}",
        if d.is_error() { "error" } else { "warning" },
        d.code,
        printable(&d.message)
    );
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    start: u32,
    end: u32,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    primary: Option<JsonLabel<'a>>,
    secondary: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    at: JsonLabel<'a>,
    replacement: &'a str,
}

/// One JSON object per diagnostic, in a list; lines and columns are 1-based
/// (columns in UTF-8 bytes), byte offsets are 0-based.
pub fn to_json<'a>(
    files: &'a [SourceInfo<'a>],
    diagnostics: &'a [Diagnostic],
) -> serde_json::Value {
    // Only the files a diagnostic points into are indexed (rendering one file's
    // diagnostics must not cost a line index of every file in the workspace).
    let referenced: std::collections::HashSet<FileId> =
        diagnostics.iter().flat_map(Diagnostic::files).collect();
    let indexes: std::collections::HashMap<FileId, (&'a str, LineIndex)> = files
        .iter()
        .filter(|f| referenced.contains(&f.id))
        .map(|f| (f.id, (f.path, LineIndex::new(f.text))))
        .collect();
    let locate =
        |file: FileId, span: crate::span::Span, message: &'a str| -> Option<JsonLabel<'a>> {
            let (path, index) = indexes.get(&file)?;
            let start = index.line_col(span.start);
            let end = index.line_col(span.end);
            Some(JsonLabel {
                file: path,
                start: span.start,
                end: span.end,
                line: start.line + 1,
                column: start.column + 1,
                end_line: end.line + 1,
                end_column: end.column + 1,
                message,
            })
        };
    let label = |l: &'a super::Label| locate(l.file, l.span, &l.message);
    let list: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity,
            message: &d.message,
            primary: label(&d.primary),
            secondary: d.secondary.iter().filter_map(label).collect(),
            notes: &d.notes,
            help: d.help.as_deref(),
            fix: d.fix.as_ref().map(|f| JsonFix {
                title: &f.title,
                edits: f
                    .edits
                    .iter()
                    .filter_map(|e| {
                        let at = locate(e.file, e.span, "")?;
                        Some(JsonEdit {
                            at,
                            replacement: &e.replacement,
                        })
                    })
                    .collect(),
            }),
            variant: d.variant.as_deref(),
        })
        .collect();
    serde_json::to_value(list).unwrap_or(serde_json::Value::Null)
}

/// Where a file a report names is, as the tools that read reports (code
/// scanning, CI annotations) want it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Artifact {
    /// In the repository: the path relative to its root, `/`-separated.
    Repository(String),
    /// A stdlib module, by its file name (`python.wbuild`).
    Stdlib(String),
    /// Anywhere else: the path as the driver knows it (absolute when it can tell).
    Elsewhere(String),
}

/// A file's text with its line index and where a report says it is.
struct Located<'a> {
    text: &'a str,
    index: LineIndex,
    artifact: Artifact,
}

/// A span as 1-based lines and columns, columns in UTF-16 code units, the end
/// exclusive (one past the last character), as SARIF's `utf16CodeUnits` and
/// GitHub's annotations count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

impl Located<'_> {
    fn position(&self, span: crate::span::Span) -> Position {
        let start = self.index.line_col_utf16(self.text, span.start);
        let end = self.index.line_col_utf16(self.text, span.end);
        Position {
            line: start.line + 1,
            column: start.column + 1,
            end_line: end.line + 1,
            end_column: end.column + 1,
        }
    }
}

/// The files `diagnostics` point into (labels and fixes), indexed once each.
fn locate_files<'a>(
    files: &'a [SourceInfo<'a>],
    diagnostics: &[Diagnostic],
    locate: &dyn Fn(&SourceInfo<'_>) -> Artifact,
) -> std::collections::HashMap<FileId, Located<'a>> {
    let referenced: std::collections::HashSet<FileId> =
        diagnostics.iter().flat_map(Diagnostic::files).collect();
    files
        .iter()
        .filter(|f| referenced.contains(&f.id))
        .map(|f| {
            let located = Located {
                text: f.text,
                index: LineIndex::new(f.text),
                artifact: locate(f),
            };
            (f.id, located)
        })
        .collect()
}

/// A diagnostic's text for a report that shows no source: the message, the
/// primary label (`with_label`, for reports that have no place of their own for
/// it), the notes and the help (or the fix's title), one per line, each made
/// [`printable`].
fn plain_text(d: &Diagnostic, with_label: bool) -> String {
    let mut lines = vec![printable(&d.message)];
    if with_label && !d.primary.message.is_empty() && d.primary.message != d.message {
        lines.push(printable(&d.primary.message));
    }
    lines.extend(d.notes.iter().map(|n| format!("note: {}", printable(n))));
    match (&d.help, &d.fix) {
        (Some(help), _) => lines.push(format!("help: {}", printable(help))),
        (None, Some(fix)) => lines.push(format!("help: {}", printable(&fix.title))),
        (None, None) => {}
    }
    lines.join("\n")
}
