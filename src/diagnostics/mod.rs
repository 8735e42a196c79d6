//! Diagnostics are plain data: a stable code, a severity, a message, a primary
//! label, secondary labels, notes and a help line.
//!
//! Invariant: every phase produces [`Diagnostic`] values and nothing else; only
//! `render` turns them into text (terminal, JSON, SARIF, GitHub workflow
//! commands, GitLab Code Quality), and the language server converts the same
//! struct.

pub mod codes;
mod explain;
pub mod render;
pub mod suggest;

pub use codes::Code;

use crate::span::{FileId, Span};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// A machine-applicable fix (editors offer it as a quick fix).
    pub fix: Option<Fix>,
    /// The variant the diagnostic is about, when it is about one.
    pub variant: Option<String>,
}

/// A fix: text edits that resolve the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Replace `span` in `file` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

/// The longest message, label, note or help a diagnostic keeps: they quote what
/// the user wrote, and a 64 KiB name must not make every diagnostic 64 KiB.
pub const MAX_TEXT: usize = 1024;

fn bounded(text: String) -> String {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} more bytes)",
        text.get(..end).unwrap_or(""),
        text.len() - end
    )
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        file: FileId,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: bounded(message.into()),
            primary: Label {
                file,
                span,
                message: bounded(label.into()),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
            variant: None,
        }
    }

    /// Says which variant the diagnostic is about (kept when it is set already:
    /// the innermost phase knows best).
    pub fn for_variant(mut self, variant: &str) -> Self {
        if self.variant.is_none() {
            self.variant = Some(variant.to_string());
        }
        self
    }

    pub fn with_secondary(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: bounded(label.into()),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(bounded(note.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(bounded(help.into()));
        self
    }

    /// Sets the help line only when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if let Some(help) = help {
            self.help = Some(bounded(help));
        }
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_fix_opt(self, fix: Option<Fix>) -> Self {
        match fix {
            Some(fix) => self.with_fix(fix),
            None => self,
        }
    }

    /// A fix that replaces the text under the primary label.
    pub fn with_replacement(
        self,
        title: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        let edit = Edit {
            file: self.primary.file,
            span: self.primary.span,
            replacement: replacement.into(),
        };
        self.with_fix(Fix {
            title: title.into(),
            edits: vec![edit],
        })
    }

    /// "Did you mean `x`?" for the name under the primary label, when a candidate
    /// is close enough (never the name itself), with the fix that writes it.
    pub fn with_did_you_mean<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        match suggest::did_you_mean(name, candidates) {
            Some(candidate) => self
                .with_help(format!("did you mean `{candidate}`?"))
                .with_replacement(format!("replace with `{candidate}`"), candidate),
            None => self,
        }
    }

    /// [`Diagnostic::with_did_you_mean`], or `otherwise` as the help when no
    /// candidate is close.
    pub fn with_did_you_mean_or<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        otherwise: impl FnOnce() -> String,
    ) -> Self {
        let d = self.with_did_you_mean(name, candidates);
        if d.help.is_some() {
            d
        } else {
            d.with_help(otherwise())
        }
    }

    /// The diagnostic on the heap, for `Result`s that would otherwise be large.
    pub fn into_boxed(self) -> Box<Diagnostic> {
        Box::new(self)
    }

    /// Every file the diagnostic points into: its labels and its fix's edits.
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        std::iter::once(self.primary.file)
            .chain(self.secondary.iter().map(|l| l.file))
            .chain(self.fix.iter().flat_map(|f| f.edits.iter().map(|e| e.file)))
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// What the terminal's closing count reads (see [`render::summary`]).
    pub fn tally(&self) -> (Severity, Code) {
        (self.severity, self.code)
    }
}

/// Folds diagnostics that report one mistake in several places (the same code
/// and message in the same file, where `same_mistake` says so) into the first:
/// the others become its secondary labels ("also here"), and when each has a fix
/// with the same title, the fix does all their edits. The order is kept.
pub fn fold_repeats(
    diagnostics: Vec<Diagnostic>,
    same_mistake: impl Fn(&Diagnostic, &Diagnostic) -> bool,
) -> Vec<Diagnostic> {
    // The latest diagnostic of each (code, message, file) that others fold into:
    // linear however many repeats a hostile file has.
    let mut targets: std::collections::HashMap<(Code, String, FileId), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let key = (d.code, d.message.clone(), d.primary.file);
        let first = targets
            .get(&key)
            .and_then(|&i| out.get_mut(i))
            .filter(|f| same_mistake(f, &d));
        let Some(first) = first else {
            targets.insert(key, out.len());
            out.push(d);
            continue;
        };
        match (&mut first.fix, d.fix) {
            (Some(fix), Some(other)) if fix.title == other.title => {
                for edit in other.edits {
                    if !fix.edits.contains(&edit) {
                        fix.edits.push(edit);
                    }
                }
            }
            (fix, _) => *fix = None,
        }
        if first.secondary.len() < MAX_REPEATS_SHOWN {
            first.secondary.push(Label {
                message: "also here".into(),
                ..d.primary
            });
        }
    }
    out
}

/// The most "also here" labels one folded diagnostic shows.
const MAX_REPEATS_SHOWN: usize = 16;

/// Sorts diagnostics into a stable reading order: file, position, code.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.primary.file, a.primary.span, a.code, &a.message).cmp(&(
            b.primary.file,
            b.primary.span,
            b.code,
            &b.message,
        ))
    });
}

/// The most diagnostics one file reports: past them, one more says how many
/// were left out. A file of 400 KB can hold 40,000 mistakes; listing them all
/// helps nobody and would make the report grow with the input.
pub const MAX_PER_FILE: usize = 1000;

/// Keeps the first [`MAX_PER_FILE`] diagnostics of a sorted list (errors first
/// among the ones cut) and says how many more there were.
pub fn limit(diagnostics: &mut Vec<Diagnostic>, file: FileId) {
    if diagnostics.len() <= MAX_PER_FILE {
        return;
    }
    let more = diagnostics.len() - MAX_PER_FILE;
    let last = diagnostics
        .get(MAX_PER_FILE - 1)
        .map_or(Span::default(), |d| d.primary.span);
    diagnostics.truncate(MAX_PER_FILE);
    diagnostics.push(
        Diagnostic::new(
            Code::TooComplex,
            format!("{more} more diagnostics in this file are not listed"),
            file,
            last,
            "the list stops after this one",
        )
        .with_help("fix the ones above (often one mistake causes many) and check again"),
    );
}
