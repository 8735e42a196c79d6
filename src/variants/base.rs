//! A base image's definition (`base "REF" { ... }`): what `wbuildc base build`
//! makes the root filesystem and the image config from, checked where it is
//! written. The policy's rules (registry, APT sources, credentials) read the
//! result like they read a variant's fields.

use super::resolver::{Module, Resolver};
use super::Fields;
use crate::check::eval::steps::{is_debian_package, is_env_name};
use crate::check::types::{Command, ImageRef, User, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;

/// What a base image is made from, with where each part is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseDecl {
    /// The reference the image is built as (tagged, no digest).
    pub reference: Option<ImageRef>,
    /// The reference as written, where it is written.
    pub written: String,
    pub origin: Origin,
    pub suite: Option<(String, Origin)>,
    /// APT lines (`URI SUITE COMPONENT...`); Debian's archive when none are written.
    pub sources: Vec<(String, Origin)>,
    pub packages: Vec<(String, Origin)>,
    pub users: Vec<(User, Origin)>,
    pub environment: Vec<(String, String, Origin)>,
    pub labels: Vec<(String, String, Origin)>,
    pub cmd: Option<Vec<String>>,
    pub workdir: Option<String>,
}

/// The repository mmdebstrap reads when a base names no `sources`.
pub const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

pub(super) fn declare<'db>(
    resolver: &mut Resolver<'db, '_>,
    module: &Module<'db>,
) -> Option<BaseDecl> {
    let ast_base = module.base()?;
    let fields = resolver
        .apply(module, None, &[], &ast_base.body, Fields::default())
        .fields;
    let origin = Origin {
        file: module.id,
        span: ast_base.name.span,
    };
    let written = ast_base.name.as_plain().unwrap_or_default();
    let mut out = Vec::new();
    let reference = reference(&written, origin, &mut out);
    let suite = fields.get(&Field::Suite).and_then(|v| match &v.kind {
        ValKind::Str(s) => Some((s.clone(), v.origin)),
        _ => None,
    });
    let texts = |field: Field| -> Vec<(String, Origin)> {
        list(fields.get(&field))
            .filter_map(|v| v.kind.to_text().map(|t| (t, v.origin)))
            .collect()
    };
    let mut sources = texts(Field::Sources);
    if sources.is_empty() && !fields.contains_key(&Field::Sources) {
        if let Some((suite, at)) = &suite {
            sources.push((format!("{DEFAULT_MIRROR} {suite} main"), *at));
        }
    }
    let users = list(fields.get(&Field::Users))
        .filter_map(|v| match &v.kind {
            ValKind::User(u) => Some((u.clone(), v.origin)),
            _ => None,
        })
        .collect();
    let pairs = |field: Field| -> Vec<(String, String, Origin)> {
        match fields.get(&field).map(|v| &v.kind) {
            Some(ValKind::Map(map)) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.kind.to_text().unwrap_or_default(), v.origin))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut base = BaseDecl {
        reference,
        written,
        origin,
        suite,
        sources,
        packages: texts(Field::Packages),
        users,
        environment: pairs(Field::Environment),
        labels: pairs(Field::Labels),
        cmd: fields.get(&Field::Cmd).and_then(|v| match &v.kind {
            ValKind::Command(Command::Exec(args)) => Some(args.clone()),
            ValKind::Command(Command::Shell(s)) => {
                Some(vec!["/bin/sh".into(), "-c".into(), s.clone()])
            }
            _ => None,
        }),
        workdir: fields.get(&Field::Workdir).and_then(|v| v.kind.to_text()),
    };
    if ast_base.name.as_plain().is_none() {
        out.push(
            Diagnostic::new(Code::BadInterpolation, "a base image's reference cannot use interpolation", module.id, ast_base.name.span, "not a plain string")
                .with_help("write the reference literally: manifests name it as their `base`, and the graph links them by it"),
        );
    }
    base.sources.retain(|(line, at)| {
        let valid = is_source_line(line);
        if !valid {
            out.push(
                Diagnostic::new(
                    Code::InvalidBaseImage,
                    format!("`{line}` is not an APT source line"),
                    at.file,
                    at.span,
                    "expected `URI SUITE COMPONENT...`",
                )
                .with_help("e.g. \"http://deb.debian.org/debian bookworm main\""),
            );
        }
        valid
    });
    check(&base, &mut out);
    for d in out {
        resolver.report(d);
    }
    Some(base)
}

fn list(value: Option<&Val>) -> impl Iterator<Item = &Val> {
    let items: &[Val] = match value.map(|v| &v.kind) {
        Some(ValKind::List(items)) => items,
        _ => &[],
    };
    items.iter()
}

fn reference(written: &str, at: Origin, out: &mut Vec<Diagnostic>) -> Option<ImageRef> {
    let invalid = |message: String, help: &str| {
        Diagnostic::new(
            Code::InvalidBaseImage,
            message,
            at.file,
            at.span,
            "the reference this base image is built as",
        )
        .with_help(help.to_string())
    };
    match ImageRef::parse(written) {
        Err(why) => {
            out.push(invalid(
                format!("`{written}` is not an image reference: {why}"),
                "write `registry/repository:tag`, e.g. `registry.example.org/debian:bookworm`",
            ));
            None
        }
        Ok(r) if r.digest.is_some() => {
            out.push(invalid(
                format!("`{written}` names a digest"),
                "remove the `@sha256:...`: the digest is what the build produces (`wbuildc lock` records it)",
            ));
            None
        }
        Ok(r) if r.tag.is_none() => {
            out.push(invalid(
                format!("`{written}` has no tag"),
                "name the tag manifests use, e.g. `:bookworm`",
            ));
            None
        }
        Ok(r) => Some(r),
    }
}

fn check(base: &BaseDecl, out: &mut Vec<Diagnostic>) {
    match &base.suite {
        None => out.push(
            Diagnostic::new(
                Code::InvalidBaseImage,
                "a base image needs a `suite`",
                base.origin.file,
                base.origin.span,
                "no Debian release named",
            )
            .with_help("name the Debian release: `suite = \"bookworm\"`"),
        ),
        Some((suite, at)) if !is_word(suite) => out.push(
            Diagnostic::new(
                Code::InvalidBaseImage,
                format!("`{suite}` is not a Debian suite name"),
                at.file,
                at.span,
                "suite",
            )
            .with_help(
                "a codename such as `bookworm` or `trixie` (lowercase letters, digits and `-`)",
            ),
        ),
        Some(_) => {}
    }
    for (package, at) in &base.packages {
        if !is_debian_package(package) {
            out.push(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("`{package}` is not a Debian package name"),
                    at.file,
                    at.span,
                    "package",
                )
                .with_help(
                    "Debian package names are lowercase `[a-z0-9+.-]`, optionally `=version`",
                ),
            );
        }
    }
    let mut ids: Vec<(u32, &str)> = Vec::new();
    for (user, at) in &base.users {
        if user.uid == 0 || user.gid == 0 {
            out.push(
                Diagnostic::new(
                    Code::InvalidUser,
                    format!("user `{}` would be root", user.name),
                    at.file,
                    at.span,
                    "uid or gid 0",
                )
                .with_help("users a base image creates are unprivileged: give them ids above 0 (the organisation's are 65533 and 900)"),
            );
        }
        if let Some((_, other)) = ids.iter().find(|(uid, _)| *uid == user.uid) {
            out.push(
                Diagnostic::new(
                    Code::InvalidUser,
                    format!(
                        "users `{other}` and `{}` have the same uid {}",
                        user.name, user.uid
                    ),
                    at.file,
                    at.span,
                    "uid used twice",
                )
                .with_help("give each user its own uid"),
            );
        }
        ids.push((user.uid, &user.name));
    }
    for (name, value, at) in &base.environment {
        if !is_env_name(name) {
            out.push(
                Diagnostic::new(
                    Code::InvalidName,
                    format!("`{name}` is not an environment variable name"),
                    at.file,
                    at.span,
                    "variable",
                )
                .with_help("environment variables are named `[A-Za-z_][A-Za-z0-9_]*`"),
            );
        }
        if value.contains(['\n', '\0']) {
            out.push(
                Diagnostic::new(
                    Code::UnrepresentableValue,
                    format!("the value of `{name}` contains a newline or NUL"),
                    at.file,
                    at.span,
                    "value",
                )
                .with_help("an image config's environment holds one line per variable"),
            );
        }
    }
}

fn is_word(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
}

/// `URI SUITE COMPONENT...` with an HTTP(S) URI: what mmdebstrap takes as a mirror
/// line (sources that are not are dropped after their diagnostic, so the policy
/// judges only lines that mean something).
fn is_source_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let uri_ok = words.first().is_some_and(|u| {
        (u.starts_with("http://") || u.starts_with("https://"))
            && u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b":/._~%+-".contains(&b))
    });
    words.len() >= 3 && uri_ok && words[1..].iter().all(|w| is_word(w))
}
