//! Unit tests of the whole formatter on small inputs; the fixture snapshots and
//! the repository-wide properties live in `tests/fmt.rs`.

use super::*;
use crate::span::FileId;

fn fmt(text: &str) -> Formatted {
    let parse = crate::syntax::parse(FileId(0), text);
    assert!(
        parse.errors.is_empty(),
        "test input has syntax errors: {:?}",
        parse.errors
    );
    let spans: Vec<Span> = parse.comments.iter().map(|c| c.span).collect();
    let src = Source {
        text,
        comments: &spans,
    };
    format_file(&src, &parse.ast).unwrap_or(Formatted {
        text: "<unchanged>".into(),
        verbatim: usize::MAX,
    })
}

#[test]
fn formats_a_small_file() {
    let out = fmt("import \"base\"\nvariant  v   extends base.runtime( ) {cmd=[\"a\",\"b\"]}");
    assert_eq!(
        out.text,
        "import \"base\"\n\nvariant v extends base.runtime() {\n  cmd = [\"a\", \"b\"]\n}\n"
    );
    assert_eq!(out.verbatim, 0);
}

/// The fixtures exercise the canonical printer: apart from the fallback fixture,
/// no item may be kept verbatim (which `tests/fmt.rs` cannot see).
#[test]
fn fixtures_print_canonically() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("no fixtures in {}", dir.display())
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "wbuild") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let expected = if path.ends_with("fallback.wbuild") {
            2
        } else {
            0
        };
        assert_eq!(
            fmt(&text).verbatim,
            expected,
            "verbatim items in {}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 8);
}

#[test]
fn comments_in_unhandled_places_keep_the_item_verbatim() {
    let text = "let a = \"x\" + # why\n  \"y\"\nlet   b=2\n";
    let out = fmt(text);
    assert_eq!(out.text, "let a = \"x\" + # why\n  \"y\"\nlet b = 2\n");
    assert_eq!(out.verbatim, 1);
}

/// A string ends on its line, `${ … }` included (a line break there used to be
/// allowed, and the formatter kept such items verbatim): now it is a syntax
/// error, and a file with one is not formatted.
#[test]
fn multi_line_interpolations_are_syntax_errors_and_not_formatted() {
    let text = "let a = \"${ b\n}\"\n";
    let parse = crate::syntax::parse(FileId(0), text);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.message == "unterminated string"),
        "{:?}",
        parse.errors
    );
    let mut compiler = crate::Compiler::without_stdlib();
    let file = compiler.add_file("a.wbuild", text);
    assert_eq!(compiler.format(file), None);
}

#[test]
fn lets_and_imports_keep_their_grouping() {
    let out = fmt("import \"a\"\n\n\nimport \"b\"\nimport \"c\"\nlet x = 1\nlet y = 2\n\n\n\nlet z = 3\nimage \"i\" {}\nvariant v {}");
    assert_eq!(
        out.text,
        "import \"a\"\n\nimport \"b\"\nimport \"c\"\n\nlet x = 1\nlet y = 2\n\nlet z = 3\n\nimage \"i\" {}\n\nvariant v {}\n"
    );
}

#[test]
fn sole_block_arguments_hug_the_parentheses() {
    let out = fmt("variant b extends go.build(source = { copy \"a\" to \"b\" }) {}");
    assert_eq!(
        out.text,
        "variant b extends go.build(source = {\n  copy \"a\" to \"b\"\n}) {}\n"
    );
}

#[test]
fn never_panics_on_broken_input() {
    for text in [
        "variant {",
        "let = ",
        "preset p(a: = ) {",
        "image \"x\" { a = [ }",
        "\"",
        "#",
        "variant v { steps = { run } }",
    ] {
        let parse = crate::syntax::parse(FileId(0), text);
        let _ = format(text, &parse);
    }
}
