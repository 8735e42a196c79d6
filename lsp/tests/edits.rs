//! Thousands of random edits to an open document (insertions of fragments that
//! half-type lines, deletions, whole-line removals), fed to the server as an
//! editor would: it answers every edit with diagnostics and never fails, and its
//! final diagnostics are exactly `wbuildc check`'s (the compiler's, on a fresh
//! database) for the final text. Deterministic: a fixed-seed generator.

use lsp_server::Notification;
use serde_json::json;
use wbuild_lsp::Server;

mod common;

/// xorshift64*: enough randomness for edits, and the same sequence every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "base =",
    "extends python.",
    "steps += { run",
    "copy \"a\" to",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    "\n",
    "\n  ",
    "variant x {",
    "= ",
    "+= ",
    "python.app(",
    "requirements = [",
    "user = base.somebody",
    "# comment",
    "é",
    "🧪",
    "${",
    "let y = 1\n",
    "override ",
    "with cache = ",
];

/// The change from `old` to `new` as one range edit: the common prefix and
/// suffix are kept, positions in UTF-16 code units as the protocol counts them.
fn range_change(old: &str, new: &str) -> serde_json::Value {
    let mut start = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(start) || !new.is_char_boundary(start) {
        start -= 1;
    }
    let mut suffix = old[start..]
        .bytes()
        .rev()
        .zip(new[start..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let position = |offset: usize| {
        let line = old[..offset].matches('\n').count();
        let line_start = old[..offset].rfind('\n').map_or(0, |i| i + 1);
        let character: usize = old[line_start..offset].chars().map(char::len_utf16).sum();
        json!({"line": line, "character": character})
    };
    json!({
        "range": {"start": position(start), "end": position(old.len() - suffix)},
        "text": &new[start..new.len() - suffix],
    })
}

#[test]
fn random_edits_never_break_the_server_and_end_where_check_ends() {
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", cache.path());
    let manifest = common::copy_example("python-web", &cache.path().join("repo"));
    let mut text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let path = manifest.to_string_lossy().into_owned();
    let uri = format!("file://{path}");
    let mut server = Server::new();
    let opened = server.notified(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    ));
    assert!(opened.iter().any(|n| n.params["uri"] == uri.as_str()));
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for version in 2..3000 {
        let before = text.clone();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let at = chars
            .get(rng.below(chars.len() + 1))
            .map_or(text.len(), |(i, _)| *i);
        match rng.below(4) {
            0 | 1 => text.insert_str(at, FRAGMENTS[rng.below(FRAGMENTS.len())]),
            2 => {
                let end = chars
                    .iter()
                    .map(|(i, _)| *i)
                    .find(|i| *i > at)
                    .unwrap_or(text.len());
                let end = chars
                    .iter()
                    .map(|(i, _)| *i)
                    .filter(|i| *i >= end)
                    .nth(rng.below(8))
                    .unwrap_or(text.len());
                text.replace_range(at..end, "");
            }
            _ => {
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                text.replace_range(line_start..line_end, "");
            }
        }
        // Every other edit goes as a range edit (incremental sync), in UTF-16.
        let change = if version % 2 == 0 {
            json!({"text": text})
        } else {
            range_change(&before, &text)
        };
        let published = server.notified(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        ));
        assert!(
            published.iter().any(|n| n.params["uri"] == uri.as_str()),
            "edit {version}: no diagnostics published"
        );
    }
    // The server's final word equals `wbuildc check`'s on the final text: the
    // compiler's diagnostics and the build context's.
    let mut compiler = wbuild::Compiler::new();
    let file = compiler.add_file(&path, &text);
    let mut all = compiler.check(file);
    let context = manifest.parent().unwrap_or(&manifest);
    all.extend(wbuild::cli::context_problems(&compiler, file, context));
    wbuild::diagnostics::sort(&mut all);
    let expected: Vec<String> = all
        .iter()
        .filter(|d| d.primary.file == file.id(compiler.db()))
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    let published = server.notified(Notification::new(
        "textDocument/didSave".into(),
        json!({"textDocument": {"uri": uri}}),
    ));
    let mine = published
        .iter()
        .find(|n| n.params["uri"] == uri.as_str())
        .unwrap_or_else(|| panic!("nothing published for the document"));
    let got: Vec<String> = mine.params["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let message = d["message"].as_str().unwrap_or("");
            let first = message.lines().next().unwrap_or("");
            format!("{} {first}", d["code"].as_str().unwrap_or(""))
        })
        .collect();
    let expected: Vec<String> = expected
        .iter()
        .map(|e| e.lines().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, expected, "final text:\n{text}");
}
