//! The builtin constructors, `user(...)` and `healthcheck(...)`: arguments by
//! position or name against the table in `language`, then each one's own rules.

use super::{eval_as, Env, Sink};
use crate::check::types::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::language::{ConstructorInfo, Ty};
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

/// `user(...)` and `healthcheck(...)`.
pub(super) fn construct(
    env: &Env<'_>,
    sink: &mut Sink,
    name: &ast::Ident,
    args: &[ast::CallArg],
    span: Span,
) -> Option<ValKind> {
    // An unknown constructor is reported by the resolution index.
    let info = ConstructorInfo::lookup(&name.name)?;
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
        "bind" | "cache" => mount(env, sink, &name.name, &values, span),
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

/// `bind(...)` and `cache(...)`: a mount for one `run` step (docs/language.md,
/// "Mounts"). Its paths are checked where they are lowered (a bind source
/// against the build context or the other stage, targets as `abspath`).
fn mount(
    env: &Env<'_>,
    sink: &mut Sink,
    name: &str,
    values: &IndexMap<&str, Val>,
    span: Span,
) -> Option<ValKind> {
    let text = |key: &str| match values.get(key).map(|v| &v.kind) {
        Some(ValKind::Str(s) | ValKind::Path(s)) => Some(s.clone()),
        _ => None,
    };
    let target = text("target")?;
    let kind = if name == "cache" {
        let id = text("id");
        if let Some(id) = &id {
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            {
                let at = values.get("id").map_or(span, |v| v.origin.span);
                sink.push(
                    Diagnostic::new(
                        Code::InvalidMount,
                        format!("`{id}` is not a cache id"),
                        env.id(),
                        at,
                        "invalid cache id",
                    )
                    .with_help("cache ids are [A-Za-z0-9_.-]+"),
                );
                return None;
            }
        }
        let sharing = match text("sharing").as_deref() {
            Some("shared") => Some(Sharing::Shared),
            Some("private") => Some(Sharing::Private),
            Some("locked") => Some(Sharing::Locked),
            _ => None,
        };
        MountKind::Cache {
            target,
            id,
            sharing,
        }
    } else {
        let source = text("source")?;
        let from = match values.get("from") {
            None => BindFrom::Context,
            Some(v) => match &v.kind {
                ValKind::Variant(r) => BindFrom::Variant(r.clone()),
                ValKind::Image(r) => BindFrom::Image(r.clone()),
                _ => {
                    sink.push(
                        Diagnostic::new(
                            Code::InvalidMount,
                            "a bind mount cannot read from `scratch`",
                            env.id(),
                            v.origin.span,
                            "an empty image",
                        )
                        .with_help("mount a variant's stage (`from = VARIANT`), an image of the organisation's registry (`from = \"REF\"`), or the build context (no `from`)"),
                    );
                    return None;
                }
            },
        };
        MountKind::Bind {
            from,
            source,
            target,
        }
    };
    Some(ValKind::Mount(Box::new(MountSpec {
        kind,
        origin: env.origin(span),
    })))
}
