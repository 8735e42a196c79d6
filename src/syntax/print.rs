//! A deterministic text form of the syntax tree, for tests that show the shape of
//! recovery (tests/it/recovery.rs): one node per line, indented by depth, each
//! with its byte span. `Error` nodes are printed as `ERROR`.
//!
//! Invariant: the output depends only on the tree, so a snapshot changes exactly
//! when the tree does.

use super::ast::*;
use crate::span::Span;
use std::fmt::Write;

/// The tree of a file, one node per line.
pub fn tree(file: &File) -> String {
    let mut p = Printer::default();
    p.line(0, "File", None);
    for item in &file.items {
        p.item(1, item);
    }
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
}

fn at(span: Span) -> String {
    format!("@{}..{}", span.start, span.end)
}

impl Printer {
    fn line(&mut self, depth: usize, text: &str, span: Option<Span>) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        if let Some(span) = span {
            let _ = write!(self.out, " {}", at(span));
        }
        self.out.push('\n');
    }

    fn ident(&mut self, depth: usize, role: &str, ident: &Ident) {
        self.line(
            depth,
            &format!("{role}: {:?}", ident.name),
            Some(ident.span),
        );
    }

    fn qualified(&mut self, depth: usize, role: &str, name: &QualName) {
        self.line(
            depth,
            &format!("{role}: {:?}", name.dotted()),
            Some(name.span),
        );
    }

    fn item(&mut self, d: usize, item: &Item) {
        match item {
            Item::Import(i) => {
                self.line(d, "Import", Some(i.span));
                self.string(d + 1, "path", &i.path);
                if let Some(alias) = &i.alias {
                    self.ident(d + 1, "alias", alias);
                }
            }
            Item::Let(l) => {
                self.line(d, "Let", Some(l.span));
                self.ident(d + 1, "name", &l.name);
                if let Some(ty) = &l.ty {
                    self.ty(d + 1, "type", ty);
                }
                self.expr(d + 1, "value", &l.value);
            }
            Item::Image(i) | Item::Base(i) => {
                let kind = if matches!(item, Item::Base(_)) {
                    "Base"
                } else {
                    "Image"
                };
                self.line(d, kind, Some(i.span));
                self.string(d + 1, "name", &i.name);
                self.body(d + 1, &i.body);
            }
            Item::Variant(v) => {
                self.line(d, "Variant", Some(v.span));
                self.ident(d + 1, "name", &v.name);
                self.parents(d + 1, &v.parents);
                self.body(d + 1, &v.body);
            }
            Item::Preset(p) => {
                self.line(d, "Preset", Some(p.span));
                self.ident(d + 1, "name", &p.name);
                for param in &p.params {
                    self.line(d + 1, "Param", Some(param.span));
                    self.ident(d + 2, "name", &param.name);
                    self.ty(d + 2, "type", &param.ty);
                    if let Some(default) = &param.default {
                        self.expr(d + 2, "default", default);
                    }
                }
                self.parents(d + 1, &p.parents);
                self.body(d + 1, &p.body);
            }
            Item::Error(span) => self.line(d, "ERROR item", Some(*span)),
        }
    }

    fn parents(&mut self, d: usize, parents: &[Parent]) {
        for parent in parents {
            let head = if parent.error {
                "ERROR Parent"
            } else {
                "Parent"
            };
            self.line(d, head, Some(parent.span));
            if !parent.name.segments.is_empty() {
                self.qualified(d + 1, "name", &parent.name);
            }
            if let Some(args) = &parent.args {
                self.line(d + 1, &format!("args ({})", args.len()), None);
                for arg in args {
                    self.named_arg(d + 2, arg);
                }
            }
        }
    }

    fn named_arg(&mut self, d: usize, arg: &NamedArg) {
        self.line(d, "NamedArg", Some(arg.span));
        self.ident(d + 1, "name", &arg.name);
        self.expr(d + 1, "value", &arg.value);
    }

    fn body(&mut self, d: usize, body: &Body) {
        self.line(d, "Body", Some(body.span));
        for member in &body.members {
            match member {
                Member::Assign(a) => {
                    let keyword = if a.overrides.is_some() {
                        "override "
                    } else {
                        ""
                    };
                    self.line(
                        d + 1,
                        &format!("Assign {keyword}{}", a.op.as_str()),
                        Some(a.span),
                    );
                    self.ident(d + 2, "field", &a.field);
                    self.expr(d + 2, "value", &a.value);
                }
                Member::Error(span) => self.line(d + 1, "ERROR member", Some(*span)),
            }
        }
    }

    fn ty(&mut self, d: usize, role: &str, ty: &TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named(name) => {
                self.line(d, &format!("{role}: Named {:?}", name.name), Some(ty.span))
            }
            TypeExprKind::Generic(name, arg) => {
                self.line(
                    d,
                    &format!("{role}: Generic {:?}", name.name),
                    Some(ty.span),
                );
                self.ty(d + 1, "arg", arg);
            }
            TypeExprKind::Enum(options) => {
                self.line(d, &format!("{role}: Enum"), Some(ty.span));
                for option in options {
                    self.string(d + 1, "option", option);
                }
            }
        }
    }

    fn string(&mut self, d: usize, role: &str, s: &StringLit) {
        let mut text = String::new();
        for part in &s.parts {
            match part {
                StrPart::Text(t) => text.push_str(t),
                StrPart::Interp(q) => {
                    let _ = write!(text, "${{{}}}", q.dotted());
                }
            }
        }
        self.line(d, &format!("{role}: Str {text:?}"), Some(s.span));
    }

    fn expr(&mut self, d: usize, role: &str, e: &Expr) {
        match &e.kind {
            ExprKind::Str(s) => self.string(d, role, s),
            ExprKind::Int(n) => self.line(d, &format!("{role}: Int {n}"), Some(e.span)),
            ExprKind::Bool(b) => self.line(d, &format!("{role}: Bool {b}"), Some(e.span)),
            ExprKind::Name(q) => {
                self.line(d, &format!("{role}: Name {:?}", q.dotted()), Some(e.span))
            }
            ExprKind::List(items) => {
                self.line(d, &format!("{role}: List"), Some(e.span));
                for item in items {
                    self.expr(d + 1, "item", item);
                }
            }
            ExprKind::Map(entries) => {
                self.line(d, &format!("{role}: Map"), Some(e.span));
                for entry in entries {
                    self.line(d + 1, "Entry", Some(entry.span));
                    self.string(d + 2, "key", &entry.key);
                    self.expr(d + 2, "value", &entry.value);
                }
            }
            ExprKind::Steps(steps) => {
                self.line(d, &format!("{role}: Steps"), Some(e.span));
                for step in steps {
                    self.step(d + 1, step);
                }
            }
            ExprKind::Call { name, args } => {
                self.line(d, &format!("{role}: Call {:?}", name.name), Some(e.span));
                for arg in args {
                    match &arg.name {
                        Some(n) => self.expr(d + 1, &format!("arg {}", n.name), &arg.value),
                        None => self.expr(d + 1, "arg", &arg.value),
                    }
                }
            }
            ExprKind::Concat(parts) => {
                self.line(d, &format!("{role}: Concat"), Some(e.span));
                for part in parts {
                    self.expr(d + 1, "part", part);
                }
            }
            ExprKind::Error => self.line(d, &format!("{role}: ERROR"), Some(e.span)),
        }
    }

    fn step(&mut self, d: usize, step: &Step) {
        let head = match &step.kind {
            StepKind::Error => "ERROR step".to_string(),
            kind => format!("Step {}", kind.keyword()),
        };
        self.line(d, &head, Some(step.span));
        match &step.kind {
            StepKind::Apt(e) | StepKind::Run(e) | StepKind::Workdir(e) => {
                self.expr(d + 1, "value", e)
            }
            StepKind::Copy { sources, dest } => {
                self.expr(d + 1, "sources", sources);
                self.expr(d + 1, "dest", dest);
            }
            StepKind::CopyFrom {
                stage,
                sources,
                dest,
            } => {
                self.qualified(d + 1, "stage", stage);
                self.expr(d + 1, "sources", sources);
                self.expr(d + 1, "dest", dest);
            }
            StepKind::Env { name, value } => {
                self.ident(d + 1, "name", name);
                self.expr(d + 1, "value", value);
            }
            StepKind::Arg { name, ty, default } => {
                self.ident(d + 1, "name", name);
                self.ty(d + 1, "type", ty);
                if let Some(default) = default {
                    self.expr(d + 1, "default", default);
                }
            }
            StepKind::Error => {}
        }
        for option in &step.options {
            self.line(d + 1, "with", None);
            self.named_arg(d + 2, option);
        }
    }
}
