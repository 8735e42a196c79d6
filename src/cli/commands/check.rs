use crate::cli::args::{Common, DiagnosticsFormat as Format};
use crate::cli::config::{Location, Locator, Organisation, Session};
use crate::cli::report::{exception_notices, report_usage_as, ReportPaths};
use crate::cli::stdin::Stdin;
use crate::cli::{exit, load_with_stdin, print_stdout, use_color, UsageError};
use crate::diagnostics::render::{gitlab, sarif};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// Files checked by one compiler. Manifests that do not import each other are
/// independent, so a large run is split into batches, each with a fresh
/// database: memory stays bounded (the memos of one batch are freed and reused by
/// the next) instead of growing with the number of files.
const BATCH: usize = 1024;

pub fn run(
    common: &Common,
    files: &[PathBuf],
    stdin_filename: Option<&Path>,
    format: Format,
    deny_warnings: bool,
) -> u8 {
    let (files, stdin) = match crate::cli::stdin::substitute(files, stdin_filename) {
        Ok(substituted) => substituted,
        Err(e) => return report_usage_as(format, e),
    };
    let files = match crate::cli::walk::expand(&files) {
        Ok(files) => files,
        Err(e) => return report_usage_as(format, e),
    };
    match check(common, &files, stdin.as_ref(), format, deny_warnings) {
        Ok(code) => code,
        Err(e) => report_usage_as(format, e),
    }
}

/// What checking produced for one file, or for a configuration's own files.
#[derive(Default)]
struct Output {
    human: String,
    /// Severity and code of each diagnostic, for the closing count.
    tally: Vec<(crate::Severity, crate::Code)>,
    diagnostics: Vec<serde_json::Value>,
    exceptions: Vec<serde_json::Value>,
    sarif: Vec<sarif::SarifResult>,
    gitlab: Vec<gitlab::Issue>,
    /// `--format github`: the workflow commands.
    github: String,
}

/// Each file is checked under its own configuration (repository root, policy
/// layers): files are grouped by it, each group gets its own compiler, and the
/// output keeps the order of the command line.
fn check(
    common: &Common,
    files: &[PathBuf],
    stdin: Option<&Stdin>,
    format: Format,
    deny_warnings: bool,
) -> Result<u8, UsageError> {
    let org = Organisation::load(common)?;
    let mut locator = Locator::default();
    type Group = (Location, Vec<(usize, PathBuf)>);
    type Configuration = (Vec<PathBuf>, Vec<PathBuf>, Option<PathBuf>);
    let mut groups: IndexMap<Configuration, Group> = IndexMap::new();
    for (index, path) in files.iter().enumerate() {
        let location = locator.locate(common, Some(path))?;
        let root = location.root.clone();
        groups
            .entry(location.configuration())
            .or_insert_with(|| (location, Vec::new()))
            .1
            .push((index, root));
    }
    // Reports for other tools name files relative to the first file's repository.
    let report_paths = ReportPaths::new(groups.values().next().map(|(l, _)| l.root.as_path()));
    let mut failed = false;
    let mut per_file: Vec<Output> = files.iter().map(|_| Output::default()).collect();
    // Problems of a configuration (its policy files) are shown before its first file.
    let mut before_file: Vec<Output> = files.iter().map(|_| Output::default()).collect();
    let mut configurations = Vec::new();
    for (location, members) in groups.values() {
        let paths: Vec<(&Path, &Path)> = members
            .iter()
            .filter_map(|(i, root)| files.get(*i).map(|p| (p.as_path(), root.as_path())))
            .collect();
        let mut audit = None;
        for batch in members.chunks(BATCH) {
            let session = Session::new(&org, location, common.release)?;
            if audit.is_none() {
                audit = Some(crate::cli::configuration_json(&session, &paths));
                if !session.problems.is_empty() {
                    failed |= session.failed();
                    if let Some(slot) = members.first().and_then(|(i, _)| before_file.get_mut(*i)) {
                        *slot = render(
                            &session,
                            &session.problems,
                            &[],
                            common,
                            format,
                            &report_paths,
                        );
                    }
                }
            }
            if session.failed() {
                // The policy is not what the organisation and repository say: check nothing.
                break;
            }
            let batch_files: Vec<(PathBuf, PathBuf)> = batch
                .iter()
                .filter_map(|(i, root)| files.get(*i).map(|p| (p.clone(), root.clone())))
                .collect();
            let outputs = check_batch(
                session,
                common,
                &batch_files,
                stdin,
                (format, &report_paths),
                &mut failed,
            )?;
            for ((index, _), output) in batch.iter().zip(outputs) {
                if let Some(slot) = per_file.get_mut(*index) {
                    *slot = output;
                }
            }
        }
        configurations.extend(audit);
    }
    // `--deny-warnings`: a warning anywhere fails the run as an error does.
    let warned = before_file.iter().chain(&per_file).any(|o| {
        o.tally.iter().any(|(s, _)| *s == crate::Severity::Warning)
            || o.diagnostics.iter().any(|d| d["severity"] == "warning")
    });
    failed |= deny_warnings && warned;
    let outputs = before_file
        .into_iter()
        .zip(per_file)
        .flat_map(|(a, b)| [a, b]);
    match format {
        Format::Human => {
            let mut text = String::new();
            let mut tally = Vec::new();
            for output in outputs {
                text.push_str(&output.human);
                tally.extend(output.tally);
            }
            text.push_str(&crate::diagnostics::render::summary(tally));
            eprint!("{text}");
        }
        Format::Json => {
            let mut diagnostics = Vec::new();
            let mut exceptions = Vec::new();
            for output in outputs {
                diagnostics.extend(output.diagnostics);
                exceptions.extend(output.exceptions);
            }
            let report = serde_json::json!({
                "version": crate::cli::REPORT_VERSION,
                "diagnostics": diagnostics,
                "exceptions": exceptions,
                "configurations": configurations,
            });
            print_stdout(&format!("{report}\n"))?
        }
        Format::Sarif => {
            let results = outputs.flat_map(|o| o.sarif).collect();
            let outcome = sarif::Outcome {
                exit_code: exit_code(failed),
                errors: Vec::new(),
            };
            let log = sarif::log(results, report_paths.root().as_deref(), &outcome);
            print_stdout(&format!("{log}\n"))?
        }
        Format::Gitlab => {
            let issues = outputs.flat_map(|o| o.gitlab).collect();
            print_stdout(&format!("{}\n", gitlab::report(issues)))?
        }
        Format::Github => {
            let mut commands = String::new();
            let mut tally = Vec::new();
            for output in outputs {
                commands.push_str(&output.github);
                tally.extend(output.tally);
            }
            print_stdout(&commands)?;
            // The log's reader sees the annotations; the count is for the log itself.
            eprint!("{}", crate::diagnostics::render::summary(tally));
        }
    }
    Ok(exit_code(failed))
}

fn exit_code(failed: bool) -> u8 {
    if failed {
        exit::INPUT_ERRORS
    } else {
        exit::SUCCESS
    }
}

fn render(
    session: &Session,
    diagnostics: &[crate::Diagnostic],
    exceptions: &[crate::policy::Exception],
    common: &Common,
    format: Format,
    paths: &ReportPaths,
) -> Output {
    let tally = diagnostics.iter().map(crate::Diagnostic::tally).collect();
    let locate = |file: &crate::diagnostics::render::SourceInfo<'_>| paths.locate(file);
    match format {
        Format::Human => Output {
            human: session.compiler.render(diagnostics, use_color(common)),
            tally,
            ..Output::default()
        },
        Format::Json => {
            let list = session.compiler.render_json(diagnostics);
            Output {
                diagnostics: list.as_array().cloned().unwrap_or_default(),
                exceptions: crate::cli::exceptions_json(&session.compiler, exceptions),
                ..Output::default()
            }
        }
        Format::Sarif => Output {
            tally,
            sarif: session.compiler.render_sarif(diagnostics, &locate),
            ..Output::default()
        },
        Format::Gitlab => Output {
            tally,
            gitlab: session.compiler.render_gitlab(diagnostics, &locate),
            ..Output::default()
        },
        Format::Github => Output {
            tally,
            github: session.compiler.render_github(diagnostics, &locate)
                + &exception_notices(&session.compiler, exceptions, paths),
            ..Output::default()
        },
    }
}

/// Checks one batch of files that share a configuration; one output per file.
/// Each file comes with its repository's root.
fn check_batch(
    mut session: Session,
    common: &Common,
    files: &[(PathBuf, PathBuf)],
    stdin: Option<&Stdin>,
    (format, paths): (Format, &ReportPaths),
    failed: &mut bool,
) -> Result<Vec<Output>, UsageError> {
    let loaded = load_with_stdin(&mut session, files, stdin)?;
    let checked = session.compiler.check_all(&loaded);
    let mut outputs = Vec::new();
    for ((file, (path, _)), mut diagnostics) in loaded.iter().zip(files).zip(checked) {
        diagnostics.extend(crate::cli::context_problems(
            &session.compiler,
            *file,
            &crate::cli::default_context(path),
        ));
        crate::diagnostics::sort(&mut diagnostics);
        *failed |= diagnostics.iter().any(crate::Diagnostic::is_error);
        let exceptions = session.compiler.exceptions(*file);
        outputs.push(render(
            &session,
            &diagnostics,
            &exceptions,
            common,
            format,
            paths,
        ));
    }
    Ok(outputs)
}
