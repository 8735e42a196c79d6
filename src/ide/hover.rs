//! Hover: what the thing under the cursor is, in Markdown. Fields, steps, options
//! and constructors from the `language/` tables; presets and parameters with the
//! doc comments above them (the stdlib's documentation); variants with what they
//! inherit; constants with their value.

use super::{at_offset, doc_comment, AtOffset};
use crate::check::types::{Val, ValKind};
use crate::db::{Db, SourceFile};
use crate::language::{ConstructorInfo, Field, FIELDS, STEPS};
use crate::resolve::Definition;
use crate::span::Span;
use crate::syntax::ast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// What the hover is about (the editor highlights it).
    pub span: Span,
    pub markdown: String,
}

pub fn hover(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Hover> {
    if let Some(found) = at_offset(db, file, offset) {
        return describe(db, &found).map(|markdown| Hover {
            span: found.span,
            markdown,
        });
    }
    step_keyword(db, file, offset).or_else(|| image_reference(db, file, offset))
}

/// An image reference a variant is built on: its parts, and what the policy
/// says about it (the registry allowed, pinned by digest or not).
fn image_reference(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Hover> {
    let id = file.id(db);
    let evaluated = crate::variants::evaluate(db, file);
    let within =
        |o: crate::span::Origin| o.file == id && o.span.start <= offset && offset <= o.span.end;
    let images = evaluated
        .variants
        .values()
        .filter_map(|v| v.fields.get(&Field::Base));
    let (reference, origin) = images
        .filter(|v| within(v.origin))
        .find_map(|v| match &v.kind {
            ValKind::Image(r) => Some((r.clone(), v.origin)),
            _ => None,
        })?;
    let policy = db.settings().policy(db);
    let allowed = policy
        .allowed_registries
        .value
        .contains(&reference.registry);
    let mut markdown = format!(
        "```\n{reference}\n```\n- registry `{}` ({})\n- repository `{}`\n- tag `{}`",
        reference.registry,
        if allowed {
            "allowed by the policy"
        } else {
            "not allowed by the policy"
        },
        reference.repository,
        reference.tag.as_deref().unwrap_or("none"),
    );
    match &reference.digest {
        Some(digest) => markdown.push_str(&format!("\n- pinned: `{digest}`")),
        None => markdown.push_str("\n- not pinned by digest (release builds need `@sha256:…`)"),
    }
    Some(Hover {
        span: origin.span,
        markdown,
    })
}

fn describe(db: &dyn Db, found: &AtOffset) -> Option<String> {
    Some(match &found.definition {
        Definition::Field(field) => field_doc(*field),
        Definition::StepOption { step, option } => {
            let info = STEPS.iter().find(|s| s.keyword == *step)?;
            let option = info.options.iter().find(|o| o.name == *option)?;
            format!(
                "```wbuild\n{step} … with {} = {}\n```\n{}",
                option.name,
                (option.ty)(),
                option.doc
            )
        }
        Definition::Constructor(name) => {
            let info = ConstructorInfo::lookup(name)?;
            let params: Vec<String> = info
                .params
                .iter()
                .map(|p| {
                    let optional = if p.required { "" } else { "?" };
                    format!("{}{optional}: {}", p.name, (p.ty)())
                })
                .collect();
            let docs: Vec<String> = info
                .params
                .iter()
                .map(|p| format!("- `{}`: {}", p.name, p.doc))
                .collect();
            format!(
                "```wbuild\n{}({})\n```\n{}\n\n{}",
                info.name,
                params.join(", "),
                info.doc,
                docs.join("\n")
            )
        }
        Definition::Scratch => "`scratch`: the empty image (no base).".to_string(),
        Definition::Module { alias, target } => match target {
            Some(target) => {
                let summary = crate::resolve::summary(db, *target);
                let presets: Vec<&str> = summary
                    .names(|k| matches!(k, crate::resolve::ItemKind::Preset { .. }))
                    .collect();
                let lets: Vec<&str> = summary.names(crate::resolve::Summary::is_let).collect();
                format!(
                    "module `{alias}` ({})\n\npresets: {}\n\nconstants: {}",
                    target.path(db),
                    list(&presets),
                    list(&lets)
                )
            }
            None => format!("module `{alias}` (not loaded)"),
        },
        Definition::Let { file, name } => {
            let value = crate::check::eval::module_env(db, *file).lets.get(name);
            let shown = value.map_or_else(|| "?".to_string(), |v| show(&v.kind));
            let doc = item_doc(
                db,
                *file,
                |i| matches!(i, ast::Item::Let(l) if l.name.name == *name),
            );
            format!("```wbuild\nlet {name} = {shown}\n```{doc}")
        }
        Definition::Variant { file, name } => variant_doc(db, *file, name),
        Definition::Preset { file, name } => preset_doc(db, *file, name),
        Definition::Param { file, preset, name } => {
            let items = &crate::db::parse(db, *file).ast.items;
            let param = items.iter().find_map(|item| match item {
                ast::Item::Preset(p) if p.name.name == *preset => {
                    p.params.iter().find(|param| param.name.name == *name)
                }
                _ => None,
            })?;
            let text = file.text(db);
            let written = text.get(param.span.range()).unwrap_or(name);
            format!("```wbuild\n{written}\n```\nparameter of preset `{preset}`")
        }
    })
}

fn field_doc(field: Field) -> String {
    let info = FIELDS.iter().find(|f| f.field == field);
    match info {
        Some(info) => {
            let appends = match info.merge {
                crate::language::Merge::Append => "; `+=` appends",
                crate::language::Merge::Replace => "",
            };
            let place = if info.field.in_variants() {
                ""
            } else if info.field.allowed_in(crate::language::BodyKind::Image) {
                " (image block only)"
            } else {
                " (base images only)"
            };
            format!(
                "```wbuild\n{}: {}\n```\n{}{place}{appends}",
                info.name,
                (info.ty)(),
                info.doc
            )
        }
        None => format!("`{}`", field.name()),
    }
}

/// A variant: its parents and what it ends up with (base, user, working
/// directory, command), so that what `extends` brings is visible.
fn variant_doc(db: &dyn Db, file: SourceFile, name: &str) -> String {
    let evaluated = crate::variants::evaluate(db, file);
    let mut out = format!("```wbuild\nvariant {name}\n```");
    let Some(variant) = evaluated.variants.get(name) else {
        return out;
    };
    let parents: Vec<String> = variant
        .extends
        .iter()
        .map(|(v, _)| format!("`{v}`"))
        .collect();
    if !parents.is_empty() {
        out.push_str(&format!("\nextends {}\n", parents.join(", ")));
    }
    // The presets it is made of, with those they extend: `python.app`, `base.build`.
    let presets: Vec<String> = variant
        .presets
        .iter()
        .map(|p| {
            let module = db
                .file(p.module)
                .map(|f| {
                    f.path(db)
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(".wbuild")
                        .to_string()
                })
                .unwrap_or_default();
            if p.module == file.id(db) {
                format!("`{}`", p.name)
            } else {
                format!("`{module}.{}`", p.name)
            }
        })
        .collect();
    if !presets.is_empty() {
        out.push_str(&format!("\nmade of {}\n", presets.join(", ")));
    }
    for field in [
        Field::Base,
        Field::User,
        Field::Workdir,
        Field::Entrypoint,
        Field::Cmd,
        Field::Expose,
    ] {
        if let Some(value) = variant.fields.get(&field) {
            out.push_str(&format!("\n- `{}`: {}", field.name(), show(&value.kind)));
        }
    }
    if let Some(Val {
        kind: ValKind::Steps(steps),
        ..
    }) = variant.fields.get(&Field::Steps)
    {
        out.push_str(&format!("\n- `steps`: {} in all", steps.len()));
    }
    out
}

fn preset_doc(db: &dyn Db, file: SourceFile, name: &str) -> String {
    let items = &crate::db::parse(db, file).ast.items;
    let Some(preset) = items.iter().find_map(|i| match i {
        ast::Item::Preset(p) if p.name.name == name => Some(p),
        _ => None,
    }) else {
        return format!("preset `{name}`");
    };
    let text = file.text(db);
    let params: Vec<&str> = preset
        .params
        .iter()
        .filter_map(|p| text.get(p.span.range()))
        .collect();
    let doc = doc_comment(db, file, preset.span.start)
        .map(|d| format!("\n{d}"))
        .unwrap_or_default();
    format!(
        "```wbuild\npreset {name}({})\n```\n{}{doc}",
        params.join(", "),
        file.path(db)
    )
}

fn item_doc(db: &dyn Db, file: SourceFile, matches: impl Fn(&ast::Item) -> bool) -> String {
    crate::db::parse(db, file)
        .ast
        .items
        .iter()
        .find(|i| matches(i))
        .and_then(|i| doc_comment(db, file, i.span().start))
        .map(|d| format!("\n{d}"))
        .unwrap_or_default()
}

/// A step keyword under the cursor (steps are not names, the index has no use
/// for them): the step's form and documentation.
fn step_keyword(db: &dyn Db, file: SourceFile, offset: u32) -> Option<Hover> {
    let text = file.text(db);
    let at = offset as usize;
    if at > text.len() {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..at].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
    let end = text[at..]
        .find(|c: char| !is_word(c))
        .map_or(text.len(), |i| at + i);
    let word = text.get(start..end)?;
    let step = STEPS.iter().find(|s| s.keyword == word)?;
    // Only in a step position: first word on its line or after `{`.
    let before = text[..start].trim_end_matches([' ', '\t']);
    if !(before.is_empty() || before.ends_with(['\n', '{', ','])) {
        return None;
    }
    let args: Vec<String> = step
        .args
        .iter()
        .map(|a| format!("{}: {}", a.name, (a.ty)()))
        .collect();
    let options: Vec<String> = step
        .options
        .iter()
        .map(|o| format!("- `with {}`: {}", o.name, o.doc))
        .collect();
    let mut markdown = format!(
        "```wbuild\n{} {}\n```\n{}",
        step.keyword,
        args.join(" "),
        step.doc
    );
    if !options.is_empty() {
        markdown.push_str(&format!("\n\n{}", options.join("\n")));
    }
    Some(Hover {
        span: Span::new(start, end),
        markdown,
    })
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value in a line, as it would be written (long ones shortened).
fn show(kind: &ValKind) -> String {
    let text = match kind {
        ValKind::Str(s) | ValKind::Path(s) | ValKind::Suite(s) => format!("{s:?}"),
        ValKind::Int(i) => i.to_string(),
        ValKind::Bool(b) => b.to_string(),
        ValKind::Image(r) => format!("\"{r}\""),
        ValKind::Scratch => "scratch".to_string(),
        ValKind::User(u) => format!("user({:?}, {}, {})", u.name, u.uid, u.gid),
        ValKind::Variant(v) => v.name.clone(),
        ValKind::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| show(&v.kind))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ValKind::Map(entries) => format!("{{ {} entries }}", entries.len()),
        ValKind::Steps(steps) => format!("{{ {} steps }}", steps.len()),
        other => other
            .to_text()
            .unwrap_or_else(|| other.describe().to_string()),
    };
    if text.chars().count() > 120 {
        let short: String = text.chars().take(117).collect();
        format!("{short}…")
    } else {
        text
    }
}
