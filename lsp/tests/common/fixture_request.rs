//! An IDE fixture in the protocol's terms: its files opened in a server, and
//! the LSP request its `# request:` line stands for (shared by the fixture test
//! and the server bench).

#![allow(dead_code)]

use crate::ide_fixture::Fixture;
use lsp_server::Notification;
use serde_json::{json, Value};
use wbuild_lsp::Server;

/// Opens the fixture's files as `file:///fixture/NAME` documents and returns the
/// method and parameters of its request (`None`: a request this does not know).
pub fn open_and_ask(server: &mut Server, fixture: &Fixture) -> Option<(&'static str, Value)> {
    for (name, body) in &fixture.files {
        server.notified(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri(name), "languageId": "wbuild", "version": 1, "text": body}}),
        ));
    }
    let uri = uri(&fixture.files[fixture.cursor.0].0);
    let (line, character) = fixture.utf16_cursor();
    let at =
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let whole =
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 9999, "character": 0}});
    let words: Vec<&str> = fixture.request.split_whitespace().collect();
    Some(match words.as_slice() {
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
        _ => return None,
    })
}

fn uri(name: &str) -> String {
    format!("file:///fixture/{name}")
}
