//! The only module that knows pest: text → owned [`ast::File`] plus diagnostics.
//!
//! Invariant: this function never fails and never panics. Whatever the grammar's
//! catch-all rules swallowed comes back as `Error` nodes with one diagnostic each.

use super::ast::*;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::span::FileId;
use crate::span::Span;
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/wbuild.pest"]
struct WbuildParser;

/// Bounds pest's work on hostile input (it does not memoise, so some inputs
/// backtrack a lot); beyond it the file is reported as too complex.
const CALL_LIMIT: usize = 50_000_000;

const STEP_KEYWORDS: &[&str] = &["apt", "run", "copy", "env", "arg", "workdir"];
const ITEM_KEYWORDS: &[&str] = &["import", "let", "image", "variant", "preset"];

pub(super) fn parse(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut cx = Cx {
        file,
        text,
        diagnostics: Vec::new(),
    };
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let ast = match WbuildParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(file_pair) => cx.file(file_pair),
            None => File::default(),
        },
        Err(error) => {
            // The catch-all rules make the grammar total; reaching this means the
            // call limit stopped pest.
            let at = error_offset(&error);
            cx.diagnostics.push(
                Diagnostic::new(
                    Code::TooComplex,
                    "the parser gave up on this file",
                    file,
                    Span::at(at),
                    "here",
                )
                .with_note(error.variant.message().into_owned()),
            );
            File::default()
        }
    };
    (ast, cx.diagnostics)
}

struct Cx<'t> {
    file: FileId,
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
}

/// The pair's span without the trailing whitespace and comments pest includes
/// when an optional element at the end of a rule did not match.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let text = pair.as_str();
    let mut end = text.trim_end().len();
    // Only a last line with a `#` can end in a comment; the full scan (which knows
    // about strings) runs only then.
    while text
        .get(..end)
        .and_then(|t| t.rsplit('\n').next())
        .is_some_and(|line| line.contains('#'))
    {
        let head = text.get(..end).unwrap_or("");
        match super::trivia::comments(head).last() {
            Some(c) if c.span.end as usize == end => {
                end = head
                    .get(..c.span.start as usize)
                    .unwrap_or("")
                    .trim_end()
                    .len()
            }
            _ => break,
        }
    }
    Span::new(s.start(), s.start() + end)
}

fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

impl<'t> Cx<'t> {
    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, message, self.file, span, label));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            let item = match p.as_rule() {
                Rule::import => Item::Import(self.import(p)),
                Rule::let_decl => Item::Let(self.let_decl(p)),
                Rule::image => Item::Image(self.image(p)),
                Rule::variant => Item::Variant(self.variant(p)),
                Rule::preset => Item::Preset(self.preset(p)),
                Rule::bogus_item => Item::Error(self.bogus(p, Rule::strict_item)),
                _ => continue,
            };
            items.push(item);
        }
        File { items }
    }

    fn import(&mut self, pair: Pair<'_, Rule>) -> Import {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let path = inner.next().map(|p| self.string(p)).unwrap_or(StringLit {
            parts: vec![],
            span,
        });
        let alias = inner
            .find(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p));
        Import { path, alias, span }
    }

    fn let_decl(&mut self, pair: Pair<'_, Rule>) -> Let {
        let span = span_of(&pair);
        let mut name = None;
        let mut ty = None;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)),
                _ => value = Some(self.expr(p)),
            }
        }
        Let {
            name: name.unwrap_or_else(|| missing_ident(span)),
            ty,
            value: value.unwrap_or(Expr {
                kind: ExprKind::Error,
                span,
            }),
            span,
        }
    }

    fn image(&mut self, pair: Pair<'_, Rule>) -> Image {
        let span = span_of(&pair);
        let mut name = StringLit {
            parts: vec![],
            span,
        };
        let mut body = Body {
            members: vec![],
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => name = self.string(p),
                Rule::body => body = self.body(p),
                _ => {}
            }
        }
        Image { name, body, span }
    }

    fn variant(&mut self, pair: Pair<'_, Rule>) -> Variant {
        let span = span_of(&pair);
        let mut name = missing_ident(span);
        let mut parents = Vec::new();
        let mut body = Body {
            members: vec![],
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = self.ident(p),
                Rule::extends_clause => parents = self.extends(p),
                Rule::body => body = self.body(p),
                _ => {}
            }
        }
        Variant {
            name,
            parents,
            body,
            span,
        }
    }

    fn preset(&mut self, pair: Pair<'_, Rule>) -> Preset {
        let span = span_of(&pair);
        let mut name = missing_ident(span);
        let mut params = Vec::new();
        let mut parents = Vec::new();
        let mut body = Body {
            members: vec![],
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = self.ident(p),
                Rule::params => params = p.into_inner().map(|p| self.param(p)).collect(),
                Rule::extends_clause => parents = self.extends(p),
                Rule::body => body = self.body(p),
                _ => {}
            }
        }
        Preset {
            name,
            params,
            parents,
            body,
            span,
        }
    }

    fn param(&mut self, pair: Pair<'_, Rule>) -> Param {
        let span = span_of(&pair);
        let mut name = missing_ident(span);
        let mut ty = TypeExpr {
            kind: TypeExprKind::Named(missing_ident(span)),
            span,
        };
        let mut default = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = self.ident(p),
                Rule::type_expr => ty = self.type_expr(p),
                _ => default = Some(self.expr(p)),
            }
        }
        Param {
            name,
            ty,
            default,
            span,
        }
    }

    fn extends(&mut self, pair: Pair<'_, Rule>) -> Vec<Parent> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::parent)
            .map(|p| {
                let span = span_of(&p);
                let mut name = QualName {
                    segments: vec![],
                    span,
                };
                let mut args = None;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::qualified => name = self.qualified(q),
                        Rule::args => {
                            args = Some(q.into_inner().map(|a| self.named_arg(a)).collect())
                        }
                        _ => {}
                    }
                }
                Parent { name, args, span }
            })
            .collect()
    }

    fn named_arg(&mut self, pair: Pair<'_, Rule>) -> NamedArg {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| missing_ident(span));
        let value = inner.next().map(|p| self.expr(p)).unwrap_or(Expr {
            kind: ExprKind::Error,
            span,
        });
        NamedArg { name, value, span }
    }

    fn body(&mut self, pair: Pair<'_, Rule>) -> Body {
        let span = span_of(&pair);
        let mut members = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::assignment => {
                    let span = span_of(&p);
                    let mut inner = p.into_inner();
                    let field = inner
                        .next()
                        .map(|p| self.ident(p))
                        .unwrap_or_else(|| missing_ident(span));
                    let op = match inner.next().map(|p| p.as_str()) {
                        Some("+=") => AssignOp::Append,
                        _ => AssignOp::Replace,
                    };
                    let value = inner.next().map(|p| self.expr(p)).unwrap_or(Expr {
                        kind: ExprKind::Error,
                        span,
                    });
                    members.push(Member::Assign(Assignment {
                        field,
                        op,
                        value,
                        span,
                    }));
                }
                Rule::bogus_member => {
                    members.push(Member::Error(self.bogus(p, Rule::strict_member)))
                }
                _ => {}
            }
        }
        Body { members, span }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = span_of(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return TypeExpr {
                kind: TypeExprKind::Named(missing_ident(span)),
                span,
            };
        };
        let kind = match inner.as_rule() {
            Rule::ident | Rule::type_name => TypeExprKind::Named(self.ident(inner)),
            Rule::generic_type => {
                let mut parts = inner.into_inner();
                let name = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| missing_ident(span));
                let arg = parts.next().map(|p| self.type_expr(p)).unwrap_or(TypeExpr {
                    kind: TypeExprKind::Named(missing_ident(span)),
                    span,
                });
                TypeExprKind::Generic(name, Box::new(arg))
            }
            _ => TypeExprKind::Enum(inner.into_inner().map(|p| self.string(p)).collect()),
        };
        TypeExpr { kind, span }
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::int => match pair.as_str().parse::<i64>() {
                Ok(n) => ExprKind::Int(n),
                Err(_) => {
                    self.error(
                        Code::IntOutOfRange,
                        "integer literal does not fit in 64 bits",
                        span,
                        "too large",
                    );
                    ExprKind::Error
                }
            },
            Rule::bool => ExprKind::Bool(pair.as_str() == "true"),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::block => self.block(pair),
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = inner
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| missing_ident(span));
                let args = inner
                    .map(|a| {
                        let span = span_of(&a);
                        let mut name = None;
                        let mut value = Expr {
                            kind: ExprKind::Error,
                            span,
                        };
                        for p in a.into_inner() {
                            match p.as_rule() {
                                Rule::ident if name.is_none() => name = Some(self.ident(p)),
                                _ => value = self.expr(p),
                            }
                        }
                        CallArg { name, value, span }
                    })
                    .collect();
                ExprKind::Call { name, args }
            }
            Rule::qualified => ExprKind::Name(self.qualified(pair)),
            Rule::expr => {
                let mut terms: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
                if terms.len() == 1 {
                    if let Some(term) = terms.pop() {
                        return self.expr(term);
                    }
                }
                ExprKind::Concat(terms.into_iter().map(|p| self.expr(p)).collect())
            }
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> ExprKind {
        let mut kind = ExprKind::Map(Vec::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::map_entries => {
                    let entries = p
                        .into_inner()
                        .map(|e| {
                            let span = span_of(&e);
                            let mut inner = e.into_inner();
                            let key = inner.next().map(|k| self.string(k)).unwrap_or(StringLit {
                                parts: vec![],
                                span,
                            });
                            let value = inner.next().map(|v| self.expr(v)).unwrap_or(Expr {
                                kind: ExprKind::Error,
                                span,
                            });
                            MapEntry { key, value, span }
                        })
                        .collect();
                    kind = ExprKind::Map(entries);
                }
                Rule::steps => {
                    let steps: Vec<Step> = p.into_inner().map(|s| self.step(s)).collect();
                    // `{}` parses as an empty step list; it stays an empty map so that
                    // the type checker can accept it as either.
                    if !steps.is_empty() {
                        kind = ExprKind::Steps(steps);
                    }
                }
                _ => {}
            }
        }
        kind
    }

    fn step(&mut self, pair: Pair<'_, Rule>) -> Step {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        if rule == Rule::bogus_step {
            self.bogus(pair, Rule::strict_step);
            return Step {
                kind: StepKind::Error,
                options: vec![],
                span,
            };
        }
        let mut exprs = Vec::new();
        let mut idents = Vec::new();
        let mut qualified = None;
        let mut ty = None;
        let mut options = Vec::new();
        let mut inner = pair.into_inner().peekable();
        if rule == Rule::copy_from_step {
            // `copy from STAGE ...`: the first name is the stage, not a source.
            while inner.peek().is_some_and(|p| p.as_rule() != Rule::qualified) {
                inner.next();
            }
            qualified = inner.next().map(|p| self.qualified(p));
        }
        for p in inner {
            match p.as_rule() {
                Rule::with_opts => {
                    options = p
                        .into_inner()
                        .filter(|a| a.as_rule() == Rule::named_arg)
                        .map(|a| self.named_arg(a))
                        .collect()
                }
                Rule::kw_apt
                | Rule::kw_run
                | Rule::kw_copy
                | Rule::kw_from
                | Rule::kw_env
                | Rule::kw_arg
                | Rule::kw_workdir
                | Rule::kw_to => {}
                Rule::ident => idents.push(self.ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)),
                _ => exprs.push(self.expr(p)),
            }
        }
        let mut exprs = exprs.into_iter();
        let mut next_expr = || {
            exprs.next().unwrap_or(Expr {
                kind: ExprKind::Error,
                span,
            })
        };
        let ident = idents
            .into_iter()
            .next()
            .unwrap_or_else(|| missing_ident(span));
        let kind = match rule {
            Rule::apt_step => StepKind::Apt(next_expr()),
            Rule::run_step => StepKind::Run(next_expr()),
            Rule::copy_step => StepKind::Copy {
                sources: next_expr(),
                dest: next_expr(),
            },
            Rule::copy_from_step => StepKind::CopyFrom {
                stage: qualified.unwrap_or(QualName {
                    segments: vec![],
                    span,
                }),
                sources: next_expr(),
                dest: next_expr(),
            },
            Rule::env_step => StepKind::Env {
                name: ident,
                value: next_expr(),
            },
            Rule::arg_step => StepKind::Arg {
                name: ident,
                ty: ty.unwrap_or(TypeExpr {
                    kind: TypeExprKind::Named(missing_ident(span)),
                    span,
                }),
                default: exprs_next_opt(&mut next_expr),
            },
            Rule::workdir_step => StepKind::Workdir(next_expr()),
            _ => StepKind::Error,
        };
        Step {
            kind,
            options,
            span,
        }
    }

    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: span_of(&pair),
        }
    }

    fn qualified(&mut self, pair: Pair<'_, Rule>) -> QualName {
        let span = span_of(&pair);
        QualName {
            segments: pair.into_inner().map(|p| self.ident(p)).collect(),
            span,
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> StringLit {
        let span = span_of(&pair);
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, text: &str| match parts.last_mut() {
            Some(StrPart::Text(t)) => t.push_str(text),
            _ => parts.push(StrPart::Text(text.to_string())),
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::literal_text => push_text(&mut parts, p.as_str()),
                Rule::escape => {
                    let escape_span = span_of(&p);
                    match decode_escape(p.as_str()) {
                        Some(decoded) => push_text(&mut parts, &decoded),
                        None => {
                            let text = p.as_str().to_string();
                            self.error(
                                Code::InvalidEscape,
                                format!("invalid escape `{text}`"),
                                escape_span,
                                "unknown escape",
                            )
                            .help = Some(
                                "write `\\\\` for a backslash; see `wbuildc explain WB0003`".into(),
                            );
                        }
                    }
                }
                Rule::interpolation => {
                    if let Some(q) = p.into_inner().next() {
                        let name = self.qualified(q);
                        parts.push(StrPart::Interp(name));
                    }
                }
                _ => {}
            }
        }
        StringLit { parts, span }
    }

    /// Reports a region that a catch-all rule swallowed, worded by re-parsing it
    /// with the rule that should have matched.
    fn bogus(&mut self, pair: Pair<'_, Rule>, strict: Rule) -> Span {
        let span = span_of(&pair);
        let region = pair.as_str();
        let base = span.start;
        let trimmed = region.trim_end();
        let first_word: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();

        // A misspelt keyword is the most common cause: say so directly.
        let keywords = if strict == Rule::strict_step {
            STEP_KEYWORDS
        } else {
            ITEM_KEYWORDS
        };
        if strict != Rule::strict_member
            && !first_word.is_empty()
            && !keywords.contains(&first_word.as_str())
        {
            let word_span = Span::new(span.start as usize, span.start as usize + first_word.len());
            let (what, article) = if strict == Rule::strict_step {
                ("step", "a")
            } else {
                ("item", "an")
            };
            let help = suggest::help(&first_word, keywords.iter().copied())
                .unwrap_or_else(|| format!("a {what} starts with one of: {}", keywords.join(", ")));
            self.error(
                Code::Syntax,
                format!("unknown {what} `{first_word}`"),
                word_span,
                format!("not {article} {what} keyword"),
            )
            .help = Some(help);
            return span;
        }

        match WbuildParser::parse(strict, trimmed) {
            Ok(_) => {
                // The strict rule accepts the text on its own; the problem is what follows.
                self.error(Code::Syntax, "unexpected text", span, "cannot be read here");
            }
            Err(error) => {
                let at = error_offset(&error);
                let at_span = Span::at(at).offset(base);
                let expected = describe_expected(&error);
                let unclosed = at >= trimmed.len() && expected.contains("`}`");
                if unclosed {
                    let open = region.find('{').map_or(span, |i| {
                        Span::new(base as usize + i, base as usize + i + 1)
                    });
                    let file = self.file;
                    let end = Span::at(base as usize + region.len());
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnclosedBlock,
                            "this block is never closed",
                            file,
                            open,
                            "opened here",
                        )
                        .with_secondary(file, end, "expected `}` before this point")
                        .with_help("add the missing `}`"),
                    );
                } else {
                    let found = describe_found(self.text, at_span.start as usize);
                    let width = found_width(self.text, at_span.start as usize);
                    let label_span =
                        Span::new(at_span.start as usize, at_span.start as usize + width);
                    self.error(
                        Code::Syntax,
                        format!("expected {expected}, found {found}"),
                        label_span,
                        format!("expected {expected}"),
                    );
                }
            }
        }
        span
    }
}

fn exprs_next_opt(next: &mut impl FnMut() -> Expr) -> Option<Expr> {
    let e = next();
    match e.kind {
        ExprKind::Error => None,
        _ => Some(e),
    }
}

fn missing_ident(span: Span) -> Ident {
    Ident {
        name: String::new(),
        span: Span::at(span.start as usize),
    }
}

fn decode_escape(escape: &str) -> Option<String> {
    let rest = escape.strip_prefix('\\')?;
    let c = match rest {
        "\"" => '"',
        "\\" => '\\',
        "n" => '\n',
        "t" => '\t',
        "r" => '\r',
        "$" => '$',
        _ => {
            let hex = rest.strip_prefix("u{")?.strip_suffix('}')?;
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
        }
    };
    Some(c.to_string())
}

fn describe_found(text: &str, offset: usize) -> String {
    match text.get(offset..).and_then(|s| s.chars().next()) {
        None => "end of file".into(),
        Some('\n') | Some('\r') => "end of line".into(),
        Some(c) => {
            let word: String = text
                .get(offset..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if word.is_empty() {
                format!("`{c}`")
            } else {
                format!("`{word}`")
            }
        }
    }
}

/// The length of the token at `offset` (a word, or one character).
fn found_width(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let word: usize = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if word > 0 {
        word
    } else {
        rest.chars()
            .next()
            .filter(|c| *c != '\n')
            .map_or(0, char::len_utf8)
    }
}

fn describe_expected(error: &pest::error::Error<Rule>) -> String {
    let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant else {
        return "something else".into();
    };
    let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    // "a value" already covers strings, names, numbers and lists.
    if names.contains(&"a value") {
        names.retain(|n| !matches!(*n, "a name" | "a string" | "an integer"));
    }
    match names.as_slice() {
        [] => "something else".into(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident | Rule::qualified => "a name",
        Rule::string => "a string",
        Rule::int => "an integer",
        Rule::assign_op => "`=` or `+=`",
        Rule::assignment => "a field assignment",
        Rule::close_brace => "`}`",
        Rule::body => "`{`",
        Rule::extends_clause => "`extends`",
        Rule::params => "`(`",
        Rule::param => "a parameter",
        Rule::type_expr | Rule::generic_type | Rule::enum_type => "a type",
        Rule::expr | Rule::term | Rule::bool | Rule::list | Rule::block | Rule::call => "a value",
        Rule::map_entry | Rule::map_entries => "a map entry",
        Rule::with_opts | Rule::kw_with => "`with`",
        Rule::kw_to => "`to`",
        Rule::kw_as => "`as`",
        Rule::kw_extends => "`extends`",
        Rule::named_arg => "`name = value`",
        Rule::EOI => "end of line",
        Rule::apt_step
        | Rule::run_step
        | Rule::copy_step
        | Rule::copy_from_step
        | Rule::env_step
        | Rule::arg_step
        | Rule::workdir_step => "a step",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_escapes_only() {
        assert_eq!(decode_escape("\\n").as_deref(), Some("\n"));
        assert_eq!(decode_escape("\\$").as_deref(), Some("$"));
        assert_eq!(decode_escape("\\q"), None);
        assert_eq!(decode_escape("\\u{1F600}").as_deref(), Some("\u{1F600}"));
        assert_eq!(decode_escape("\\u{D800}"), None);
    }
}
