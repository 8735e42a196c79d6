use crate::cli::args::{Common, Format};
use crate::cli::{
    compiler, exit, load, load_all, print_stdout, report_usage, use_color, UsageError,
};
use std::path::PathBuf;

pub fn run(common: &Common, files: &[PathBuf], format: Format) -> u8 {
    match check(common, files, format) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn check(common: &Common, files: &[PathBuf], format: Format) -> Result<u8, UsageError> {
    let mut compiler = compiler(common)?;
    let loaded = match load_all(&mut compiler, files)? {
        Some(loaded) => loaded,
        None => {
            // A file import or invalid UTF-8: load one file after the other.
            compiler = crate::cli::compiler(common)?;
            let mut loaded = Vec::new();
            for path in files {
                loaded.push(load(&mut compiler, path)?);
            }
            loaded
        }
    };
    let mut all =
        crate::cli::apply_policy(common, &mut compiler, files.first().map(PathBuf::as_path))?;
    if all.is_empty() {
        crate::cli::load_context(&mut compiler, &loaded);
        all.extend(compiler.check_all(&loaded).into_iter().flatten());
        for (file, path) in loaded.iter().zip(files) {
            all.extend(crate::cli::context_escapes(
                &compiler,
                *file,
                &crate::cli::default_context(path),
            ));
        }
    }
    let failed = all.iter().any(|d| d.is_error());
    match format {
        Format::Human => eprint!("{}", compiler.render(&all, use_color(common))),
        Format::Json => {
            let exceptions: Vec<_> = loaded
                .iter()
                .flat_map(|f| compiler.exceptions(*f))
                .collect();
            print_stdout(&format!(
                "{}\n",
                crate::cli::json_report(&compiler, &all, &exceptions)
            ))?
        }
    }
    // The process ends right after this: freeing every memo of a large workspace
    // one by one takes longer than checking it did.
    std::mem::forget(compiler);
    Ok(if failed {
        exit::INPUT_ERRORS
    } else {
        exit::SUCCESS
    })
}
