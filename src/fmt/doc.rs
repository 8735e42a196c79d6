//! A small pretty-printing document algebra and its layout engine.
//!
//! The printer (`printer.rs`) describes *what* may break (a [`Doc::Group`]) and
//! where (`Line`, `SoftLine`); this module decides *whether* it breaks: a group is
//! printed flat when everything up to the next forced line break fits in
//! [`WIDTH`] columns, otherwise its lines become newlines. Keeping the decision
//! here means the AST walker never measures text itself.

/// The line width the formatter aims for.
pub const WIDTH: usize = 100;

/// One spaces-per-level indentation step.
const INDENT: &str = "  ";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Doc {
    /// Text without newlines.
    Text(String),
    /// A comment that ends its line; zero width for the fits check, so a long
    /// trailing comment never makes the code before it break.
    Comment(String),
    /// A space when flat, a newline when broken.
    Line,
    /// Nothing when flat, a newline when broken.
    SoftLine,
    /// Always a newline; the enclosing groups break.
    HardLine,
    /// An empty line (only the newline), used before a `HardLine` or a broken `Line`.
    Blank,
    /// Forces every enclosing group to break (after a comment, say).
    BreakParent,
    /// `broken` when the enclosing group breaks, `flat` otherwise.
    IfBreak {
        broken: Box<Doc>,
        flat: Box<Doc>,
    },
    /// Newlines inside are indented one more level.
    Indent(Box<Doc>),
    /// A unit that is laid out flat or broken as a whole.
    Group {
        doc: Box<Doc>,
        must_break: bool,
    },
    Concat(Vec<Doc>),
}

pub fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

pub fn concat(docs: Vec<Doc>) -> Doc {
    Doc::Concat(docs)
}

pub fn indent(doc: Doc) -> Doc {
    Doc::Indent(Box::new(doc))
}

pub fn if_break(broken: Doc, flat: Doc) -> Doc {
    Doc::IfBreak {
        broken: Box::new(broken),
        flat: Box::new(flat),
    }
}

/// A group; it must break when it contains a forced break anywhere inside, which
/// is computed once here rather than on every fits check.
pub fn group(doc: Doc) -> Doc {
    let must_break = forces_break(&doc);
    Doc::Group {
        doc: Box::new(doc),
        must_break,
    }
}

fn forces_break(doc: &Doc) -> bool {
    match doc {
        Doc::HardLine | Doc::BreakParent => true,
        Doc::Text(_) | Doc::Comment(_) | Doc::Line | Doc::SoftLine | Doc::Blank => false,
        Doc::IfBreak { broken, flat } => forces_break(broken) || forces_break(flat),
        Doc::Indent(d) => forces_break(d),
        Doc::Group { must_break, .. } => *must_break,
        Doc::Concat(docs) => docs.iter().any(forces_break),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

type Cmd<'d> = (usize, Mode, &'d Doc);

/// Lays `doc` out starting at column 0. Lines never end in whitespace.
pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    let mut col = 0usize;
    let mut stack: Vec<Cmd<'_>> = vec![(0, Mode::Break, doc)];
    while let Some((ind, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(s) | Doc::Comment(s) => {
                out.push_str(s);
                col += width(s);
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if *doc == Doc::Line {
                    out.push(' ');
                    col += 1;
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine => col = newline(&mut out, ind),
            Doc::Blank => {
                trim_trailing(&mut out);
                out.push('\n');
                col = 0;
            }
            Doc::BreakParent => {}
            Doc::IfBreak { broken, flat } => {
                stack.push((ind, mode, if mode == Mode::Break { broken } else { flat }))
            }
            Doc::Indent(d) => stack.push((ind + 1, mode, d)),
            Doc::Group {
                doc: inner,
                must_break,
            } => {
                let chosen = if *must_break {
                    Mode::Break
                } else if mode == Mode::Flat
                    || fits((ind, Mode::Flat, inner), &stack, WIDTH.saturating_sub(col))
                {
                    Mode::Flat
                } else {
                    Mode::Break
                };
                stack.push((ind, chosen, inner));
            }
            Doc::Concat(docs) => stack.extend(docs.iter().rev().map(|d| (ind, mode, d))),
        }
    }
    trim_trailing(&mut out);
    out
}

/// Whether `next`, followed by the rest of the stack up to its first line break,
/// fits in `room` columns.
fn fits(next: Cmd<'_>, rest: &[Cmd<'_>], room: usize) -> bool {
    let mut room = room;
    let mut todo: Vec<(Mode, &Doc)> = vec![(next.1, next.2)];
    let mut rest_index = rest.len();
    loop {
        let (mode, doc) = match todo.pop() {
            Some(cmd) => cmd,
            None => match rest_index
                .checked_sub(1)
                .and_then(|i| rest.get(i).map(|c| (i, c)))
            {
                Some((i, &(_, mode, doc))) => {
                    rest_index = i;
                    (mode, doc)
                }
                None => return true,
            },
        };
        match doc {
            Doc::Text(s) => match room.checked_sub(width(s)) {
                Some(left) => room = left,
                None => return false,
            },
            Doc::Comment(_) | Doc::BreakParent => {}
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if *doc == Doc::Line {
                    match room.checked_sub(1) {
                        Some(left) => room = left,
                        None => return false,
                    }
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::Blank => return true,
            Doc::IfBreak { broken, flat } => {
                todo.push((mode, if mode == Mode::Break { broken } else { flat }))
            }
            Doc::Indent(d) => todo.push((mode, d)),
            Doc::Group {
                doc: inner,
                must_break,
            } => todo.push((if *must_break { Mode::Break } else { mode }, inner)),
            Doc::Concat(docs) => todo.extend(docs.iter().rev().map(|d| (mode, d))),
        }
    }
}

fn newline(out: &mut String, ind: usize) -> usize {
    trim_trailing(out);
    out.push('\n');
    for _ in 0..ind {
        out.push_str(INDENT);
    }
    ind * INDENT.len()
}

fn trim_trailing(out: &mut String) {
    let keep = out.trim_end_matches([' ', '\t']).len();
    out.truncate(keep);
}

/// Columns taken by `s` (characters, which is what editors show for this language's
/// mostly-ASCII text).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut inner = vec![Doc::SoftLine];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(format!("\"{item}\"")));
        }
        inner.push(if_break(text(","), text("")));
        group(concat(vec![
            text("["),
            indent(concat(inner)),
            Doc::SoftLine,
            text("]"),
        ]))
    }

    #[test]
    fn short_groups_stay_flat() {
        assert_eq!(render(&list(&["a", "b"])), "[\"a\", \"b\"]");
    }

    #[test]
    fn long_groups_break_one_per_line() {
        let long = "x".repeat(60);
        let doc = list(&[&long, &long]);
        assert_eq!(render(&doc), format!("[\n  \"{long}\",\n  \"{long}\",\n]"));
    }

    #[test]
    fn text_after_a_group_counts_towards_its_width() {
        let item = "x".repeat(90);
        let fits_alone = concat(vec![list(&[&item]), text(" + more_text_here")]);
        assert!(render(&fits_alone).starts_with("[\n"));
    }

    #[test]
    fn hard_lines_break_groups() {
        let doc = group(concat(vec![
            text("{"),
            indent(concat(vec![Doc::HardLine, text("a")])),
            Doc::HardLine,
            text("}"),
        ]));
        assert_eq!(render(&doc), "{\n  a\n}");
    }
}
