//! The `wbuildc` driver: arguments → configuration → loading files → library
//! calls → output. With `build/`, the only code that touches the file system;
//! every file it reads goes through `fs::read` (see docs/security.md).

mod args;
mod commands;
mod config;
pub mod exit;
mod fs;
mod init;
mod report;
mod stdin;
mod walk;

pub use commands::docs::{Topic, CONTRIBUTOR_DOCS, TOPICS};
pub use commands::provenance;
pub use config::{CONFIG_ENV, CONFIG_FILE, POLICY_FILE};

use args::{Cli, ColorChoice, Common};
use clap::Parser;
use config::{Location, Locator, Organisation, Session};
use fs::{Confinement, ReadError, Repository};
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
            stdin_filename,
            format,
            deny_warnings,
            common,
        } => commands::check::run(
            &common,
            &files,
            stdin_filename.as_deref(),
            format,
            deny_warnings,
        ),
        args::Command::Compile {
            file,
            variant,
            output,
            format,
            check,
            common,
        } => commands::compile::run(&common, &file, &variant, output.as_deref(), format, check),
        args::Command::Variants { file, common } => commands::variants::run(&common, &file),
        args::Command::Fmt {
            files,
            stdin_filename,
            check,
            common,
        } => commands::fmt::run(&common, &files, stdin_filename.as_deref(), check),
        args::Command::Explain { code } => commands::explain::run(code.as_deref()),
        args::Command::Docs { topic } => commands::docs::run(topic.as_deref()),
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
            command:
                args::PolicyCommand::Explain {
                    file,
                    format,
                    common,
                },
        } => commands::policy::explain(&common, file.as_deref(), format),
        args::Command::Base {
            command:
                args::BaseCommand::Build {
                    file,
                    output,
                    source_date_epoch,
                    common,
                },
        } => commands::base::build(&common, &file, &output, source_date_epoch),
        args::Command::Graph { workspace, format } => commands::ops::graph(&workspace, format),
        args::Command::Affected {
            workspace,
            selection,
            format,
        } => commands::ops::affected(&workspace, &selection, format),
        args::Command::Plan {
            workspace,
            selection,
            out,
            source_date_epoch,
        } => commands::ops::plan(&workspace, &selection, &out, source_date_epoch),
        args::Command::Lock {
            workspace,
            update,
            check,
            layouts,
        } => commands::ops::lock(&workspace, update, check, &layouts),
        args::Command::Tags {
            file,
            publish,
            common,
        } => commands::publish::tags(&common, &file, &publish),
        args::Command::Publish {
            file,
            publish,
            from,
            signing,
            common,
        } => commands::publish::publish(&common, &file, &publish, from.as_deref(), &signing),
        args::Command::PublishPlan {
            plan,
            publish,
            signing,
            common,
        } => commands::publish::publish_plan(&common, &plan, &publish, &signing),
        args::Command::Which {
            workspace,
            package,
            layouts,
            sboms,
            format,
        } => commands::ops::which(&workspace, &package, &layouts, &sboms, format),
        args::Command::Init {
            dir,
            language,
            force,
            stdout,
            root,
        } => commands::init::run(&dir, root.as_deref(), language, force, stdout),
        args::Command::ImportBlubber {
            path,
            output,
            image,
            policy,
            policy_output,
            force,
            format,
        } => commands::import::run(&commands::import::Request {
            path: path.as_deref(),
            output: output.as_deref(),
            image: image.as_deref(),
            policy: policy.as_deref(),
            policy_output: policy_output.as_deref(),
            force,
            format,
        }),
        args::Command::Completions { shell } => commands::completions::completions(shell),
        args::Command::Man { out } => commands::completions::man(out.as_deref()),
    };
    ExitCode::from(code)
}

/// A problem outside the manifests (I/O, arguments): printed once, exit 2.
pub(crate) struct UsageError(pub String);

pub(crate) fn report_usage(e: UsageError) -> u8 {
    eprintln!("error: {}", crate::diagnostics::render::printable(&e.0));
    exit::USAGE
}

/// The version of the `--format json` reports of `check` and `compile`
/// (docs/schemas/report.schema.json). Raised when a field changes meaning or
/// goes away; new fields do not raise it.
pub(crate) const REPORT_VERSION: u32 = 1;

/// A usage or I/O problem under `--format json`: the report on stdout (with the
/// problem in `errors`, no diagnostics), the message on stderr too, exit 2.
pub(crate) fn report_usage_json(e: UsageError) -> u8 {
    let report = serde_json::json!({
        "version": REPORT_VERSION,
        "diagnostics": [],
        "exceptions": [],
        "configurations": [],
        "errors": [{ "kind": "usage", "message": e.0 }],
    });
    let _ = print_stdout(&format!("{report}\n"));
    report_usage(e)
}

/// How the driver reads the files the library asks for: confined to the
/// repository, `.wbuild` files for manifests reached through a link and for
/// imports.
fn reader(
    repository: &Repository,
) -> impl FnMut(&str, crate::Wanted) -> Result<Vec<u8>, crate::ReadFailure> + '_ {
    move |path, wanted| {
        let path = Path::new(path);
        let extension = match wanted {
            crate::Wanted::Import => Some("wbuild"),
            crate::Wanted::Manifest if path.is_symlink() => Some("wbuild"),
            crate::Wanted::Manifest | crate::Wanted::Context => None,
        };
        fs::read(path, Confinement::Repository(repository), extension).map_err(|e| match e {
            ReadError::NotFound => crate::ReadFailure::Missing,
            other => crate::ReadFailure::Refused(other.reason()),
        })
    }
}

fn manifest_error(path: &Path, failure: crate::ReadFailure) -> UsageError {
    match failure {
        crate::ReadFailure::Missing => {
            UsageError(format!("cannot read {}: it does not exist", path.display()))
        }
        crate::ReadFailure::Refused(reason) => {
            UsageError(format!("refused to read {}: {reason}", path.display()))
        }
    }
}

/// Adds manifests with their imports and the context files their rules read; each
/// comes with the root of its repository, and everything read for it is confined
/// to that repository. One file per manifest, in order; the first manifest that
/// cannot be read is the error.
pub(crate) fn load(
    session: &mut Session,
    files: &[(PathBuf, PathBuf)],
) -> Result<Vec<crate::SourceFile>, UsageError> {
    load_with(session, files, true, None)
}

/// [`load`] where one of the manifests is standard input's text (`check -`).
pub(crate) fn load_with_stdin(
    session: &mut Session,
    files: &[(PathBuf, PathBuf)],
    stdin: Option<&stdin::Stdin>,
) -> Result<Vec<crate::SourceFile>, UsageError> {
    load_with(session, files, true, stdin)
}

/// [`load`] without the context files (for the operations commands).
pub(crate) fn load_structure(
    session: &mut Session,
    files: &[(PathBuf, PathBuf)],
) -> Result<Vec<crate::SourceFile>, UsageError> {
    load_with(session, files, false, None)
}

fn load_with(
    session: &mut Session,
    files: &[(PathBuf, PathBuf)],
    context_files: bool,
    stdin: Option<&stdin::Stdin>,
) -> Result<Vec<crate::SourceFile>, UsageError> {
    let shown: Vec<String> = files
        .iter()
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .collect();
    let repositories: Vec<Repository> = files
        .iter()
        .map(|(_, root)| session.repository(root))
        .collect();
    let read = |index: usize, path: &str, wanted| {
        if let Some(text) = stdin.and_then(|s| s.serves(Path::new(path), wanted)) {
            return Ok(text);
        }
        match repositories.get(index) {
            Some(repository) => reader(repository)(path, wanted),
            None => Err(crate::ReadFailure::Missing),
        }
    };
    let results = if context_files {
        session.compiler.load_many(&shown, read)
    } else {
        session.compiler.load_structure(&shown, read)
    };
    results
        .into_iter()
        .zip(files)
        .map(|(result, (path, _))| result.map_err(|failure| manifest_error(path, failure)))
        .collect()
}

/// One manifest, loaded (with its imports and context files) by a compiler set
/// up for its location.
pub(crate) struct Prepared {
    pub session: Session,
    pub file: crate::SourceFile,
    /// The manifest's repository root.
    pub root: PathBuf,
}

/// Loads one manifest under its configuration. Configuration problems are in
/// `session.problems`; the caller prints them and fails on errors.
pub(crate) fn prepare(common: &Common, path: &Path) -> Result<Prepared, UsageError> {
    let org = Organisation::load(common)?;
    let location = Locator::default().locate(common, Some(path))?;
    let mut session = Session::new(&org, &location, common.release)?;
    let file = load(&mut session, &[(path.to_path_buf(), location.root.clone())])?
        .pop()
        .ok_or_else(|| UsageError(format!("cannot read {}", path.display())))?;
    Ok(Prepared {
        session,
        file,
        root: location.root,
    })
}

/// A compiler configured for the manifests of the repository at `root` exactly as
/// `wbuildc check` configures one: the organisation's configuration from the
/// environment (`$WBUILD_CONFIG`), the repository's policy files (which only
/// tighten) and its `wbuild.toml`; with the problems those files have. For
/// drivers other than the command line (the language server).
pub fn configured_compiler(
    root: &Path,
) -> Result<(crate::Compiler, Vec<crate::Diagnostic>), String> {
    let common = args::Common {
        stdlib: None,
        root: Some(root.to_path_buf()),
        color: args::ColorChoice::Never,
        policy: None,
        release: false,
    };
    let org = Organisation::load(&common).map_err(|e| e.0)?;
    let probe = root.join("manifest.wbuild");
    let location = Locator::default()
        .locate(&common, Some(&probe))
        .map_err(|e| e.0)?;
    let session = Session::new(&org, &location, false).map_err(|e| e.0)?;
    Ok((session.compiler, session.problems))
}

/// The configuration of one location, for `policy explain`.
pub(crate) fn session_for(
    common: &Common,
    manifest: Option<&Path>,
) -> Result<(Session, Location), UsageError> {
    let org = Organisation::load(common)?;
    let location = Locator::default().locate(common, manifest)?;
    Ok((Session::new(&org, &location, common.release)?, location))
}

/// Copy sources that resolve outside the build context through a symlink (the
/// compiler already refuses `..` and absolute paths; only the file system knows
/// where a link leads). Only metadata is read here, never a file's content.
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
        let Some(resolved) = resolve_under(&root, source.trim_end_matches('/')) else {
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

/// What the build context holds of the paths the manifest copies (the driver's
/// part of `check`; the language server calls it too): symlinks that
/// lead outside it ([`context_escapes`]) and paths that are not there, with the
/// nearest directory's entries for a suggestion. Metadata and directory listings
/// only, never a file's content, and nothing outside `context`.
pub fn context_problems(
    compiler: &crate::Compiler,
    file: crate::SourceFile,
    context: &Path,
) -> Vec<crate::Diagnostic> {
    let mut out = context_escapes(compiler, file, context);
    let probes: Vec<_> = compiler
        .copied_paths(file)
        .into_iter()
        .map(|copied| {
            let probe = probe(context, &copied.path);
            (copied, probe)
        })
        .collect();
    if probes
        .iter()
        .any(|(_, p)| matches!(p, Probe::Missing { .. } | Probe::File))
    {
        out.extend(compiler.missing_in_context(file, &probes));
    }
    out
}

use crate::analysis::context::Probe;

/// The most entries of one directory read for a suggestion.
const MAX_NEARBY: usize = 1000;

fn probe(context: &Path, path: &str) -> Probe {
    let relative = Path::new(path.trim_end_matches('/'));
    let plain = relative.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if crate::analysis::context::is_pattern(path) || !plain {
        return Probe::Unknown;
    }
    match std::fs::metadata(context.join(relative)) {
        Ok(meta) if meta.is_dir() => return Probe::Directory,
        Ok(_) => return Probe::File,
        Err(_) => {}
    }
    // The nearest existing directory on the way, inside the context.
    let mut dir = relative.parent();
    while let Some(d) = dir {
        if std::fs::metadata(context.join(d)).is_ok_and(|m| m.is_dir()) {
            break;
        }
        dir = d.parent();
    }
    let dir = dir.unwrap_or(Path::new(""));
    let nearby = std::fs::read_dir(context.join(dir))
        .map(|entries| {
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .take(MAX_NEARBY)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    let joined = dir.join(&name);
                    let mut text = joined.to_str()?.to_string();
                    if is_dir {
                        text.push('/');
                    }
                    Some(text)
                })
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();
    Probe::Missing { nearby }
}

/// Where `relative` leads from the canonical directory `root`, as
/// `canonicalize(root.join(relative))` would say, with one `lstat` per component
/// of `relative` instead of one `readlink` per component of the whole path: as
/// `root` is canonical, a path none of whose components under it is a link is
/// already resolved. A link, `..` or an absolute path is left to `canonicalize`.
/// `None` when the path does not exist.
fn resolve_under(root: &Path, relative: &str) -> Option<PathBuf> {
    use std::path::Component;
    let mut at = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::CurDir => continue,
            Component::Normal(name) => at.push(name),
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return std::fs::canonicalize(root.join(relative)).ok();
            }
        }
        if std::fs::symlink_metadata(&at)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return std::fs::canonicalize(root.join(relative)).ok();
        }
    }
    Some(at)
}

/// The build context of a manifest: `--context DIR`, else the manifest's directory.
pub(crate) fn default_context(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The exceptions of `--format json`: every policy exception that applied (an
/// audit lists every exception in a repository this way).
pub(crate) fn exceptions_json(
    compiler: &crate::Compiler,
    exceptions: &[crate::policy::Exception],
) -> Vec<serde_json::Value> {
    exceptions
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
        .collect()
}

/// The JSON document of `--format json` for one manifest: its diagnostics, the
/// policy exceptions that applied, and the configuration it was checked under.
pub(crate) fn json_report(
    session: &Session,
    file: (&Path, &Path),
    diagnostics: &[crate::Diagnostic],
    exceptions: &[crate::policy::Exception],
) -> serde_json::Value {
    serde_json::json!({
        "version": REPORT_VERSION,
        "diagnostics": session.compiler.render_json(diagnostics),
        "exceptions": exceptions_json(&session.compiler, exceptions),
        "configurations": [configuration_json(session, &[file])],
    })
}

/// The audit entry of one configuration: the files it applied to (each with its
/// repository root), the stdlib, and every policy value with its origin.
pub(crate) fn configuration_json(session: &Session, files: &[(&Path, &Path)]) -> serde_json::Value {
    let mut audit = session.audit.clone();
    if let Some(object) = audit.as_object_mut() {
        let files: Vec<serde_json::Value> = files
            .iter()
            .map(|(path, root)| {
                serde_json::json!({
                    "path": path.to_string_lossy(),
                    "repository_root": root.to_string_lossy(),
                })
            })
            .collect();
        object.insert("files".into(), serde_json::json!(files));
    }
    audit
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

#[cfg(test)]
mod tests {
    use super::resolve_under;

    #[test]
    fn paths_under_a_canonical_root_resolve_as_canonicalize_says() {
        let dir = std::env::temp_dir().join(format!("wbuild-under-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("ctx");
        let _ = std::fs::create_dir_all(root.join("src/app"));
        let _ = std::fs::create_dir_all(dir.join("outside"));
        let _ = std::fs::write(root.join("src/app/main.py"), "");
        let _ = std::fs::write(dir.join("outside/secret"), "");
        let link = |target: &str, name: &str| {
            let _ = std::os::unix::fs::symlink(target, root.join(name));
        };
        link("../outside", "out");
        link("src/app", "app");
        link("../outside/secret", "src/secret");
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        for relative in [
            "src",
            "src/app/main.py",
            "./src/app/",
            "out",
            "out/secret",
            "app/main.py",
            "src/secret",
            "src/../out",
            "missing",
            "src/app/main.py/x",
        ] {
            assert_eq!(
                resolve_under(&root, relative.trim_end_matches('/')),
                std::fs::canonicalize(root.join(relative)).ok(),
                "{relative}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
