//! The language server's resident memory and edit latency: indexes N generated
//! manifests (default 2,000) written to a temporary directory, opens a 500-line
//! manifest, applies 300 edits (one character each, as typing), and prints the
//! peak resident set (VmHWM) and the edit → diagnostics latency (median, p99).
//! `cargo run --release -p wbuild-lsp --example rss -- [N]`; see BENCHMARKS.md.

#[path = "../../benches/common/gen.rs"]
mod gen;

use lsp_server::Notification;
use serde_json::json;

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let work = std::env::temp_dir().join(format!("wbuild-lsp-rss-{}", std::process::id()));
    for i in 0..n {
        let path = work.join(gen::file_name(i));
        std::fs::create_dir_all(path.parent().unwrap_or(&work)).unwrap_or_default();
        std::fs::write(path, gen::manifest(i)).unwrap_or_default();
    }
    std::env::set_var("XDG_CACHE_HOME", work.join("cache"));
    let before = peak_kb();
    let mut server = wbuild_lsp::Server::new();
    server.index_workspace(&work);
    let indexed = peak_kb();
    let mut text = gen::manifest(0);
    let mut k = 0;
    while text.lines().count() < 500 {
        text.push_str(&format!(
            "\nvariant v{k} extends build {{\n  steps += {{\n    run \"make {k}\"\n  }}\n}}\n"
        ));
        k += 1;
    }
    let path = work.join("big/service.wbuild");
    std::fs::create_dir_all(path.parent().unwrap_or(&work)).unwrap_or_default();
    std::fs::write(&path, &text).unwrap_or_default();
    let uri = format!("file://{}", path.display());
    server.notified(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    ));
    let at = text.find("run \"make 30\"").unwrap_or(0) + 5;
    let mut latencies = Vec::new();
    for version in 2..302 {
        text.insert(at, 'x');
        let started = std::time::Instant::now();
        server.notified(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        ));
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let edited = peak_kb();
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "{n} files: peak RSS {} MB at start, {} MB indexed, {} MB after 300 edits of the open file ({:.1} KB per indexed file)",
        before / 1024,
        indexed / 1024,
        edited / 1024,
        (indexed - before) as f64 / n as f64
    );
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "edit → diagnostics: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
}
