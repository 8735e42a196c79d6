//! The real `wbuild-lsp` binary over stdio, on a copy of examples/python-web: a
//! JSON-RPC session as an editor runs it (open, break, repair, hover, complete,
//! definition into the stdlib, references, rename, format, code action, the
//! Dockerfile command, shut down), checking every answer.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

mod common;

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    fn start(cache: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wbuild-lsp"))
            .env("XDG_CACHE_HOME", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start wbuild-lsp: {e}"));
        let stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
        let stdout = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("stdout")));
        Client {
            child,
            stdin,
            stdout,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .unwrap_or_else(|e| panic!("write: {e}"));
        self.stdin.flush().unwrap_or_else(|e| panic!("flush: {e}"));
    }

    fn receive(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).unwrap_or(0);
            assert!(read > 0, "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stdout
            .read_exact(&mut body)
            .unwrap_or_else(|e| panic!("read: {e}"));
        let message: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("json: {e}"));
        // A request from the server (a progress token): answered, and kept.
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
        message
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            self.notifications.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let position = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            });
            if let Some(i) = position {
                let n = self.notifications.remove(i);
                return n["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            let message = self.receive();
            self.notifications.push(message);
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The offset of `needle` in `text` as an LSP position (ASCII text: UTF-16
/// columns equal byte columns here).
fn position(text: &str, needle: &str, plus: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the text"))
        + plus;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

#[test]
fn an_editor_session_over_stdio() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = work.path().join("python-web");
    common::copy_example("python-web", &root);
    let cache = work.path().join("cache");
    let manifest = root.join("service.wbuild");
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let doc = uri(&manifest);
    let mut client = Client::start(&cache);

    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "window": {"workDoneProgress": true},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        }}),
    );
    let capabilities = &init["result"]["capabilities"];
    for capability in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentFormattingProvider",
        "completionProvider",
        "codeActionProvider",
        "documentSymbolProvider",
    ] {
        assert!(
            !capabilities[capability].is_null(),
            "{capability} not advertised: {init}"
        );
    }
    client.notify("initialized", json!({}));

    // Open: the example is clean.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "wbuild", "version": 1, "text": text}}),
    );
    assert_eq!(client.diagnostics(&doc), Vec::<Value>::new());

    // Break it after non-ASCII text: the range is in UTF-16 code units.
    let broken = text.replacen(
        "variant test extends build {",
        "# Prüfungen — tests 🧪\nvariant test extends build {\n  expsoe = [1]",
        1,
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diagnostics = client.diagnostics(&doc);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "WB2001");
    let expected = position(&broken, "expsoe", 0);
    assert_eq!(diagnostics[0]["range"]["start"], expected);
    assert_eq!(diagnostics[0]["range"]["end"]["character"], json!(8));

    // The code action is the compiler's fix.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "replace with `expose`", "{actions}");
    assert_eq!(action["edit"]["changes"][&doc][0]["newText"], "expose");

    // A non-ASCII line before the error: the same character column in UTF-16.
    let emoji = broken.replacen("  expsoe = [1]", "  expsoe = [1] # 🧪", 1);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 3}, "contentChanges": [{"text": emoji}]}),
    );
    assert_eq!(client.diagnostics(&doc).len(), 1);

    // Repair: cleared.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(client.diagnostics(&doc), Vec::<Value>::new());

    // Hover on a stdlib preset shows its documentation.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "python.app", 8)}),
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(markdown.contains("preset app("), "{hover}");

    // Completion of fields.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "  cmd = [\"python\", \"-m\"", 2)}),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.contains(&"cmd") && labels.contains(&"healthcheck"),
        "{labels:?}"
    );

    // Definition into the stdlib: a read-only document in the cache.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "python.runtime", 8)}),
    );
    let target = definition["result"]["uri"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        target.ends_with("/python.wbuild") && target.contains("/wbuild-lsp/"),
        "{definition}"
    );
    let std_path = target.trim_start_matches("file://");
    let std_text = std::fs::read_to_string(std_path).unwrap_or_default();
    assert!(std_text.contains("preset runtime"), "{std_path}");
    let line = definition["result"]["range"]["start"]["line"]
        .as_u64()
        .unwrap_or(0) as usize;
    assert!(std_text
        .lines()
        .nth(line)
        .unwrap_or("")
        .contains("preset runtime"));

    // References of `build`: its definition and its three uses.
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "variant build", 9), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        references["result"].as_array().map(Vec::len),
        Some(3),
        "{references}"
    );

    // Rename `build` everywhere.
    let prepare = client.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "variant build", 9)}),
    );
    assert!(prepare["result"]["start"].is_object(), "{prepare}");
    let rename = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "variant build", 9), "newName": "compile"}),
    );
    let edits = rename["result"]["changes"][&doc]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 3, "{rename}");
    assert!(edits.iter().all(|e| e["newText"] == "compile"));

    // Formatting: an unformatted file gets one edit to `wbuildc fmt`'s text; the
    // example is formatted already.
    let formatting = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": doc}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(formatting["result"], json!([]), "{formatting}");

    // The Dockerfile preview.
    let dockerfile = client.request(
        "workspace/executeCommand",
        json!({"command": "wbuild.dockerfile", "arguments": [doc, "production"]}),
    );
    let dockerfile = dockerfile["result"].as_str().unwrap_or("");
    assert!(dockerfile.contains("AS production"), "{dockerfile}");

    // Inlay hints: what `production` gets from `python.runtime`.
    let hints = client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 999, "character": 0}}}),
    );
    let labels: Vec<&str> = hints["result"]
        .as_array()
        .map(|h| h.iter().filter_map(|h| h["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.iter().any(|l| l.contains("user somebody (65533)")),
        "{hints}"
    );

    // Semantic tokens: five numbers per token, as many tokens as names.
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": doc}}),
    );
    let data = tokens["result"]["data"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(data > 0 && data.is_multiple_of(5), "{tokens}");
    let legend = &init["result"]["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"];
    assert_eq!(legend.as_array().map(Vec::len), Some(6), "{init}");

    // Signature help inside the preset's arguments.
    let signature = client.request(
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": doc}, "position": position(&text, "requirements = [", 3)}),
    );
    let label = signature["result"]["signatures"][0]["label"]
        .as_str()
        .unwrap_or("");
    assert!(
        label.starts_with("python.app(") && label.contains("requirements"),
        "{signature}"
    );

    // Folding ranges for the items and blocks.
    let folding = client.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": doc}}),
    );
    assert!(
        folding["result"].as_array().map(Vec::len).unwrap_or(0) >= 4,
        "{folding}"
    );

    // Pull diagnostics answer like the pushed ones.
    let pulled = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": doc}}),
    );
    assert_eq!(pulled["result"]["kind"], "full", "{pulled}");
    assert_eq!(pulled["result"]["items"], json!([]), "{pulled}");

    // Workspace symbols find the variants before their files are opened.
    let symbols = client.request("workspace/symbol", json!({"query": "produc"}));
    assert_eq!(symbols["result"][0]["name"], "production", "{symbols}");

    // A code lens on each variant opens its Dockerfile.
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": doc}}),
    );
    let lensed: Vec<&str> = lenses["result"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|l| l["command"]["arguments"][1].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(lensed, ["build", "test", "production"], "{lenses}");

    // An unknown request is answered with an error, not silence.
    let unknown = client.request("textDocument/inlineValue", json!({}));
    assert_eq!(unknown["error"]["code"], json!(-32601), "{unknown}");

    // Indexing reported its progress: a token asked for, begun and ended.
    let progress: Vec<&Value> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "$/progress" || n["method"] == "window/workDoneProgress/create")
        .collect();
    let kinds: Vec<&str> = progress
        .iter()
        .map(|n| n["params"]["value"]["kind"].as_str().unwrap_or("create"))
        .collect();
    assert_eq!(kinds, ["create", "begin", "end"], "{progress:?}");
    // The server asked the client to watch the manifests and dependency files.
    let watch = client
        .notifications
        .iter()
        .find(|n| n["method"] == "client/registerCapability")
        .cloned()
        .unwrap_or_default();
    let globs = &watch["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert_eq!(globs[0]["globPattern"], "**/*.wbuild", "{watch}");

    let shutdown = client.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", json!(null));
    let status = client.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(status.code(), Some(0));
}
