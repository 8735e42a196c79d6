//! Between the compiler's data (byte offsets, spans, diagnostics) and the
//! protocol's (UTF-16 positions, URIs). The only place that converts positions.

use lsp_types as lsp;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use wbuild::span::{LineCol, LineIndex, Span};

/// A document's text with its line index, to convert positions.
pub struct Lines<'t> {
    text: &'t str,
    index: LineIndex,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            index: LineIndex::new(text),
        }
    }

    pub fn position(&self, offset: u32) -> lsp::Position {
        let offset = offset.min(self.text.len() as u32);
        let at = self.index.line_col_utf16(self.text, offset);
        lsp::Position::new(at.line, at.column)
    }

    pub fn range(&self, span: Span) -> lsp::Range {
        lsp::Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a position; a position past the end of a line is the
    /// line's end, past the last line the end of the text.
    pub fn offset(&self, position: lsp::Position) -> u32 {
        let at = LineCol {
            line: position.line,
            column: position.character,
        };
        self.index
            .offset_utf16(self.text, at)
            .unwrap_or_else(|| self.clamped(position))
    }

    fn clamped(&self, position: lsp::Position) -> u32 {
        let lines = self.text.split_inclusive('\n').count() as u32;
        if position.line >= lines {
            return self.text.len() as u32;
        }
        let start = self.index.line_start(position.line);
        start + self.index.line_len(self.text, position.line) as u32
    }

    pub fn span(&self, range: lsp::Range) -> Span {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        Span::new(start as usize, end as usize)
    }
}

/// The `file://` URI of an absolute path (percent-encoded).
pub fn uri(path: &Path) -> Option<lsp::Uri> {
    let mut text = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    lsp::Uri::from_str(&text).ok()
}

/// The path of a `file://` URI (percent-decoded), if it is one.
pub fn path(uri: &lsp::Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    text.starts_with('/').then(|| PathBuf::from(text))
}
