//! Expression evaluation: names, literals, interpolation and `+`, guided by the
//! type expected where the expression is written.
//!
//! Evaluation is total: there are no functions, loops or recursion in the language,
//! only constants defined before use, literals, two constructors and interpolation.
//! What a name refers to is the resolution index's answer (`resolve::index`);
//! evaluation only gives it a value. The parts: `coerce.rs` (a value against a
//! type), `builtins.rs` (the constructors), `steps.rs` (step blocks), `module.rs`
//! (the file's constants, a query).

mod builtins;
mod coerce;
mod module;
pub(crate) mod steps;

use builtins::construct;
use steps::check_step;

pub use coerce::{coerce, coerce_reporting, resolve_type, Mismatch};
pub use module::{module_env, ModuleEnv};

use super::budget::{self, Budget, Exhausted};
use super::types::*;
use crate::db::Db;
use crate::db::SourceFile;
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Ty;
use crate::resolve::{Definition, Resolutions};
use crate::span::FileId;
use crate::span::Origin;
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

/// What names mean where an expression is evaluated.
pub struct Env<'a> {
    pub db: &'a dyn Db,
    pub file: SourceFile,
    /// What the names of the code being evaluated refer to.
    pub uses: &'a Resolutions,
    /// The constants evaluated so far (all of them once the file is done).
    pub lets: &'a IndexMap<String, Val>,
    /// A preset's arguments while its body is evaluated.
    pub params: Option<&'a IndexMap<String, Val>>,
    /// What copying values may cost (shared by the whole query).
    pub budget: &'a Budget,
}

impl Env<'_> {
    fn id(&self) -> FileId {
        self.file.id(self.db)
    }

    fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.id(),
            span,
        }
    }
}

/// Charges the budget for copying or building `units` at `origin`; `None` (with
/// the budget's diagnostic, once) when it is exhausted.
pub fn charge(env: &Env<'_>, sink: &mut Sink, units: u64, origin: Origin) -> Option<()> {
    spent(sink, env.budget.charge(units, origin))
}

/// Turns a budget result into evaluation's `Option`, reporting the first refusal.
pub fn spent(sink: &mut Sink, result: Result<(), Exhausted>) -> Option<()> {
    match result {
        Ok(()) => Some(()),
        Err(Exhausted(diagnostic)) => {
            if let Some(d) = diagnostic {
                sink.push(*d);
            }
            None
        }
    }
}

/// Collects diagnostics while checking.
#[derive(Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Evaluates `expr` and checks it against `ty`; `None` after reporting a problem.
pub fn eval_as(env: &Env<'_>, sink: &mut Sink, expr: &ast::Expr, ty: &Ty) -> Option<Val> {
    if ty == &Ty::Steps {
        if let ast::ExprKind::Steps(steps) = &expr.kind {
            let checked = steps
                .iter()
                .filter_map(|s| check_step(env, sink, s))
                .collect();
            return Some(Val {
                kind: ValKind::Steps(checked),
                origin: env.origin(expr.span),
            });
        }
    }
    let value = eval(env, sink, expr, Some(ty))?;
    let written_here = value.origin == env.origin(expr.span);
    coerce::coerce_written(sink, value, ty, written_here)
}

/// Evaluates an expression to a value; `expected` only guides literals that need it.
pub fn eval(
    env: &Env<'_>,
    sink: &mut Sink,
    expr: &ast::Expr,
    expected: Option<&Ty>,
) -> Option<Val> {
    let origin = env.origin(expr.span);
    let kind = match &expr.kind {
        ast::ExprKind::Str(lit) => ValKind::Str(interpolate(env, sink, lit)?),
        ast::ExprKind::Int(n) => ValKind::Int(*n),
        ast::ExprKind::Bool(b) => ValKind::Bool(*b),
        ast::ExprKind::List(items) => {
            let inner = match expected {
                Some(Ty::List(t)) => Some(t.as_ref()),
                Some(Ty::Command) => Some(&Ty::String),
                _ => None,
            };
            let mut values = Vec::new();
            let mut ok = true;
            for item in items {
                let value = match inner {
                    Some(t) => eval_as(env, sink, item, t),
                    None => eval(env, sink, item, None),
                };
                match value {
                    Some(v) => values.push(v),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            ValKind::List(values)
        }
        ast::ExprKind::Map(entries) => {
            let inner = match expected {
                Some(Ty::Map(t)) => Some(t.as_ref()),
                _ => None,
            };
            let mut map = IndexMap::new();
            let mut spans: IndexMap<String, Span> = IndexMap::new();
            for entry in entries {
                let key = interpolate(env, sink, &entry.key)?;
                if let Some(first) = spans.get(&key) {
                    sink.push(
                        Diagnostic::new(
                            Code::DuplicateKey,
                            format!("key `{key}` appears twice"),
                            env.id(),
                            entry.key.span,
                            "again here",
                        )
                        .with_secondary(env.id(), *first, "first here"),
                    );
                    continue;
                }
                spans.insert(key.clone(), entry.key.span);
                let value = match inner {
                    Some(t) => eval_as(env, sink, &entry.value, t),
                    None => eval(env, sink, &entry.value, None),
                };
                if let Some(v) = value {
                    map.insert(key, v);
                }
            }
            ValKind::Map(map)
        }
        ast::ExprKind::Steps(steps) => ValKind::Steps(
            steps
                .iter()
                .filter_map(|s| check_step(env, sink, s))
                .collect(),
        ),
        ast::ExprKind::Call { name, args } => construct(env, sink, name, args, expr.span)?,
        ast::ExprKind::Name(q) => {
            // A preset parameter keeps the origin of the argument the user wrote, so
            // that problems with it point at the user's file, not into the preset.
            let is_param = q.segments.len() == 1
                && q.segments.first().is_some_and(|s| {
                    matches!(env.uses.get(s.span), Some(Definition::Param { .. }))
                });
            return lookup(env, sink, q).map(|v| if is_param { v } else { Val { origin, ..v } });
        }
        ast::ExprKind::Concat(parts) => concat(env, sink, parts, expected)?,
        ast::ExprKind::Error => return None,
    };
    Some(Val { kind, origin })
}

/// `a + b`: all lists (concatenated) or all strings (joined).
fn concat(
    env: &Env<'_>,
    sink: &mut Sink,
    parts: &[ast::Expr],
    expected: Option<&Ty>,
) -> Option<ValKind> {
    let element = match expected {
        Some(Ty::Steps) => Some(Ty::Steps),
        Some(Ty::List(t)) => Some(Ty::List(t.clone())),
        // A command-typed part (an exec-form `let`) joins as its argument list.
        Some(Ty::Command) => None,
        _ => None,
    };
    let mut values = Vec::new();
    for part in parts {
        values.push(match &element {
            Some(t) => eval_as(env, sink, part, t)?,
            None => eval(env, sink, part, None)?,
        });
    }
    let mut items = Vec::new();
    let mut steps = Vec::new();
    let mut text = String::new();
    let lists = matches!(
        values.first().map(|v| &v.kind),
        Some(ValKind::List(_) | ValKind::Command(Command::Exec(_)))
    );
    let is_steps = |k: &ValKind| {
        matches!(k, ValKind::Steps(_)) || matches!(k, ValKind::Map(m) if m.is_empty())
    };
    let all_steps = values.iter().all(|v| is_steps(&v.kind));
    for v in values {
        match (lists, v.kind) {
            (_, ValKind::Steps(s)) if all_steps => steps.extend(s),
            (_, ValKind::Map(_)) if all_steps => {}
            (true, ValKind::List(l)) => items.extend(l),
            (true, ValKind::Command(Command::Exec(args))) => {
                items.extend(args.into_iter().map(|a| Val {
                    kind: ValKind::Str(a),
                    origin: v.origin,
                }))
            }
            (false, ValKind::Str(s)) | (false, ValKind::Path(s)) => text.push_str(&s),
            (_, other) => {
                let want = if lists { "a list" } else { "a string" };
                sink.push(
                    Diagnostic::new(Code::TypeMismatch, format!("cannot add {} to {want}", other.describe()), env.id(), v.origin.span, "here")
                        .with_help("`+` joins lists with lists, step blocks with step blocks, or strings with strings"),
                );
                return None;
            }
        }
    }
    let kind = if all_steps {
        ValKind::Steps(steps)
    } else if lists {
        ValKind::List(items)
    } else {
        ValKind::Str(text)
    };
    let origin = parts
        .first()
        .zip(parts.last())
        .map_or(env.origin(Span::default()), |(a, b)| {
            env.origin(a.span.cover(b.span))
        });
    let value = Val { kind, origin };
    spent(sink, env.budget.check_size(budget::size(&value), origin))?;
    Some(value.kind)
}

/// The value of a (possibly dotted) name in value position. What the name
/// refers to is the index's answer; a name that refers to nothing was reported
/// there, and a constant that failed where it is defined, so both are `None`
/// here without a diagnostic (one mistake, one error).
pub fn lookup(env: &Env<'_>, sink: &mut Sink, name: &ast::QualName) -> Option<Val> {
    let first = name.segments.first()?;
    let mut rest = name.segments.iter().skip(1);
    let origin = env.origin(first.span);
    let mut value = match env.uses.get(first.span)? {
        Definition::Param { name, .. } => {
            let v = env.params?.get(name)?;
            charge(env, sink, budget::size(v), origin)?;
            v.clone()
        }
        Definition::Let { name, .. } => {
            let v = env.lets.get(name)?;
            charge(env, sink, budget::size(v), origin)?;
            v.clone()
        }
        Definition::Variant { name, .. } => Val {
            kind: ValKind::Variant(VariantRef {
                file: env.id(),
                name: name.clone(),
            }),
            origin,
        },
        Definition::Scratch => Val {
            kind: ValKind::Scratch,
            origin,
        },
        Definition::Module { .. } => {
            let member = rest.next()?;
            let Some(Definition::Let { file, name }) = env.uses.get(member.span) else {
                return None;
            };
            let v = module_env(env.db, *file).lets.get(name)?;
            charge(env, sink, budget::size(v), env.origin(member.span))?;
            v.clone()
        }
        _ => return None,
    };
    for field in rest {
        // What a suite ships of the runtime this member names.
        let shipped = match &value.kind {
            ValKind::Suite(suite) => crate::language::runtimes::version(suite, &field.name),
            _ => None,
        };
        value = match (&value.kind, field.name.as_str()) {
            (ValKind::User(u), "name") => Val {
                kind: ValKind::Str(u.name.clone()),
                ..value
            },
            (ValKind::User(u), "uid") => Val {
                kind: ValKind::Int(i64::from(u.uid)),
                ..value
            },
            (ValKind::User(u), "gid") => Val {
                kind: ValKind::Int(i64::from(u.gid)),
                ..value
            },
            (ValKind::Port(p), "number") => Val {
                kind: ValKind::Int(i64::from(p.number)),
                ..value
            },
            (ValKind::Port(p), "protocol") => {
                let protocol = match p.protocol {
                    Protocol::Tcp => "tcp",
                    Protocol::Udp => "udp",
                };
                Val {
                    kind: ValKind::Str(protocol.into()),
                    ..value
                }
            }
            (ValKind::Suite(suite), "name") => Val {
                kind: ValKind::Str(suite.clone()),
                ..value
            },
            (ValKind::Suite(_), _) if shipped.is_some() => Val {
                kind: ValKind::Str(shipped.unwrap_or_default().to_string()),
                ..value
            },
            _ => {
                sink.push(
                    Diagnostic::new(
                        Code::UnknownMember,
                        format!("{} has no field `{}`", value.kind.describe(), field.name),
                        env.id(),
                        field.span,
                        "no such field",
                    )
                    .with_help_opt(match value.kind {
                        ValKind::User(_) => Some("a user has `.name`, `.uid` and `.gid`".into()),
                        ValKind::Port(_) => Some("a port has `.number` and `.protocol`".into()),
                        ValKind::Suite(_) => Some(format!(
                            "a suite has `.name` and the runtime versions it ships: {}",
                            crate::language::runtimes::runtimes()
                                .iter()
                                .map(|r| format!("`.{r}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        _ => None,
                    }),
                );
                return None;
            }
        };
    }
    Some(value)
}

fn interpolate(env: &Env<'_>, sink: &mut Sink, lit: &ast::StringLit) -> Option<String> {
    let mut out = String::new();
    let mut ok = true;
    for part in &lit.parts {
        match part {
            ast::StrPart::Text(t) => out.push_str(t),
            ast::StrPart::Interp(name) => match lookup(env, sink, name) {
                Some(v) => match v.kind.to_text() {
                    Some(text) => {
                        out.push_str(&text);
                        spent(
                            sink,
                            env.budget
                                .check_size(out.len() as u64, env.origin(lit.span)),
                        )?;
                    }
                    None => {
                        sink.push(
                            Diagnostic::new(
                                Code::BadInterpolation,
                                format!("cannot put {} inside a string", v.kind.describe()),
                                env.id(),
                                name.span,
                                format!("this is {}", v.kind.describe()),
                            )
                            .with_help("interpolate scalars only: strings, paths, numbers, ports, image references, user fields"),
                        );
                        ok = false;
                    }
                },
                None => ok = false,
            },
        }
    }
    ok.then_some(out)
}
