//! Byte spans and line/column conversion.
//!
//! Spans are byte offsets into one file's text. Converting to lines and columns
//! (UTF-8 bytes for terminals, UTF-16 code units for the language server) happens
//! only at the edges, through [`LineIndex`].

use serde::Serialize;

/// Identifies a source file within one database (see `db::Workspace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// Where something was written: the file and span of the expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

/// A half-open byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// An empty span at `offset`, for "missing thing here" labels.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span that covers both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Shifts a span found in a sub-slice that starts at `base`.
    pub fn offset(self, base: u32) -> Span {
        Span {
            start: self.start.saturating_add(base),
            end: self.end.saturating_add(base),
        }
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Line starts of one text, for offset → (line, column) conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

/// A zero-based line and column (column in bytes or UTF-16 units, see the method).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(clamp(i + 1));
            }
        }
        LineIndex { line_starts }
    }

    /// Zero-based line of a byte offset.
    pub fn line(&self, offset: u32) -> u32 {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        clamp(line.saturating_sub(1))
    }

    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts.get(line as usize).copied().unwrap_or(0)
    }

    /// The length in bytes of a zero-based line of `text` (without its `\n`).
    pub fn line_len(&self, text: &str, line: u32) -> usize {
        let start = self.line_start(line) as usize;
        let end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(text.len(), |&next| (next as usize).saturating_sub(1));
        end.saturating_sub(start)
    }

    /// Line and column, the column counted in UTF-8 bytes.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line = self.line(offset);
        LineCol {
            line,
            column: offset - self.line_start(line),
        }
    }

    /// Line and column, the column counted in UTF-16 code units (the LSP default).
    pub fn line_col_utf16(&self, text: &str, offset: u32) -> LineCol {
        let line = self.line(offset);
        let start = self.line_start(line) as usize;
        let end = (offset as usize).min(text.len());
        let column = text.get(start..end).map_or(0, |s| s.encode_utf16().count());
        LineCol {
            line,
            column: clamp(column),
        }
    }
}

impl LineIndex {
    /// The bytes of a zero-based line that hold text: without its `\n`, and
    /// without the `\r` of a CRLF ending.
    fn content(&self, text: &str, line: u32) -> Option<(usize, usize)> {
        let start = *self.line_starts.get(line as usize)? as usize;
        let mut end = start + self.line_len(text, line);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some((start, end))
    }

    /// The byte offset of a line and column counted in UTF-8 bytes. A column
    /// past the end of the line means its end, one inside a character that
    /// character's start; `None` for a line past the end of the text.
    pub fn offset(&self, text: &str, at: LineCol) -> Option<u32> {
        let (start, end) = self.content(text, at.line)?;
        let mut offset = (start + at.column as usize).min(end);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        Some(clamp(offset))
    }

    /// The byte offset of a line and column counted in UTF-16 code units (the
    /// LSP default), with the same rules as [`LineIndex::offset`].
    pub fn offset_utf16(&self, text: &str, at: LineCol) -> Option<u32> {
        let (start, end) = self.content(text, at.line)?;
        let line = text.get(start..end)?;
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > at.column as usize {
                return Some(clamp(start + i));
            }
        }
        Some(clamp(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns_count_bytes_and_utf16_units() {
        let text = "a\nxé𝄞z\n";
        let index = LineIndex::new(text);
        let z = text.find('z').unwrap_or_default() as u32;
        assert_eq!(index.line_col(z), LineCol { line: 1, column: 7 });
        assert_eq!(
            index.line_col_utf16(text, z),
            LineCol { line: 1, column: 4 }
        );
        assert_eq!(index.line(0), 0);
        assert_eq!(index.line(2), 1);
    }

    #[test]
    fn offsets_round_trip_through_both_column_kinds() {
        let text = "a\r\nxé𝄞z\n\n  ü = \"𝄞\"\n";
        let index = LineIndex::new(text);
        for (offset, c) in text.char_indices() {
            let offset = offset as u32;
            if c == '\n' || (c == '\r' && text[offset as usize..].starts_with("\r\n")) {
                continue;
            }
            let bytes = index.line_col(offset);
            assert_eq!(index.offset(text, bytes), Some(offset), "{bytes:?}");
            let units = index.line_col_utf16(text, offset);
            assert_eq!(index.offset_utf16(text, units), Some(offset), "{units:?}");
        }
        // Past the end of a line: its end (before a CRLF); inside a character: its start.
        let line = |line, column| LineCol { line, column };
        assert_eq!(index.offset(text, line(0, 99)), Some(1));
        assert_eq!(index.offset_utf16(text, line(0, 99)), Some(1));
        let g_clef = text.find('𝄞').unwrap_or_default() as u32;
        assert_eq!(index.offset(text, line(1, 5)), Some(g_clef));
        assert_eq!(index.offset_utf16(text, line(1, 3)), Some(g_clef));
        assert_eq!(index.offset(text, line(9, 0)), None);
    }
}
