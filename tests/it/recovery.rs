//! Recovery as data (tests/fixtures/recovery): each fixture is a manifest with
//! one spot half-typed the way it looks in an editor, and ordinary content (with
//! an ordinary mistake) before and after it. The snapshot shows the source, the
//! printed tree (`syntax::print::tree`), the parser's errors with their fixes, and
//! every diagnostic of `Compiler::check`, so a review sees what the parser kept,
//! what it said, and that the rest of the file was still checked.
//!
//! Besides the snapshot, every fix the parser offers is applied on its own and the
//! file parsed again: the error it fixes must be gone (one fewer with its
//! message), and no more syntax errors may be left than before (a fix may reveal
//! an error that the one it fixed was hiding, as `preset p(` hides the missing
//! body).

use crate::support::{apply_fix as apply, describe_fixes as fixes, repo, wbuild_files};
use wbuild::{Compiler, Diagnostic};

fn compiler() -> Compiler {
    let mut compiler = Compiler::new();
    // The language policy (it allows root), so that each fixture shows its own
    // problems and not the root-user rule on every variant.
    let path = "tests/fixtures/language-policy.toml";
    let text = std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let problems = compiler.set_policy(&[wbuild::PolicyFile {
        layer: wbuild::config::Layer::Organisation,
        text,
        path: path.to_string(),
    }]);
    assert!(problems.is_empty(), "{problems:?}");
    compiler
}

fn parse_errors(source: &str) -> Vec<Diagnostic> {
    wbuild::syntax::parse(wbuild::span::FileId(0), source).errors
}

#[test]
fn every_recovery_fixture_matches_its_snapshot() {
    let files = wbuild_files("tests/fixtures/recovery");
    assert!(files.len() >= 30, "only {} recovery fixtures", files.len());
    let mut bad_fixes = Vec::new();
    for path in files {
        let source =
            std::fs::read_to_string(repo().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut compiler = compiler();
        let file = compiler.add_file(&path, &source);
        let parse = wbuild::db::parse(compiler.db(), file);
        let tree = wbuild::syntax::print::tree(&parse.ast);
        let errors = parse.errors.clone();
        let checked = compiler.check(file);
        assert!(
            !errors.is_empty(),
            "{path}: a recovery fixture must have a syntax error"
        );
        for d in &errors {
            for word in ["something else", "strict_", "bogus_", "junk", "Rule::"] {
                assert!(
                    !d.message.contains(word),
                    "{path}: message names the grammar: {}",
                    d.message
                );
            }
            if let Some(fix) = &d.fix {
                let fixed = apply(&source, fix);
                let after = parse_errors(&fixed);
                let same =
                    |list: &[Diagnostic]| list.iter().filter(|e| e.message == d.message).count();
                if same(&after) >= same(&errors) || after.len() > errors.len() {
                    let after = after.len();
                    bad_fixes.push(format!(
                        "{path}: the fix `{}` of `{}` leaves {after} syntax errors (before: {}):\n{fixed}",
                        fix.title,
                        d.message,
                        errors.len()
                    ));
                }
            }
        }
        let snapshot = format!(
            "--- SOURCE {path}\n{source}\n--- TREE\n{tree}\n--- PARSE ERRORS\n{}\n--- FIXES\n{}\n--- CHECK\n{}",
            compiler.render(&errors, false),
            fixes(&source, &errors),
            compiler.render(&checked, false)
        );
        let name = path
            .trim_start_matches("tests/fixtures/recovery/")
            .trim_end_matches(".wbuild")
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/recovery", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(bad_fixes.is_empty(), "{}", bad_fixes.join("\n\n"));
}
