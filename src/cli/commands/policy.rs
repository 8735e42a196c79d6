use crate::cli::args::{Common, Format};
use crate::cli::{exit, print_stdout, report_usage, session_for, use_color, UsageError};
use std::path::Path;

pub fn explain(common: &Common, file: Option<&Path>, format: Format) -> u8 {
    match run(common, file, format) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn run(common: &Common, file: Option<&Path>, format: Format) -> Result<u8, UsageError> {
    let (session, location) = session_for(common, file)?;
    if !session.problems.is_empty() {
        eprint!(
            "{}",
            session
                .compiler
                .render(&session.problems, use_color(common))
        );
    }
    if session.failed() {
        return Ok(exit::INPUT_ERRORS);
    }
    match format {
        Format::Human => print_stdout(&session.compiler.policy().explain())?,
        Format::Json => {
            let here = Path::new(".");
            let audit = crate::cli::configuration_json(
                &session,
                &[(file.unwrap_or(here), location.root.as_path())],
            );
            print_stdout(&format!("{audit}\n"))?
        }
    }
    Ok(exit::SUCCESS)
}
