//! Workspace fixtures (tests/fixtures/workspaces/NAME/): a tree of manifests,
//! base definitions and context files, with `changes.txt` listing the codes the
//! workspace graph must report (`# expect: WB3008` or `ok`) and one change per
//! line (`path P` or `image REF`). The snapshot shows the graph (each node with
//! its level and what it needs), the graph's diagnostics, and for each change
//! what it affects in build order, with the tests to run.
//!
//! Every file must check on its own; what is wrong here is only wrong across
//! files.

use crate::support::{header, repo};
use wbuild::ops::{self, Change, NodeKind, Role, Workspace};
use wbuild::Compiler;

fn files_under(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.path().is_dir() {
            files_under(&entry.path(), &path, out);
        } else if name.ends_with(".wbuild") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            out.push((path, text));
        }
    }
}

fn describe(ws: &Workspace, n: usize) -> String {
    let node = &ws.nodes[n];
    let level = ws.levels[n].map_or("-".to_string(), |l| l.to_string());
    let what = match node {
        NodeKind::Variant { role, image, .. } => format!(
            "{} {}{}",
            role.name(),
            node.label(),
            image.as_ref().map(|i| format!(" → {i}")).unwrap_or_default()
        ),
        other => format!("{} {}", other.kind_name(), other.label()),
    };
    format!("{level} {what}")
}

#[test]
fn every_workspace_fixture_has_its_graph_and_affected_sets() {
    let root = repo().join("tests/fixtures/workspaces");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 2, "workspace fixtures: {names:?}");
    for name in names {
        let dir = root.join(&name);
        let changes_text = std::fs::read_to_string(dir.join("changes.txt"))
            .unwrap_or_else(|e| panic!("{name}/changes.txt: {e}"));
        let mut texts = Vec::new();
        files_under(&dir, "", &mut texts);
        let mut compiler = Compiler::new();
        let files = compiler.add_files(texts);
        compiler.evaluate_all(&files);
        for &f in &files {
            let errors: Vec<_> = compiler
                .check(f)
                .into_iter()
                .filter(|d| d.is_error())
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: a file does not check on its own:\n{}",
                compiler.render(&errors, false)
            );
        }
        let ws = Workspace::build(compiler.db(), &files, compiler.policy());
        let mut codes: Vec<String> = ws
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        codes.sort();
        codes.dedup();
        let expected: Vec<String> = match header(&changes_text, "expect").as_deref() {
            Some("ok") | None => Vec::new(),
            Some(list) => list.split_whitespace().map(str::to_string).collect(),
        };
        assert_eq!(codes, expected, "{name}: the graph's diagnostics");

        let mut snapshot = String::from("--- GRAPH\n");
        for n in 0..ws.nodes.len() {
            snapshot.push_str(&describe(&ws, n));
            let needs: Vec<String> = ws.deps[n].iter().map(|&d| ws.nodes[d].label()).collect();
            if !needs.is_empty() {
                snapshot.push_str(&format!("\n    needs {}", needs.join(", ")));
            }
            snapshot.push('\n');
        }
        snapshot.push_str("\n--- DIAGNOSTICS\n");
        snapshot.push_str(&compiler.render(&ws.diagnostics, false));
        for line in changes_text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let change = match line.split_once(' ') {
                Some(("path", p)) => Change::Path(p.to_string()),
                Some(("image", r)) => Change::Image(r.to_string()),
                _ => panic!("{name}/changes.txt: `{line}` is neither `path P` nor `image REF`"),
            };
            let affected = ops::affected(&ws, std::slice::from_ref(&change));
            // Build order: nothing comes before what it needs.
            for (i, &n) in affected.order.iter().enumerate() {
                for &d in &ws.deps[n] {
                    if let Some(j) = affected.order.iter().position(|&x| x == d) {
                        assert!(j < i, "{name}: {line}: {} before what it needs", ws.nodes[n].label());
                    }
                }
            }
            snapshot.push_str(&format!("\n--- AFFECTED BY {line}\n"));
            for &n in &affected.order {
                snapshot.push_str(&describe(&ws, n));
                snapshot.push('\n');
            }
            let tests: Vec<String> = affected
                .variants(&ws, Role::Test)
                .map(|n| ws.nodes[n].label())
                .collect();
            if !tests.is_empty() {
                snapshot.push_str(&format!("tests: {}\n", tests.join(" ")));
            }
            for &n in &affected.on_cycle {
                snapshot.push_str(&format!("on a cycle: {}\n", ws.nodes[n].label()));
            }
            if !affected.unmatched.is_empty() {
                snapshot.push_str("matches nothing\n");
            }
        }
        insta::with_settings!({ snapshot_path => "snapshots/workspaces", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.clone(), snapshot);
        });
    }
}
