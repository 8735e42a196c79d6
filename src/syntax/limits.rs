//! Resource limits checked before pest runs: pest's rules recurse, so input that
//! nests deeper than any real manifest is refused up front instead of risking the
//! stack, and huge files are refused instead of risking memory and time.

use super::{MAX_FILE_BYTES, MAX_NESTING};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::FileId;
use crate::span::Span;

pub(super) fn check(file: FileId, text: &str) -> Option<Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Some(
            Diagnostic::new(
                Code::TooComplex,
                format!(
                    "the file is larger than {} MiB",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
                file,
                Span::at(0),
                "file starts here",
            )
            .with_note(format!("it has {} bytes", text.len()))
            .with_help(
                "split it: one manifest per repository, shared definitions in imported files",
            ),
        );
    }
    // Scan brackets outside strings and comments.
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'#' => {
                    while bytes.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                    continue;
                }
                b'[' | b'{' | b'(' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(
                            Diagnostic::new(
                                Code::TooComplex,
                                format!("brackets nest deeper than {MAX_NESTING} levels"),
                                file,
                                Span::new(i, i + 1),
                                "too deep here",
                            )
                            .with_help(
                                "flatten the value; real manifests nest a few levels at most",
                            ),
                        );
                    }
                }
                b']' | b'}' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    None
}
