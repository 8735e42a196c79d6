//! The IDE fixtures (tests/fixtures/ide, lsp/tests/fixtures): one or more
//! virtual files (`--- PATH` starts each), one of them with the cursor `$0`,
//! and a `# request:` line. Read by the compiler's IDE tests, the language
//! server's fixture test and its bench.

#![allow(dead_code)]

use std::path::Path;

pub struct Fixture {
    pub request: String,
    /// Each file's name and text (the cursor marker removed).
    pub files: Vec<(String, String)>,
    /// Which file holds the cursor, and its byte offset there.
    pub cursor: (usize, u32),
}

impl Fixture {
    pub fn read(path: &Path) -> Fixture {
        let shown = path.display();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{shown}: {e}"));
        let request = text
            .lines()
            .find_map(|l| l.strip_prefix("# request:"))
            .unwrap_or_else(|| panic!("{shown}: no `# request:` line"))
            .trim()
            .to_string();
        let mut files: Vec<(String, String)> = Vec::new();
        for line in text.split_inclusive('\n') {
            if let Some(name) = line.strip_prefix("--- ") {
                files.push((name.trim().to_string(), String::new()));
            } else if let Some((_, body)) = files.last_mut() {
                body.push_str(line);
            }
        }
        let mut cursor = None;
        for (i, (_, body)) in files.iter_mut().enumerate() {
            if let Some(at) = body.find("$0") {
                body.replace_range(at..at + 2, "");
                cursor = Some((i, at as u32));
            }
        }
        Fixture {
            request,
            files,
            cursor: cursor.unwrap_or_else(|| panic!("{shown}: no `$0` cursor")),
        }
    }

    /// The cursor as the protocol counts it: line, and UTF-16 column.
    pub fn utf16_cursor(&self) -> (usize, usize) {
        let (file, offset) = self.cursor;
        let body = &self.files[file].1;
        let at = offset as usize;
        let line = body[..at].matches('\n').count();
        let start = body[..at].rfind('\n').map_or(0, |i| i + 1);
        (line, body[start..at].chars().map(char::len_utf16).sum())
    }
}
