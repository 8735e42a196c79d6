//! The server reads the repository's configuration as `wbuildc check` does: a
//! `wbuild-policy.toml` at the root that tightens the policy changes what the
//! open document reports.

use lsp_server::Notification;
use serde_json::json;
use wbuild_lsp::Server;

#[test]
fn a_repository_policy_that_tightens_is_applied() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    std::env::remove_var("WBUILD_CONFIG");
    let root = work.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap_or_default();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(repo.join("examples/python-web/service.wbuild"))
        .unwrap_or_default();
    let manifest = root.join("service.wbuild");
    std::fs::write(&manifest, &text).unwrap_or_default();
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
