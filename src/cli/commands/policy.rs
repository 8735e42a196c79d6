use crate::cli::args::Common;
use crate::cli::{apply_policy, compiler, exit, print_stdout, report_usage, use_color, UsageError};
use std::path::Path;

pub fn explain(common: &Common, file: Option<&Path>) -> u8 {
    match run(common, file) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn run(common: &Common, file: Option<&Path>) -> Result<u8, UsageError> {
    let mut compiler = compiler(common, file)?;
    let problems = apply_policy(common, &mut compiler, file)?;
    if !problems.is_empty() {
        eprint!("{}", compiler.render(&problems, use_color(common)));
        return Ok(exit::INPUT_ERRORS);
    }
    print_stdout(&compiler.policy().explain())?;
    Ok(exit::SUCCESS)
}
