//! `wbuildc import-blubber [PATH] [-o OUT] [--policy POLICY.yaml]`: reads the
//! files (through the bounded reader), hands the text to `import::blubber`,
//! renders its diagnostics against the YAML, formats the manifest with the
//! formatter and writes it (never over an existing file without `--force`).

use crate::cli::args::Format;
use crate::cli::{exit, print_stdout, report_usage, UsageError};
use crate::diagnostics::render::{self, SourceInfo};
use crate::diagnostics::{Diagnostic, Severity};
use crate::import::blubber;
use crate::span::FileId;
use std::io::Write;
use std::path::Path;

pub struct Request<'a> {
    pub path: Option<&'a Path>,
    pub output: Option<&'a Path>,
    pub image: Option<&'a str>,
    pub policy: Option<&'a Path>,
    pub policy_output: Option<&'a Path>,
    pub force: bool,
    pub format: Format,
}

const CONFIG: FileId = FileId(0);
const POLICY: FileId = FileId(1);

pub fn run(request: &Request<'_>) -> u8 {
    match (import(request), request.format) {
        (Ok(code), _) => code,
        (Err(e), Format::Json) => crate::cli::report_usage_json(e),
        (Err(e), Format::Human) => report_usage(e),
    }
}

/// The image name a config's location suggests: the repository's directory for
/// `.pipeline/blubber.yaml`, else the config's directory; lower case, with
/// anything but letters, digits, `.`, `_` and `-` made `-`.
fn default_image_name(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut dir = absolute.parent();
    if dir
        .and_then(Path::file_name)
        .is_some_and(|n| n == ".pipeline")
    {
        dir = dir.and_then(Path::parent);
    }
    let name: String = dir
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if name.is_empty() {
        "service".into()
    } else {
        name
    }
}

fn import(request: &Request<'_>) -> Result<u8, UsageError> {
    // The JSON report goes to standard output, so the converted files cannot.
    if request.format == Format::Json
        && ((request.path.is_some() && request.output.is_none())
            || (request.policy.is_some() && request.policy_output.is_none()))
    {
        return Err(UsageError(
            "--format json prints the report on standard output: write the manifest with -o FILE (and the policy with --policy-output FILE)".into(),
        ));
    }
    let mut failed = false;
    let mut report: Vec<(String, String, Vec<Diagnostic>)> = Vec::new();
    let mut outputs: Vec<(Option<&Path>, String)> = Vec::new();
    if let Some(path) = request.path {
        let text = crate::cli::config::trusted_text(path, "the Blubber config")?;
        let shown = path.display().to_string();
        let image = request
            .image
            .map_or_else(|| default_image_name(path), str::to_string);
        let imported = blubber::import(
            &text,
            CONFIG,
            &blubber::Options {
                image_name: &image,
                source_name: &shown,
            },
        );
        failed |= imported
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        if let Some(manifest) = imported.manifest {
            outputs.push((request.output, formatted(&manifest)?));
        }
        report.push((shown, text, imported.diagnostics));
    }
    if let Some(path) = request.policy {
        let text = crate::cli::config::trusted_text(path, "the Blubber policy")?;
        let shown = path.display().to_string();
        let converted = blubber::policy::convert(&text, POLICY, &shown);
        failed |= converted
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        if let Some(toml) = converted.toml {
            outputs.push((request.policy_output, toml));
        }
        report.push((shown, text, converted.diagnostics));
    }
    let files: Vec<SourceInfo<'_>> = report
        .iter()
        .enumerate()
        .map(|(i, (path, text, _))| SourceInfo {
            id: FileId(if request.path.is_some() { i as u32 } else { 1 }),
            path,
            text,
            stdlib: false,
        })
        .collect();
    let diagnostics: Vec<Diagnostic> = report
        .iter()
        .flat_map(|(_, _, d)| d.iter().cloned())
        .collect();
    match request.format {
        Format::Json => {
            // The report of `check` (docs/schemas/report.schema.json), with the
            // files an import writes when it succeeds.
            let value = serde_json::json!({
                "version": crate::cli::REPORT_VERSION,
                "diagnostics": render::to_json(&files, &diagnostics),
                "exceptions": [],
                "configurations": [],
                "written": if failed { Vec::new() } else { outputs.iter().filter_map(|(p, _)| p.map(|p| p.display().to_string())).collect::<Vec<_>>() },
            });
            print_stdout(&format!("{value}\n"))?;
        }
        Format::Human => {
            if !diagnostics.is_empty() {
                eprint!("{}", render::to_terminal(&files, &diagnostics, false));
                eprintln!(
                    "{}",
                    render::summary(diagnostics.iter().map(|d| (d.severity, d.code)))
                );
            }
        }
    }
    if failed {
        return Ok(exit::INPUT_ERRORS);
    }
    // Everything converted: only now is anything written, so a failed import
    // leaves no half of its output behind.
    for (path, text) in &outputs {
        match path {
            None => print_stdout(text)?,
            Some(p) => write(p, text, request.force)?,
        }
    }
    if let (Some(out), Format::Human) = (request.output, request.format) {
        eprintln!(
            "wrote {}; run `wbuildc check {}` under the organisation's policy",
            out.display(),
            out.display()
        );
    }
    Ok(exit::SUCCESS)
}

/// The manifest as the formatter writes it; one the parser cannot read is a bug
/// of the writer.
fn formatted(draft: &str) -> Result<String, UsageError> {
    let mut compiler = crate::Compiler::without_stdlib();
    let file = compiler.add_file("imported.wbuild", draft);
    compiler.format(file).ok_or_else(|| {
        let syntax: Vec<_> = compiler
            .check(file)
            .into_iter()
            .filter(|d| d.code.as_str().starts_with("WB0"))
            .collect();
        eprint!("{}", compiler.render(&syntax, false));
        UsageError(
            "internal error: the manifest import-blubber wrote does not parse; please report it"
                .into(),
        )
    })
}

fn write(path: &Path, text: &str, force: bool) -> Result<(), UsageError> {
    let shown = path.display();
    if force && std::fs::symlink_metadata(path).is_ok() {
        return super::fmt::replace(path, text);
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                UsageError(format!(
                    "{shown} already exists; not overwriting it (--force replaces it)"
                ))
            } else {
                UsageError(format!("cannot write {shown}: {e}"))
            }
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))
}
