//! Every ```wbuild example in the language reference and the stdlib reference
//! compiles.
//!
//! Conventions for fenced code blocks in `docs/language.md` and `docs/stdlib.md`:
//!
//! - ```` ```wbuild ````: must check without errors; when it declares an `image`,
//!   every variant must also compile. A first line `# warning: WB3003` asserts that
//!   this warning is reported.
//! - ```` ```wbuild,error ````: must produce at least one error (from `check`, or
//!   else from compiling one of its variants). A first line `# error: WB2001`
//!   asserts that this error is among them.
//! - A block whose first line is `# file: NAME.wbuild` is a file that other blocks
//!   of the same document import (`import "./NAME.wbuild"`). It is added next to
//!   every block of that document and checked like a ```` ```wbuild ```` block.

use std::path::Path;
use wbuild::{Code, Compiler, Diagnostic, Severity, SourceFile};

/// Where the blocks under test live, relative to the crate root.
const DOCUMENTS: &[&str] = &["docs/language.md", "docs/stdlib.md", "docs/policy.md"];

/// The path each block is checked under; `# file:` blocks sit next to it.
const BLOCK_PATH: &str = "docs/example.wbuild";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Must check (and compile) cleanly.
    Valid,
    /// Must produce an error.
    Error,
}

#[derive(Debug, Clone)]
struct Block {
    document: &'static str,
    /// 1-based line of the opening fence.
    line: usize,
    kind: Kind,
    text: String,
}

impl Block {
    fn name(&self) -> String {
        format!("{}:{}", self.document, self.line)
    }

    /// The value of a first-line comment `# KEY: VALUE`.
    fn directive(&self, key: &str) -> Option<&str> {
        let first = self.text.lines().next()?.trim();
        let rest = first.strip_prefix('#')?.trim_start();
        let value = rest.strip_prefix(key)?.strip_prefix(':')?;
        Some(value.trim())
    }

    fn expected_code(&self, key: &str) -> Option<Code> {
        self.directive(key).map(|text| {
            Code::parse(text)
                .unwrap_or_else(|| panic!("{}: `# {key}: {text}` is not a code", self.name()))
        })
    }
}

/// The fenced blocks tagged `wbuild` (optionally `wbuild,error`) of a document.
fn blocks(document: &'static str) -> Vec<Block> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(document);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match open.take() {
            Some(block) if trimmed == "```" => blocks.push(block),
            Some(mut block) => {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some(block);
            }
            None => {
                let Some(info) = trimmed.strip_prefix("```") else {
                    continue;
                };
                let tags: Vec<&str> = info.split(',').map(str::trim).collect();
                if tags.first() != Some(&"wbuild") {
                    continue;
                }
                let kind = if tags.contains(&"error") {
                    Kind::Error
                } else {
                    Kind::Valid
                };
                open = Some(Block {
                    document,
                    line: index + 1,
                    kind,
                    text: String::new(),
                });
            }
        }
    }
    assert!(
        open.is_none(),
        "{document}: a ```wbuild block is not closed"
    );
    blocks
}

/// A compiler holding `block` and the document's `# file:` blocks.
fn load(block: &Block, files: &[Block]) -> (Compiler, SourceFile) {
    let mut compiler = Compiler::new();
    for file in files {
        if let Some(name) = file.directive("file") {
            compiler.add_file(&format!("docs/{name}"), &file.text);
        }
    }
    let path = match block.directive("file") {
        Some(name) => format!("docs/{name}"),
        None => BLOCK_PATH.to_string(),
    };
    let file = compiler.add_file(&path, &block.text);
    (compiler, file)
}

fn render(compiler: &Compiler, diagnostics: &[Diagnostic]) -> String {
    compiler.render(diagnostics, false)
}

fn has(diagnostics: &[Diagnostic], code: Code, severity: Severity) -> bool {
    diagnostics
        .iter()
        .any(|d| d.code == code && d.severity == severity)
}

fn declares_image(block: &Block) -> bool {
    block
        .text
        .lines()
        .any(|line| line.trim_start().starts_with("image "))
}

/// A ```wbuild block: no errors, and every variant compiles when there is an image.
fn check_valid(block: &Block, files: &[Block]) -> Result<(), String> {
    let (compiler, file) = load(block, files);
    let diagnostics = compiler.check(file);
    let errors: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{} should check without errors:\n{}",
            block.name(),
            render(&compiler, &errors)
        ));
    }
    if let Some(code) = block.expected_code("warning") {
        if !has(&diagnostics, code, Severity::Warning) {
            return Err(format!(
                "{} should warn {code}, got:\n{}",
                block.name(),
                render(&compiler, &diagnostics)
            ));
        }
    }
    if declares_image(block) {
        for variant in compiler.variants(file) {
            if let Err(problems) = compiler.compile(file, &variant) {
                return Err(format!(
                    "{}: variant `{variant}` should compile:\n{}",
                    block.name(),
                    render(&compiler, &problems)
                ));
            }
        }
    }
    Ok(())
}

/// A ```wbuild,error block: at least one error, and the announced code if any.
fn check_error(block: &Block, files: &[Block]) -> Result<(), String> {
    let (compiler, file) = load(block, files);
    let mut errors: Vec<Diagnostic> = compiler
        .check(file)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if errors.is_empty() {
        // Some problems only show when a variant is compiled (e.g. no image).
        for variant in compiler.variants(file) {
            if let Err(problems) = compiler.compile(file, &variant) {
                errors.extend(problems.into_iter().filter(Diagnostic::is_error));
            }
        }
    }
    if errors.is_empty() {
        return Err(format!(
            "{} is marked `error` but produces no error",
            block.name()
        ));
    }
    match block.expected_code("error") {
        Some(code) if !has(&errors, code, Severity::Error) => Err(format!(
            "{} should report {code}, got:\n{}",
            block.name(),
            render(&compiler, &errors)
        )),
        _ => Ok(()),
    }
}

/// Checks every block of a document and reports all failures at once.
fn check_document(document: &'static str) {
    let all = blocks(document);
    assert!(!all.is_empty(), "{document} has no ```wbuild blocks");
    let files: Vec<Block> = all
        .iter()
        .filter(|b| b.directive("file").is_some())
        .cloned()
        .collect();
    let failures: Vec<String> = all
        .iter()
        .filter_map(|block| {
            let result = match block.kind {
                Kind::Valid => check_valid(block, &files),
                Kind::Error => check_error(block, &files),
            };
            result.err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples in {document} fail:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn language_reference_examples_compile() {
    check_document(DOCUMENTS[0]);
}

#[test]
fn stdlib_reference_examples_compile() {
    check_document(DOCUMENTS[1]);
}

#[test]
fn error_blocks_announce_their_code() {
    // An error example without `# error: CODE` would pass for any error at all.
    for document in DOCUMENTS {
        for block in blocks(document) {
            if block.kind == Kind::Error {
                assert!(
                    block.expected_code("error").is_some(),
                    "{} should start with `# error: CODE`",
                    block.name()
                );
            }
        }
    }
}
