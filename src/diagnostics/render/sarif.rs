//! SARIF 2.1.0 (the OASIS standard that code-scanning services read): one run of
//! `wbuildc`, a rule per diagnostic code of `codes.rs`, a result per diagnostic.
//!
//! Paths are relative to the repository root, named by the `%SRCROOT%` base;
//! stdlib modules by `WBUILD_STDLIB`. Regions carry both lines and columns
//! (1-based, columns in UTF-16 code units, the run says so with `columnKind`) and
//! the byte range, which is what spans are. Secondary labels are related
//! locations, fixes are replacements, and the variant is `properties.variant`.
//! Problems that stop a run (usage, I/O) are the invocation's notifications.
//! The output is a function of the diagnostics: no time, no machine name.

use super::{locate_files, plain_text, printable, Artifact, Located, SourceInfo};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::span::{FileId, Span};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The schema the log says it follows (the OASIS 2.1.0 errata 01 schema).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base of paths in the repository.
pub const SRCROOT: &str = "%SRCROOT%";

/// The base of stdlib modules (embedded in wbuildc, or the organisation's
/// `--stdlib` directory).
pub const STDLIB: &str = "WBUILD_STDLIB";

/// One result, ready to be put into a log (`check` renders each file's
/// diagnostics on their own and writes one log at the end).
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize, Clone, Debug)]
struct Message {
    text: String,
}

fn message(text: impl Into<String>) -> Message {
    Message { text: text.into() }
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize, Clone, Copy, Debug)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    byte_offset: u32,
    byte_length: u32,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Fix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Content,
}

#[derive(Serialize, Clone, Debug)]
struct Content {
    text: String,
}

#[derive(Serialize, Clone, Debug)]
struct ResultProperties {
    /// The variant the diagnostic is about.
    variant: String,
}

/// A percent-encoded URI path: everything but unreserved characters, sub-delims,
/// `@` and `/` is escaped (`:` too, so that a relative path never reads as a
/// scheme).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `file:` URI of an absolute path (a directory's ends with `/`, as a base
/// URI must).
pub fn file_uri(path: &str, directory: bool) -> String {
    let mut uri = format!("file://{}", encode_path(path));
    if directory && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn artifact_location(artifact: &Artifact) -> ArtifactLocation {
    match artifact {
        Artifact::Repository(path) => ArtifactLocation {
            uri: encode_path(path),
            uri_base_id: Some(SRCROOT),
        },
        Artifact::Stdlib(name) => ArtifactLocation {
            uri: encode_path(name),
            uri_base_id: Some(STDLIB),
        },
        Artifact::Elsewhere(path) if path.starts_with('/') => ArtifactLocation {
            uri: file_uri(path, false),
            uri_base_id: None,
        },
        Artifact::Elsewhere(path) => ArtifactLocation {
            uri: encode_path(path),
            uri_base_id: None,
        },
    }
}

fn region(file: &Located<'_>, span: Span) -> Region {
    let at = file.position(span);
    Region {
        start_line: at.line,
        start_column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        byte_offset: span.start,
        byte_length: span.end.saturating_sub(span.start),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_index(code: Code) -> usize {
    Code::ALL.iter().position(|&c| c == code).unwrap_or(0)
}

/// One result per diagnostic; `locate` says where each file is.
pub fn results(
    files: &[SourceInfo<'_>],
    diagnostics: &[Diagnostic],
    locate: &dyn Fn(&SourceInfo<'_>) -> Artifact,
) -> Vec<SarifResult> {
    let located = locate_files(files, diagnostics, locate);
    diagnostics.iter().map(|d| result(&located, d)).collect()
}

fn result(located: &HashMap<FileId, Located<'_>>, d: &Diagnostic) -> SarifResult {
    let place = |file: FileId, span: Span, text: &str, id: Option<usize>| {
        let at = located.get(&file)?;
        Some(Location {
            id,
            physical_location: PhysicalLocation {
                artifact_location: artifact_location(&at.artifact),
                region: region(at, span),
            },
            message: (!text.is_empty()).then(|| message(printable(text))),
        })
    };
    let locations = place(d.primary.file, d.primary.span, &d.primary.message, None)
        .into_iter()
        .collect();
    let related_locations = d
        .secondary
        .iter()
        .enumerate()
        .filter_map(|(i, l)| place(l.file, l.span, &l.message, Some(i + 1)))
        .collect();
    let fixes = d
        .fix
        .iter()
        .map(|fix| {
            // One change per file, in the order the edits name them.
            let mut changes: Vec<ArtifactChange> = Vec::new();
            for edit in &fix.edits {
                let Some(at) = located.get(&edit.file) else {
                    continue;
                };
                let artifact_location = artifact_location(&at.artifact);
                let replacement = Replacement {
                    deleted_region: region(at, edit.span),
                    inserted_content: Content {
                        text: edit.replacement.clone(),
                    },
                };
                match changes
                    .iter_mut()
                    .find(|c| c.artifact_location == artifact_location)
                {
                    Some(change) => change.replacements.push(replacement),
                    None => changes.push(ArtifactChange {
                        artifact_location,
                        replacements: vec![replacement],
                    }),
                }
            }
            Fix {
                description: message(printable(&fix.title)),
                artifact_changes: changes,
            }
        })
        .filter(|fix| !fix.artifact_changes.is_empty())
        .collect();
    SarifResult {
        rule_id: d.code.as_str(),
        rule_index: rule_index(d.code),
        level: level(d.severity),
        message: message(plain_text(d, false)),
        locations,
        related_locations,
        fixes,
        properties: d.variant.as_ref().map(|variant| ResultProperties {
            variant: variant.clone(),
        }),
    }
}

/// How the run went: its exit code, and the problems that stopped it (usage,
/// I/O), which make it unsuccessful.
pub struct Outcome {
    pub exit_code: u8,
    pub errors: Vec<String>,
}

/// The log of one run: the rules of every code, the results, the invocation.
/// `root` is the repository root's absolute path, when one is known.
pub fn log(results: Vec<SarifResult>, root: Option<&str>, outcome: &Outcome) -> String {
    let mut bases = BTreeMap::new();
    if let Some(root) = root {
        bases.insert(
            SRCROOT,
            BaseUri {
                uri: Some(file_uri(root, true)),
                description: message("The repository root."),
            },
        );
    }
    bases.insert(
        STDLIB,
        BaseUri {
            uri: None,
            description: message(
                "wbuildc's standard library: the modules embedded in wbuildc, or the organisation's --stdlib directory.",
            ),
        },
    );
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "wbuildc",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: Code::ALL.iter().map(|&c| rule(c)).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: outcome.errors.is_empty(),
                exit_code: outcome.exit_code,
                tool_execution_notifications: outcome
                    .errors
                    .iter()
                    .map(|e| Notification {
                        level: "error",
                        message: message(printable(e)),
                    })
                    .collect(),
            }],
            original_uri_base_ids: bases,
            column_kind: "utf16CodeUnits",
            default_encoding: "utf-8",
            results,
        }],
    };
    serde_json::to_string(&log).unwrap_or_default()
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    column_kind: &'static str,
    default_encoding: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct BaseUri {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Message,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: String,
    /// The explanations are written in Markdown (backticks, indented examples).
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    exit_code: u8,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

/// A code's rule: its title, the first paragraph of its explanation as the full
/// description, the whole explanation (as `wbuildc explain` prints it) as help.
fn rule(code: Code) -> Rule {
    let explanation = code.explain();
    let first = explanation
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let help = format!("{explanation}\n\n`wbuildc explain {code}` prints this explanation.");
    Rule {
        id: code.as_str(),
        name: code.name(),
        short_description: message(code.title()),
        full_description: message(first),
        help: Help {
            text: help.clone(),
            markdown: help,
        },
        default_configuration: Configuration {
            level: level(code.default_severity()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_and_never_read_as_a_scheme() {
        assert_eq!(
            encode_path("a b/c%d#e?.wbuild"),
            "a%20b/c%25d%23e%3F.wbuild"
        );
        assert_eq!(encode_path("x:y/é"), "x%3Ay/%C3%A9");
        assert_eq!(file_uri("/work/repo", true), "file:///work/repo/");
    }

    #[test]
    fn rules_follow_the_code_table() {
        for (i, &code) in Code::ALL.iter().enumerate() {
            assert_eq!(rule_index(code), i);
            assert!(!rule(code).full_description.text.is_empty(), "{code}");
        }
    }
}
