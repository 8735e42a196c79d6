use crate::cli::args::{Common, DiagnosticsFormat as Format};
use crate::cli::report::{exception_notices, report_usage_as, ReportPaths};
use crate::cli::{exit, json_report, prepare, print_stdout, use_color, UsageError};
use crate::diagnostics::render::{gitlab, sarif};
use std::path::Path;

pub fn run(
    common: &Common,
    file: &Path,
    variant: &str,
    output: Option<&Path>,
    format: Format,
    check: bool,
) -> u8 {
    match compile(common, file, variant, output, format, check) {
        Ok(code) => code,
        Err(e) => report_usage_as(format, e),
    }
}

fn compile(
    common: &Common,
    path: &Path,
    variant: &str,
    output: Option<&Path>,
    format: Format,
    check: bool,
) -> Result<u8, UsageError> {
    if check && output.is_none() {
        return Err(UsageError(
            "--check compares with a committed Dockerfile: name it with --output FILE".into(),
        ));
    }
    let prepared = prepare(common, path)?;
    let (session, file) = (&prepared.session, prepared.file);
    let compiler = &session.compiler;
    let (result, diagnostics) = if session.failed() {
        (None, session.problems.clone())
    } else {
        let escapes =
            crate::cli::context_problems(compiler, file, &crate::cli::default_context(path));
        let mut warnings = session.problems.clone();
        match compiler.compile(file, variant) {
            _ if !escapes.is_empty() => (None, escapes),
            Ok(text) => {
                warnings.extend(compiler.check(file));
                (Some(text), warnings)
            }
            Err(diagnostics) => {
                warnings.extend(diagnostics);
                (None, warnings)
            }
        }
    };
    // Reports go to stdout, unless it carries the Dockerfile: then to stderr.
    let report = |text: &str| -> Result<(), UsageError> {
        if output.is_none() && result.is_some() {
            eprint!("{text}");
            Ok(())
        } else {
            print_stdout(text)
        }
    };
    let paths = ReportPaths::new(Some(&prepared.root));
    let locate = |file: &crate::diagnostics::render::SourceInfo<'_>| paths.locate(file);
    match format {
        Format::Human => eprint!(
            "{}{}",
            compiler.render(&diagnostics, use_color(common)),
            crate::diagnostics::render::summary(diagnostics.iter().map(crate::Diagnostic::tally))
        ),
        Format::Json => {
            let json = json_report(
                session,
                (path, &prepared.root),
                &diagnostics,
                &compiler.exceptions(file),
            );
            report(&format!("{json}\n"))?;
        }
        Format::Sarif => {
            let outcome = sarif::Outcome {
                exit_code: if result.is_some() {
                    exit::SUCCESS
                } else {
                    exit::INPUT_ERRORS
                },
                errors: Vec::new(),
            };
            let results = compiler.render_sarif(&diagnostics, &locate);
            report(&format!(
                "{}\n",
                sarif::log(results, paths.root().as_deref(), &outcome)
            ))?;
        }
        Format::Gitlab => {
            let issues = compiler.render_gitlab(&diagnostics, &locate);
            report(&format!("{}\n", gitlab::report(issues)))?;
        }
        Format::Github => {
            let commands = compiler.render_github(&diagnostics, &locate)
                + &exception_notices(compiler, &compiler.exceptions(file), &paths);
            report(&commands)?;
            eprint!(
                "{}",
                crate::diagnostics::render::summary(
                    diagnostics.iter().map(crate::Diagnostic::tally)
                )
            );
        }
    }
    let Some(text) = result else {
        return Ok(exit::INPUT_ERRORS);
    };
    if check {
        return stale(output, &text, path, variant);
    }
    match output {
        Some(out) => std::fs::write(out, text)
            .map_err(|e| UsageError(format!("cannot write {}: {e}", out.display())))?,
        None => print_stdout(&text)?,
    }
    Ok(exit::SUCCESS)
}

/// `--check`: whether the committed Dockerfile `output` is what the manifest
/// compiles to now; when not, the difference as a unified diff on stdout.
fn stale(
    output: Option<&Path>,
    text: &str,
    manifest: &Path,
    variant: &str,
) -> Result<u8, UsageError> {
    let Some(out) = output else {
        return Ok(exit::USAGE);
    };
    let committed = match std::fs::read(out) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(UsageError(format!("cannot read {}: {e}", out.display()))),
    };
    if committed == text {
        eprintln!("{} is up to date", out.display());
        return Ok(exit::SUCCESS);
    }
    let shown = out.display().to_string();
    let diff = similar::TextDiff::from_lines(committed.as_str(), text)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &format!("{shown} (compiled now)"))
        .to_string();
    print_stdout(&diff)?;
    eprintln!(
        "error: {shown} is stale: run `wbuildc compile {} --variant {variant} --output {shown}`",
        manifest.display()
    );
    Ok(exit::INPUT_ERRORS)
}
