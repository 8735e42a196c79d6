//! The only renderers of diagnostics: terminal text (codespan-reporting) and JSON.

use super::{Diagnostic, FileId, Severity};
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
}

/// How many diagnostics per file the terminal renderer shows.
pub const MAX_SHOWN_PER_FILE: usize = 200;

/// Renders diagnostics for a terminal; `color` adds ANSI colours.
pub fn to_terminal(files: &[SourceInfo<'_>], diagnostics: &[Diagnostic], color: bool) -> String {
    // Only the files a diagnostic points into are handed to codespan.
    let mut simple = SimpleFiles::new();
    let mut ids = std::collections::HashMap::new();
    let referenced: std::collections::HashSet<FileId> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.primary.file).chain(d.secondary.iter().map(|l| l.file)))
        .collect();
    for f in files.iter().filter(|f| referenced.contains(&f.id)) {
        ids.insert(f.id, simple.add(f.path.to_string(), f.text.to_string()));
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
        if *shown >= MAX_SHOWN_PER_FILE {
            hidden += 1;
            continue;
        }
        *shown += 1;
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = Vec::new();
        if let Some(&file) = ids.get(&d.primary.file) {
            labels.push(
                cs::Label::primary(file, d.primary.span.range()).with_message(&d.primary.message),
            );
        }
        for l in &d.secondary {
            if let Some(&file) = ids.get(&l.file) {
                labels.push(cs::Label::secondary(file, l.span.range()).with_message(&l.message));
            }
        }
        let mut notes = d.notes.clone();
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        let diagnostic = cs::Diagnostic::new(severity)
            .with_code(d.code.as_str())
            .with_message(&d.message)
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

fn buffer_fallback(buffer: &mut termcolor::Buffer, d: &Diagnostic) {
    use std::io::Write;
    let _ = writeln!(
        buffer,
        "{}[{}]: {}",
        if d.is_error() { "error" } else { "warning" },
        d.code,
        d.message
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
    let indexes: Vec<(FileId, &'a str, LineIndex)> = files
        .iter()
        .map(|f| (f.id, f.path, LineIndex::new(f.text)))
        .collect();
    let locate =
        |file: FileId, span: crate::span::Span, message: &'a str| -> Option<JsonLabel<'a>> {
            let (_, path, index) = indexes.iter().find(|(id, _, _)| *id == file)?;
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
        })
        .collect();
    serde_json::to_value(list).unwrap_or(serde_json::Value::Null)
}
