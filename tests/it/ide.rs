//! The editor's questions as data (`wbuild::ide`), from fixtures in
//! tests/fixtures/ide: each fixture holds one or more virtual files (`--- PATH`
//! lines start each), one of them with the cursor `$0`, and a `# request:` line
//! (hover, definition, references, highlights, completion, symbols, rename NAME,
//! hints, signature, tokens, folding).
//! The snapshot shows the request and the answer with each place as
//! `path:line:column` and the text there.

use crate::ide_fixture::Fixture;
use crate::support::{repo, wbuild_files};
use wbuild::{ide, Compiler, SourceFile};

fn place(compiler: &Compiler, file: SourceFile, span: wbuild::span::Span) -> String {
    let db = compiler.db();
    let text = file.text(db);
    let index = wbuild::span::LineIndex::new(text);
    let at = index.line_col(span.start);
    let shown = text.get(span.range()).unwrap_or("");
    let shown: String = shown
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    format!(
        "{}:{}:{} {shown:?}",
        file.path(db),
        at.line + 1,
        at.column + 1
    )
}

fn answer(
    compiler: &Compiler,
    files: &[SourceFile],
    file: SourceFile,
    offset: u32,
    request: &str,
) -> String {
    let db = compiler.db();
    let mut out = String::new();
    match request.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["hover"] => match ide::hover(db, file, offset) {
            Some(h) => out.push_str(&format!(
                "{}\n{}\n",
                place(compiler, file, h.span),
                h.markdown
            )),
            None => out.push_str("no hover\n"),
        },
        ["definition"] => match ide::definition(db, file, offset) {
            Some(t) => out.push_str(&format!("{}\n", place(compiler, t.file, t.span))),
            None => out.push_str("no definition\n"),
        },
        ["references"] => {
            for t in ide::references(db, files, file, offset, true) {
                out.push_str(&format!("{}\n", place(compiler, t.file, t.span)));
            }
        }
        ["highlights"] => {
            for span in ide::highlights(db, file, offset) {
                out.push_str(&format!("{}\n", place(compiler, file, span)));
            }
        }
        ["completion"] => {
            for c in ide::completions(db, file, offset) {
                out.push_str(&format!(
                    "{:?} {}{}\n",
                    c.kind,
                    c.label,
                    c.detail.map(|d| format!(" — {d}")).unwrap_or_default()
                ));
            }
        }
        ["symbols"] => {
            fn show(
                compiler: &Compiler,
                file: SourceFile,
                s: &ide::Symbol,
                depth: usize,
                out: &mut String,
            ) {
                out.push_str(&format!(
                    "{}{:?} {}{} at {}\n",
                    "  ".repeat(depth),
                    s.kind,
                    s.name,
                    s.detail
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default(),
                    place(compiler, file, s.selection)
                ));
                for c in &s.children {
                    show(compiler, file, c, depth + 1, out);
                }
            }
            for s in ide::document_symbols(db, file) {
                show(compiler, file, &s, 0, &mut out);
            }
        }
        ["rename", name] => match ide::rename(db, files, file, offset, name) {
            Ok(edits) => {
                for (t, new) in edits {
                    out.push_str(&format!("{} → {new}\n", place(compiler, t.file, t.span)));
                }
            }
            Err(why) => out.push_str(&format!("refused: {why}\n")),
        },
        ["hints"] => {
            for h in ide::inlay_hints(db, file) {
                out.push_str(&format!(
                    "{}{}\n",
                    place(compiler, file, wbuild::span::Span::at(h.offset as usize)),
                    h.label
                ));
            }
        }
        ["signature"] => match ide::signature_help(db, file, offset) {
            Some(s) => out.push_str(&format!(
                "{}\nactive: {:?}\nparameters: {:?}\n",
                s.label, s.active, s.parameters
            )),
            None => out.push_str("no signature\n"),
        },
        ["tokens"] => {
            for t in ide::semantic_tokens(db, file) {
                out.push_str(&format!(
                    "{:?}{}{} {}\n",
                    t.kind,
                    if t.declaration { " declaration" } else { "" },
                    if t.builtin { " builtin" } else { "" },
                    place(compiler, file, t.span)
                ));
            }
        }
        ["folding"] => {
            for span in ide::folding_ranges(db, file) {
                let index = wbuild::span::LineIndex::new(file.text(db));
                out.push_str(&format!(
                    "lines {}–{}: {}\n",
                    index.line_col(span.start).line + 1,
                    index.line_col(span.end).line + 1,
                    place(compiler, file, span)
                ));
            }
        }
        other => panic!("unknown request {other:?}"),
    }
    out
}

#[test]
fn every_ide_fixture_matches_its_snapshot() {
    let paths = wbuild_files("tests/fixtures/ide");
    assert!(!paths.is_empty());
    for path in paths {
        let fixture = Fixture::read(&repo().join(&path));
        let mut compiler = Compiler::new();
        let files: Vec<SourceFile> = fixture
            .files
            .iter()
            .map(|(name, text)| compiler.add_file(name, text))
            .collect();
        let (index, offset) = fixture.cursor;
        let file = files[index];
        let result = answer(&compiler, &files, file, offset, &fixture.request);
        let mut shown = String::new();
        for (i, (name, text)) in fixture.files.iter().enumerate() {
            let mut text = text.clone();
            if i == index {
                text.insert_str(offset as usize, "$0");
            }
            shown.push_str(&format!("--- {name}\n{text}"));
        }
        let snapshot = format!(
            "--- REQUEST {}\n{shown}\n--- ANSWER\n{result}",
            fixture.request
        );
        let name = path
            .trim_start_matches("tests/fixtures/ide/")
            .trim_end_matches(".wbuild")
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/ide", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}
