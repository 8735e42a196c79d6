//! Expression evaluation and type coercion.
//!
//! Evaluation is total: there are no functions, loops or recursion in the language,
//! only constants defined before use, literals, two constructors and interpolation.

use super::budget::{self, Budget, Exhausted};
use super::schema::{self, ConstructorInfo, CONSTRUCTORS};
use super::types::*;
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::resolve;
use crate::resolve::Scope;
use crate::span::FileId;
use crate::span::Origin;
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

/// What names mean where an expression is evaluated.
pub struct Env<'a> {
    pub db: &'a dyn Db,
    pub file: SourceFile,
    pub scope: &'a Scope,
    /// The constants evaluated so far (all of them once the file is done).
    pub lets: &'a IndexMap<String, Val>,
    /// Constants that failed to evaluate (their problem is reported already).
    pub failed: &'a std::collections::BTreeSet<String>,
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
    coerce_reporting(sink, value, ty)
}

/// Checks a value against a type, reporting a mismatch at the value's origin.
pub fn coerce_reporting(sink: &mut Sink, value: Val, ty: &Ty) -> Option<Val> {
    let origin = value.origin;
    match coerce(value, ty) {
        Ok(v) => Some(v),
        Err(problem) => {
            let (code, message, label, help) = match problem {
                Mismatch::Type { found } => (
                    Code::TypeMismatch,
                    format!("expected {ty}, found {found}"),
                    format!("this is {found}"),
                    type_help(ty, found),
                ),
                Mismatch::Invalid { code, message } => {
                    (code, message, "invalid value".to_string(), None)
                }
            };
            sink.push(
                Diagnostic::new(code, message, origin.file, origin.span, label).with_help_opt(help),
            );
            None
        }
    }
}

fn type_help(ty: &Ty, found: &str) -> Option<String> {
    match (ty, found) {
        (Ty::String, "an integer") => {
            Some("write the number inside a string, e.g. \"${port}\"".into())
        }
        (Ty::List(_), _) => Some("wrap the value in a list: [value]".into()),
        (Ty::Steps, _) => Some("steps are written in a block: { run \"...\" }".into()),
        (Ty::User, _) => Some("write user(\"name\", uid, gid)".into()),
        _ => None,
    }
}

pub enum Mismatch {
    Type { found: &'static str },
    Invalid { code: Code, message: String },
}

/// Converts a value to `ty` where the language allows it (a string literal in an
/// image position is parsed as an image reference, an integer becomes a port, …).
pub fn coerce(value: Val, ty: &Ty) -> Result<Val, Mismatch> {
    let origin = value.origin;
    let found = value.kind.describe();
    let wrong = || Mismatch::Type { found };
    let kind = match (ty, value.kind) {
        (Ty::String, ValKind::Str(s)) | (Ty::String, ValKind::Path(s)) => ValKind::Str(s),
        (Ty::Int, k @ ValKind::Int(_)) | (Ty::Bool, k @ ValKind::Bool(_)) => k,
        (Ty::Path, ValKind::Str(s)) | (Ty::Path, ValKind::Path(s)) => {
            if s.is_empty() {
                return Err(Mismatch::Invalid {
                    code: Code::InvalidPath,
                    message: "a path cannot be empty".into(),
                });
            }
            ValKind::Path(s)
        }
        (Ty::Image | Ty::Base, ValKind::Str(s)) => {
            if s == "scratch" {
                ValKind::Scratch
            } else {
                match ImageRef::parse(&s) {
                    Ok(r) => ValKind::Image(r),
                    Err(why) => {
                        return Err(Mismatch::Invalid {
                            code: Code::InvalidImageRef,
                            message: format!("invalid image reference `{s}`: {why}"),
                        })
                    }
                }
            }
        }
        (Ty::Image | Ty::Base, k @ (ValKind::Image(_) | ValKind::Scratch)) => k,
        (Ty::Base | Ty::Variant, k @ ValKind::Variant(_)) => k,
        (Ty::User, k @ ValKind::User(_)) => k,
        (Ty::Port, ValKind::Int(n)) => match u16::try_from(n).ok().filter(|n| *n != 0) {
            Some(number) => ValKind::Port(Port {
                number,
                protocol: Protocol::Tcp,
            }),
            None => return Err(invalid_port(&n.to_string())),
        },
        (Ty::Port, ValKind::Str(s)) => match Port::parse(&s) {
            Some(p) => ValKind::Port(p),
            None => return Err(invalid_port(&s)),
        },
        (Ty::Port, k @ ValKind::Port(_)) => k,
        (Ty::Duration, ValKind::Str(s)) => match Duration::parse(&s) {
            Some(d) => ValKind::Duration(d),
            None => {
                return Err(Mismatch::Invalid {
                    code: Code::InvalidDuration,
                    message: format!(
                        "invalid duration `{s}`: write e.g. \"30s\", \"1m30s\" or \"500ms\""
                    ),
                })
            }
        },
        (Ty::Duration, k @ ValKind::Duration(_)) => k,
        (Ty::Healthcheck, k @ ValKind::Healthcheck(_)) => k,
        (Ty::Steps, k @ ValKind::Steps(_)) => k,
        (Ty::Steps, ValKind::Map(m)) if m.is_empty() => ValKind::Steps(Vec::new()),
        (Ty::Command, ValKind::Str(s)) => ValKind::Command(Command::Shell(s)),
        (Ty::Command, ValKind::List(items)) => {
            let mut args = Vec::new();
            for item in items {
                match coerce(item, &Ty::String)?.kind {
                    ValKind::Str(s) => args.push(s),
                    _ => return Err(wrong()),
                }
            }
            ValKind::Command(Command::Exec(args))
        }
        (Ty::Command, k @ ValKind::Command(_)) => k,
        (Ty::List(inner), ValKind::List(items)) => ValKind::List(
            items
                .into_iter()
                .map(|v| coerce(v, inner))
                .collect::<Result<_, _>>()?,
        ),
        (Ty::Map(inner), ValKind::Map(entries)) => ValKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((k, coerce(v, inner)?)))
                .collect::<Result<_, Mismatch>>()?,
        ),
        (Ty::Enum(allowed), ValKind::Str(s)) => {
            if !allowed.contains(&s) {
                let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
                return Err(Mismatch::Invalid {
                    code: Code::InvalidEnumValue,
                    message: format!("`{s}` is not one of {}", list.join(", ")),
                });
            }
            ValKind::Str(s)
        }
        _ => return Err(wrong()),
    };
    Ok(Val { kind, origin })
}

fn invalid_port(text: &str) -> Mismatch {
    Mismatch::Invalid {
        code: Code::InvalidPort,
        message: format!("invalid port `{text}`: ports are 1-65535, optionally with /tcp or /udp"),
    }
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
                && q.segments
                    .first()
                    .is_some_and(|s| env.params.is_some_and(|p| p.contains_key(&s.name)));
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

/// Looks a (possibly dotted) name up in value position.
pub fn lookup(env: &Env<'_>, sink: &mut Sink, name: &ast::QualName) -> Option<Val> {
    let first = name.segments.first()?;
    let mut rest = name.segments.iter().skip(1);
    let mut value = if let Some(v) = env.params.and_then(|p| p.get(&first.name)) {
        charge(env, sink, budget::size(v), env.origin(first.span))?;
        v.clone()
    } else if let Some(v) = env.lets.get(&first.name) {
        charge(env, sink, budget::size(v), env.origin(first.span))?;
        v.clone()
    } else if env.scope.variants.contains_key(&first.name) {
        Val {
            kind: ValKind::Variant(VariantRef {
                file: env.id(),
                name: first.name.clone(),
            }),
            origin: env.origin(first.span),
        }
    } else if first.name == "scratch" {
        Val {
            kind: ValKind::Scratch,
            origin: env.origin(first.span),
        }
    } else if env.scope.imports.contains_key(&first.name) {
        let Some(member) = rest.next() else {
            sink.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("`{}` is a module, not a value", first.name),
                    env.id(),
                    first.span,
                    "a module",
                )
                .with_help(format!("name one of its constants: `{}.NAME`", first.name)),
            );
            return None;
        };
        let target = env.scope.imports.get(&first.name)?.target?;
        let module = module_env(env.db, target);
        if module.failed.contains(&member.name) {
            return None;
        }
        let lets = &module.lets;
        match lets.get(&member.name) {
            Some(v) => {
                charge(env, sink, budget::size(v), env.origin(member.span))?;
                v.clone()
            }
            None => {
                sink.push(
                    Diagnostic::new(
                        Code::UnknownMember,
                        format!("module `{}` has no constant `{}`", first.name, member.name),
                        env.id(),
                        member.span,
                        "not defined there",
                    )
                    .with_help_opt(suggest::help(&member.name, lets.keys().map(String::as_str))),
                );
                return None;
            }
        }
    } else if env.failed.contains(&first.name) {
        // Its own problem was reported where it is defined: one mistake, one error.
        return None;
    } else {
        let mut d = Diagnostic::new(
            Code::UnknownName,
            format!("cannot find `{}`", first.name),
            env.id(),
            first.span,
            "not defined",
        );
        if env.scope.lets.contains_key(&first.name) {
            d = d
                .with_note("constants must be defined before they are used")
                .with_help("move the `let` above this line");
        } else if env.scope.presets.contains_key(&first.name) {
            d = d.with_help(format!(
                "`{}` is a preset: use it with `extends {}`",
                first.name, first.name
            ));
        } else if env.budget.may_suggest(
            env.scope.lets.len()
                + env.scope.variants.len()
                + env.scope.imports.len()
                + env.params.map_or(0, IndexMap::len),
        ) {
            let params = env
                .params
                .into_iter()
                .flat_map(|p| p.keys().map(String::as_str));
            d = d.with_help_opt(suggest::help(
                &first.name,
                env.scope.value_names().chain(params),
            ));
        }
        sink.push(d);
        return None;
    };
    for field in rest {
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

/// `user(...)` and `healthcheck(...)`.
fn construct(
    env: &Env<'_>,
    sink: &mut Sink,
    name: &ast::Ident,
    args: &[ast::CallArg],
    span: Span,
) -> Option<ValKind> {
    let Some(info) = ConstructorInfo::lookup(&name.name) else {
        let names: Vec<&str> = CONSTRUCTORS.iter().map(|c| c.name).collect();
        sink.push(
            Diagnostic::new(
                Code::UnknownName,
                format!("there is no constructor `{}`", name.name),
                env.id(),
                name.span,
                "unknown",
            )
            .with_help_opt(suggest::help(&name.name, names.iter().copied()))
            .with_note(format!("constructors: {}", names.join(", "))),
        );
        return None;
    };
    let params: Vec<(&str, Ty, bool)> = info
        .params
        .iter()
        .map(|p| (p.name, (p.ty)(), p.required))
        .collect();
    let mut values: IndexMap<&str, Val> = IndexMap::new();
    let mut ok = true;
    for (position, arg) in args.iter().enumerate() {
        let param = match &arg.name {
            Some(n) => params.iter().find(|p| p.0 == n.name),
            None => params.get(position),
        };
        let Some((pname, ty, _)) = param.cloned() else {
            let what = arg.name.as_ref().map_or_else(
                || format!("argument {}", position + 1),
                |n| format!("`{}`", n.name),
            );
            let names: Vec<&str> = params.iter().map(|p| p.0).collect();
            sink.push(
                Diagnostic::new(
                    Code::BadArgument,
                    format!("`{}` takes no {what}", name.name),
                    env.id(),
                    arg.span,
                    "unexpected",
                )
                .with_help(format!("`{}` takes: {}", name.name, names.join(", "))),
            );
            ok = false;
            continue;
        };
        if values.contains_key(pname) {
            sink.push(Diagnostic::new(
                Code::BadArgument,
                format!("`{pname}` is given twice"),
                env.id(),
                arg.span,
                "again here",
            ));
            ok = false;
            continue;
        }
        match eval_as(env, sink, &arg.value, &ty) {
            Some(v) => {
                values.insert(pname, v);
            }
            None => ok = false,
        }
    }
    for (pname, _, required) in &params {
        if *required && !values.contains_key(pname) && ok {
            sink.push(Diagnostic::new(
                Code::BadArgument,
                format!("`{}` needs `{pname}`", name.name),
                env.id(),
                span,
                format!("`{pname}` is missing"),
            ));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let int = |v: Option<&Val>| match v.map(|v| &v.kind) {
        Some(ValKind::Int(n)) => Some(*n),
        _ => None,
    };
    let text = |v: Option<&Val>| match v.map(|v| &v.kind) {
        Some(ValKind::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let duration = |v: Option<&Val>| match v.map(|v| &v.kind) {
        Some(ValKind::Duration(d)) => Some(d.clone()),
        _ => None,
    };
    match name.name.as_str() {
        "user" => {
            let user_name = text(values.get("name")).unwrap_or_default();
            let uid_val = int(values.get("uid")).unwrap_or(-1);
            let gid_val = int(values.get("gid")).unwrap_or(uid_val);
            let valid_name = !user_name.is_empty()
                && user_name.len() <= 32
                && user_name
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && user_name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            let id_range = 0..=2_147_483_647i64;
            let problem = if !valid_name {
                Some(format!("`{user_name}` is not a valid user name"))
            } else if !id_range.contains(&uid_val) {
                Some(format!("uid {uid_val} is out of range"))
            } else if !id_range.contains(&gid_val) {
                Some(format!("gid {gid_val} is out of range"))
            } else {
                None
            };
            if let Some(message) = problem {
                sink.push(
                    Diagnostic::new(Code::InvalidUser, message, env.id(), span, "invalid user")
                        .with_help("names match [a-z_][a-z0-9_-]* (at most 32 characters); ids are 0..=2147483647"),
                );
                return None;
            }
            Some(ValKind::User(User {
                name: user_name,
                uid: uid_val as u32,
                gid: gid_val as u32,
            }))
        }
        _ => {
            let command = match values.get("cmd").map(|v| &v.kind) {
                Some(ValKind::Command(c)) => c.clone(),
                _ => return None,
            };
            let retries = match int(values.get("retries")) {
                Some(n) if !(0..=1000).contains(&n) => {
                    sink.push(Diagnostic::new(
                        Code::TypeMismatch,
                        "retries must be 0..=1000",
                        env.id(),
                        span,
                        "here",
                    ));
                    return None;
                }
                other => other.map(|n| n as u32),
            };
            Some(ValKind::Healthcheck(Box::new(Healthcheck {
                command,
                interval: duration(values.get("interval")),
                timeout: duration(values.get("timeout")),
                start_period: duration(values.get("start_period")),
                retries,
            })))
        }
    }
}

/// Converts a written type to a [`Ty`].
pub fn resolve_type(file: FileId, sink: &mut Sink, ty: &ast::TypeExpr) -> Option<Ty> {
    match &ty.kind {
        ast::TypeExprKind::Named(name) => Ty::from_name(&name.name).or_else(|| {
            sink.push(
                Diagnostic::new(
                    Code::UnknownName,
                    format!("unknown type `{}`", name.name),
                    file,
                    name.span,
                    "not a type",
                )
                .with_help_opt(suggest::help(&name.name, Ty::NAMES.iter().copied())),
            );
            None
        }),
        ast::TypeExprKind::Generic(name, inner) => {
            let inner = resolve_type(file, sink, inner)?;
            match name.name.as_str() {
                "list" => Some(Ty::List(Box::new(inner))),
                "map" => Some(Ty::Map(Box::new(inner))),
                other => {
                    sink.push(
                        Diagnostic::new(
                            Code::UnknownName,
                            format!("unknown type `{other}<…>`"),
                            file,
                            name.span,
                            "not a type",
                        )
                        .with_help("the generic types are list<T> and map<T>"),
                    );
                    None
                }
            }
        }
        ast::TypeExprKind::Enum(values) => {
            let mut plain = Vec::new();
            for v in values {
                match v.as_plain() {
                    Some(text) => plain.push(text),
                    None => {
                        sink.push(
                            Diagnostic::new(
                                Code::BadInterpolation,
                                "an enum value cannot use interpolation",
                                file,
                                v.span,
                                "not a plain string",
                            )
                            .with_help("list the allowed values literally"),
                        );
                        return None;
                    }
                }
            }
            Some(Ty::Enum(plain))
        }
    }
}

fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_debian_package(name: &str) -> bool {
    // Debian policy §5.6.1 package names, optionally with `=version`.
    let (pkg, version) = name
        .split_once('=')
        .map_or((name, None), |(p, v)| (p, Some(v)));
    let pkg_ok = pkg.len() >= 2
        && pkg
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && pkg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    let version_ok = version.is_none_or(|v| {
        !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".+-~:".contains(&b))
    });
    pkg_ok && version_ok
}

fn strings(env: &Env<'_>, sink: &mut Sink, expr: &ast::Expr, ty: &Ty) -> Option<Vec<String>> {
    // One string or a list of strings.
    let value = eval(env, sink, expr, Some(&Ty::List(Box::new(ty.clone()))))?;
    let value = match value.kind {
        ValKind::List(_) => coerce_reporting(sink, value, &Ty::List(Box::new(ty.clone())))?,
        _ => {
            let v = coerce_reporting(sink, value, ty)?;
            Val {
                origin: v.origin,
                kind: ValKind::List(vec![v]),
            }
        }
    };
    let ValKind::List(items) = value.kind else {
        return None;
    };
    Some(items.into_iter().filter_map(|v| v.kind.to_text()).collect())
}

fn check_step(env: &Env<'_>, sink: &mut Sink, step: &ast::Step) -> Option<Step> {
    let origin = env.origin(step.span);
    let keyword = step.kind.keyword();
    let allowed = schema::step_options(keyword);
    let mut options: IndexMap<&str, &ast::NamedArg> = IndexMap::new();
    for option in &step.options {
        if !allowed.contains(&option.name.name.as_str()) {
            let help = if allowed.is_empty() {
                format!("`{keyword}` takes no options")
            } else {
                suggest::help(&option.name.name, allowed.iter().copied())
                    .unwrap_or_else(|| format!("`{keyword}` takes: {}", allowed.join(", ")))
            };
            sink.push(
                Diagnostic::new(
                    Code::UnknownOption,
                    format!("unknown option `{}` for `{keyword}`", option.name.name),
                    env.id(),
                    option.name.span,
                    "unknown option",
                )
                .with_help(help),
            );
            continue;
        }
        if options.insert(option.name.name.as_str(), option).is_some() {
            sink.push(Diagnostic::new(
                Code::DuplicateKey,
                format!("option `{}` given twice", option.name.name),
                env.id(),
                option.span,
                "again here",
            ));
        }
    }
    let option_strings = |sink: &mut Sink, name: &str, ty: &Ty| -> Option<Vec<String>> {
        match options.get(name) {
            Some(o) => strings(env, sink, &o.value, ty),
            None => Some(Vec::new()),
        }
    };
    let chmod = |sink: &mut Sink| -> Option<Option<String>> {
        let Some(o) = options.get("chmod") else {
            return Some(None);
        };
        let text = match eval_as(env, sink, &o.value, &Ty::String)?.kind {
            ValKind::Str(s) => s,
            _ => return None,
        };
        if !(3..=4).contains(&text.len()) || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            sink.push(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("`{text}` is not an octal mode"),
                    env.id(),
                    o.value.span,
                    "expected e.g. \"0755\"",
                )
                .with_help("write the mode as an octal string: \"0644\" or \"0755\""),
            );
            return None;
        }
        Some(Some(text))
    };
    let path = |sink: &mut Sink, expr: &ast::Expr| -> Option<String> {
        match eval_as(env, sink, expr, &Ty::Path)?.kind {
            ValKind::Path(p) => Some(p),
            _ => None,
        }
    };
    let kind = match &step.kind {
        ast::StepKind::Apt(expr) => {
            let packages = strings(env, sink, expr, &Ty::String)?;
            for p in &packages {
                if !is_debian_package(p) {
                    sink.push(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("`{p}` is not a Debian package name"),
                            env.id(),
                            expr.span,
                            "invalid package name",
                        )
                        .with_help(
                            "package names are lowercase [a-z0-9+.-], optionally `=version`",
                        ),
                    );
                    return None;
                }
            }
            let single = |sink: &mut Sink, name: &str| -> Option<Option<String>> {
                match options.get(name) {
                    Some(o) => match eval_as(env, sink, &o.value, &Ty::String)?.kind {
                        ValKind::Str(s) => Some(Some(s)),
                        _ => None,
                    },
                    None => Some(None),
                }
            };
            let repository = single(sink, "repository")?;
            if let (Some(repo), Some(o)) = (&repository, options.get("repository")) {
                // The line goes into a sources file as written: its words are
                // separated by spaces, never by a line break or another control.
                if let Some(c) = repo.chars().find(|c| c.is_whitespace() && *c != ' ') {
                    sink.push(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("the APT repository line contains U+{:04X} between its words", c as u32),
                            env.id(),
                            o.value.span,
                            "separate the words with spaces",
                        )
                        .with_help("write e.g. \"https://deb.debian.org/debian bookworm-backports main\" on one line"),
                    );
                    return None;
                }
                let words: Vec<&str> = repo.split_whitespace().collect();
                let word_ok = |w: &&str| {
                    w.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b":/._~+-".contains(&b))
                };
                if words.len() < 3 || !words.iter().all(word_ok) {
                    sink.push(
                        Diagnostic::new(
                            Code::InvalidName,
                            format!("`{repo}` is not an APT repository line"),
                            env.id(),
                            o.value.span,
                            "expected \"URI SUITE COMPONENT...\"",
                        )
                        .with_help(
                            "write e.g. \"https://deb.debian.org/debian bookworm-backports main\"",
                        ),
                    );
                    return None;
                }
            }
            let keyring = single(sink, "keyring")?;
            if let (Some(_), None, Some(o)) = (&keyring, &repository, options.get("keyring")) {
                // A keyring signs a repository: alone it would be dropped unseen.
                sink.push(
                    Diagnostic::new(
                        Code::UnknownOption,
                        "`keyring` needs a `repository` on the same step",
                        env.id(),
                        o.span,
                        "signs no repository",
                    )
                    .with_help("write both: apt [\"pkg\"] with repository = \"URI SUITE COMPONENT\", keyring = \"path/in/context.gpg\""),
                );
                return None;
            }
            StepKind::Apt {
                packages,
                repository,
                keyring,
            }
        }
        ast::StepKind::Run(expr) => {
            let command = match eval_as(env, sink, expr, &Ty::Command)?.kind {
                ValKind::Command(c) => c,
                _ => return None,
            };
            let caches = option_strings(sink, "cache", &Ty::Path)?;
            let secrets = option_strings(sink, "secret", &Ty::String)?;
            StepKind::Run {
                command,
                caches,
                secrets,
            }
        }
        ast::StepKind::Copy { sources, dest } => StepKind::Copy {
            sources: strings(env, sink, sources, &Ty::Path)?,
            dest: path(sink, dest)?,
            chmod: chmod(sink)?,
        },
        ast::StepKind::CopyFrom {
            stage,
            sources,
            dest,
        } => {
            let stage_val = lookup(env, sink, stage)?;
            let stage_ref = match coerce_reporting(
                sink,
                Val {
                    origin: env.origin(stage.span),
                    ..stage_val
                },
                &Ty::Variant,
            )?
            .kind
            {
                ValKind::Variant(v) => v,
                _ => return None,
            };
            StepKind::CopyFrom {
                stage: stage_ref,
                sources: strings(env, sink, sources, &Ty::Path)?,
                dest: path(sink, dest)?,
                chmod: chmod(sink)?,
            }
        }
        ast::StepKind::Env { name, value } => {
            check_env_name(env, sink, name)?;
            let value = match eval_as(env, sink, value, &Ty::String)?.kind {
                ValKind::Str(s) => s,
                _ => return None,
            };
            StepKind::Env {
                name: name.name.clone(),
                value,
            }
        }
        ast::StepKind::Arg { name, ty, default } => {
            check_env_name(env, sink, name)?;
            let ty = resolve_type(env.id(), sink, ty)?;
            if !ty.is_scalar() {
                sink.push(Diagnostic::new(
                    Code::TypeMismatch,
                    format!("a build argument cannot be of type {ty}"),
                    env.id(),
                    name.span,
                    "build arguments are scalars",
                ));
                return None;
            }
            let default = match default {
                Some(expr) => Some(eval_as(env, sink, expr, &ty)?.kind.to_text()?),
                None => None,
            };
            StepKind::Arg {
                name: name.name.clone(),
                ty,
                default,
            }
        }
        ast::StepKind::Workdir(expr) => StepKind::Workdir {
            path: path(sink, expr)?,
        },
        ast::StepKind::Error => return None,
    };
    Some(Step { kind, origin })
}

fn check_env_name(env: &Env<'_>, sink: &mut Sink, name: &ast::Ident) -> Option<()> {
    if is_env_name(&name.name) {
        return Some(());
    }
    sink.push(Diagnostic::new(
        Code::InvalidName,
        format!("`{}` is not a valid variable name", name.name),
        env.id(),
        name.span,
        "expected [A-Za-z_][A-Za-z0-9_]*",
    ));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_package_names() {
        assert!(is_debian_package("python3-venv"));
        assert!(is_debian_package("g++"));
        assert!(is_debian_package("libc6=2.36-9"));
        assert!(!is_debian_package("Python3"));
        assert!(!is_debian_package("a; rm -rf /"));
        assert!(!is_debian_package("x"));
    }
}

/// A file's constants, evaluated in order; each sees only the ones above it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleEnv {
    pub lets: IndexMap<String, Val>,
    /// Constants whose value could not be evaluated (already reported): a use of
    /// one is not reported again.
    pub failed: std::collections::BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn module_env(db: &dyn Db, file: SourceFile) -> ModuleEnv {
    let scope = resolve::scope(db, file);
    let ast = &db::parse(db, file).ast;
    let mut sink = Sink::default();
    let mut lets = IndexMap::new();
    let mut failed = std::collections::BTreeSet::new();
    let budget = Budget::default();
    for &index in scope.lets.values() {
        let Some(ast::Item::Let(l)) = ast.items.get(index) else {
            continue;
        };
        let value = {
            let env = Env {
                db,
                file,
                scope,
                lets: &lets,
                failed: &failed,
                params: None,
                budget: &budget,
            };
            match &l.ty {
                Some(ty) => resolve_type(file.id(db), &mut sink, ty)
                    .and_then(|ty| eval_as(&env, &mut sink, &l.value, &ty)),
                None => eval(&env, &mut sink, &l.value, None),
            }
        };
        match value {
            Some(v) => {
                lets.insert(l.name.name.clone(), v);
            }
            None => {
                failed.insert(l.name.name.clone());
            }
        }
    }
    let mut diagnostics = scope.diagnostics.clone();
    diagnostics.extend(sink.diagnostics);
    ModuleEnv {
        lets,
        failed,
        diagnostics,
    }
}
