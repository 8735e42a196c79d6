//! GitHub Actions workflow commands: one `::error` or `::warning` line per
//! diagnostic, which the runner shows as an annotation on the file and line
//! (and on the pull request's diff).
//!
//! Lines and columns are 1-based, columns in UTF-16 code units, the end column
//! one past the last character. A file outside the repository (a stdlib module)
//! cannot be annotated: its line names no file and the message says where.
//! Everything the user wrote is escaped as GitHub documents: in the message
//! `%`, `\r` and `\n`; in properties also `:` and `,`. So no text can end a
//! command early or start another one.

use super::{locate_files, plain_text, printable, Artifact, SourceInfo};
use crate::diagnostics::{Diagnostic, Severity};

/// The kinds of annotation a workflow command makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// The message of a workflow command: `%`, `\r` and `\n` escaped.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command: [`escape_data`], and `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Where an annotation goes: a file of the repository, a line and columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: u32,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
}

/// One workflow command line (with its `\n`).
pub fn command(level: Level, place: Option<&Place>, title: &str, message: &str) -> String {
    let mut properties = Vec::new();
    if let Some(place) = place {
        properties.push(format!("file={}", escape_property(&place.file)));
        properties.push(format!("line={}", place.line));
        let numbers = [
            ("col", place.column),
            ("endLine", place.end_line),
            ("endColumn", place.end_column),
        ];
        for (name, value) in numbers {
            if let Some(value) = value {
                properties.push(format!("{name}={value}"));
            }
        }
    }
    properties.push(format!("title={}", escape_property(title)));
    format!(
        "::{} {}::{}\n",
        level.command(),
        properties.join(","),
        escape_data(message)
    )
}

/// One command per diagnostic; `locate` says where each file is.
pub fn commands(
    files: &[SourceInfo<'_>],
    diagnostics: &[Diagnostic],
    locate: &dyn Fn(&SourceInfo<'_>) -> Artifact,
) -> String {
    let located = locate_files(files, diagnostics, locate);
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let title = format!("{} {}", d.code, d.code.title());
        let mut text = plain_text(d, true);
        let mut place = None;
        if let Some(file) = located.get(&d.primary.file) {
            let at = file.position(d.primary.span);
            match &file.artifact {
                Artifact::Repository(path) => {
                    place = Some(Place {
                        file: path.clone(),
                        line: at.line,
                        column: Some(at.column),
                        end_line: Some(at.end_line),
                        end_column: Some(at.end_column),
                    });
                }
                Artifact::Stdlib(name) => {
                    text = format!(
                        "stdlib {}:{}:{}: {text}",
                        printable(name),
                        at.line,
                        at.column
                    );
                }
                Artifact::Elsewhere(path) => {
                    text = format!("{}:{}:{}: {text}", printable(path), at.line, at.column);
                }
            }
        }
        out.push_str(&command(level, place.as_ref(), &title, &text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_github_documents() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let place = Place {
            file: "dir,x/a:b.wbuild".into(),
            line: 3,
            column: Some(2),
            end_line: Some(3),
            end_column: Some(9),
        };
        assert_eq!(
            command(Level::Warning, Some(&place), "WB2001 t", "m\n::x"),
            "::warning file=dir%2Cx/a%3Ab.wbuild,line=3,col=2,endLine=3,endColumn=9,title=WB2001 t::m%0A::x\n"
        );
    }
}
