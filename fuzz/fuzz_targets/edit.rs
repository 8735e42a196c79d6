//! The language server's path: one `Compiler`, one file, a sequence of edits,
//! `check` (and a compile of the first variant, and `format`) after every edit.
//! Salsa reuses memos across edits, so this finds bugs a fresh compiler cannot.
//!
//! Input: the initial text (lossy UTF-8) up to the first 0xFF byte, which never
//! occurs in UTF-8, so any manifest is a seed; the bytes after it are decoded
//! with `arbitrary` into the edits.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

/// Fragments that change the structure of a manifest, so that short edit
/// sequences reach interesting states (unclosed blocks, new variants, cycles).
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\\",
    "${",
    "\n",
    ",",
    "=",
    "+=",
    "+",
    "#",
    "image \"x\" {}\n",
    "variant v {\n",
    "variant w extends v {}\n",
    "variant v extends w {}\n",
    "import \"base\"\n",
    "import \"./other.wbuild\"\n",
    "let a = \"x\"\n",
    "let a = a\n",
    "preset p(x: string = \"y\") {}\n",
    "extends ",
    "base.runtime()",
    "steps = {\n",
    "steps += {",
    "run \"echo ${a}\"\n",
    "copy \"a\" to \"b\"\n",
    "copy from v \"/a\" to \"b\"\n",
    "env A = \"1\"\n",
    "arg A: string = \"1\"\n",
    "workdir \"/srv\"\n",
    "apt [\"curl\"]\n",
    " with cache = \"/root\"",
    "base = \"registry.example.org/debian:bookworm\"\n",
    "cmd = [\"a\"]\n",
    "user = user(\"u\", 1, 1)\n",
    "expose = [8080]\n",
    "labels = { \"k\": \"v\" }\n",
    "healthcheck = healthcheck(cmd = [\"true\"])\n",
    "\u{feff}",
    "é",
    "\r\n",
    "\r",
    "\u{0}",
];

#[derive(Arbitrary, Debug)]
enum Insert {
    Token(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Edit {
    /// Where the edit starts, scaled into the current text.
    at: u16,
    /// How many bytes to delete from there.
    delete: u8,
    insert: Insert,
}

/// The nearest char boundary at or below `i`.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0xFF).unwrap_or(data.len());
    let mut text = String::from_utf8_lossy(&data[..split]).into_owned();
    let mut u = Unstructured::new(data.get(split + 1..).unwrap_or(&[]));

    let mut compiler = wbuild::Compiler::new();
    let file = compiler.add_file("edit.wbuild", &text);
    let _ = compiler.check(file);
    for _ in 0..16 {
        let Ok(edit) = Edit::arbitrary(&mut u) else {
            break;
        };
        let start = floor_boundary(&text, edit.at as usize % (text.len() + 1));
        let end = floor_boundary(&text, start + edit.delete as usize);
        let insert = match &edit.insert {
            Insert::Token(i) => TOKENS[*i as usize % TOKENS.len()],
            Insert::Text(s) => s.as_str(),
        };
        text.replace_range(start..end, insert);
        let file = compiler.add_file("edit.wbuild", &text);
        let diagnostics = compiler.check(file);
        let _ = compiler.render(&diagnostics, false);
        if let Some(variant) = compiler.variants(file).first() {
            let _ = compiler.compile(file, variant);
        }
        let _ = compiler.format(file);
    }
});
