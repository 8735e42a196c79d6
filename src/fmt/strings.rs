//! String literals, re-printed from their decoded parts.
//!
//! The tree keeps strings decoded (escapes resolved), so printing them back with
//! one canonical escape for each character makes `"\u{41}"` and `"A"`, or `"\$x"`
//! and `"$x"`, come out the same, and the result always decodes to the same parts.

use crate::syntax::ast::{StrPart, StringLit};

/// The canonical source text of a string literal, quotes included.
pub fn quote(lit: &StringLit) -> String {
    let mut out = String::from("\"");
    for part in &lit.parts {
        match part {
            StrPart::Text(text) => escape_into(&mut out, text),
            StrPart::Interp(name) => {
                out.push_str("${");
                out.push_str(&name.dotted());
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// A `.wbuild` string literal whose value is exactly `text` (no interpolation),
/// for tools that generate manifests.
pub fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    escape_into(&mut out, text);
    out.push('"');
    out
}

fn escape_into(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Parts are merged, so text is followed by an interpolation (which starts
            // with `$`, not `{`) or by the closing quote: only a `{` in the same text
            // can turn this `$` into the start of an interpolation.
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use crate::syntax::ast::{Ident, QualName};

    fn lit(parts: Vec<StrPart>) -> StringLit {
        StringLit {
            parts,
            span: Span::default(),
        }
    }

    #[test]
    fn escapes_canonically() {
        let s = lit(vec![StrPart::Text("a\"b\\c\nd\te\rf\u{1}g$h${i}".into())]);
        assert_eq!(quote(&s), r#""a\"b\\c\nd\te\rf\u{1}g$h\${i}""#);
    }

    #[test]
    fn prints_interpolations() {
        let name = QualName {
            segments: vec![
                Ident {
                    name: "run_as".into(),
                    span: Span::default(),
                },
                Ident {
                    name: "gid".into(),
                    span: Span::default(),
                },
            ],
            span: Span::default(),
        };
        let s = lit(vec![
            StrPart::Text("gid $".into()),
            StrPart::Interp(name),
            StrPart::Text("!".into()),
        ]);
        assert_eq!(quote(&s), "\"gid $${run_as.gid}!\"");
    }
}
