//! The tree → [`Doc`] walk: the canonical layout of every construct.
//!
//! Every delimited sequence (bodies, step blocks, lists, maps, parameters,
//! arguments) goes through [`Printer::seq`], the one place that places comments.
//! A comment anywhere else (say between `let x` and `=`) is never consumed; the
//! caller sees that the consumed count falls short and prints the item verbatim.
//! Anything else the walk cannot reproduce faithfully is an [`Unsupported`] error,
//! with the same outcome.

use super::comments::{Entry, Source};
use super::doc::{concat, group, if_break, indent, text, Doc};
use super::strings::quote;
use crate::span::Span;
use crate::syntax::ast::*;

/// The walk met something it does not print canonically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported;

type R<T> = Result<T, Unsupported>;

/// How one kind of sequence looks.
#[derive(Clone, Copy)]
struct SeqStyle {
    open: &'static str,
    close: &'static str,
    /// A space inside the delimiters when flat (`{ "k": "v" }`).
    pad: bool,
    /// Children are separated by commas (a trailing one when broken).
    commas: bool,
    /// Always one child per line (bodies and step blocks).
    always_break: bool,
    /// A sole child that is itself a bracketed block, with no comments around it,
    /// hugs the delimiters: `php.app(source = {` … `})` rather than a line of its own.
    hug: bool,
}

const BLOCK: SeqStyle = SeqStyle {
    open: "{",
    close: "}",
    pad: false,
    commas: false,
    always_break: true,
    hug: false,
};
const LIST: SeqStyle = SeqStyle {
    open: "[",
    close: "]",
    pad: false,
    commas: true,
    always_break: false,
    hug: false,
};
const MAP: SeqStyle = SeqStyle {
    open: "{",
    close: "}",
    pad: true,
    commas: true,
    always_break: false,
    hug: false,
};
const PARENS: SeqStyle = SeqStyle {
    open: "(",
    close: ")",
    pad: false,
    commas: true,
    always_break: false,
    hug: false,
};

/// Whether an argument value may hug the parentheses (see [`SeqStyle::hug`]).
fn huggable(value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Steps(steps) => !steps.is_empty(),
        ExprKind::List(items) => !items.is_empty(),
        ExprKind::Map(entries) => !entries.is_empty(),
        _ => false,
    }
}

fn args_style(values: &[&Expr]) -> SeqStyle {
    SeqStyle {
        hug: matches!(values, [only] if huggable(only)),
        ..PARENS
    }
}

pub struct Printer<'a> {
    src: Source<'a>,
    /// Comments placed so far.
    pub consumed: usize,
}

impl<'a> Printer<'a> {
    pub fn new(src: Source<'a>) -> Printer<'a> {
        Printer { src, consumed: 0 }
    }

    pub fn item(&mut self, item: &Item) -> R<Doc> {
        match item {
            Item::Import(import) => {
                let mut docs = vec![text("import "), self.string(&import.path)?];
                if let Some(alias) = &import.alias {
                    docs.push(text(format!(" as {}", alias.name)));
                }
                Ok(concat(docs))
            }
            Item::Let(l) => {
                let mut docs = vec![text(format!("let {}", l.name.name))];
                if let Some(ty) = &l.ty {
                    docs.push(text(": "));
                    docs.push(self.ty(ty)?);
                }
                docs.push(text(" = "));
                docs.push(self.expr(&l.value)?);
                Ok(concat(docs))
            }
            Item::Image(image) | Item::Base(image) => Ok(concat(vec![
                text(if matches!(item, Item::Base(_)) {
                    "base "
                } else {
                    "image "
                }),
                self.string(&image.name)?,
                text(" "),
                self.body(&image.body)?,
            ])),
            Item::Variant(v) => {
                let mut docs = vec![text(format!("variant {}", v.name.name))];
                docs.push(self.extends(&v.parents)?);
                docs.push(text(" "));
                docs.push(self.body(&v.body)?);
                Ok(concat(docs))
            }
            Item::Preset(p) => {
                let mut docs = vec![text(format!("preset {}", p.name.name))];
                docs.push(self.params(p)?);
                docs.push(self.extends(&p.parents)?);
                docs.push(text(" "));
                docs.push(self.body(&p.body)?);
                Ok(concat(docs))
            }
            Item::Error(_) => Err(Unsupported),
        }
    }

    fn params(&mut self, preset: &Preset) -> R<Doc> {
        let open = self.src.skip_trivia(preset.name.span.end as usize, &[]);
        if self.src.char_at(open) != Some('(') {
            return Err(Unsupported);
        }
        let after_last = preset
            .params
            .last()
            .map_or(open + 1, |p| p.span.end as usize);
        let close = self.src.skip_trivia(after_last, &[',']);
        if self.src.char_at(close) != Some(')') {
            return Err(Unsupported);
        }
        let mut docs = Vec::new();
        for param in &preset.params {
            let mut doc = vec![text(format!("{}: ", param.name.name)), self.ty(&param.ty)?];
            if let Some(default) = &param.default {
                doc.push(text(" = "));
                doc.push(self.expr(default)?);
            }
            docs.push(concat(doc));
        }
        let spans: Vec<Span> = preset.params.iter().map(|p| p.span).collect();
        self.seq(PARENS, open + 1, close, &spans, docs)
    }

    /// ` extends a, b(x = 1)`, or nothing.
    fn extends(&mut self, parents: &[Parent]) -> R<Doc> {
        if parents.is_empty() {
            return Ok(text(""));
        }
        let mut docs = vec![text(" extends ")];
        for (i, parent) in parents.iter().enumerate() {
            if parent.error {
                return Err(Unsupported);
            }
            if i > 0 {
                docs.push(text(", "));
            }
            docs.push(text(parent.name.dotted()));
            if let Some(args) = &parent.args {
                let close = (parent.span.end as usize)
                    .checked_sub(1)
                    .ok_or(Unsupported)?;
                docs.push(self.named_args(parent.name.span.end as usize, close, args)?);
            }
        }
        Ok(concat(docs))
    }

    /// `(name = value, ...)` of a parent; `after_name` is where the `(` is looked for.
    fn named_args(&mut self, after_name: usize, close: usize, args: &[NamedArg]) -> R<Doc> {
        let open = self.open_paren(after_name, close)?;
        let mut docs = Vec::new();
        for arg in args {
            docs.push(self.named_arg(arg)?);
        }
        let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
        let values: Vec<&Expr> = args.iter().map(|a| &a.value).collect();
        self.seq(args_style(&values), open + 1, close, &spans, docs)
    }

    fn named_arg(&mut self, arg: &NamedArg) -> R<Doc> {
        Ok(concat(vec![
            text(format!("{} = ", arg.name.name)),
            self.expr(&arg.value)?,
        ]))
    }

    /// The `(` after `after_name`, checking that `close` is the matching `)`.
    fn open_paren(&self, after_name: usize, close: usize) -> R<usize> {
        let open = self.src.skip_trivia(after_name, &[]);
        if self.src.char_at(open) != Some('(')
            || self.src.char_at(close) != Some(')')
            || close <= open
        {
            return Err(Unsupported);
        }
        Ok(open)
    }

    fn body(&mut self, body: &Body) -> R<Doc> {
        let (open, close) = self.delimiters(body.span, '{', '}')?;
        let mut docs = Vec::new();
        for member in &body.members {
            docs.push(match member {
                Member::Assign(a) => concat(vec![
                    text(format!(
                        "{}{} {} ",
                        if a.overrides.is_some() {
                            "override "
                        } else {
                            ""
                        },
                        a.field.name,
                        a.op.as_str()
                    )),
                    self.expr(&a.value)?,
                ]),
                Member::Error(_) => return Err(Unsupported),
            });
        }
        let spans: Vec<Span> = body.members.iter().map(Member::span).collect();
        self.seq(BLOCK, open + 1, close, &spans, docs)
    }

    /// The offsets of the delimiters that start and end `span`.
    fn delimiters(&self, span: Span, open: char, close: char) -> R<(usize, usize)> {
        let start = span.start as usize;
        let end = (span.end as usize).checked_sub(1).ok_or(Unsupported)?;
        if end <= start
            || self.src.char_at(start) != Some(open)
            || self.src.char_at(end) != Some(close)
        {
            return Err(Unsupported);
        }
        Ok((start, end))
    }

    fn expr(&mut self, expr: &Expr) -> R<Doc> {
        match &expr.kind {
            ExprKind::Str(s) => self.string(s),
            ExprKind::Int(n) => Ok(text(n.to_string())),
            ExprKind::Bool(b) => Ok(text(b.to_string())),
            ExprKind::Name(name) => Ok(text(name.dotted())),
            ExprKind::List(items) => {
                let (open, close) = self.delimiters(expr.span, '[', ']')?;
                let mut docs = Vec::new();
                for item in items {
                    docs.push(self.expr(item)?);
                }
                let spans: Vec<Span> = items.iter().map(|i| i.span).collect();
                self.seq(LIST, open + 1, close, &spans, docs)
            }
            ExprKind::Map(entries) => {
                let (open, close) = self.delimiters(expr.span, '{', '}')?;
                let mut docs = Vec::new();
                for entry in entries {
                    docs.push(concat(vec![
                        self.string(&entry.key)?,
                        text(": "),
                        self.expr(&entry.value)?,
                    ]));
                }
                let spans: Vec<Span> = entries.iter().map(|e| e.span).collect();
                self.seq(MAP, open + 1, close, &spans, docs)
            }
            ExprKind::Steps(steps) => {
                let (open, close) = self.delimiters(expr.span, '{', '}')?;
                let mut docs = Vec::new();
                for step in steps {
                    docs.push(self.step(step)?);
                }
                let spans: Vec<Span> = steps.iter().map(|s| s.span).collect();
                self.seq(BLOCK, open + 1, close, &spans, docs)
            }
            ExprKind::Call { name, args } => {
                let close = (expr.span.end as usize).checked_sub(1).ok_or(Unsupported)?;
                let open = self.open_paren(name.span.end as usize, close)?;
                let mut docs = Vec::new();
                for arg in args {
                    let value = self.expr(&arg.value)?;
                    docs.push(match &arg.name {
                        Some(n) => concat(vec![text(format!("{} = ", n.name)), value]),
                        None => value,
                    });
                }
                let spans: Vec<Span> = args.iter().map(|a| a.span).collect();
                let values: Vec<&Expr> = args.iter().map(|a| &a.value).collect();
                Ok(concat(vec![
                    text(name.name.clone()),
                    self.seq(args_style(&values), open + 1, close, &spans, docs)?,
                ]))
            }
            ExprKind::Concat(parts) => {
                let mut docs = Vec::new();
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        docs.push(text(" + "));
                    }
                    docs.push(self.expr(part)?);
                }
                Ok(concat(docs))
            }
            ExprKind::Error => Err(Unsupported),
        }
    }

    fn step(&mut self, step: &Step) -> R<Doc> {
        let mut docs = match &step.kind {
            StepKind::Apt(e) => vec![text("apt "), self.expr(e)?],
            StepKind::Run(e) => vec![text("run "), self.expr(e)?],
            StepKind::Copy { sources, dest } => vec![
                text("copy "),
                self.expr(sources)?,
                text(" to "),
                self.expr(dest)?,
            ],
            StepKind::CopyFrom {
                stage,
                sources,
                dest,
            } => vec![
                text(format!("copy from {} ", stage.dotted())),
                self.expr(sources)?,
                text(" to "),
                self.expr(dest)?,
            ],
            StepKind::Env { name, value } => {
                vec![text(format!("env {} = ", name.name)), self.expr(value)?]
            }
            StepKind::Arg { name, ty, default } => {
                let mut docs = vec![text(format!("arg {}: ", name.name)), self.ty(ty)?];
                if let Some(default) = default {
                    docs.push(text(" = "));
                    docs.push(self.expr(default)?);
                }
                docs
            }
            StepKind::Workdir(e) => vec![text("workdir "), self.expr(e)?],
            StepKind::Error => return Err(Unsupported),
        };
        for (i, option) in step.options.iter().enumerate() {
            docs.push(text(if i == 0 { " with " } else { ", " }));
            docs.push(self.named_arg(option)?);
        }
        Ok(concat(docs))
    }

    fn ty(&mut self, ty: &TypeExpr) -> R<Doc> {
        match &ty.kind {
            TypeExprKind::Named(name) => Ok(text(name.name.clone())),
            TypeExprKind::Generic(name, inner) => Ok(concat(vec![
                text(format!("{}<", name.name)),
                self.ty(inner)?,
                text(">"),
            ])),
            TypeExprKind::Enum(options) => {
                let mut docs = Vec::new();
                for (i, option) in options.iter().enumerate() {
                    if i > 0 {
                        docs.push(text(" | "));
                    }
                    docs.push(self.string(option)?);
                }
                Ok(concat(docs))
            }
        }
    }

    fn string(&mut self, lit: &StringLit) -> R<Doc> {
        // A string can only span lines through whitespace inside `${ }`, where the
        // trivia scanner cannot see comments: leave such items alone.
        if self.src.slice(lit.span).contains('\n') {
            return Err(Unsupported);
        }
        Ok(text(quote(lit)))
    }

    /// A delimited sequence with its comments: flat when it fits (unless
    /// `always_break`), otherwise one child per line.
    fn seq(
        &mut self,
        style: SeqStyle,
        open_end: usize,
        close_start: usize,
        spans: &[Span],
        docs: Vec<Doc>,
    ) -> R<Doc> {
        let allowed: &[char] = if style.commas { &[','] } else { &[] };
        let attached = self
            .src
            .attach(open_end, close_start, spans, allowed, true)
            .ok_or(Unsupported)?;
        self.consumed += attached.count;
        if attached.entries.is_empty() && attached.opener.is_none() {
            return Ok(text(format!("{}{}", style.open, style.close)));
        }
        if let ([Entry::Child { trailing: None, .. }], None, true, [_]) = (
            attached.entries.as_slice(),
            attached.opener,
            style.hug,
            docs.as_slice(),
        ) {
            let mut docs = docs;
            let child = docs.pop().ok_or(Unsupported)?;
            return Ok(concat(vec![text(style.open), child, text(style.close)]));
        }
        let last_child = docs.len().checked_sub(1);
        let mut docs: Vec<Option<Doc>> = docs.into_iter().map(Some).collect();
        let mut inner = Vec::new();
        for (k, entry) in attached.entries.iter().enumerate() {
            if style.always_break {
                if k > 0 && entry.blank_before() {
                    inner.push(Doc::Blank);
                }
                inner.push(Doc::HardLine);
            } else {
                if k > 0 && entry.blank_before() {
                    inner.push(if_break(Doc::Blank, text("")));
                }
                inner.push(if k == 0 && !style.pad {
                    Doc::SoftLine
                } else {
                    Doc::Line
                });
            }
            match *entry {
                Entry::Comment { span, .. } => {
                    inner.push(Doc::Comment(self.src.comment_text(span).to_string()));
                    inner.push(Doc::BreakParent);
                }
                Entry::Child {
                    index, trailing, ..
                } => {
                    inner.push(
                        docs.get_mut(index)
                            .and_then(Option::take)
                            .ok_or(Unsupported)?,
                    );
                    if style.commas {
                        inner.push(if Some(index) == last_child {
                            if_break(text(","), text(""))
                        } else {
                            text(",")
                        });
                    }
                    if let Some(comment) = trailing {
                        inner.push(Doc::Comment(format!(" {}", self.src.comment_text(comment))));
                        inner.push(Doc::BreakParent);
                    }
                }
            }
        }
        let mut outer = vec![text(style.open)];
        if let Some(comment) = attached.opener {
            outer.push(Doc::Comment(format!(" {}", self.src.comment_text(comment))));
            outer.push(Doc::BreakParent);
        }
        outer.push(indent(concat(inner)));
        outer.push(if style.always_break {
            Doc::HardLine
        } else if style.pad {
            Doc::Line
        } else {
            Doc::SoftLine
        });
        outer.push(text(style.close));
        Ok(group(concat(outer)))
    }
}
