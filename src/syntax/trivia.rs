//! Comments, kept beside the tree (the grammar skips them) for the formatter.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line, without the newline.
    pub span: Span,
}

/// Finds every `#` comment outside string literals.
pub fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'#' {
            let end = text
                .get(i..)
                .and_then(|rest| rest.find('\n'))
                .map_or(text.len(), |n| i + n);
            let end = if end > i && bytes.get(end - 1) == Some(&b'\r') {
                end - 1
            } else {
                end
            };
            out.push(Comment {
                span: Span::new(i, end),
            });
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings() {
        let text = "let a = \"# not\" # yes\n# line\nlet b = \"\\\"#\"";
        let found: Vec<&str> = comments(text)
            .iter()
            .map(|c| &text[c.span.range()])
            .collect();
        assert_eq!(found, vec!["# yes", "# line"]);
    }
}
