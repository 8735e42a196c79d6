//! The IDE fixtures (tests/fixtures/ide) through the language server, in the
//! protocol's terms: each fixture's virtual files are opened as documents, its
//! request is sent as the LSP request it stands for, and the JSON answer (UTF-16
//! ranges, URIs) is snapshotted beside the plain-data answer of tests/it/ide.rs.
//! The server's own capabilities have fixtures in lsp/tests/fixtures (formatting,
//! code actions, code lenses, pull diagnostics, prepare-rename, workspace symbols).

use lsp_server::{Request, RequestId};
use serde_json::{json, Value};
use wbuild_lsp::Server;

mod common;
#[path = "common/fixture_request.rs"]
mod fixture_request;
#[path = "../../tests/support/ide_fixture.rs"]
mod ide_fixture;

use ide_fixture::Fixture;

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
        let fixture = Fixture::read(&path);
        let mut server = Server::new();
        let (method, params) = fixture_request::open_and_ask(&mut server, &fixture)
            .unwrap_or_else(|| panic!("{}: unknown request {}", path.display(), fixture.request));
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
