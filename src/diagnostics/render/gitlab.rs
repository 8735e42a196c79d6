//! GitLab's Code Quality report (the subset of Code Climate's issue format that
//! `artifacts:reports:codequality` reads): a JSON array with an issue per
//! diagnostic, which the merge request shows beside the changed lines.
//!
//! Each issue has the code as its `check_name`, the message as `description`,
//! the rest of the diagnostic (label, notes, help) as `content.body`, the path
//! relative to the repository root and the lines. Errors are `major`, warnings
//! `minor`. The fingerprint, which GitLab uses to tell new issues from old ones,
//! hashes the code, the path, the message and how many identical issues came
//! before in the report: it stays the same when lines move above the issue.

use super::{locate_files, plain_text, printable, Artifact, SourceInfo};
use crate::diagnostics::{Diagnostic, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One issue, without its fingerprint (given when the report is whole).
#[derive(Serialize, Clone, Debug)]
pub struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    content: Content,
    severity: &'static str,
    location: Location,
    fingerprint: String,
}

#[derive(Serialize, Clone, Debug)]
struct Content {
    body: String,
}

#[derive(Serialize, Clone, Debug)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize, Clone, Copy, Debug)]
struct Lines {
    begin: u32,
    end: u32,
}

/// One issue per diagnostic whose file is known; `locate` says where each is.
pub fn issues(
    files: &[SourceInfo<'_>],
    diagnostics: &[Diagnostic],
    locate: &dyn Fn(&SourceInfo<'_>) -> Artifact,
) -> Vec<Issue> {
    let located = locate_files(files, diagnostics, locate);
    diagnostics
        .iter()
        .filter_map(|d| {
            let file = located.get(&d.primary.file)?;
            let at = file.position(d.primary.span);
            let path = match &file.artifact {
                Artifact::Repository(path) | Artifact::Elsewhere(path) => path.clone(),
                Artifact::Stdlib(name) => format!("std/{name}"),
            };
            Some(Issue {
                kind: "issue",
                check_name: d.code.as_str(),
                description: printable(&d.message),
                content: Content {
                    body: plain_text(d, true),
                },
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                location: Location {
                    path,
                    lines: Lines {
                        begin: at.line,
                        end: at.end_line,
                    },
                },
                fingerprint: String::new(),
            })
        })
        .collect()
}

/// The report: the issues in order, each with its fingerprint.
pub fn report(mut issues: Vec<Issue>) -> String {
    let mut seen: HashMap<(&'static str, String, String), usize> = HashMap::new();
    for issue in &mut issues {
        let key = (
            issue.check_name,
            issue.location.path.clone(),
            issue.description.clone(),
        );
        let occurrence = seen.entry(key).or_insert(0);
        let mut hash = Sha256::new();
        for part in [
            issue.check_name,
            &issue.location.path,
            &issue.description,
            &occurrence.to_string(),
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        *occurrence += 1;
        issue.fingerprint = hash
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
    }
    serde_json::to_string(&issues).unwrap_or_else(|_| "[]".into())
}
