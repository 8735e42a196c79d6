//! The one way the driver reads a file.
//!
//! Everything in the repository being built is untrusted: a manifest, an import,
//! a policy file or a dependency manifest may be a symbolic link to
//! `/proc/self/environ`, a FIFO that never ends, `/dev/zero`, or a link into
//! `.git/config` where CI keeps its token. So every read goes through [`read`]:
//!
//! - the path is resolved (symbolic links followed) *before* anything is opened;
//!   a confined read refuses a target outside the repository root, inside `.git`,
//!   or named like a secret file (the policy's `forbidden_files`);
//! - the file is opened non-blocking and without following a final link, and
//!   must be a regular file (never a FIFO, socket or device);
//! - at most `MAX_FILE_BYTES + 1` bytes are read (the parser reports a file that
//!   is too large).
//!
//! The repository is checked out before wbuildc runs and does not change while it
//! runs, so resolving and then opening is not a race an attacker can play; the
//! final `O_NOFOLLOW` still refuses a link swapped in between.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    NotFound,
    /// The path resolves outside the repository root.
    Outside {
        resolved: PathBuf,
    },
    /// The path resolves into the repository's `.git` directory.
    InGit,
    /// The path resolves to a file named like a secret.
    Forbidden {
        pattern: String,
    },
    /// A FIFO, socket, device or directory.
    NotRegular {
        kind: &'static str,
    },
    /// A symbolic link that does not lead to a file.
    Unresolvable,
    /// The resolved file does not have the extension the read requires.
    WrongKind {
        resolved: PathBuf,
        wanted: &'static str,
    },
    Io(String),
}

impl ReadError {
    /// Why, in words, for diagnostics and error messages (never the file's text).
    pub(crate) fn reason(&self) -> String {
        match self {
            ReadError::NotFound => "it does not exist".into(),
            ReadError::Outside { resolved } => format!(
                "it leads outside the repository (it resolves to {})",
                resolved.display()
            ),
            ReadError::InGit => "it leads into the repository's .git directory".into(),
            ReadError::Forbidden { pattern } => {
                format!("it is a file that may hold secrets (policy pattern `{pattern}`)")
            }
            ReadError::NotRegular { kind } => format!("it is a {kind}, not a regular file"),
            ReadError::Unresolvable => "it is a symbolic link that does not lead to a file".into(),
            ReadError::WrongKind { resolved, wanted } => format!(
                "it resolves to {}, which is not a {wanted} file",
                resolved.display()
            ),
            ReadError::Io(message) => message.clone(),
        }
    }
}

/// Where a read may go.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Confinement<'a> {
    /// Configuration CI gives (`--policy`, `--stdlib`, `$WBUILD_CONFIG`): anywhere,
    /// but still a bounded read of a regular file.
    Trusted,
    /// A file of the repository.
    Repository(&'a Repository),
}

/// The repository being built: its root (canonical) and the file names that are
/// never read because they may hold secrets.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Repository {
    pub root: PathBuf,
    pub forbidden: Vec<String>,
}

impl Repository {
    /// Whether `resolved` (a canonical path) is inside the root, and not in
    /// `.git` or named like a secret.
    fn admits(&self, resolved: &Path) -> Result<(), ReadError> {
        let Ok(inside) = resolved.strip_prefix(&self.root) else {
            return Err(ReadError::Outside {
                resolved: resolved.to_path_buf(),
            });
        };
        for component in inside.components() {
            let name = component.as_os_str().to_string_lossy();
            if name == ".git" {
                return Err(ReadError::InGit);
            }
            if let Some(pattern) = self
                .forbidden
                .iter()
                .find(|p| crate::policy::file_pattern_matches(p, &name))
            {
                return Err(ReadError::Forbidden {
                    pattern: pattern.clone(),
                });
            }
        }
        Ok(())
    }
}

/// Reads `path` under `confinement`. `extension`, when given, is required of the
/// resolved file as well as of the path (a `x.wbuild` link to `.git/config` is
/// refused).
pub(crate) fn read(
    path: &Path,
    confinement: Confinement<'_>,
    extension: Option<&'static str>,
) -> Result<Vec<u8>, ReadError> {
    let resolved = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        // A link that leads nowhere (or to `pipe:[…]`, as /dev/stdin may) is not
        // a missing file: it is refused.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_ok() =>
        {
            return Err(ReadError::Unresolvable)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NotFound),
        Err(e) => {
            return Err(ReadError::Io(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    if let Confinement::Repository(repository) = confinement {
        repository.admits(&resolved)?;
    }
    if let Some(wanted) = extension {
        if resolved.extension().is_none_or(|e| e != wanted) {
            return Err(ReadError::WrongKind { resolved, wanted });
        }
    }
    open_regular(&resolved)
}

/// Opens a resolved path without blocking or following a final link; reads it if
/// it is a regular file.
fn open_regular(resolved: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| ReadError::Io(format!("cannot read {}: {e}", resolved.display()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(resolved)
        .map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    let file_type = metadata.file_type();
    if !file_type.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let kind = if file_type.is_dir() {
            "directory"
        } else if file_type.is_fifo() {
            "FIFO"
        } else if file_type.is_socket() {
            "socket"
        } else if file_type.is_char_device() || file_type.is_block_device() {
            "device"
        } else {
            "special file"
        };
        return Err(ReadError::NotRegular { kind });
    }
    let limit = crate::syntax::MAX_FILE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// The repository root of a manifest: `explicit` (`--root`), else the nearest
/// directory at or above the manifest's that holds `.git`, else the manifest's
/// own directory. Always canonical.
pub(crate) fn repository_root(
    manifest_dir: &Path,
    explicit: Option<&Path>,
) -> Result<PathBuf, String> {
    if let Some(root) = explicit {
        return std::fs::canonicalize(root)
            .map_err(|e| format!("cannot use --root {}: {e}", root.display()));
    }
    let dir = std::fs::canonicalize(manifest_dir)
        .map_err(|e| format!("cannot read {}: {e}", manifest_dir.display()))?;
    Ok(dir
        .ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .unwrap_or(&dir)
        .to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(root: &Path) -> Repository {
        Repository {
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            forbidden: vec![".npmrc".into(), "*.key".into()],
        }
    }

    #[test]
    fn confined_reads_refuse_what_leaves_the_repository_or_is_not_a_file() {
        let dir = std::env::temp_dir().join(format!("wbuild-fs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = dir.join("repo");
        let _ = std::fs::create_dir_all(repo.join(".git"));
        let _ = std::fs::write(repo.join("ok.wbuild"), "image \"x\" {}\n");
        let _ = std::fs::write(repo.join(".git/config"), "token\n");
        let _ = std::fs::write(repo.join(".npmrc"), "token\n");
        let _ = std::fs::write(dir.join("outside.wbuild"), "secret\n");
        let link = |target: &str, name: &str| {
            let _ = std::os::unix::fs::symlink(target, repo.join(name));
        };
        link("../outside.wbuild", "out.wbuild");
        link(".git/config", "git.wbuild");
        link(".npmrc", "npm.wbuild");
        link("/dev/stdin", "stdin.wbuild");
        let _ = std::fs::write(repo.join("notes.txt"), "not a module\n");
        link("notes.txt", "module.wbuild");
        let fifo = std::ffi::CString::new(repo.join("fifo.wbuild").to_string_lossy().as_bytes())
            .unwrap_or_default();
        // SAFETY: mkfifo reads a NUL-terminated path and nothing else.
        unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) };
        let r = repository(&repo);
        let confined = Confinement::Repository(&r);
        let read = |name: &str| read(&repo.join(name), confined, Some("wbuild"));
        assert!(read("ok.wbuild").is_ok());
        assert!(matches!(read("out.wbuild"), Err(ReadError::Outside { .. })));
        assert_eq!(read("git.wbuild"), Err(ReadError::InGit));
        assert!(matches!(
            read("npm.wbuild"),
            Err(ReadError::Forbidden { .. })
        ));
        assert!(matches!(
            read("stdin.wbuild"),
            Err(ReadError::Outside { .. })
        ));
        assert_eq!(
            read("fifo.wbuild"),
            Err(ReadError::NotRegular { kind: "FIFO" })
        );
        assert_eq!(read("missing.wbuild"), Err(ReadError::NotFound));
        assert!(matches!(
            read("module.wbuild"),
            Err(ReadError::WrongKind { .. })
        ));
        assert_eq!(
            super::read(Path::new("/dev/zero"), Confinement::Trusted, None),
            Err(ReadError::NotRegular { kind: "device" })
        );
        assert_eq!(
            repository_root(&repo, None).ok(),
            std::fs::canonicalize(&repo).ok()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
