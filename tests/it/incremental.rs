//! What an edit re-runs: salsa's log of executed queries after each kind of
//! edit a language server sees, with what must have been reused.
//!
//! `lib.wbuild` defines a constant, the preset `service` and a variant after
//! it; `app.wbuild` imports it and extends `lib.service()`.

use salsa::plumbing::AsId;
use std::collections::BTreeSet;
use wbuild::{Compiler, SourceFile};

const LIB: &str = r#"import "base"

let port = 8080

preset service(name: string = "svc") extends base.runtime() {
  expose = [port]
  cmd = ["/srv/${name}"]
}

variant unrelated extends base.runtime() {
  cmd = ["/bin/true"]
}
"#;

const APP: &str = r#"import "./lib.wbuild"

image "app" {}

variant production extends lib.service(name = "app") {
  labels = { "team": "payments" }
}

variant debug extends production {
  cmd = ["/bin/sh"]
}
"#;

/// The queries executed since the last call, as `query(path)`.
fn executed(log: &wbuild::db::QueryLog, files: &[(SourceFile, &str)]) -> BTreeSet<String> {
    log.take()
        .into_iter()
        .map(|entry| {
            let mut entry = entry;
            for (file, path) in files {
                entry = entry.replace(&format!("{:?}", file.as_id()), path);
            }
            entry
        })
        .collect()
}

fn ran(set: &BTreeSet<String>, query: &str) -> bool {
    set.iter()
        .any(|q| q.starts_with(&format!("{query}(")) || q == query)
}

fn check_both(compiler: &Compiler, app: SourceFile, lib: SourceFile) {
    assert!(compiler.check(app).is_empty(), "{:?}", compiler.check(app));
    assert!(compiler.check(lib).is_empty(), "{:?}", compiler.check(lib));
    assert!(compiler.compile(app, "production").is_ok());
}

#[test]
fn edits_re_run_only_what_read_what_changed() {
    let (mut compiler, log) = Compiler::with_query_log();
    let lib = compiler.add_file("lib.wbuild", LIB);
    let app = compiler.add_file("app.wbuild", APP);
    let files = [(lib, "lib"), (app, "app")];
    check_both(&compiler, app, lib);
    let first = executed(&log, &files);
    // Every query the assertions below name ran on the first check, so an
    // assertion that one did not run again cannot pass because of a misspelt name.
    let named = [
        "parse(lib)",
        "summary(lib)",
        "index(lib)",
        "evaluate(lib)",
        "summary(app)",
        "scope(app)",
        "index(app)",
        "evaluate(app)",
        "lower_file(app)",
        "check(app)",
        "file_diagnostics(app)",
    ];
    for query in named {
        assert!(
            first.contains(query),
            "{query} did not run first: {first:?}"
        );
    }
    assert!(ran(&first, "import_components"), "{first:?}");

    // 1. A whitespace edit in the imported file: its summary is unchanged, so
    //    nothing of the importer's name resolution runs again, nor the
    //    workspace's import cycles. (Values moved, so evaluation re-runs.)
    compiler.add_file("lib.wbuild", &LIB.replace("let port", "\n\nlet   port"));
    check_both(&compiler, app, lib);
    let after = executed(&log, &files);
    assert!(after.contains("parse(lib)") && after.contains("summary(lib)"));
    for reused in [
        "scope(app)",
        "index(app)",
        "summary(app)",
        "import_components",
    ] {
        assert!(
            !ran(&after, reused),
            "{reused} re-ran after a whitespace edit: {after:?}"
        );
    }

    // 2. An edit inside a variant body of the importer: its own index and
    //    evaluation re-run; its summary is unchanged, and nothing of the file
    //    it imports runs at all.
    compiler.add_file("app.wbuild", &APP.replace("/bin/sh", "/bin/bash"));
    check_both(&compiler, app, lib);
    let after = executed(&log, &files);
    assert!(after.contains("index(app)") && after.contains("evaluate(app)"));
    assert!(after.contains("summary(app)"), "{after:?}");
    for reused in [
        "import_components",
        "parse(lib)",
        "index(lib)",
        "evaluate(lib)",
    ] {
        assert!(
            !ran(&after, reused),
            "{reused} re-ran after an edit in app's body: {after:?}"
        );
    }

    // 3. An edit to a variant of the imported file that the importer does not
    //    use: the preset it instantiates is unchanged (tree, uses, constants), so
    //    the importer's resolution, evaluation, lowering and policy are reused.
    let edited = LIB.replace(
        "  cmd = [\"/bin/true\"]",
        "  workdir = \"/srv\"\n  cmd = [\"/bin/false\"]",
    );
    compiler.add_file("lib.wbuild", &edited.replace("let port", "\n\nlet   port"));
    check_both(&compiler, app, lib);
    let after = executed(&log, &files);
    // The edit changed what lib's names refer to (a new field, moved uses).
    assert!(after.contains("index(lib)") && after.contains("evaluate(lib)"));
    for reused in [
        "index(app)",
        "evaluate(app)",
        "lower_file(app)",
        "check(app)",
        "file_diagnostics(app)",
    ] {
        assert!(
            !ran(&after, reused),
            "{reused} re-ran after an unrelated edit in lib: {after:?}"
        );
    }
}
