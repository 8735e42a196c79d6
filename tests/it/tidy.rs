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
    // Codes about a whole workspace (tests/it/ops.rs).
    for entry in std::fs::read_dir(repo().join("tests/fixtures/workspaces"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let changes = std::fs::read_to_string(entry.path().join("changes.txt")).unwrap_or_default();
        if let Some(list) = header(&changes, "expect") {
            covered.extend(list.split_whitespace().map(str::to_string));
        }
    }
    // Codes of `wbuildc import-blubber`, in the snapshots of tests/it/blubber.rs
    // (the corpus's bad inputs, its merge traps and its policies).
    for entry in std::fs::read_dir(repo().join("tests/it/snapshots"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("blubber_") && name.ends_with(".snap") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for (at, _) in text.match_indices("WB7") {
                covered.extend(text.get(at..at + 6).map(str::to_string));
            }
        }
    }
    // Reported by a real engine's failure or skopeo's verification; the end-to-end suite
    // (tests/e2e) asserts them, tests/it/signed_base.rs the WB6002 a stand-in causes.
    let engine_codes = [Code::BuildStepFailed, Code::UnsignedBaseImage];
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !engine_codes.contains(c))
        .map(|c| c.as_str())
        .filter(|c| !covered.iter().any(|x| x == c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a fixture in tests/fixtures/diagnostics or tests/fixtures/workspaces: {missing:?}"
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
            code.explain()
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
    let default = wbuild::config::DEFAULT_POLICY;
    for key in wbuild::config::KEYS {
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

/// The modules of `src/` form layers: the module graph (which top-level module
/// names which through `crate::…`, in `use` lines, grouped `use crate::{…}` and
/// paths in code) has no cycle. ARCHITECTURE.md draws the layers.
#[test]
fn the_module_graph_has_no_cycle() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = repo().join("src");
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap_or(&path);
            let first = relative
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (at, _) in text.match_indices("crate::") {
                let rest = text.get(at + "crate::".len()..).unwrap_or("");
                let targets: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                    // `use crate::{a, b::c, d::{e, f}}`: the first name of each part.
                    let mut depth = 0;
                    let mut parts = vec![String::new()];
                    for c in group.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => parts.push(String::new()),
                            c => {
                                if let Some(last) = parts.last_mut() {
                                    last.push(c)
                                }
                            }
                        }
                    }
                    parts
                        .iter()
                        .map(|p| p.trim().split("::").next().unwrap_or("").trim().to_string())
                        .collect()
                } else {
                    vec![rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect()]
                };
                for target in targets {
                    if !target.is_empty()
                        && target != module
                        && target.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    {
                        edges
                            .entry(module.clone())
                            .or_default()
                            .entry(target)
                            .or_insert_with(|| relative.display().to_string());
                    }
                }
            }
        }
    }
    // Depth-first search for a cycle; report it with a file for each edge.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            let explained: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} → {} (in src/{})", w[0], w[1], edges[&w[0]][&w[1]]))
                .collect();
            panic!(
                "the modules depend on each other in a cycle:\n{}",
                explained.join("\n")
            );
        }
    }
    assert!(
        edges.len() >= 10,
        "the scan found only {} modules",
        edges.len()
    );
}

/// Every field and every step option of the language's tables is described in
/// docs/language.md and listed by the explanations of WB2001 and WB2015 (which
/// generate their lists from the tables: this also fails if they stop doing so).
#[test]
fn every_field_and_step_option_is_documented_and_explained() {
    let doc = std::fs::read_to_string(repo().join("docs/language.md")).unwrap_or_default();
    let fields = Code::UnknownField.explain();
    // Reflowed to the explanations' width: a line may break inside "`copy from`".
    let options = Code::UnknownOption
        .explain()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut missing = Vec::new();
    for field in wbuild::language::FIELDS {
        let name = format!("`{}`", field.name);
        if !doc.contains(&format!("| {name} |")) {
            missing.push(format!(
                "field {name}: no row in docs/language.md's field table"
            ));
        }
        if !fields.contains(&name) {
            missing.push(format!("field {name}: not in `wbuildc explain WB2001`"));
        }
    }
    for step in wbuild::language::STEPS {
        for option in step.options {
            let name = format!("`{}`", option.name);
            let written = format!("with {}", option.name);
            if !doc.contains(&written) {
                missing.push(format!(
                    "option {name} of `{}`: docs/language.md never writes `{written}`",
                    step.keyword
                ));
            }
            if !options.contains(&format!("`{}` takes", step.keyword)) || !options.contains(&name) {
                missing.push(format!(
                    "option {name} of `{}`: not in `wbuildc explain WB2015`",
                    step.keyword
                ));
            }
        }
    }
    for code in Code::ALL {
        let text = code.explain();
        if let Some(at) = text.find(['{', '}']) {
            let rest = &text[at..];
            if rest.starts_with("{fields")
                || rest.starts_with("{image_fields")
                || rest.starts_with("{base_fields")
                || rest.starts_with("{step_options")
            {
                missing.push(format!("{code}: placeholder left in its explanation"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The LICENSE file is the license Cargo.toml declares.
#[test]
fn the_license_file_matches_cargo_toml() {
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap_or_default();
    let license = std::fs::read_to_string(repo().join("LICENSE")).unwrap_or_default();
    assert!(
        manifest.contains("license = \"Apache-2.0\""),
        "Cargo.toml's license changed"
    );
    assert!(
        license.trim_start().starts_with("Apache License")
            && license.contains("Version 2.0, January 2004"),
        "LICENSE is not the Apache License 2.0"
    );
}

/// The README's minimum Rust is the one Cargo.toml declares.
#[test]
fn the_readme_states_the_declared_minimum_rust() {
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap_or_default();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap_or_default();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .map(|v| v.trim_end_matches('"'))
        .unwrap_or_else(|| panic!("no rust-version in Cargo.toml"));
    assert!(
        readme.contains(&format!("With Rust {declared} or later")),
        "README does not say Rust {declared}"
    );
}

/// Every user document in `docs/` is a topic of `wbuildc docs` (a service
/// developer has the binary, not this repository), printed as written; and the
/// help lines and explanations the compiler prints send people to `wbuildc docs
/// TOPIC` with a topic that exists, never to a file path they do not have.
#[test]
fn every_user_document_is_a_docs_topic_and_messages_point_at_topics() {
    let mut pages: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .filter(|n| !wbuild::cli::CONTRIBUTOR_DOCS.contains(&n.as_str()))
        .collect();
    pages.sort();
    let mut topics: Vec<String> = wbuild::cli::TOPICS
        .iter()
        .map(|t| format!("{}.md", t.name))
        .collect();
    topics.sort();
    assert_eq!(pages, topics, "docs/ and wbuild::cli::TOPICS differ");
    for topic in wbuild::cli::TOPICS {
        let out = crate::support::wbuildc_at(&repo(), &["docs", topic.name]);
        assert_eq!(out.status.code(), Some(0));
        let file = std::fs::read(repo().join("docs").join(format!("{}.md", topic.name)));
        assert_eq!(Some(out.stdout), file.ok(), "wbuildc docs {}", topic.name);
    }
    let out = crate::support::wbuildc_at(&repo(), &["docs", "polciy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `policy`?"));

    // What users read: help lines and explanations (comments may name files).
    let mut wrong = Vec::new();
    for path in crate::support::files_with_extension("src", "rs") {
        let text = std::fs::read_to_string(repo().join(&path)).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if line.contains("docs/") && line.contains(".md") && !line.contains("include_str!") {
                wrong.push(format!("{path}:{}: names a docs/ file: {line}", n + 1));
            }
            for mention in line.split("wbuildc docs ").skip(1) {
                let name: String = mention
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !name.is_empty()
                    && name != "TOPIC"
                    && !wbuild::cli::TOPICS.iter().any(|t| t.name == name)
                {
                    wrong.push(format!("{path}:{}: no topic `{name}`", n + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// docs/migrating-from-blubber.md's field table is generated from the importer's
/// table of every Blubber v4 field (`UPDATE_DOCS=1` rewrites it).
#[test]
fn blubber_doc_lists_every_field() {
    let open = "<!-- fields: generated from src/import/blubber/model.rs FIELDS by tidy::blubber_doc_lists_every_field (UPDATE_DOCS=1) -->\n";
    let close = "<!-- end fields -->";
    let mut table = String::from("| Blubber field | in wbuild |\n|---|---|\n");
    for (field, wbuild) in wbuild::import::blubber::model::FIELDS {
        table.push_str(&format!("| `{field}` | {} |\n", wbuild.replace('|', "\\|")));
    }
    generated_block("docs/migrating-from-blubber.md", open, close, &table);
}

/// docs/stdlib.md's table of what each Debian suite ships is generated from the
/// runtime table the compiler embeds (`UPDATE_DOCS=1` rewrites it).
#[test]
fn stdlib_doc_lists_the_runtimes() {
    use wbuild::language::runtimes;
    let open = "<!-- runtimes: generated from stdlib/data/debian-runtimes.tsv by tidy::stdlib_doc_lists_the_runtimes (UPDATE_DOCS=1) -->\n";
    let close = "<!-- end runtimes -->";
    let names = runtimes::runtimes();
    let mut table = format!(
        "| suite | {} |\n|{}\n",
        names.join(" | "),
        "---|".repeat(names.len() + 1)
    );
    for suite in runtimes::suites() {
        let versions: Vec<&str> = names
            .iter()
            .map(|r| runtimes::version(suite, r).unwrap_or("—"))
            .collect();
        table.push_str(&format!("| `{suite}` | {} |\n", versions.join(" | ")));
    }
    generated_block("docs/stdlib.md", open, close, &table);
}

/// Checks that the block between `open` and `close` in the doc at `path` is
/// `body` (with `UPDATE_DOCS=1`, writes it first).
fn generated_block(path: &str, open: &str, close: &str, body: &str) {
    let file = repo().join(path);
    let doc = std::fs::read_to_string(&file).unwrap_or_default();
    let (Some(start), Some(end)) = (doc.find(open), doc.find(close)) else {
        panic!("{path} has no `{}` … `{close}` block", open.trim_end());
    };
    let from = start + open.len();
    let expected = format!(
        "{}{body}{}",
        doc.get(..from).unwrap_or(""),
        doc.get(end..).unwrap_or("")
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&file, &expected)
            .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    }
    let actual = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        actual == expected,
        "{path}'s generated block is stale: run `UPDATE_DOCS=1 cargo test --test it tidy`"
    );
}
