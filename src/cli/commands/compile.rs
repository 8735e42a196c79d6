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
    let (compiler, file, problems) = prepare(common, path)?;
    let (result, diagnostics) = if !problems.is_empty() {
        (None, problems)
    } else {
        let escapes =
            crate::cli::context_escapes(&compiler, file, &crate::cli::default_context(path));
        match compiler.compile(file, variant) {
            _ if !escapes.is_empty() => (None, escapes),
            Ok(text) => (Some(text), compiler.check(file)),
            Err(diagnostics) => (None, diagnostics),
        }
    };
    match format {
        Format::Human => eprint!("{}", compiler.render(&diagnostics, use_color(common))),
        Format::Json => {
            let json = json_report(&compiler, &diagnostics, &compiler.exceptions(file));
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
