//! The `wbuildc` driver: arguments → loading files → library calls → output.
//! The only place (with `build/` later) that touches the file system.

mod args;
mod commands;
pub mod exit;

use args::{Cli, ColorChoice, Common};
use clap::Parser;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `wbuildc` with these arguments and returns its exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    let code = match cli.command {
        args::Command::Check {
            files,
            format,
            common,
        } => commands::check::run(&common, &files, format),
        args::Command::Compile {
            file,
            variant,
            output,
            format,
            common,
        } => commands::compile::run(&common, &file, &variant, output.as_deref(), format),
        args::Command::Variants { file, common } => commands::variants::run(&common, &file),
        args::Command::Fmt {
            files,
            check,
            common,
        } => commands::fmt::run(&common, &files, check),
        args::Command::Explain { code } => commands::explain::run(code.as_deref()),
        args::Command::Build {
            file,
            variant,
            engine,
            output,
            common,
        } => commands::build::build(&common, &file, &variant, &engine, output.as_deref()),
        args::Command::Test {
            file,
            variant,
            engine,
            common,
        } => commands::build::test(&common, &file, &variant, &engine),
        args::Command::Policy {
            command: args::PolicyCommand::Explain { file, common },
        } => commands::policy::explain(&common, file.as_deref()),
    };
    ExitCode::from(code)
}

/// A problem outside the manifests (I/O, arguments): printed once, exit 2.
pub(crate) struct UsageError(pub String);

pub(crate) fn report_usage(e: UsageError) -> u8 {
    eprintln!("error: {}", e.0);
    exit::USAGE
}

/// The file that configures wbuildc for a repository (found from the manifest's
/// directory upwards, the nearest wins).
pub const CONFIG_FILE: &str = "wbuild.toml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    stdlib: Option<StdlibConfig>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StdlibConfig {
    /// The organisation's stdlib directory, relative to the config file.
    dir: PathBuf,
}

/// The stdlib directory in force: `--stdlib DIR`, else `[stdlib] dir` of the
/// nearest `wbuild.toml` above the manifest, else none (the embedded stdlib).
fn stdlib_dir(common: &Common, manifest: Option<&Path>) -> Result<Option<PathBuf>, UsageError> {
    if let Some(dir) = &common.stdlib {
        return Ok(Some(dir.clone()));
    }
    let start = manifest.map_or_else(|| PathBuf::from("."), default_context);
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    for dir in start.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if !candidate.is_file() {
            continue;
        }
        let text = read_source(&candidate)?;
        let config: Config = toml::from_str(&text)
            .map_err(|e| UsageError(format!("{}: {}", candidate.display(), e.message())))?;
        return Ok(config.stdlib.map(|s| dir.join(s.dir)));
    }
    Ok(None)
}

/// Builds a compiler with the stdlib the options (or `wbuild.toml`) ask for.
pub(crate) fn compiler(
    common: &Common,
    manifest: Option<&Path>,
) -> Result<crate::Compiler, UsageError> {
    let Some(dir) = stdlib_dir(common, manifest)? else {
        return Ok(crate::Compiler::new());
    };
    let mut compiler = crate::Compiler::without_stdlib();
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        UsageError(format!(
            "cannot read stdlib directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wbuild"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = read_source(&path)?;
        compiler.add_stdlib_module(&name, text);
    }
    Ok(compiler)
}

/// Reads a stdlib or imported manifest (invalid UTF-8 decoded lossily; user files
/// go through `load`, which reports it).
pub(crate) fn read_source(path: &Path) -> Result<String, UsageError> {
    let bytes = read_bytes(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a file, but never more than a manifest may hold (plus one byte, so the
/// parser reports the file as too large): `/dev/zero` or a huge file cannot
/// exhaust memory.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, UsageError> {
    use std::io::Read;
    let limit = crate::syntax::MAX_FILE_BYTES as u64 + 1;
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    Ok(bytes)
}

/// Adds a manifest with its imports and the context files its rules read.
pub(crate) fn load(
    compiler: &mut crate::Compiler,
    path: &Path,
) -> Result<crate::SourceFile, UsageError> {
    // Read the manifest first so that its I/O error is reported as such.
    let bytes = read_bytes(path)?;
    let shown = path.to_string_lossy().into_owned();
    let mut first = Some(bytes);
    compiler
        .load(&shown, |p| {
            if p == shown {
                first.take()
            } else {
                read_bytes(Path::new(p)).ok()
            }
        })
        .ok_or_else(|| UsageError(format!("cannot read {shown}")))
}

/// Loads many files like calling [`load`] on each in order, but faster: all files
/// are added in one step and parsed on every core. Returns `None`, having added
/// nothing, when a file is not valid UTF-8, and `None`, having added the files,
/// when one imports another file: the caller then starts again with a fresh
/// compiler and [`load`], so that file ids (and with them the order of the
/// diagnostics) are exactly those of loading one file after the other.
pub(crate) fn load_all(
    compiler: &mut crate::Compiler,
    paths: &[PathBuf],
) -> Result<Option<Vec<crate::SourceFile>>, UsageError> {
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = read_bytes(path)?;
        let Ok(text) = String::from_utf8(bytes) else {
            return Ok(None);
        };
        sources.push((path.to_string_lossy().into_owned(), text));
    }
    let files = compiler.add_files(sources);
    compiler.parse_all(&files);
    let imports_files = files.iter().any(|&file| {
        crate::db::parse(compiler.db(), file)
            .ast
            .items
            .iter()
            .any(|item| match item {
                crate::syntax::ast::Item::Import(import) => import
                    .path
                    .as_plain()
                    .is_some_and(|spec| crate::resolve::is_file_import(&spec)),
                _ => false,
            })
    });
    Ok(if imports_files { None } else { Some(files) })
}

/// The file name policy discovery looks for.
pub const POLICY_FILE: &str = "wbuild-policy.toml";

/// The policy files in force for a manifest: `--policy PATH`, or every
/// `wbuild-policy.toml` from the root down to the manifest's directory
/// (outermost first, so the nearest file has the last word).
pub(crate) fn policy_files(
    common: &Common,
    manifest: Option<&Path>,
) -> Result<Vec<(String, String)>, UsageError> {
    if let Some(path) = &common.policy {
        return Ok(vec![(
            path.to_string_lossy().into_owned(),
            read_source(path)?,
        )]);
    }
    let start = match manifest.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let start = std::fs::canonicalize(&start).unwrap_or(start);
    let mut found = Vec::new();
    for dir in start.ancestors() {
        let candidate = dir.join(POLICY_FILE);
        if candidate.is_file() {
            found.push((
                candidate.to_string_lossy().into_owned(),
                read_source(&candidate)?,
            ));
        }
    }
    found.reverse();
    Ok(found)
}

/// Sets the policy and release mode; policy-file problems are returned as
/// diagnostics (the caller prints them and fails).
pub(crate) fn apply_policy(
    common: &Common,
    compiler: &mut crate::Compiler,
    manifest: Option<&Path>,
) -> Result<Vec<crate::Diagnostic>, UsageError> {
    let files = policy_files(common, manifest)?;
    compiler.set_release(common.release);
    Ok(if files.is_empty() {
        Vec::new()
    } else {
        compiler.set_policy_files(&files)
    })
}

/// Hands the compiler the dependency manifests the files' variants copy, for the
/// Debian-first rule. Missing ones are skipped (the engine reports them at build).
pub(crate) fn load_context(compiler: &mut crate::Compiler, files: &[crate::SourceFile]) {
    for &file in files {
        for path in compiler.wanted_context_files(file) {
            if let Ok(text) = read_source(Path::new(&path)) {
                compiler.add_context_file(&path, &text);
            }
        }
    }
}

/// A compiler with one manifest loaded (with its imports and context files) and
/// the policy in force. Policy-file problems come back as diagnostics.
pub(crate) fn prepare(
    common: &Common,
    path: &Path,
) -> Result<(crate::Compiler, crate::SourceFile, Vec<crate::Diagnostic>), UsageError> {
    let mut compiler = compiler(common, Some(path))?;
    let file = load(&mut compiler, path)?;
    let problems = apply_policy(common, &mut compiler, Some(path))?;
    Ok((compiler, file, problems))
}

/// Copy sources that resolve outside the build context through a symlink (the
/// compiler already refuses `..` and absolute paths; only the file system knows
/// where a link leads).
pub(crate) fn context_escapes(
    compiler: &crate::Compiler,
    file: crate::SourceFile,
    context: &Path,
) -> Vec<crate::Diagnostic> {
    let sources = compiler.context_sources(file);
    // Only paths that exist can lead anywhere (a missing one is the engine's to
    // report); most checks end at this one `lstat`.
    let existing: Vec<_> = sources
        .into_iter()
        .filter(|(source, _)| {
            std::fs::symlink_metadata(context.join(source.trim_end_matches('/'))).is_ok()
        })
        .collect();
    if existing.is_empty() {
        return Vec::new();
    }
    let Ok(root) = std::fs::canonicalize(context) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (source, origin) in existing {
        let candidate = root.join(source.trim_end_matches('/'));
        let Ok(resolved) = std::fs::canonicalize(&candidate) else {
            continue;
        };
        if !resolved.starts_with(&root) {
            out.push(
                crate::Diagnostic::new(
                    crate::Code::InvalidPath,
                    format!("`{source}` leads outside the build context through a symbolic link"),
                    origin.file,
                    origin.span,
                    format!("resolves to {}", resolved.display()),
                )
                .with_help("copy sources must stay inside the build context; copy the file into it instead of linking"),
            );
        }
    }
    out
}

/// The build context of a manifest: `--context DIR`, else the manifest's directory.
pub(crate) fn default_context(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The JSON document of `--format json`: diagnostics and the policy exceptions
/// that applied (an audit lists every exception in a repository this way).
pub(crate) fn json_report(
    compiler: &crate::Compiler,
    diagnostics: &[crate::Diagnostic],
    exceptions: &[crate::policy::Exception],
) -> serde_json::Value {
    let exceptions: Vec<serde_json::Value> = exceptions
        .iter()
        .map(|e| {
            let location = compiler.location(e.origin);
            serde_json::json!({
                "variant": e.variant,
                "rule": e.rule,
                "reason": e.reason,
                "file": location.0,
                "line": location.1,
                "suppressed": e.suppressed,
            })
        })
        .collect();
    serde_json::json!({
        "diagnostics": compiler.render_json(diagnostics),
        "exceptions": exceptions,
    })
}

pub(crate) fn use_color(common: &Common) -> bool {
    match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

pub(crate) fn print_stdout(text: &str) -> Result<(), UsageError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| UsageError(format!("cannot write output: {e}")))
}
