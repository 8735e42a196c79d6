//! `check -` and `fmt -`: one manifest read from standard input, the way editors
//! and pre-commit hooks hand over an unsaved buffer. `--stdin-filename PATH` says
//! where the text belongs: the policy, the repository root, imports and the build
//! context are found from PATH exactly as for a file there, and diagnostics name
//! PATH. Without it the text is checked as `<stdin>` in the current directory.

use crate::cli::UsageError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The argument that stands for standard input.
pub(crate) const DASH: &str = "-";

/// The name diagnostics give standard input without `--stdin-filename`.
const UNNAMED: &str = "<stdin>";

/// A manifest's text from standard input and the path it is checked as.
pub(crate) struct Stdin {
    pub path: PathBuf,
    pub text: Vec<u8>,
}

impl Stdin {
    /// The text, when the library asks for the manifest at `path`.
    pub(crate) fn serves(&self, path: &Path, wanted: crate::Wanted) -> Option<Vec<u8>> {
        (wanted == crate::Wanted::Manifest && path == self.path).then(|| self.text.clone())
    }
}

/// The files with `-` replaced by the stdin path, and standard input read when
/// `-` was given (at most once). `--stdin-filename` without `-` is a usage error,
/// as is a text larger than a manifest may be (it is not read to the end).
pub(crate) fn substitute(
    files: &[PathBuf],
    stdin_filename: Option<&Path>,
) -> Result<(Vec<PathBuf>, Option<Stdin>), UsageError> {
    let dashes = files.iter().filter(|f| f.as_os_str() == DASH).count();
    match (dashes, stdin_filename) {
        (0, None) => return Ok((files.to_vec(), None)),
        (0, Some(_)) => {
            return Err(UsageError(
                "--stdin-filename names the text of `-`, and no `-` was given".into(),
            ))
        }
        (1, _) => {}
        _ => return Err(UsageError("`-` (standard input) may be given once".into())),
    }
    let path = stdin_filename.map_or_else(|| PathBuf::from(UNNAMED), Path::to_path_buf);
    if path.is_dir() {
        return Err(UsageError(format!(
            "--stdin-filename {} is a directory; name the manifest's path",
            path.display()
        )));
    }
    let limit = crate::syntax::MAX_FILE_BYTES as u64 + 1;
    let mut text = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut text)
        .map_err(|e| UsageError(format!("cannot read standard input: {e}")))?;
    let files = files
        .iter()
        .map(|f| {
            if f.as_os_str() == DASH {
                path.clone()
            } else {
                f.clone()
            }
        })
        .collect();
    Ok((files, Some(Stdin { path, text })))
}
