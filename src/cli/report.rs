//! What the reports for other tools (`--format sarif`, `--format github`) need
//! from the driver: where each file is relative to the repository root, the
//! policy exceptions as notices, and usage problems in the report's own terms.

use crate::cli::args::DiagnosticsFormat;
use crate::cli::{exit, print_stdout, report_usage, report_usage_json, UsageError};
use crate::diagnostics::render::{github, sarif, Artifact, SourceInfo};
use std::path::{Component, Path, PathBuf};

/// Says where the files a report names are: paths relative to the repository
/// root (canonical, as the locator finds it) for the files in it.
pub(crate) struct ReportPaths {
    root: Option<PathBuf>,
    cwd: Option<PathBuf>,
}

impl ReportPaths {
    pub fn new(root: Option<&Path>) -> ReportPaths {
        ReportPaths {
            root: root.map(Path::to_path_buf),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// The repository root, as text (the SARIF log's `%SRCROOT%`).
    pub fn root(&self) -> Option<String> {
        self.root
            .as_deref()
            .map(|root| root.to_string_lossy().into_owned())
    }

    /// Where a file the compiler knows is.
    pub fn locate(&self, file: &SourceInfo<'_>) -> Artifact {
        match file.path.strip_prefix("std/") {
            Some(name) if file.stdlib => Artifact::Stdlib(name.to_string()),
            _ => self.locate_path(file.path),
        }
    }

    /// Where the user's file the compiler knows as `path` is.
    pub fn locate_path(&self, path: &str) -> Artifact {
        let given = Path::new(path);
        let absolute = match (&self.cwd, given.is_absolute()) {
            (Some(cwd), false) => cwd.join(given),
            _ => given.to_path_buf(),
        };
        // The directory resolved as the root was, the file name kept: a manifest
        // reached through a link is named where the user named it.
        let absolute = match (absolute.parent(), absolute.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                .map(|dir| dir.join(name))
                .unwrap_or(absolute.clone()),
            _ => absolute,
        };
        let relative = self
            .root
            .as_deref()
            .and_then(|root| absolute.strip_prefix(root).ok());
        match relative {
            Some(relative) => {
                let parts: Vec<String> = relative
                    .components()
                    .filter_map(|c| match c {
                        Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect();
                Artifact::Repository(parts.join("/"))
            }
            None => Artifact::Elsewhere(absolute.to_string_lossy().into_owned()),
        }
    }
}

/// The policy exceptions that applied, as `::notice` annotations where they are
/// written: a reviewer sees every exception a change relies on.
pub(crate) fn exception_notices(
    compiler: &crate::Compiler,
    exceptions: &[crate::policy::Exception],
    paths: &ReportPaths,
) -> String {
    let mut out = String::new();
    for e in exceptions {
        let (path, line) = compiler.location(e.origin);
        let place = match paths.locate_path(&path) {
            Artifact::Repository(file) => Some(github::Place {
                file,
                line,
                ..github::Place::default()
            }),
            Artifact::Stdlib(_) | Artifact::Elsewhere(_) => None,
        };
        let title = format!("policy exception {}", e.rule);
        let message = format!(
            "variant `{}` is excepted from `{}`: {}",
            crate::diagnostics::render::printable(&e.variant),
            crate::diagnostics::render::printable(&e.rule),
            crate::diagnostics::render::printable(&e.reason)
        );
        out.push_str(&github::command(
            github::Level::Notice,
            place.as_ref(),
            &title,
            &message,
        ));
    }
    out
}

/// A usage or I/O problem, reported as the format reports it (the message is on
/// standard error too), exit 2.
pub(crate) fn report_usage_as(format: DiagnosticsFormat, e: UsageError) -> u8 {
    match format {
        DiagnosticsFormat::Human => report_usage(e),
        DiagnosticsFormat::Json => report_usage_json(e),
        DiagnosticsFormat::Sarif => {
            let outcome = sarif::Outcome {
                exit_code: exit::USAGE,
                errors: vec![e.0.clone()],
            };
            let _ = print_stdout(&format!("{}\n", sarif::log(Vec::new(), None, &outcome)));
            report_usage(e)
        }
        DiagnosticsFormat::Gitlab => {
            // An empty report keeps the artifact readable; the job fails on the exit code.
            let _ = print_stdout("[]\n");
            report_usage(e)
        }
        DiagnosticsFormat::Github => {
            let message = crate::diagnostics::render::printable(&e.0);
            let line = github::command(github::Level::Error, None, "wbuildc", &message);
            let _ = print_stdout(&line);
            report_usage(e)
        }
    }
}
