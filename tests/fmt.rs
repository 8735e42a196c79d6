//! The formatter, through the public API: fixture snapshots, and properties that
//! must hold for every manifest in the repository (idempotency, comments kept,
//! same tree, byte-identical Dockerfiles).

use std::path::{Path, PathBuf};
use wbuild::Compiler;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The formatted text, or `None` when the file has syntax errors.
fn format(text: &str) -> Option<String> {
    let mut compiler = Compiler::without_stdlib();
    let file = compiler.add_file("input.wbuild", text);
    compiler.format(file)
}

fn format_ok(text: &str, what: &str) -> String {
    format(text).unwrap_or_else(|| panic!("{what} has syntax errors"))
}

/// Every `.wbuild` file under the directories, sorted.
fn wbuild_files(dirs: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "wbuild") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        walk(&repo().join(dir), &mut out);
    }
    out.sort();
    out
}

fn comment_texts(text: &str) -> Vec<String> {
    wbuild::syntax::trivia::comments(text)
        .iter()
        .map(|c| {
            text.get(c.span.range())
                .unwrap_or("")
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The tree's `Debug` text with every span erased, to compare trees modulo positions.
fn tree_without_spans(text: &str) -> String {
    let parse = wbuild::syntax::parse(wbuild::span::FileId(0), text);
    let debug = format!("{:?}", parse.ast);
    let mut out = String::new();
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let after = &rest[at..];
        rest = after.find('}').map_or("", |close| &after[close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Every variant's Dockerfile, when the file compiles with the real stdlib.
fn dockerfiles(path: &str, text: &str) -> Option<Vec<(String, String)>> {
    let mut compiler = Compiler::new();
    let file = compiler.add_file(path, text);
    let mut out = Vec::new();
    for variant in compiler.variants(file) {
        let dockerfile = compiler.compile(file, &variant).ok()?;
        out.push((variant, dockerfile));
    }
    Some(out)
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/fmt/*.wbuild", |path| {
        let text = read(path);
        let formatted = format_ok(&text, &path.display().to_string());
        assert_eq!(
            format(&formatted).as_deref(),
            Some(formatted.as_str()),
            "not idempotent: {}",
            path.display()
        );
        assert_eq!(
            comment_texts(&formatted),
            comment_texts(&text),
            "comments changed: {}",
            path.display()
        );
        assert_eq!(
            tree_without_spans(&formatted),
            tree_without_spans(&text),
            "tree changed: {}",
            path.display()
        );
        insta::assert_snapshot!(formatted);
    });
}

#[test]
fn every_manifest_keeps_its_meaning_and_formats_idempotently() {
    let files = wbuild_files(&["stdlib", "examples", "tests/fixtures"]);
    assert!(
        files.len() >= 11,
        "expected the stdlib, the examples and the fixtures, found {files:?}"
    );
    let mut compared = 0;
    for path in files {
        let shown = path
            .strip_prefix(repo())
            .unwrap_or(&path)
            .display()
            .to_string();
        // Files that are not UTF-8 or have syntax errors are never formatted.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Some(once) = format(&text) else { continue };
        let twice = format_ok(&once, &shown);
        assert!(
            twice == once,
            "{shown}: formatting is not idempotent:\n--- once\n{once}\n--- twice\n{twice}"
        );
        assert_eq!(
            comment_texts(&once),
            comment_texts(&text),
            "{shown}: comments changed"
        );
        assert_eq!(
            tree_without_spans(&once),
            tree_without_spans(&text),
            "{shown}: the tree changed"
        );
        assert!(
            !once.contains('\r') && !once.lines().any(|l| l.ends_with([' ', '\t'])),
            "{shown}: CR or trailing whitespace"
        );
        assert!(
            !once.contains("\n\n\n") && !once.starts_with('\n'),
            "{shown}: more than one blank line"
        );

        // Other layouts of the same file format the same: CRLF, and other indentation
        // (except where items are kept verbatim, which the fallback fixtures test).
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(
            format_ok(&crlf, &shown),
            once,
            "{shown}: CRLF input formats differently"
        );
        if !shown.contains("fallback") {
            let reindented: String = text
                .lines()
                .map(|l| format!("    {}\n", l.trim_start()))
                .collect();
            assert_eq!(
                format_ok(&reindented, &shown),
                once,
                "{shown}: re-indented input formats differently"
            );
        }

        if !text.lines().any(|l| l.trim_start().starts_with("image ")) {
            continue;
        }
        let Some(before) = dockerfiles(&shown, &text) else {
            continue;
        };
        let after = dockerfiles(&shown, &once)
            .unwrap_or_else(|| panic!("{shown}: no longer compiles once formatted"));
        assert_eq!(after, before, "{shown}: Dockerfiles changed");
        compared += 1;
    }
    assert!(
        compared >= 5,
        "expected at least the five examples to compile, compared {compared}"
    );
}

/// What users copy from (the stdlib, the examples) is formatted: the language
/// server's formatting of an example is then no edit at all.
#[test]
fn stdlib_and_examples_are_formatted() {
    for path in wbuild_files(&["stdlib", "examples"]) {
        let text = read(&path);
        let formatted = format_ok(&text, &path.display().to_string());
        assert!(
            formatted == text,
            "{} is not formatted (run `wbuildc fmt` on it):\n{formatted}",
            path.display()
        );
    }
}

#[test]
fn syntax_errors_are_not_formatted() {
    assert_eq!(format("variant x {\n  cmd = [\n}\n"), None);
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format(""), Some(String::new()));
    assert_eq!(format("\n\n  \n"), Some(String::new()));
    assert_eq!(
        format("  # only a comment   \r\n\r\n\r\n# and another\n\n"),
        Some("# only a comment\n\n# and another\n".into())
    );
}

#[test]
fn step_blocks_are_always_multi_line() {
    let formatted = format_ok("variant v { steps = { run \"a\" run \"b\" } }", "input");
    assert_eq!(
        formatted,
        "variant v {\n  steps = {\n    run \"a\"\n    run \"b\"\n  }\n}\n"
    );
}

#[test]
fn lists_break_exactly_past_100_columns() {
    // `let x = [` + the elements + `]`: build one that is exactly 100 columns wide.
    let fits = format!("let x = [\"{}\"]", "a".repeat(88));
    assert_eq!(fits.len(), 100);
    assert_eq!(format_ok(&fits, "input"), format!("{fits}\n"));
    let too_long = format!("let x = [\"{}\"]", "a".repeat(89));
    assert_eq!(
        format_ok(&too_long, "input"),
        format!("let x = [\n  \"{}\",\n]\n", "a".repeat(89))
    );
}

/// Comments anywhere a line can hold one: before every line, and at the end of
/// every line. Wherever they land, formatting keeps them (in order), keeps the
/// tree, and is idempotent, whether or not the printer can place them itself.
#[test]
fn comments_on_every_line_survive() {
    for path in wbuild_files(&["stdlib", "examples", "tests/fixtures/fmt"]) {
        let shown = path
            .strip_prefix(repo())
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = read(&path).replace("\r\n", "\n");
        if format(&text).is_none() {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            for probe in [format!("# probe {i}"), format!("{} # tail {i}", lines[i])] {
                let mut changed = lines.clone();
                if probe.starts_with("# probe") {
                    changed.insert(i, &probe);
                } else {
                    changed[i] = &probe;
                }
                let input = changed.join("\n");
                let Some(once) = format(&input) else {
                    panic!("{shown}: probe on line {i} broke the parse")
                };
                assert_eq!(
                    comment_texts(&once),
                    comment_texts(&input),
                    "{shown}: comments changed (line {i}):\n{once}"
                );
                assert_eq!(
                    tree_without_spans(&once),
                    tree_without_spans(&input),
                    "{shown}: tree changed (line {i})"
                );
                assert_eq!(
                    format(&once).as_deref(),
                    Some(once.as_str()),
                    "{shown}: not idempotent (line {i}):\n{once}"
                );
            }
        }
    }
}
