//! The mistakes a new user makes (tests/fixtures/mistakes): each fixture is one
//! small, correct service manifest with one mistake in it, typos to YAML and
//! Dockerfile habits, as `# mistake:` says. Each must give exactly one
//! diagnostic (one mistake, one error), in the user's file, that says what to do
//! (a help or a fix). Where it has a fix, the fixed manifest checks clean. The
//! snapshot shows the source, the diagnostic and its fix.
//!
//! Checked under the default policy, with a build context that holds
//! `requirements.txt` and `app/main.py`, as a service repository would.

use crate::diagnostics::in_context;
use crate::support::{apply_fix, describe_fixes, repo, wbuild_files};
use wbuild::Compiler;

const CONTEXT: &str = "requirements.txt app/ app/main.py";

fn checked(path: &str, source: &str) -> (Compiler, wbuild::SourceFile, Vec<wbuild::Diagnostic>) {
    let mut compiler = Compiler::new();
    let file = compiler.add_file(path, source);
    let mut diagnostics = compiler.check(file);
    diagnostics.extend(in_context(&compiler, file, CONTEXT));
    (compiler, file, diagnostics)
}

#[test]
fn each_mistake_gives_one_diagnostic_that_says_what_to_do() {
    let files = wbuild_files("tests/fixtures/mistakes");
    assert!(files.len() >= 50, "only {} mistakes", files.len());
    let mut failures = Vec::new();
    for path in files {
        let source =
            std::fs::read_to_string(repo().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (compiler, file, diagnostics) = checked(&path, &source);
        let id = file.id(compiler.db());
        for fix in diagnostics.iter().filter_map(|d| d.fix.as_ref()) {
            let fixed = apply_fix(&source, fix);
            let (compiler, _, left) = checked(&path, &fixed);
            if !left.is_empty() {
                failures.push(format!(
                    "{path}: after the fix `{}`, still:\n{}\n{fixed}",
                    fix.title,
                    compiler.render(&left, false)
                ));
            }
        }
        let rendered = compiler.render(&diagnostics, false);
        match diagnostics.as_slice() {
            [d] if d.primary.file != id => {
                failures.push(format!("{path}: not in the user's file:\n{rendered}"))
            }
            [d] if d.help.is_none() && d.fix.is_none() => {
                failures.push(format!("{path}: no help and no fix:\n{rendered}"))
            }
            [_] => {}
            _ => failures.push(format!(
                "{path}: {} diagnostics for one mistake:\n{rendered}",
                diagnostics.len()
            )),
        }
        let snapshot = format!(
            "--- SOURCE {path}\n{source}\n--- DIAGNOSTICS\n{rendered}\n--- FIXES\n{}",
            describe_fixes(&source, &diagnostics)
        );
        let name = path
            .trim_start_matches("tests/fixtures/mistakes/")
            .trim_end_matches(".wbuild")
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/mistakes", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "{} of the mistakes:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
