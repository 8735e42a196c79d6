//! Completion: what may be written at the cursor. The position is read from the
//! tree (which item, a body or a step block; the parser keeps half-typed lines)
//! and from the line before the cursor (`import "`, `extends `, `module.`,
//! `copy from `, `with `); the candidates come from the `language/` tables, the
//! file's scope and the imported modules' summaries.

use crate::db::{Db, SourceFile};
use crate::language::{runtimes, step_options, BodyKind, FIELDS, STEPS};
use crate::resolve::{self, ItemKind};
use crate::span::Span;
use crate::syntax::{ast, ITEM_KEYWORDS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Keyword,
    Field,
    Step,
    Option,
    Variant,
    Preset,
    Module,
    Constant,
    Parameter,
    Constructor,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// The text the label replaces (the partial word before the cursor).
    pub replaces: Span,
}

/// Where the cursor is, structurally.
enum Place {
    TopLevel,
    Body { kind: BodyKind },
    Steps,
    Value,
}

pub fn completions(db: &dyn Db, file: SourceFile, offset: u32) -> Vec<Completion> {
    let text = file.text(db);
    let at = (offset as usize).min(text.len());
    if !text.is_char_boundary(at) {
        return Vec::new();
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..at];
    let word_start = line
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let partial = &line[word_start..];
    let replaces = Span::new(line_start + word_start, at);
    let before = &line[..word_start];
    let mut out = Vec::new();
    let mut add = |label: &str, kind, detail: Option<String>| {
        if label.starts_with(partial) || partial.is_empty() {
            out.push(Completion {
                label: label.to_string(),
                kind,
                detail,
                replaces,
            });
        }
    };
    let scope = resolve::scope(db, file);

    // `python.app(version = "3.`: the values of an enum parameter.
    if let Some(values) = enum_values(db, file, offset, line) {
        return values
            .into_iter()
            .map(|(label, replaces)| Completion {
                label,
                kind: CompletionKind::Constant,
                detail: Some("allowed value".into()),
                replaces,
            })
            .collect();
    }

    // `import "pyth`: the stdlib's modules.
    if before.trim_start().starts_with("import") && before.ends_with('"') {
        let workspace = db.workspace();
        for key in workspace.files(db).keys() {
            if let Some(name) = key.strip_prefix("std:") {
                add(name, CompletionKind::Module, Some("stdlib module".into()));
            }
        }
        return out;
    }
    // `python.`: the module's presets and constants.
    if let Some(alias) = before.strip_suffix('.').map(last_word) {
        if let Some(target) = scope.imports.get(alias).and_then(|i| i.target) {
            let summary = resolve::summary(db, target);
            for (name, kind) in &summary.items {
                match kind {
                    ItemKind::Preset { params } => add(
                        name,
                        CompletionKind::Preset,
                        Some(format!("preset({})", params.join(", "))),
                    ),
                    ItemKind::Let => add(name, CompletionKind::Constant, None),
                    ItemKind::Variant => {}
                }
            }
        }
        return out;
    }
    let current = enclosing_variant(db, file, offset);
    // `extends `: variants, local presets, modules.
    if after_keyword(before, "extends") {
        for name in scope.variants.keys() {
            if Some(name.as_str()) != current.as_deref() {
                add(name, CompletionKind::Variant, None);
            }
        }
        for name in scope.presets.keys() {
            add(name, CompletionKind::Preset, None);
        }
        for alias in scope.imports.keys() {
            add(alias, CompletionKind::Module, None);
        }
        return out;
    }
    // `copy from `: the other variants.
    if after_keyword(before, "from") {
        for name in scope.variants.keys() {
            if Some(name.as_str()) != current.as_deref() {
                add(name, CompletionKind::Variant, None);
            }
        }
        return out;
    }
    // `cache(target = "/c", `: the constructor's parameters not given yet.
    if let Some((constructor, given)) = open_call(before) {
        for param in constructor.params {
            if !given.contains(&param.name) {
                add(
                    param.name,
                    CompletionKind::Parameter,
                    Some(param.doc.to_string()),
                );
            }
        }
        return out;
    }
    // `run "…" with `: the step's options.
    if let Some(step) = with_of(before) {
        for option in step_options(step) {
            let doc = STEPS
                .iter()
                .find(|s| s.keyword == step)
                .and_then(|s| s.options.iter().find(|o| o.name == option))
                .map(|o| o.doc.to_string());
            add(option, CompletionKind::Option, doc);
        }
        return out;
    }
    let first_word = before.trim().is_empty();
    let (place, item) = place(db, file, offset);
    match place {
        Place::TopLevel if first_word => {
            for keyword in ITEM_KEYWORDS {
                add(keyword, CompletionKind::Keyword, None);
            }
        }
        Place::Body { kind } if first_word => {
            for field in FIELDS {
                if field.field.allowed_in(kind) {
                    add(
                        field.name,
                        CompletionKind::Field,
                        Some(format!("{}: {}", (field.ty)(), field.doc)),
                    );
                }
            }
            add("override", CompletionKind::Keyword, None);
        }
        Place::Steps if first_word => {
            for step in STEPS {
                add(
                    step.keyword,
                    CompletionKind::Step,
                    Some(step.doc.to_string()),
                );
            }
        }
        Place::TopLevel => {}
        // After `=`, inside a list or an argument: a value.
        _ => {
            for name in scope.lets.keys() {
                add(name, CompletionKind::Constant, None);
            }
            for name in scope.variants.keys() {
                add(name, CompletionKind::Variant, None);
            }
            for alias in scope.imports.keys() {
                add(alias, CompletionKind::Module, None);
            }
            if let Some(ast::Item::Preset(p)) = item {
                for param in &p.params {
                    add(&param.name.name, CompletionKind::Parameter, None);
                }
            }
            for constructor in crate::language::CONSTRUCTORS {
                add(
                    constructor.name,
                    CompletionKind::Constructor,
                    Some(constructor.doc.to_string()),
                );
            }
            add("scratch", CompletionKind::Keyword, None);
        }
    }
    out
}

fn last_word(text: &str) -> &str {
    let start = text
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    &text[start..]
}

/// Whether `before` ends with `keyword` and spaces (or a comma-separated list
/// after it: `extends a, `).
fn after_keyword(before: &str, keyword: &str) -> bool {
    let trimmed = before.trim_end();
    if !before.ends_with(' ') && !before.ends_with(',') {
        return false;
    }
    if last_word(trimmed) == keyword {
        return true;
    }
    // `extends a, b, `
    keyword == "extends"
        && trimmed.ends_with(',')
        && trimmed.contains(" extends ")
        && !trimmed.contains('{')
}

/// The constructor whose call is open at the end of `before`, when the cursor
/// is where a parameter name goes (`NAME(` or after a `,`), with the names
/// already given in it. Strings are skipped, nested calls closed.
fn open_call(before: &str) -> Option<(&'static crate::language::ConstructorInfo, Vec<&str>)> {
    let mut opens: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in before.char_indices() {
        match (in_string, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_string = false,
            (true, _) => {}
            (false, '"') => in_string = true,
            (false, '(') => opens.push(i),
            (false, ')') => {
                opens.pop();
            }
            _ => {}
        }
    }
    let open = *opens.last()?;
    let inside = &before[open + 1..];
    let tail = inside.trim_end();
    if in_string || !(tail.is_empty() || tail.ends_with(',')) {
        return None;
    }
    let constructor = crate::language::ConstructorInfo::lookup(last_word(&before[..open]))?;
    let given = inside
        .split(',')
        .filter_map(|arg| arg.split_once('=').map(|(name, _)| name.trim()))
        .collect();
    Some((constructor, given))
}

/// The step keyword of a line that ends in `with ` or `with a = 1, `.
fn with_of(before: &str) -> Option<&'static str> {
    let with_at = before.rfind(" with ")?;
    let rest = before[with_at + 6..].trim();
    if !(rest.is_empty() || rest.ends_with(',')) {
        return None;
    }
    let head = before[..with_at]
        .trim_start()
        .trim_start_matches(['{', ' ']);
    let keyword = head.split_whitespace().next()?;
    STEPS.iter().map(|s| s.keyword).find(|k| *k == keyword)
}

fn enclosing_variant(db: &dyn Db, file: SourceFile, offset: u32) -> Option<String> {
    crate::db::parse(db, file)
        .ast
        .items
        .iter()
        .find_map(|item| match item {
            ast::Item::Variant(v) if v.span.start <= offset && offset <= v.span.end => {
                Some(v.name.name.clone())
            }
            _ => None,
        })
}

/// Where `offset` is, with the item it is in.
fn place(db: &dyn Db, file: SourceFile, offset: u32) -> (Place, Option<&ast::Item>) {
    let within = |span: Span| span.start < offset && offset <= span.end;
    let ast = &crate::db::parse(db, file).ast;
    let Some(item) = ast.items.iter().find(|i| within(i.span())) else {
        return (Place::TopLevel, None);
    };
    let (body, kind) = match item {
        ast::Item::Image(i) => (&i.body, BodyKind::Image),
        ast::Item::Base(b) => (&b.body, BodyKind::Base),
        ast::Item::Variant(v) => (&v.body, BodyKind::Variant),
        ast::Item::Preset(p) => (&p.body, BodyKind::Variant),
        _ => return (Place::Value, Some(item)),
    };
    if !within(body.span) {
        return (Place::Value, Some(item));
    }
    for member in &body.members {
        let ast::Member::Assign(a) = member else {
            continue;
        };
        if within(a.value.span) {
            let in_block = matches!(a.value.kind, ast::ExprKind::Steps(_))
                && (offset < a.value.span.end || !closed(db, file, a.value.span));
            let place = if in_block { Place::Steps } else { Place::Value };
            return (place, Some(item));
        }
    }
    (Place::Body { kind }, Some(item))
}

/// Whether a block's text ends with its closing brace.
fn closed(db: &dyn Db, file: SourceFile, span: Span) -> bool {
    file.text(db)
        .get(span.range())
        .is_some_and(|t| t.trim_end().ends_with('}'))
}

/// After `NAME = "…` (or `NAME = `) inside a preset's arguments, where the
/// parameter `NAME` has an enum type, is a `suite` or a `runtime<...>`: its
/// values (the suites, the versions some suite ships), each with the text it replaces
/// (inside the quotes when one is open, else the value quoted).
fn enum_values(
    db: &dyn Db,
    file: SourceFile,
    offset: u32,
    line: &str,
) -> Option<Vec<(String, Span)>> {
    let ast = &crate::db::parse(db, file).ast;
    let within = |s: Span| s.start < offset && offset <= s.end;
    let parent = ast.items.iter().find_map(|item| match item {
        ast::Item::Variant(v) => v
            .parents
            .iter()
            .find(|p| p.args.is_some() && within(p.span)),
        ast::Item::Preset(p) => p
            .parents
            .iter()
            .find(|p| p.args.is_some() && within(p.span)),
        _ => None,
    })?;
    // `name = "partial` or `name = `.
    let (head, partial, quoted) = match line.rfind('"') {
        Some(q) if line[..q].trim_end().ends_with('=') => (&line[..q], &line[q + 1..], true),
        _ if line.trim_end().ends_with('=') => (line, "", false),
        _ => return None,
    };
    if partial.contains('"') {
        return None;
    }
    let name = last_word(head.trim_end().trim_end_matches('=').trim_end());
    let (home, preset) = super::signature::preset_of(db, file, parent)?;
    let params = crate::db::parse(db, home)
        .ast
        .items
        .iter()
        .find_map(|i| match i {
            ast::Item::Preset(p) if p.name.name == preset => Some(&p.params),
            _ => None,
        })?;
    let param = params.iter().find(|p| p.name.name == name)?;
    let values: Vec<String> = match &param.ty.kind {
        ast::TypeExprKind::Enum(values) => values.iter().filter_map(|v| v.as_plain()).collect(),
        // A suite, or a runtime's versions: the Debian table's values.
        ast::TypeExprKind::Named(ty) if ty.name == "suite" => {
            runtimes::suites().iter().map(|s| s.to_string()).collect()
        }
        ast::TypeExprKind::Generic(ty, inner) if ty.name == "runtime" => {
            let ast::TypeExprKind::Enum(runtime) = &inner.kind else {
                return None;
            };
            let runtime = runtime.first()?.as_plain()?;
            let mut versions: Vec<String> = runtimes::versions(&runtime)
                .into_iter()
                .map(|(_, v)| v.to_string())
                .collect();
            versions.dedup();
            versions
        }
        _ => return None,
    };
    let replaces = Span::new(offset as usize - partial.len(), offset as usize);
    Some(
        values
            .into_iter()
            .filter(|v| v.starts_with(partial))
            .map(|v| {
                let label = if quoted {
                    v
                } else {
                    crate::syntax::string_literal(&v)
                };
                (label, replaces)
            })
            .collect(),
    )
}
