//! A value against a type: the conversions the language allows (a string in an
//! image position is an image reference, an integer in a port position a port),
//! and written types to [`Ty`].

use super::Sink;
use crate::check::types::*;
use crate::diagnostics::{suggest, Code, Diagnostic, Edit, Fix};
use crate::language::{runtimes, Ty};
use crate::span::FileId;
use crate::syntax::ast;

/// Checks a value against a type, reporting a mismatch at the value's origin.
pub fn coerce_reporting(sink: &mut Sink, value: Val, ty: &Ty) -> Option<Val> {
    coerce_written(sink, value, ty, false)
}

/// [`coerce_reporting`]; `written_here` says the value's text is at its origin
/// (a literal, not a constant defined elsewhere), so a mismatch can carry the
/// fix that rewrites it (wrap it in a list, quote a number).
pub fn coerce_written(sink: &mut Sink, value: Val, ty: &Ty, written_here: bool) -> Option<Val> {
    let origin = value.origin;
    // Rewrites that need the value itself; these pairs never coerce.
    let rewrite = if written_here {
        rewrite(ty, &value.kind)
    } else {
        None
    };
    match coerce(value, ty) {
        Ok(v) => Some(v),
        Err(problem) => {
            let (code, message, label, help, fix) = match problem {
                Mismatch::Type { found } => (
                    Code::TypeMismatch,
                    format!("expected {ty}, found {found}"),
                    format!("this is {found}"),
                    type_help(ty, found),
                    match rewrite {
                        Some((title, text)) => Some(Fix {
                            title: title.to_string(),
                            edits: vec![Edit {
                                file: origin.file,
                                span: origin.span,
                                replacement: text,
                            }],
                        }),
                        None => written_here.then(|| type_fix(ty, found, origin)).flatten(),
                    },
                ),
                Mismatch::Invalid { code, message } => {
                    let help = invalid_help(code, &message);
                    (code, message, "invalid value".to_string(), help, None)
                }
            };
            let mut d =
                Diagnostic::new(code, message, origin.file, origin.span, label).with_help_opt(help);
            if let Some(fix) = fix {
                d = d.with_fix(fix);
            }
            sink.push(d);
            None
        }
    }
}

/// The value rewritten in the form the type takes, when that is mechanical:
/// `"build"` for a variant is the name `build`; `["team=web"]` for a map is
/// `{ "team": "web" }`; a command list for a healthcheck is
/// `healthcheck(cmd = [...])`.
fn rewrite(ty: &Ty, kind: &ValKind) -> Option<(&'static str, String)> {
    let quoted = crate::syntax::string_literal;
    match (ty, kind) {
        (Ty::Variant, ValKind::Str(name))
            if name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Some(("name the variant without quotes", name.clone()))
        }
        (Ty::Map(_), ValKind::List(items)) => {
            let entries: Option<Vec<String>> = items
                .iter()
                .map(|item| match &item.kind {
                    ValKind::Str(s) => s
                        .split_once('=')
                        .map(|(k, v)| format!("{}: {}", quoted(k.trim()), quoted(v.trim()))),
                    _ => None,
                })
                .collect();
            let entries = entries.filter(|e| !e.is_empty())?;
            Some(("write it as a map", format!("{{ {} }}", entries.join(", "))))
        }
        (Ty::Healthcheck, ValKind::List(items)) => {
            let words: Option<Vec<String>> = items
                .iter()
                .map(|item| match &item.kind {
                    ValKind::Str(s) => Some(quoted(s)),
                    _ => None,
                })
                .collect();
            let words = words.filter(|w| !w.is_empty())?;
            Some((
                "write a healthcheck",
                format!("healthcheck(cmd = [{}])", words.join(", ")),
            ))
        }
        _ => None,
    }
}

/// What to do about a value the type rejects, by its code.
fn invalid_help(code: Code, message: &str) -> Option<String> {
    let text = match code {
        Code::InvalidImageRef if !message.contains("registry is missing") => return None,
        Code::InvalidPort => "a port is a number from 1 to 65535, with `/tcp` or `/udp` if needed (e.g. 8080, \"53/udp\")",
        Code::InvalidImageRef => "start from the organisation's base image (`import \"base\"`, then `base = base.debian`), or write `registry/repository:tag` with the organisation's registry",
        Code::InvalidDuration => "write a number with a unit: \"30s\", \"5m\", \"1h\"",
        _ => return None,
    };
    Some(text.to_string())
}

/// The rewrite a mismatch's help describes, when it is mechanical: text put
/// around the value.
fn type_fix(ty: &Ty, found: &str, at: crate::span::Origin) -> Option<Fix> {
    let (title, open, close) = match (ty, found) {
        (Ty::String, "an integer") => ("quote the number", "\"", "\""),
        (Ty::List(_), _) => ("wrap the value in a list", "[", "]"),
        _ => return None,
    };
    let edit = |offset: u32, text: &str| Edit {
        file: at.file,
        span: crate::span::Span::at(offset as usize),
        replacement: text.to_string(),
    };
    Some(Fix {
        title: title.to_string(),
        edits: vec![edit(at.span.start, open), edit(at.span.end, close)],
    })
}

fn type_help(ty: &Ty, found: &str) -> Option<String> {
    match (ty, found) {
        (Ty::String, "an integer") => {
            Some("quote the number, or interpolate a constant: \"${port}\"".into())
        }
        (Ty::List(_), _) => Some("wrap the value in a list: [value]".into()),
        (Ty::Steps, _) => Some("steps are written in a block: { run \"...\" }".into()),
        (Ty::User, _) => Some("write user(\"name\", uid, gid)".into()),
        (Ty::Variant, "a string") => Some("name the variant without quotes".into()),
        (Ty::Map(_), _) => Some("write a map: { \"key\": \"value\" }".into()),
        (Ty::Healthcheck, _) => {
            Some("write healthcheck(cmd = [\"program\", \"arg\"], interval = \"30s\")".into())
        }
        (Ty::Mount, _) => Some(
            "write bind(source = \"dir\", target = \"/mnt/dir\") or cache(target = \"/root/.cache\")".into(),
        ),
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
        (Ty::String, ValKind::Str(s))
        | (Ty::String, ValKind::Path(s))
        | (Ty::String, ValKind::Suite(s)) => ValKind::Str(s),
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
        (Ty::AbsPath, ValKind::Str(s)) | (Ty::AbsPath, ValKind::Path(s)) => {
            if !s.starts_with('/') {
                return Err(Mismatch::Invalid {
                    code: Code::InvalidPath,
                    message: if s.is_empty() {
                        "a path cannot be empty".into()
                    } else {
                        format!(
                            "`{s}` is not an absolute path: write it from the image's root (`/{}`)",
                            s.trim_start_matches("./")
                        )
                    },
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
        (Ty::Mount, k @ ValKind::Mount(_)) => k,
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
        (Ty::Suite, ValKind::Str(s)) => {
            if !runtimes::is_suite(&s) {
                return Err(Mismatch::Invalid {
                    code: Code::InvalidEnumValue,
                    message: format!(
                        "`{s}` is not a Debian suite the organisation builds on ({})",
                        runtimes::suites().join(", ")
                    ),
                });
            }
            ValKind::Suite(s)
        }
        (Ty::Suite, k @ ValKind::Suite(_)) => k,
        (Ty::Runtime(runtime), ValKind::Str(s)) => {
            if !runtimes::versions(runtime).iter().any(|(_, v)| *v == s) {
                return Err(Mismatch::Invalid {
                    code: Code::InvalidEnumValue,
                    message: format!(
                        "no Debian suite the organisation builds on ships {runtime} `{s}` ({})",
                        runtimes::describe(runtime)
                    ),
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
        ast::TypeExprKind::Generic(name, inner) if name.name == "runtime" => {
            let known = match &inner.kind {
                ast::TypeExprKind::Enum(values) => match values.as_slice() {
                    [one] => one.as_plain().filter(|r| runtimes::is_runtime(r)),
                    _ => None,
                },
                _ => None,
            };
            if known.is_none() {
                let list: Vec<String> = runtimes::runtimes()
                    .iter()
                    .map(|r| format!("runtime<{r:?}>"))
                    .collect();
                sink.push(
                    Diagnostic::new(
                        Code::UnknownName,
                        "`runtime<…>` names one runtime of the Debian table",
                        file,
                        inner.span,
                        "not a runtime",
                    )
                    .with_help(format!("write one of {}", list.join(", "))),
                );
            }
            known.map(Ty::Runtime)
        }
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
                        .with_help("the generic types are list<T>, map<T> and runtime<\"NAME\">"),
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
