use crate::cli::args::Common;
use crate::cli::{exit, prepare, print_stdout, report_usage, use_color, UsageError};
use std::path::Path;

pub fn run(common: &Common, file: &Path) -> u8 {
    match variants(common, file) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn variants(common: &Common, path: &Path) -> Result<u8, UsageError> {
    let prepared = prepare(common, path)?;
    let compiler = &prepared.session.compiler;
    let file = prepared.file;
    let mut text = String::new();
    for name in compiler.variants(file) {
        text.push_str(&name);
        text.push('\n');
    }
    print_stdout(&text)?;
    // Syntax errors make the list unreliable: report them and fail.
    let syntax: Vec<_> = compiler
        .check(file)
        .into_iter()
        .filter(|d| d.code.as_str().starts_with("WB0"))
        .collect();
    if syntax.is_empty() {
        return Ok(exit::SUCCESS);
    }
    eprint!("{}", compiler.render(&syntax, use_color(common)));
    Ok(exit::INPUT_ERRORS)
}
