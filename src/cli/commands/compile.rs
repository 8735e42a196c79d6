use crate::cli::args::{Common, Format};
use crate::cli::{exit, json_report, prepare, print_stdout, report_usage, use_color, UsageError};
use std::path::Path;

pub fn run(
    common: &Common,
    file: &Path,
    variant: &str,
    output: Option<&Path>,
    format: Format,
) -> u8 {
    match compile(common, file, variant, output, format) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn compile(
    common: &Common,
    path: &Path,
    variant: &str,
    output: Option<&Path>,
    format: Format,
) -> Result<u8, UsageError> {
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
            if output.is_none() && result.is_some() {
                // stdout carries the Dockerfile; diagnostics go to stderr.
                eprintln!("{json}");
            } else {
                print_stdout(&format!("{json}\n"))?;
            }
        }
    }
    let Some(text) = result else {
        return Ok(exit::INPUT_ERRORS);
    };
    match output {
        Some(out) => std::fs::write(out, text)
            .map_err(|e| UsageError(format!("cannot write {}: {e}", out.display())))?,
        None => print_stdout(&text)?,
    }
    Ok(exit::SUCCESS)
}
