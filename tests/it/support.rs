//! Shared helpers: loading fixtures (with their imports) and snapshot sections.

use std::path::{Path, PathBuf};
use wbuild::{Compiler, Diagnostic, SourceFile};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `wbuildc` binary run in `dir`, without colour, without an
/// organisation configuration (the tests must not depend on /etc/wbuild) and
/// without the caller's SOURCE_DATE_EPOCH.
pub fn wbuildc_at(dir: &Path, args: &[&str]) -> std::process::Output {
    wbuildc_command(dir, args)
        .output()
        .unwrap_or_else(|e| panic!("run wbuildc: {e}"))
}

/// The command [`wbuildc_at`] runs, for a test that adds to it (stdin, environment).
pub fn wbuildc_command(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wbuildc"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("WBUILD_CONFIG", "")
        .env_remove("SOURCE_DATE_EPOCH");
    command
}

/// Loads `path` (relative to the repository root) with its imports and the
/// dependency manifests its variants copy.
pub fn load(compiler: &mut Compiler, path: &str) -> SourceFile {
    compiler
        .load(path, |p, _| {
            std::fs::read(repo().join(p)).map_err(|_| wbuild::ReadFailure::Missing)
        })
        .unwrap_or_else(|e| panic!("cannot read {path}: {e:?}"))
}

/// The distinct codes of a diagnostic list, sorted.
pub fn codes(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Header comments of a fixture: `# key: value` lines at the top.
pub fn header(source: &str, key: &str) -> Option<String> {
    source
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix('#')
                .map(str::trim)
                .and_then(|l| l.strip_prefix(key))
                .and_then(|l| l.strip_prefix(':'))
        })
        .map(|v| v.trim().to_string())
}

/// Every `.wbuild` file under `dir` (relative to the repository), sorted.
pub fn wbuild_files(dir: &str) -> Vec<String> {
    files_with_extension(dir, "wbuild")
}

/// Every file named `*.EXTENSION` under `dir` (relative to the repository), sorted.
pub fn files_with_extension(dir: &str, extension: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![repo().join(dir)];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == extension) {
                out.push(relative(&p));
            }
        }
    }
    out.sort();
    out
}

pub fn relative(p: &Path) -> String {
    p.strip_prefix(repo())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// The fixes of `errors`, one line each: the code, the message, the fix's title and
/// its edits.
pub fn describe_fixes(source: &str, errors: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in errors {
        let Some(fix) = &d.fix else { continue };
        let edits: Vec<String> = fix
            .edits
            .iter()
            .map(|e| {
                format!(
                    "{}..{} {:?} → {:?}",
                    e.span.start,
                    e.span.end,
                    source.get(e.span.range()).unwrap_or(""),
                    e.replacement
                )
            })
            .collect();
        out.push_str(&format!(
            "{} {}: {}: {}\n",
            d.code,
            d.message,
            fix.title,
            edits.join(", ")
        ));
    }
    out
}

/// `source` with `fix`'s edits applied (all in this one file).
pub fn apply_fix(source: &str, fix: &wbuild::diagnostics::Fix) -> String {
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut text = source.to_string();
    for e in edits {
        text.replace_range(e.span.range(), &e.replacement);
    }
    text
}
