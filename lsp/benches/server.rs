//! The language server's latency (criterion), on a workspace of 2,000 generated
//! manifests (benches/common/gen.rs of the compiler) on disk, with a 500-line
//! manifest open: an edit until its diagnostics are ready to publish, hover,
//! completion, and indexing the workspace at start. See BENCHMARKS.md.

#[path = "../tests/common/fixture_request.rs"]
mod fixture_request;
#[path = "../../benches/common/gen.rs"]
mod gen;
#[path = "../../tests/support/ide_fixture.rs"]
mod ide_fixture;

use ide_fixture::Fixture;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lsp_server::{Notification, Request, RequestId};
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use wbuild_lsp::Server;

const WORKSPACE: usize = 2_000;

/// A 500-line manifest: the generated service and many variants on top of it.
fn big_manifest() -> String {
    let mut text = gen::manifest(0);
    let mut n = 0;
    while text.lines().count() < 500 {
        text.push_str(&format!(
            "\n# Variant {n}.\nvariant v{n} extends build {{\n  steps += {{\n    run \"make target-{n}\"\n  }}\n  cmd = [\"make\", \"run-{n}\"]\n}}\n"
        ));
        n += 1;
    }
    text
}

fn write_workspace(root: &Path) {
    for i in 0..WORKSPACE {
        let path = root.join(gen::file_name(i));
        std::fs::create_dir_all(path.parent().unwrap_or(root)).unwrap_or_default();
        std::fs::write(path, gen::manifest(i)).unwrap_or_default();
    }
}

fn open(server: &mut Server, uri: &str, text: &str) {
    server.notified(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    ));
}

fn server(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    let root = work.path().join("ws");
    write_workspace(&root);
    let big = big_manifest();
    let path = root.join("big/service.wbuild");
    std::fs::create_dir_all(path.parent().unwrap_or(&root)).unwrap_or_default();
    std::fs::write(&path, &big).unwrap_or_default();
    let uri = format!("file://{}", path.display());

    let mut group = c.benchmark_group("lsp");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("index_2000_files", |b| {
        b.iter_batched(
            Server::new,
            |mut server| {
                server.index_workspace(&root);
                server
            },
            BatchSize::PerIteration,
        )
    });

    let mut server = Server::new();
    server.index_workspace(&root);
    open(&mut server, &uri, &big);
    let mut version = 1;
    let at = big.find("run \"make target-30\"").unwrap_or(0);
    group.sample_size(50);
    group.bench_function("edit_to_diagnostics", |b| {
        b.iter(|| {
            version += 1;
            // Typing one character into a run step, then taking it back.
            let mut text = big.clone();
            text.insert(at + 5, if version % 2 == 0 { 'x' } else { 'y' });
            server.notified(Notification::new(
                "textDocument/didChange".into(),
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
            ))
        })
    });
    let line = big[..at].matches('\n').count();
    let hover_at =
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 5}});
    let mut id = 0;
    group.bench_function("hover", |b| {
        b.iter(|| {
            id += 1;
            server.answer(Request::new(
                RequestId::from(id),
                "textDocument/hover".into(),
                hover_at.clone(),
            ))
        })
    });
    let field_line = big
        .lines()
        .position(|l| l.starts_with("  cmd = [\"make\""))
        .unwrap_or(0);
    let complete_at =
        json!({"textDocument": {"uri": uri}, "position": {"line": field_line, "character": 2}});
    group.bench_function("completion", |b| {
        b.iter(|| {
            id += 1;
            server.answer(Request::new(
                RequestId::from(id),
                "textDocument/completion".into(),
                complete_at.clone(),
            ))
        })
    });
    group.finish();

    // The IDE fixtures (tests/fixtures/ide) as a bench: each fixture's request,
    // on its own small workspace, through the server.
    let mut fixtures = c.benchmark_group("lsp_fixtures");
    fixtures
        .sample_size(20)
        .measurement_time(Duration::from_secs(2));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ide");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.extension().is_none_or(|e| e != "wbuild") {
            continue;
        }
        let mut server = Server::new();
        let fixture = Fixture::read(&path);
        let Some((method, params)) = fixture_request::open_and_ask(&mut server, &fixture) else {
            continue;
        };
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut id = 0;
        fixtures.bench_function(name, |b| {
            b.iter(|| {
                id += 1;
                server.answer(Request::new(
                    RequestId::from(id),
                    method.to_string(),
                    params.clone(),
                ))
            })
        });
    }
    fixtures.finish();
}

criterion_group!(benches, server);
criterion_main!(benches);
