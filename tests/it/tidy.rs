//! Repository invariants checked in `cargo test`: every diagnostic code has a
//! fixture, and docs/diagnostics.md is generated from the code registry.

use crate::support::{header, repo};
use wbuild::Code;

#[test]
fn every_diagnostic_code_has_a_fixture() {
    let mut covered = Vec::new();
    for path in crate::diagnostics::fixtures() {
        let source =
            String::from_utf8_lossy(&std::fs::read(repo().join(&path)).unwrap_or_default())
                .into_owned();
        if let Some(list) = header(&source, "expect") {
            covered.extend(list.split_whitespace().map(str::to_string));
        }
    }
    // Reported by a real engine's failure; the end-to-end suite (tests/e2e) asserts it.
    let engine_codes = [Code::BuildStepFailed];
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !engine_codes.contains(c))
        .map(|c| c.as_str())
        .filter(|c| !covered.iter().any(|x| x == c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a fixture in tests/fixtures/diagnostics: {missing:?}"
    );
}

/// The text of docs/diagnostics.md.
fn diagnostics_doc() -> String {
    let mut out = String::from(
        "# Diagnostics\n\nGenerated from `src/diagnostics/codes.rs` by the test `tidy::diagnostics_doc_is_current`\n(run it with `UPDATE_DOCS=1` to regenerate). `wbuildc explain CODE` prints the same text.\n",
    );
    for code in Code::ALL {
        let severity = match code.default_severity() {
            wbuild::Severity::Error => "error",
            wbuild::Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "\n## {}: {} ({severity})\n\n{}\n",
            code.as_str(),
            code.title(),
            code.explanation()
        ));
    }
    out
}

#[test]
fn diagnostics_doc_is_current() {
    let path = repo().join("docs/diagnostics.md");
    let expected = diagnostics_doc();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected)
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/diagnostics.md is stale: run `UPDATE_DOCS=1 cargo test --test it tidy`"
    );
}

/// The policy's keys and rules are declared once (`policy_keys!`, `policy::RULES`);
/// docs/policy.md and the embedded default must list every one of them.
#[test]
fn every_policy_key_and_rule_is_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/policy.md")).unwrap_or_default();
    let default = wbuild::policy::config::DEFAULT_POLICY;
    for key in wbuild::policy::config::KEYS {
        for (name, text) in [
            ("docs/policy.md", doc.as_str()),
            ("stdlib/policy.toml", default),
        ] {
            let section = text.find(&format!("[{}]", key.section));
            let entry = section
                .and_then(|at| text.get(at..))
                .and_then(|rest| rest.find(&format!("\n{} = ", key.name)));
            assert!(
                entry.is_some(),
                "{name} does not list `{}` under [{}]",
                key.name,
                key.section
            );
        }
        assert!(
            doc.contains(&format!("`{}`", key.dotted()))
                || doc.contains(&format!("`{}`", key.name)),
            "docs/policy.md does not explain `{}`",
            key.dotted()
        );
    }
    for (rule, codes) in wbuild::policy::RULES {
        assert!(
            doc.contains(&format!("| `{rule}`")),
            "docs/policy.md's table has no rule `{rule}`"
        );
        for code in *codes {
            assert!(
                doc.contains(code.as_str()),
                "docs/policy.md does not mention {}",
                code.as_str()
            );
        }
    }
}
