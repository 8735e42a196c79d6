//! Finding manifests in a tree the way git sees it: `check DIR`, `fmt DIR` and the
//! operations commands read every `.wbuild` file under a directory, honouring
//! `.gitignore` (the `ignore` crate, ripgrep's walker).

use crate::cli::UsageError;
use std::path::{Path, PathBuf};

/// The files named, with each directory replaced by the manifests under it (in
/// path order); a file is kept as given, whatever its name.
pub(crate) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = manifests_under(path)?;
            if found.is_empty() {
                return Err(UsageError(format!(
                    "no .wbuild files under {}",
                    path.display()
                )));
            }
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Every `.wbuild` file under `dir`, honouring the `.gitignore` files of the
/// tree (hidden directories such as `.pipeline` are read; `.git` never), sorted.
pub(crate) fn manifests_under(dir: &Path) -> Result<Vec<PathBuf>, UsageError> {
    if !dir.is_dir() {
        return Err(UsageError(format!("{} is not a directory", dir.display())));
    }
    // On every core: a tree of ten thousand services has some forty thousand
    // directories, and each is listed and looked at for a `.gitignore`.
    let found = std::sync::Mutex::new(Vec::new());
    let failure = std::sync::Mutex::new(None);
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .ignore(false)
        .parents(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) => {
                        let path = entry.path();
                        if entry.file_type().is_some_and(|t| t.is_file())
                            && path.extension().is_some_and(|e| e == "wbuild")
                        {
                            let path = path.strip_prefix("./").unwrap_or(path).to_path_buf();
                            found.lock().unwrap_or_else(|e| e.into_inner()).push(path);
                        }
                    }
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                        return ignore::WalkState::Quit;
                    }
                }
                ignore::WalkState::Continue
            })
        });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(UsageError(format!("cannot read {}: {e}", dir.display())));
    }
    let mut out = found.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort();
    Ok(out)
}
