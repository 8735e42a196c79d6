//! The server reads the repository's configuration as `wbuildc check` does: a
//! `wbuild-policy.toml` at the root that tightens the policy changes what the
//! open document reports.

use lsp_server::Notification;
use serde_json::json;
use wbuild_lsp::Server;

mod common;

#[test]
fn a_repository_policy_that_tightens_is_applied() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    std::env::remove_var("WBUILD_CONFIG");
    let root = work.path().join("repo");
    let repo = common::repo();
    let manifest = common::copy_example("python-web", &root);
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let uri = format!("file://{}", manifest.display());
    let open = |server: &mut Server| {
        let published = server.notified(Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
        ));
        published[0].params["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    // Without a repository policy the example is clean.
    assert_eq!(
        open(&mut Server::for_root(Some(&root))),
        Vec::<String>::new()
    );
    // The repository forbids copying its gunicorn configuration too (the list
    // keeps the default's entries: a repository may only add to it).
    let default = std::fs::read_to_string(repo.join("stdlib/policy.toml")).unwrap_or_default();
    let list_start = default
        .find("forbidden_files = [")
        .unwrap_or_else(|| panic!("no list"));
    let list_end = list_start + default[list_start..].find(']').unwrap_or(0);
    let tightened = format!(
        "[secrets]\n{}  \"gunicorn.conf.py\",\n]\n",
        &default[list_start..list_end]
    );
    std::fs::write(root.join("wbuild-policy.toml"), tightened).unwrap_or_default();
    assert_eq!(
        open(&mut Server::for_root(Some(&root))),
        vec!["WB5008".to_string()]
    );
}

/// The server checks what `wbuildc check` checks beyond the compiler: the
/// dependency manifests the rules read (debian-first findings are published for
/// `requirements.txt` itself) and copy sources missing from the build context.
#[test]
fn build_context_findings_reach_the_editor() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    std::env::remove_var("WBUILD_CONFIG");
    let root = work.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap_or_default();
    std::fs::write(root.join("requirements.txt"), "Flask==3.1.3\n").unwrap_or_default();
    let text = "import \"python\"\nimage \"svc\" {}\n\nvariant build extends python.app(requirements = [\"requirements.txt\"]) {\n  steps += {\n    copy \"ap/\" to \"app/\"\n  }\n}\n";
    let manifest = root.join("service.wbuild");
    std::fs::write(&manifest, text).unwrap_or_default();
    std::fs::create_dir_all(root.join("app")).unwrap_or_default();
    let uri = format!("file://{}", manifest.display());
    let requirements = format!("file://{}", root.join("requirements.txt").display());
    let mut server = Server::for_root(Some(&root));
    let published = server.notified(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    ));
    let for_uri = |u: &str| {
        published
            .iter()
            .find(|n| n.params["uri"] == u)
            .map(|n| n.params["diagnostics"].clone())
            .unwrap_or_else(|| panic!("nothing published for {u}: {published:?}"))
    };
    let manifest_diagnostics = for_uri(&uri);
    assert_eq!(
        manifest_diagnostics[0]["code"], "WB1010",
        "{manifest_diagnostics}"
    );
    assert!(
        manifest_diagnostics[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean `app/`?"),
        "{manifest_diagnostics}"
    );
    let in_requirements = for_uri(&requirements);
    assert_eq!(in_requirements[0]["code"], "WB5009", "{in_requirements}");
    assert_eq!(
        in_requirements[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    // The requirements file changes on disk: the editor's watcher says so, and
    // the finding goes.
    std::fs::write(root.join("requirements.txt"), "# nothing Debian has\n").unwrap_or_default();
    let published = server.notified(Notification::new(
        "workspace/didChangeWatchedFiles".into(),
        json!({"changes": [{"uri": requirements, "type": 2}]}),
    ));
    let cleared = published
        .iter()
        .find(|n| n.params["uri"] == requirements.as_str())
        .map(|n| n.params["diagnostics"].clone());
    assert_eq!(cleared, Some(json!([])), "{published:?}");
    std::fs::write(root.join("requirements.txt"), "Flask==3.1.3\n").unwrap_or_default();
    server.notified(Notification::new(
        "workspace/didChangeWatchedFiles".into(),
        json!({"changes": [{"uri": requirements, "type": 2}]}),
    ));
    // Recording the exception clears the requirements file.
    let excepted = text.replace(
        "  steps += {",
        "  allow += { \"debian-first\": \"needs Flask 3.1\" }\n  steps += {",
    );
    let published = server.notified(Notification::new(
        "textDocument/didChange".into(),
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": excepted}]}),
    ));
    let cleared = published
        .iter()
        .find(|n| n.params["uri"] == requirements.as_str())
        .map(|n| n.params["diagnostics"].clone());
    assert_eq!(cleared, Some(json!([])), "{published:?}");
}

/// A variant that runs as root gets two code actions: the compiler's fix (run
/// as `base.somebody`, importing `base`) and recording an exception, whose reason
/// is left empty so that it is an error until someone writes why.
#[test]
fn root_gets_a_fix_and_an_exception_that_needs_a_reason() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    std::env::remove_var("WBUILD_CONFIG");
    let root = work.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap_or_default();
    let text = "image \"svc\" {}\n\nvariant tools {\n  base = \"registry.example.org/debian:bookworm\"\n  cmd = [\"bash\"]\n}\n";
    let manifest = root.join("service.wbuild");
    std::fs::write(&manifest, text).unwrap_or_default();
    let uri = format!("file://{}", manifest.display());
    let mut server = Server::for_root(Some(&root));
    let published = server.notified(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    ));
    let diagnostics = published[0].params["diagnostics"].clone();
    assert_eq!(diagnostics[0]["code"], "WB5006", "{diagnostics}");
    let response = server.answer(lsp_server::Request::new(
        lsp_server::RequestId::from(1),
        "textDocument/codeAction".into(),
        json!({"textDocument": {"uri": uri}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}),
    ));
    let actions = response.response_result.unwrap_or_default();
    let titles: Vec<&str> = actions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "run as `base.somebody` (uid 65533)",
            "record an exception to `root-user` on `tools` (then say why)"
        ],
        "{actions}"
    );
    // Apply each action's edits (end first) and look at what is reported then.
    let apply = |action: &serde_json::Value| {
        let mut edits: Vec<(usize, usize, String)> = action["edit"]["changes"][&uri]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let offset = |p: &serde_json::Value| {
                    let line = p["line"].as_u64().unwrap_or(0) as usize;
                    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
                    start + p["character"].as_u64().unwrap_or(0) as usize
                };
                (
                    offset(&e["range"]["start"]),
                    offset(&e["range"]["end"]),
                    e["newText"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut fixed = text.to_string();
        for (start, end, new) in edits {
            fixed.replace_range(start..end, &new);
        }
        fixed
    };
    let codes_after = |server: &mut Server, fixed: &str, version: i32| -> Vec<String> {
        let published = server.notified(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": fixed}]}),
        ));
        published[0].params["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect()
    };
    let fixed = apply(&actions[0]);
    assert_eq!(
        codes_after(&mut server, &fixed, 2),
        Vec::<String>::new(),
        "{fixed}"
    );
    let excepted = apply(&actions[1]);
    // The empty reason is an error, and an exception without a reason does not
    // apply: the finding stays until someone writes why.
    assert_eq!(
        codes_after(&mut server, &excepted, 3),
        ["WB5006", "WB5010"],
        "{excepted}"
    );
}
