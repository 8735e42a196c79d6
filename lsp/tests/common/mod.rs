// Each test binary uses part of what is shared here.
#![allow(dead_code)]

//! What the language server's tests share.

use std::path::{Path, PathBuf};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A copy of `examples/NAME` (the manifest and the build context it copies) at
/// `to`, with a `.git` so that `to` is a repository root.
pub fn copy_example(name: &str, to: &Path) -> PathBuf {
    let mut todo = vec![(repo().join("examples").join(name), to.to_path_buf())];
    while let Some((from, into)) = todo.pop() {
        std::fs::create_dir_all(&into).unwrap_or_default();
        for entry in std::fs::read_dir(&from).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                todo.push((entry.path(), into.join(entry.file_name())));
            } else {
                std::fs::copy(entry.path(), into.join(entry.file_name())).unwrap_or_default();
            }
        }
    }
    std::fs::create_dir_all(to.join(".git")).unwrap_or_default();
    to.join("service.wbuild")
}
