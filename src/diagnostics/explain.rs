//! The long explanations of `wbuildc explain CODE` and docs/diagnostics.md, with
//! the lists that belong to the language's tables generated from them, so that
//! an explanation cannot drift from what the compiler accepts. An explanation
//! writes `{fields}`, `{image_fields}`, `{base_fields}`, `{step_options}` or
//! `{runtimes}` (what each Debian suite ships) where such a list goes.

use super::Code;
use crate::language::{runtimes, BodyKind, Field, FIELDS, STEPS};

impl Code {
    /// The explanation, with its lists filled in from the language's tables.
    pub fn explain(self) -> String {
        let text = self.explanation();
        if !text.contains('{') {
            return text.to_string();
        }
        let filled = text
            .replace("{fields}", &fields(|f| f.in_variants()))
            .replace(
                "{image_fields}",
                &fields(|f| f.allowed_in(BodyKind::Image) && !f.in_variants()),
            )
            .replace("{base_fields}", &fields(|f| f.allowed_in(BodyKind::Base)))
            .replace("{step_options}", &step_options())
            .replace("{runtimes}", &shipped_runtimes());
        reflow(&filled)
    }
}

/// The width explanations are written at.
const WIDTH: usize = 85;

/// Re-wraps each paragraph (blank-line separated) to [`WIDTH`] columns, as the
/// hand-written explanations are.
fn reflow(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|paragraph| {
            let mut lines: Vec<String> = Vec::new();
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                if !line.is_empty() && line.len() + 1 + word.len() > WIDTH {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            lines.push(line);
            lines.join("\n")
        })
        .collect();
    paragraphs.join("\n\n")
}

fn fields(keep: fn(Field) -> bool) -> String {
    let names: Vec<String> = FIELDS
        .iter()
        .filter(|f| keep(f.field))
        .map(|f| format!("`{}`", f.name))
        .collect();
    names.join(", ")
}

fn step_options() -> String {
    let mut with = Vec::new();
    let mut without = Vec::new();
    for step in STEPS {
        if step.options.is_empty() {
            without.push(format!("`{}`", step.keyword));
            continue;
        }
        let options: Vec<String> = step
            .options
            .iter()
            .map(|o| format!("`{}` ({})", o.name, o.doc))
            .collect();
        with.push(format!("`{}` takes {}", step.keyword, options.join(", ")));
    }
    format!("{}; {} take none", with.join("; "), without.join(", "))
}

/// "In bookworm: go 1.19, ...; in trixie: ...", from the runtime table.
fn shipped_runtimes() -> String {
    let suites: Vec<String> = runtimes::suites()
        .iter()
        .map(|suite| {
            let shipped: Vec<String> = runtimes::rows()
                .iter()
                .filter(|r| r.suite == *suite)
                .map(|r| format!("{} {}", r.runtime, r.version))
                .collect();
            format!("`{suite}` ships {}", shipped.join(", "))
        })
        .collect();
    suites.join("; ")
}
