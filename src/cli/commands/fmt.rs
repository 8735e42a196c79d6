use crate::cli::args::Common;
use crate::cli::{exit, read_bytes, report_usage, use_color, UsageError};
use std::path::PathBuf;

pub fn run(common: &Common, files: &[PathBuf], check: bool) -> u8 {
    match fmt(common, files, check) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn fmt(common: &Common, files: &[PathBuf], check: bool) -> Result<u8, UsageError> {
    let mut compiler = crate::Compiler::without_stdlib();
    let mut code = exit::SUCCESS;
    for path in files {
        let shown = path.to_string_lossy().into_owned();
        let Ok(text) = String::from_utf8(read_bytes(path)?) else {
            eprintln!("error[WB0006]: {shown} is not valid UTF-8; not formatted");
            code = exit::INPUT_ERRORS;
            continue;
        };
        let file = compiler.add_file(&shown, &text);
        let Some(formatted) = compiler.format(file) else {
            // Never rewrite a file the parser could not read completely.
            let syntax: Vec<_> = compiler
                .check(file)
                .into_iter()
                .filter(|d| d.code.as_str().starts_with("WB0"))
                .collect();
            eprint!("{}", compiler.render(&syntax, use_color(common)));
            eprintln!("error: {shown} has syntax errors; not formatted");
            code = exit::INPUT_ERRORS;
            continue;
        };
        if formatted == text {
            continue;
        }
        if check {
            eprintln!("{shown} is not formatted");
            code = exit::INPUT_ERRORS;
        } else {
            std::fs::write(path, formatted)
                .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))?;
        }
    }
    Ok(code)
}
