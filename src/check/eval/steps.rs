//! Step blocks: each step's arguments and options against the step table in
//! `language`, and the rules of each step (package names, APT lines, modes).

use super::{coerce_reporting, eval, eval_as, lookup, resolve_type, Env, Sink};
use crate::check::types::*;
use crate::diagnostics::{Code, Diagnostic, Edit, Fix};
use crate::language::{self, Ty};
use crate::span::{Origin, Span};
use crate::syntax::ast;
use indexmap::IndexMap;

pub(crate) fn is_env_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub(crate) fn is_debian_package(name: &str) -> bool {
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

/// One value or a list of values of `ty`, as texts with where each was written.
fn texts(
    env: &Env<'_>,
    sink: &mut Sink,
    expr: &ast::Expr,
    ty: &Ty,
) -> Option<Vec<(String, Origin)>> {
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
    Some(
        items
            .into_iter()
            .filter_map(|v| v.kind.to_text().map(|t| (t, v.origin)))
            .collect(),
    )
}

fn strings(env: &Env<'_>, sink: &mut Sink, expr: &ast::Expr, ty: &Ty) -> Option<Vec<String>> {
    Some(
        texts(env, sink, expr, ty)?
            .into_iter()
            .map(|(t, _)| t)
            .collect(),
    )
}

/// Whether `span` is a plain string literal written in `expr` (itself or an item
/// of its list): a fix may then rewrite that literal.
fn is_literal(expr: &ast::Expr, span: Span) -> bool {
    let plain = |e: &ast::Expr| {
        e.span == span && matches!(&e.kind, ast::ExprKind::Str(lit) if lit.as_plain().is_some())
    };
    match &expr.kind {
        ast::ExprKind::List(items) => items.iter().any(plain),
        _ => plain(expr),
    }
}

/// Checks every package of an `apt` step, reporting each bad name where it is
/// written (with the fix when its lowercase form is a package name).
fn packages(env: &Env<'_>, sink: &mut Sink, expr: &ast::Expr) -> Option<Vec<(String, Origin)>> {
    let packages = texts(env, sink, expr, &Ty::String)?;
    let mut ok = true;
    for (name, origin) in &packages {
        if is_debian_package(name) {
            continue;
        }
        ok = false;
        let mut d = Diagnostic::new(
            Code::InvalidName,
            format!("`{name}` is not a Debian package name"),
            origin.file,
            origin.span,
            "invalid package name",
        )
        .with_help("package names are lowercase [a-z0-9+.-], optionally `=version`");
        let lower = name.to_ascii_lowercase();
        if is_debian_package(&lower) && origin.file == env.id() && is_literal(expr, origin.span) {
            d = d.with_replacement(format!("write `{lower}`"), format!("\"{lower}\""));
        }
        sink.push(d);
    }
    for (i, (name, origin)) in packages.iter().enumerate() {
        let Some(first) = packages[..i].iter().find(|(n, _)| n == name) else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::Duplicate,
            format!("`{name}` is listed twice"),
            origin.file,
            origin.span,
            "listed again here",
        )
        .with_secondary(first.1.file, first.1.span, "first listed here");
        // From the end of the item before it: `, "curl"` goes as a whole.
        let previous = packages[i - 1].1;
        if origin.file == env.id()
            && previous.file == origin.file
            && is_literal(expr, origin.span)
            && is_literal(expr, previous.span)
        {
            d = d.with_fix(crate::diagnostics::Fix {
                title: format!("remove the second `{name}`"),
                edits: vec![crate::diagnostics::Edit {
                    file: origin.file,
                    span: Span::new(previous.span.end as usize, origin.span.end as usize),
                    replacement: String::new(),
                }],
            });
        } else {
            d = d.with_help(format!("remove one `{name}`"));
        }
        sink.push(d);
    }
    ok.then_some(packages)
}

pub(super) fn check_step(env: &Env<'_>, sink: &mut Sink, step: &ast::Step) -> Option<Step> {
    let origin = env.origin(step.span);
    let keyword = step.kind.keyword();
    let allowed = language::step_options(keyword);
    let mut options: IndexMap<&str, &ast::NamedArg> = IndexMap::new();
    let mut known = true;
    for option in &step.options {
        // An unknown option is reported by the resolution index; the step is then
        // incomplete, but its other parts are still checked.
        if !allowed.contains(&option.name.name.as_str()) {
            known = false;
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
    let user = |sink: &mut Sink, name: &str| -> Option<Option<User>> {
        let Some(o) = options.get(name) else {
            return Some(None);
        };
        match eval_as(env, sink, &o.value, &Ty::User)?.kind {
            ValKind::User(u) => Some(Some(u)),
            _ => None,
        }
    };
    let path = |sink: &mut Sink, expr: &ast::Expr| -> Option<String> {
        match eval_as(env, sink, expr, &Ty::Path)?.kind {
            ValKind::Path(p) => Some(p),
            _ => None,
        }
    };
    let kind = match &step.kind {
        ast::StepKind::Apt(expr) => {
            let packages: Vec<String> = packages(env, sink, expr)?
                .into_iter()
                .map(|(name, _)| name)
                .collect();
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
            let (key, release, proxy, proxy_for) =
                apt_options(env, sink, &options, repository.as_deref())?;
            if let (Some(_), Some(_), Some(o)) = (&key, &keyring, options.get("key")) {
                sink.push(
                    Diagnostic::new(
                        Code::UnknownOption,
                        "`key` and `keyring` both sign the repository: give one",
                        env.id(),
                        o.span,
                        "a second key",
                    )
                    .with_help("`keyring` names a key file in the build context, `key` holds the armoured key itself"),
                );
                return None;
            }
            StepKind::Apt {
                packages,
                repository,
                keyring,
                key,
                release,
                proxy,
                proxy_for,
            }
        }
        ast::StepKind::Run(expr) => {
            let command = match eval_as(env, sink, expr, &Ty::Command)?.kind {
                ValKind::Command(c) => c,
                _ => return None,
            };
            let caches = option_strings(sink, "cache", &Ty::Path)?;
            let secrets = option_strings(sink, "secret", &Ty::String)?;
            let mounts = match options.get("mounts") {
                Some(o) => {
                    let ty = Ty::List(Box::new(Ty::Mount));
                    let value = eval(env, sink, &o.value, Some(&ty))?;
                    let value = match value.kind {
                        ValKind::List(_) => coerce_reporting(sink, value, &ty)?,
                        _ => {
                            let v = coerce_reporting(sink, value, &Ty::Mount)?;
                            Val {
                                origin: v.origin,
                                kind: ValKind::List(vec![v]),
                            }
                        }
                    };
                    let ValKind::List(items) = value.kind else {
                        return None;
                    };
                    items
                        .into_iter()
                        .filter_map(|v| match v.kind {
                            ValKind::Mount(m) => Some(*m),
                            _ => None,
                        })
                        .collect()
                }
                None => Vec::new(),
            };
            StepKind::Run {
                command,
                caches,
                secrets,
                user: user(sink, "user")?,
                mounts,
            }
        }
        ast::StepKind::Copy { sources, dest } => StepKind::Copy {
            sources: strings(env, sink, sources, &Ty::Path)?,
            dest: path(sink, dest)?,
            chmod: chmod(sink)?,
            chown: user(sink, "chown")?,
            exclude: exclude(env, sink, options.get("exclude").copied())?,
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
                chown: user(sink, "chown")?,
                exclude: exclude(env, sink, options.get("exclude").copied())?,
            }
        }
        ast::StepKind::Env { name, value: expr } => {
            check_env_name(env, sink, name)?;
            let value = match eval_as(env, sink, expr, &Ty::String)?.kind {
                ValKind::Str(s) => s,
                _ => return None,
            };
            let inherited = match options.get("inherited") {
                Some(o) => match eval_as(
                    env,
                    sink,
                    &o.value,
                    &Ty::Enum(vec!["after".into(), "before".into()]),
                )?
                .kind
                {
                    ValKind::Str(s) if s == "before" => Some(Inherited::Before),
                    ValKind::Str(_) => Some(Inherited::After),
                    _ => return None,
                },
                None => None,
            };
            if let Some(d) = literal_reference(env, &name.name, &value, expr, inherited.is_none()) {
                sink.push(d);
            }
            StepKind::Env {
                name: name.name.clone(),
                value,
                inherited,
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
    known.then_some(Step { kind, origin })
}

/// `with exclude = PATTERNS` of `copy` and `copy from`: each pattern checked
/// where it is written (WB2022), all of them reported.
fn exclude(env: &Env<'_>, sink: &mut Sink, option: Option<&ast::NamedArg>) -> Option<Vec<String>> {
    let Some(option) = option else {
        return Some(Vec::new());
    };
    let patterns = texts(env, sink, &option.value, &Ty::String)?;
    let mut ok = true;
    for (pattern, origin) in &patterns {
        if let Err(why) = crate::check::exclude::check(pattern) {
            ok = false;
            sink.push(
                Diagnostic::new(
                    Code::InvalidExcludePattern,
                    format!("`{pattern}` is not an exclude pattern: {why}"),
                    origin.file,
                    origin.span,
                    "invalid pattern",
                )
                .with_help("patterns are relative paths below the copied tree: `*.md`, `tests/`, `assets/**/*.png`"),
            );
        }
    }
    ok.then(|| patterns.into_iter().map(|(p, _)| p).collect())
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

/// WB2019: an env value that says `$NAME` means the text `$NAME`, not the
/// variable (wbuild writes values as they are); where the value is `X:$SELF` or
/// `$SELF:X` for the variable it sets, the fix writes `with inherited = ...`.
fn literal_reference(
    env: &Env<'_>,
    name: &str,
    value: &str,
    expr: &ast::Expr,
    fixable: bool,
) -> Option<Diagnostic> {
    // The value as it will be written (a literal, a constant or an
    // interpolation): `$` then a name, or `${` (which a wbuild literal can only
    // hold escaped, `\${`), is what a shell or a Dockerfile would expand.
    let bytes = value.as_bytes();
    let at = (0..bytes.len()).find(|&i| {
        bytes[i] == b'$'
            && bytes
                .get(i + 1)
                .is_some_and(|&n| n == b'_' || n == b'{' || n.is_ascii_alphabetic())
    })?;
    let braced = bytes.get(at + 1) == Some(&b'{');
    let name_part: String = value[at + 1 + usize::from(braced)..]
        .chars()
        .take_while(|c| *c == '_' || c.is_ascii_alphanumeric())
        .collect();
    let reference = if braced {
        format!("${{{name_part}}}")
    } else {
        format!("${name_part}")
    };
    let mut d = Diagnostic::new(
        Code::LiteralDollarInEnv,
        format!("`{reference}` in the value of `{name}` is literal text, not a variable"),
        env.id(),
        expr.span,
        "written into the image as it is",
    )
    .with_help(if name_part == name {
        format!("to extend the inherited `{name}`, write only the new part, with `with inherited = \"after\"` (VALUE:${name}) or `\"before\"`")
    } else {
        "wbuild does not expand variables in values: write the value itself (a `let` constant can hold it)".to_string()
    });
    let literal = matches!(&expr.kind, ast::ExprKind::Str(s) if s.as_plain().is_some());
    let selves = [format!("${name}"), format!("${{{name}}}")];
    let split = selves.iter().find_map(|me| {
        value
            .strip_suffix(me.as_str())
            .and_then(|p| p.strip_suffix(':'))
            .map(|p| (p, "after"))
            .or_else(|| {
                value
                    .strip_prefix(me.as_str())
                    .and_then(|r| r.strip_prefix(':'))
                    .map(|r| (r, "before"))
            })
    });
    if let (true, true, Some((rest, side))) = (fixable, literal, split) {
        if !rest.is_empty() && !rest.contains('$') {
            d = d.with_fix(Fix {
                title: format!("set `{name}` with the inherited value {side} it"),
                edits: vec![Edit {
                    file: env.id(),
                    span: expr.span,
                    replacement: format!(
                        "{} with inherited = \"{side}\"",
                        crate::syntax::string_literal(rest)
                    ),
                }],
            });
        }
    }
    Some(d)
}

/// An `apt` step's `key`, `release` and `proxy` (see `check/apt.rs`), each
/// reported where it is written.
#[allow(clippy::type_complexity)]
fn apt_options(
    env: &Env<'_>,
    sink: &mut Sink,
    options: &IndexMap<&str, &ast::NamedArg>,
    repository: Option<&str>,
) -> Option<(
    Option<crate::language::apt::ArmouredKey>,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    use crate::language::apt;
    let single = |sink: &mut Sink, name: &str| -> Option<Option<(String, Span)>> {
        match options.get(name) {
            Some(o) => match eval_as(env, sink, &o.value, &Ty::String)?.kind {
                ValKind::Str(s) => Some(Some((s, o.value.span))),
                _ => None,
            },
            None => Some(None),
        }
    };
    let key = match options.get("key") {
        Some(o) => {
            let lines = strings(env, sink, &o.value, &Ty::String)?;
            if repository.is_none() {
                sink.push(
                    Diagnostic::new(
                        Code::UnknownOption,
                        "`key` needs a `repository` on the same step",
                        env.id(),
                        o.span,
                        "signs no repository",
                    )
                    .with_help("the key signs the step's repository: apt [\"pkg\"] with repository = \"URI SUITE COMPONENT\", key = vendor_key"),
                );
                return None;
            }
            match apt::parse_public_key(&lines.join("\n")) {
                Ok(key) => Some(key),
                Err(why) => {
                    sink.push(
                        Diagnostic::new(
                            Code::InvalidAptKey,
                            "this is not an ASCII-armoured PGP public key block",
                            env.id(),
                            o.value.span,
                            why,
                        )
                        .with_help("export the repository's public key with `gpg --export --armor KEYID` and give its lines as a list of strings (or one string with \\n)"),
                    );
                    return None;
                }
            }
        }
        None => None,
    };
    let release = match single(sink, "release")? {
        Some((release, span)) => {
            if let Err(why) = apt::check_release(&release) {
                sink.push(
                    Diagnostic::new(Code::InvalidName, why, env.id(), span, "not a suite")
                        .with_help("name the release as APT does: \"bookworm-backports\""),
                );
                return None;
            }
            // With a repository, the release is its suite: packages from another
            // suite would come from sources the step does not declare, and the
            // repository would be added for nothing.
            let suite = repository.and_then(|r| r.split_whitespace().nth(1));
            if let Some(suite) = suite.filter(|s| *s != release) {
                sink.push(
                    Diagnostic::new(
                        Code::InvalidName,
                        format!("the release `{release}` is not the suite of the step's repository (`{suite}`)"),
                        env.id(),
                        span,
                        "another suite",
                    )
                    .with_help(format!("write release = \"{suite}\", or drop the repository to take `{release}` from the base image's sources")),
                );
                return None;
            }
            Some(release)
        }
        None => None,
    };
    let proxy = match single(sink, "proxy")? {
        Some((proxy, span)) => {
            if let Err(why) = apt::check_proxy(&proxy) {
                sink.push(
                    Diagnostic::new(
                        Code::InvalidAptProxy,
                        why,
                        env.id(),
                        span,
                        "not a proxy URL",
                    )
                    .with_help("write proxy = \"http://HOST:PORT\""),
                );
                return None;
            }
            Some(proxy)
        }
        None => None,
    };
    let proxy_for = match single(sink, "proxy_for")? {
        Some((source, span)) => {
            if let Err(why) = apt::proxy_source(&source) {
                sink.push(
                    Diagnostic::new(Code::InvalidAptProxy, why, env.id(), span, "not a source URL")
                        .with_help("write proxy_for = \"http://deb.debian.org\": the scheme and host of the source"),
                );
                return None;
            }
            if proxy.is_none() {
                if let Some(o) = options.get("proxy_for") {
                    sink.push(
                        Diagnostic::new(
                            Code::UnknownOption,
                            "`proxy_for` needs a `proxy` on the same step",
                            env.id(),
                            o.span,
                            "restricts no proxy",
                        )
                        .with_help("write both: with proxy = \"http://HOST:PORT\", proxy_for = \"http://deb.debian.org\""),
                    );
                }
                return None;
            }
            Some(source)
        }
        None => None,
    };
    Some((key, release, proxy, proxy_for))
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
