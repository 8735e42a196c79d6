//! The owned syntax tree. Every node carries its byte span.
//!
//! Invariant: built only by `syntax::pest`; nothing here knows pest. On broken input
//! the tree still exists: broken regions become `Error` nodes (with a diagnostic
//! reported by the parser) and their valid siblings are kept.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Import(Import),
    Let(Let),
    Image(Image),
    /// `base "REF" { ... }`: a base image the organisation builds (`wbuildc base
    /// build`), named by the reference manifests use as their `base`.
    Base(Image),
    Variant(Variant),
    Preset(Preset),
    /// A region no item rule accepted.
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Let(l) => l.span,
            Item::Image(i) | Item::Base(i) => i.span,
            Item::Variant(v) => v.span,
            Item::Preset(p) => p.span,
            Item::Error(span) => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `a` or `module.member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualName {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl QualName {
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub path: StringLit,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Let {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// An `image` or `base` item: a quoted name and a body of fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub name: StringLit,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: Ident,
    pub parents: Vec<Parent>,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: Ident,
    pub params: Vec<Param>,
    pub parents: Vec<Parent>,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// One entry of an `extends` clause: `build` or `python.app(version = "3.11")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parent {
    pub name: QualName,
    pub args: Option<Vec<NamedArg>>,
    pub span: Span,
    /// The parser could not read this parent completely (`extends python.`,
    /// `extends a,` with nothing after the comma, an argument without a name) and
    /// has reported it. `name` and `args` hold what was read; checking must not
    /// resolve it, and treats the variant's parents as incomplete.
    pub error: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedArg {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub members: Vec<Member>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    Assign(Assignment),
    /// A line no member rule accepted.
    Error(Span),
}

impl Member {
    pub fn span(&self) -> Span {
        match self {
            Member::Assign(a) => a.span,
            Member::Error(span) => *span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`: replace the inherited value.
    Replace,
    /// `+=`: append to the inherited list, or merge into the inherited map.
    Append,
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Replace => "=",
            AssignOp::Append => "+=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// `override field = value`: the value replaces an inherited one on purpose
    /// (no warning that inherited entries are discarded). The keyword's span.
    pub overrides: Option<Span>,
    pub field: Ident,
    pub op: AssignOp,
    /// Where `=` or `+=` is (empty, at the value, when it is missing).
    pub op_span: Span,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExprKind {
    /// `string`, `path`, `image`, ...
    Named(Ident),
    /// `list<path>`, `map<string>`.
    Generic(Ident, Box<TypeExpr>),
    /// `"maven" | "gradle"`.
    Enum(Vec<StringLit>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Str(StringLit),
    Int(i64),
    Bool(bool),
    List(Vec<Expr>),
    Map(Vec<MapEntry>),
    Steps(Vec<Step>),
    /// `user("somebody", 65533, 65533)`, `healthcheck(cmd = [...])`.
    Call {
        name: Ident,
        args: Vec<CallArg>,
    },
    Name(QualName),
    /// `a + b + c`: list or string concatenation.
    Concat(Vec<Expr>),
    /// A value that could not be parsed (already reported).
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallArg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    pub key: StringLit,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringLit {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl StringLit {
    /// The text when the literal has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(text) => out.push_str(text),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrPart {
    /// Text with escapes already decoded.
    Text(String),
    /// `${name}` or `${module.name}`.
    Interp(QualName),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    /// `with name = value, ...` options.
    pub options: Vec<NamedArg>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    Apt(Expr),
    Run(Expr),
    Copy {
        sources: Expr,
        dest: Expr,
    },
    CopyFrom {
        stage: QualName,
        sources: Expr,
        dest: Expr,
    },
    Env {
        name: Ident,
        value: Expr,
    },
    Arg {
        name: Ident,
        ty: TypeExpr,
        default: Option<Expr>,
    },
    Workdir(Expr),
    /// A line no step rule accepted.
    Error,
}

impl StepKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            StepKind::Apt(_) => "apt",
            StepKind::Run(_) => "run",
            StepKind::Copy { .. } => "copy",
            StepKind::CopyFrom { .. } => "copy from",
            StepKind::Env { .. } => "env",
            StepKind::Arg { .. } => "arg",
            StepKind::Workdir(_) => "workdir",
            StepKind::Error => "?",
        }
    }
}
