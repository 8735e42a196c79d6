//! The IDE fixtures (tests/fixtures/ide) through the language server, in the
//! protocol's terms: each fixture's virtual files are opened as documents, its
//! request is sent as the LSP request it stands for, and the JSON answer (UTF-16
//! ranges, URIs) is snapshotted beside the plain-data answer of tests/it/ide.rs.
//! The server's own capabilities have fixtures in lsp/tests/fixtures (formatting,
//! code actions, code lenses, pull diagnostics, prepare-rename, workspace symbols).

use lsp_server::{Notification, Request, RequestId};
use serde_json::{json, Value};
use wbuild_lsp::Server;

mod common;

fn fixtures() -> Vec<std::path::PathBuf> {
    let dirs = [
        common::repo().join("tests/fixtures/ide"),
        common::repo().join("lsp/tests/fixtures"),
    ];
    let mut out: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wbuild"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_ide_fixture_answers_over_the_protocol() {
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", cache.path());
    let paths = fixtures();
    assert!(paths.len() >= 30, "{} fixtures", paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let request = text
            .lines()
            .find_map(|l| l.strip_prefix("# request:"))
            .unwrap_or("")
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
        let mut server = Server::new();
        let mut cursor = None;
        for (name, body) in &mut files {
            let uri = format!("file:///fixture/{name}");
            if let Some(at) = body.find("$0") {
                body.replace_range(at..at + 2, "");
                let line = body[..at].matches('\n').count();
                let start = body[..at].rfind('\n').map_or(0, |i| i + 1);
                let character: usize = body[start..at].chars().map(char::len_utf16).sum();
                cursor = Some((uri.clone(), json!({"line": line, "character": character})));
            }
            server.notified(Notification::new(
                "textDocument/didOpen".into(),
                json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": body}}),
            ));
        }
        let (uri, position) = cursor.unwrap_or_else(|| panic!("{}: no cursor", path.display()));
        let at = json!({"textDocument": {"uri": uri}, "position": position});
        let whole =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 9999, "character": 0}});
        let words: Vec<&str> = request.split_whitespace().collect();
        let (method, params) = match words.as_slice() {
            ["hover"] => ("textDocument/hover", at),
            ["definition"] => ("textDocument/definition", at),
            ["references"] => {
                let mut p = at;
                p["context"] = json!({"includeDeclaration": true});
                ("textDocument/references", p)
            }
            ["highlights"] => ("textDocument/documentHighlight", at),
            ["completion"] => ("textDocument/completion", at),
            ["symbols"] => (
                "textDocument/documentSymbol",
                json!({"textDocument": {"uri": uri}}),
            ),
            ["rename", name] => {
                let mut p = at;
                p["newName"] = json!(name);
                ("textDocument/rename", p)
            }
            ["hints"] => (
                "textDocument/inlayHint",
                json!({"textDocument": {"uri": uri}, "range": whole}),
            ),
            ["signature"] => ("textDocument/signatureHelp", at),
            ["tokens"] => (
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": uri}}),
            ),
            ["folding"] => (
                "textDocument/foldingRange",
                json!({"textDocument": {"uri": uri}}),
            ),
            ["formatting"] => (
                "textDocument/formatting",
                json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
            ),
            ["actions"] => {
                let mut p = at;
                p["range"] = json!({"start": p["position"], "end": p["position"]});
                p["context"] = json!({"diagnostics": []});
                ("textDocument/codeAction", p)
            }
            ["lenses"] => (
                "textDocument/codeLens",
                json!({"textDocument": {"uri": uri}}),
            ),
            ["diagnostics"] => (
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": uri}}),
            ),
            ["prepare-rename"] => ("textDocument/prepareRename", at),
            ["workspace-symbols", query] => ("workspace/symbol", json!({"query": query})),
            other => panic!("{}: unknown request {other:?}", path.display()),
        };
        let response = server.answer(Request::new(RequestId::from(1), method.into(), params));
        let answer: Value = match response.response_result {
            Ok(value) => value,
            Err(e) => json!({"error": e.message}),
        };
        let shown = serde_json::to_string_pretty(&answer)
            .unwrap_or_default()
            .replace(&cache.path().display().to_string(), "<cache>");
        // The stdlib's directory is named after its content.
        let shown = match shown.find("/std-") {
            Some(at) if shown.len() > at + 21 => {
                format!("{}/std-<digest>{}", &shown[..at], &shown[at + 21..])
            }
            _ => shown,
        };
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        insta::with_settings!({ snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, format!("{method}\n{shown}"));
        });
    }
}
