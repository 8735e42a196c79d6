use crate::cli::args::Common;
use crate::cli::fs::{self, Confinement, Repository};
use crate::cli::stdin::Stdin;
use crate::cli::{exit, report_usage, use_color, UsageError};
use std::path::{Path, PathBuf};

pub fn run(common: &Common, files: &[PathBuf], stdin_filename: Option<&Path>, check: bool) -> u8 {
    let (files, stdin) = match crate::cli::stdin::substitute(files, stdin_filename) {
        Ok(substituted) => substituted,
        Err(e) => return report_usage(e),
    };
    let files = match crate::cli::walk::expand(&files) {
        Ok(files) => files,
        Err(e) => return report_usage(e),
    };
    match fmt(common, &files, stdin.as_ref(), check) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

fn fmt(
    common: &Common,
    files: &[PathBuf],
    stdin: Option<&Stdin>,
    check: bool,
) -> Result<u8, UsageError> {
    let mut compiler = crate::Compiler::without_stdlib();
    let mut code = exit::SUCCESS;
    for path in files {
        let shown = path.to_string_lossy().into_owned();
        let from_stdin = stdin.filter(|s| s.path == *path);
        let bytes = match from_stdin {
            Some(stdin) => stdin.text.clone(),
            None => read(common, path, &shown)?,
        };
        let Ok(text) = String::from_utf8(bytes) else {
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
            if from_stdin.is_some() && !check {
                // A filter never swallows its input: the text comes back unchanged.
                crate::cli::print_stdout(&text)?;
            }
            continue;
        };
        if check {
            if formatted != text {
                // What `fmt` would change, as a unified diff (on stdout, for patch).
                let diff = similar::TextDiff::from_lines(&text, &formatted)
                    .unified_diff()
                    .context_radius(3)
                    .header(&shown, &format!("{shown} (formatted)"))
                    .to_string();
                crate::cli::print_stdout(&diff)?;
                eprintln!("{shown} is not formatted");
                code = exit::INPUT_ERRORS;
            }
        } else if from_stdin.is_some() {
            crate::cli::print_stdout(&formatted)?;
        } else if formatted != text {
            replace(path, &formatted)?;
        }
    }
    Ok(code)
}

/// A manifest's bytes, confined to its repository like every read of the driver.
fn read(common: &Common, path: &Path, shown: &str) -> Result<Vec<u8>, UsageError> {
    let root = fs::repository_root(&crate::cli::default_context(path), common.root.as_deref())
        .map_err(UsageError)?;
    let repository = Repository {
        root,
        forbidden: crate::config::Policy::default().forbidden_files.value,
    };
    fs::read(path, Confinement::Repository(&repository), Some("wbuild"))
        .map_err(|e| UsageError(format!("refused to read {shown}: {}", e.reason())))
}

/// Replaces a regular file's text: written to a new file beside it, then renamed
/// over it, so that a symbolic link is never followed and a failed write leaves the
/// original intact.
pub(crate) fn replace(path: &Path, text: &str) -> Result<(), UsageError> {
    let shown = path.display();
    let metadata = std::fs::symlink_metadata(path)
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))?;
    if !metadata.file_type().is_file() {
        return Err(UsageError(format!(
            "not formatting {shown}: it is not a regular file (a symbolic link is formatted where it leads)"
        )));
    }
    let dir = crate::cli::default_context(path);
    let mut temporary = tempfile::Builder::new()
        .prefix(".wbuild-fmt-")
        .tempfile_in(&dir)
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))?;
    use std::io::Write;
    temporary
        .write_all(text.as_bytes())
        .and_then(|_| temporary.as_file().set_permissions(metadata.permissions()))
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))?;
    temporary
        .persist(path)
        .map_err(|e| UsageError(format!("cannot write {shown}: {}", e.error)))?;
    Ok(())
}
