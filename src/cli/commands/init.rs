//! `wbuildc init [DIR]`: a starter `service.wbuild` for a service repository.
//! The language comes from the files at DIR's top (`cli/init/detect.rs`), the
//! manifest from that language's template (`cli/init/`); this file does the
//! reads (through `fs::read`, confined to the repository), runs the formatter on
//! the result and writes it, never over an existing manifest without `--force`.

use crate::cli::args::InitLanguage;
use crate::cli::fs::{self, Confinement, Repository};
use crate::cli::init::{self, Entry, Repo};
use crate::cli::{exit, print_stdout, report_usage, UsageError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file `init` writes.
pub const MANIFEST: &str = "service.wbuild";

/// The largest file a template reads (package.json, pom.xml, a requirements file).
const MAX_READ: usize = 1 << 20;

pub fn run(
    dir: &Path,
    root: Option<&Path>,
    language: Option<InitLanguage>,
    force: bool,
    stdout: bool,
) -> u8 {
    match init(dir, root, language, force, stdout) {
        Ok(code) => code,
        Err(e) => report_usage(e),
    }
}

/// The repository directory, read through the driver's one reader.
struct Disk {
    dir: PathBuf,
    repository: Repository,
}

impl Repo for Disk {
    fn read(&self, path: &str) -> Option<String> {
        let bytes = fs::read(
            &self.dir.join(path),
            Confinement::Repository(&self.repository),
            None,
        )
        .ok()?;
        (bytes.len() <= MAX_READ)
            .then(|| String::from_utf8(bytes).ok())
            .flatten()
    }

    fn list(&self, dir: &str) -> Vec<Entry> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(dir)) else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                // Links are left out: what they lead to is not the repository's to say.
                let kind = e.file_type().ok()?;
                let name = e.file_name().into_string().ok()?;
                (kind.is_dir() || kind.is_file()).then_some(Entry {
                    name,
                    is_dir: kind.is_dir(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

fn init(
    dir: &Path,
    root: Option<&Path>,
    language: Option<InitLanguage>,
    force: bool,
    stdout: bool,
) -> Result<u8, UsageError> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(UsageError(format!("{shown} is not a directory")));
    }
    let root = fs::repository_root(dir, root).map_err(UsageError)?;
    let disk = Disk {
        dir: dir.to_path_buf(),
        repository: Repository {
            root,
            forbidden: crate::config::Policy::default().forbidden_files.value,
        },
    };
    let language = init::detect::choose(&disk, &shown, language).map_err(UsageError)?;
    let target = dir.join(MANIFEST);
    if !stdout && !force && std::fs::symlink_metadata(&target).is_ok() {
        return Err(UsageError(format!(
            "{} already exists; not overwriting it (--force replaces it, --stdout prints the new one)",
            target.display()
        )));
    }
    let name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let draft = init::manifest(language, &name, &disk).map_err(|e| UsageError(e.0))?;
    let text = formatted(&draft)?;
    if stdout {
        print_stdout(&text)?;
    } else if force && std::fs::symlink_metadata(&target).is_ok() {
        super::fmt::replace(&target, &text)?;
    } else {
        create(&target, &text)?;
    }
    if !stdout {
        eprintln!(
            "wrote {} ({}); read its EDIT comments, then run `wbuildc check {}`",
            target.display(),
            init::detect::name(language),
            target.display()
        );
    }
    Ok(exit::SUCCESS)
}

/// The draft as the formatter writes it. A draft the parser cannot read is a
/// bug in a template: its syntax errors are printed, and nothing is written.
fn formatted(draft: &str) -> Result<String, UsageError> {
    let mut compiler = crate::Compiler::without_stdlib();
    let file = compiler.add_file(MANIFEST, draft);
    compiler.format(file).ok_or_else(|| {
        let syntax: Vec<_> = compiler
            .check(file)
            .into_iter()
            .filter(|d| d.code.as_str().starts_with("WB0"))
            .collect();
        eprint!("{}", compiler.render(&syntax, false));
        UsageError(
            "internal error: the manifest wbuildc init wrote does not parse; please report it"
                .into(),
        )
    })
}

/// Writes a new file; fails if one appeared meanwhile (never follows a link).
fn create(path: &Path, text: &str) -> Result<(), UsageError> {
    let shown = path.display();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))?;
    file.write_all(text.as_bytes())
        .map_err(|e| UsageError(format!("cannot write {shown}: {e}")))
}
