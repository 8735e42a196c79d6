use crate::cli::args::{Common, Format};
use crate::cli::{compiler, exit, load, print_stdout, report_usage, use_color, UsageError};
use std::path::PathBuf;

pub fn run(common: &Common, files: &[PathBuf], format: Format) -> u8 {
    match check(common, files, format) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn check(common: &Common, files: &[PathBuf], format: Format) -> Result<u8, UsageError> {
    let mut compiler = compiler(common)?;
    let mut loaded = Vec::new();
    for path in files {
        loaded.push(load(&mut compiler, path)?);
    }
    let mut all = Vec::new();
    for file in loaded {
        all.extend(compiler.check(file));
    }
    let failed = all.iter().any(|d| d.is_error());
    match format {
        Format::Human => eprint!("{}", compiler.render(&all, use_color(common))),
        Format::Json => print_stdout(&format!("{}\n", compiler.render_json(&all)))?,
    }
    Ok(if failed { exit::INPUT_ERRORS } else { exit::SUCCESS })
}
