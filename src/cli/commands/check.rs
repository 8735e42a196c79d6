use crate::cli::args::{Common, Format};
use crate::cli::{
    compiler, exit, load, load_all, print_stdout, report_usage, use_color, UsageError,
};
use std::path::PathBuf;

/// Files checked by one compiler. Manifests that do not import each other are
/// independent, so a large run is split into batches, each with a fresh
/// database: memory stays bounded (the memos of one batch are freed and reused by
/// the next) instead of growing with the number of files.
const BATCH: usize = 1024;

pub fn run(common: &Common, files: &[PathBuf], format: Format) -> u8 {
    match check(common, files, format) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

/// What one batch produced.
struct Checked {
    failed: bool,
    human: String,
    diagnostics: Vec<serde_json::Value>,
    exceptions: Vec<serde_json::Value>,
}

fn check(common: &Common, files: &[PathBuf], format: Format) -> Result<u8, UsageError> {
    let mut failed = false;
    let mut human = String::new();
    let mut diagnostics = Vec::new();
    let mut exceptions = Vec::new();
    for batch in files.chunks(BATCH) {
        let checked = check_batch(common, batch, format)?;
        failed |= checked.failed;
        human.push_str(&checked.human);
        diagnostics.extend(checked.diagnostics);
        exceptions.extend(checked.exceptions);
    }
    match format {
        Format::Human => eprint!("{human}"),
        Format::Json => {
            let report =
                serde_json::json!({ "diagnostics": diagnostics, "exceptions": exceptions });
            print_stdout(&format!("{report}\n"))?
        }
    }
    Ok(if failed {
        exit::INPUT_ERRORS
    } else {
        exit::SUCCESS
    })
}

fn check_batch(common: &Common, files: &[PathBuf], format: Format) -> Result<Checked, UsageError> {
    let mut compiler = compiler(common, files.first().map(PathBuf::as_path))?;
    // `load` also reads the context files; the bulk path reads them after resolving
    // every file's variants in parallel.
    let (loaded, context_loaded) = match load_all(&mut compiler, files)? {
        Some(loaded) => (loaded, false),
        None => {
            // A file import or invalid UTF-8: load one file after the other.
            compiler = crate::cli::compiler(common, files.first().map(PathBuf::as_path))?;
            let mut loaded = Vec::new();
            for path in files {
                loaded.push(load(&mut compiler, path)?);
            }
            (loaded, true)
        }
    };
    let mut all =
        crate::cli::apply_policy(common, &mut compiler, files.first().map(PathBuf::as_path))?;
    if all.is_empty() {
        if !context_loaded {
            compiler.evaluate_all(&loaded);
            crate::cli::load_context(&mut compiler, &loaded);
        }
        all.extend(compiler.check_all(&loaded).into_iter().flatten());
        for (file, path) in loaded.iter().zip(files) {
            all.extend(crate::cli::context_escapes(
                &compiler,
                *file,
                &crate::cli::default_context(path),
            ));
        }
    }
    let mut checked = Checked {
        failed: all.iter().any(|d| d.is_error()),
        human: String::new(),
        diagnostics: Vec::new(),
        exceptions: Vec::new(),
    };
    match format {
        Format::Human => checked.human = compiler.render(&all, use_color(common)),
        Format::Json => {
            let exceptions: Vec<_> = loaded
                .iter()
                .flat_map(|f| compiler.exceptions(*f))
                .collect();
            let report = crate::cli::json_report(&compiler, &all, &exceptions);
            let list = |key: &str| {
                report
                    .get(key)
                    .and_then(|v| v.as_array())
                    .cloned()
                    .unwrap_or_default()
            };
            checked.diagnostics = list("diagnostics");
            checked.exceptions = list("exceptions");
        }
    }
    Ok(checked)
}
