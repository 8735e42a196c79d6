//! Every step of the language with its arguments and the options it takes after
//! `with`, and the parts of a step or constructor call: read by checking, the
//! resolution index, the sweep and the docs.

use super::Ty;

/// A position's type, built on demand (so that the tables below are `const`).
pub type TyFn = fn() -> Ty;

/// How a part of a step is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// An expression of the position's type (a literal, a name, `a + b`, ...).
    Expr,
    /// A bare identifier (`env NAME = ...`).
    Ident,
    /// A type (`arg NAME: TYPE`).
    Type,
}

/// One argument or option of a step, or one parameter of a constructor.
pub struct ParamInfo {
    pub name: &'static str,
    pub form: Form,
    pub ty: TyFn,
    pub required: bool,
    pub doc: &'static str,
}

pub(super) const fn expr(
    name: &'static str,
    ty: TyFn,
    required: bool,
    doc: &'static str,
) -> ParamInfo {
    ParamInfo {
        name,
        form: Form::Expr,
        ty,
        required,
        doc,
    }
}

fn strings() -> Ty {
    Ty::List(Box::new(Ty::String))
}

fn paths() -> Ty {
    Ty::List(Box::new(Ty::Path))
}

/// A step: its keyword, its parts in order, and the options it takes after `with`.
pub struct StepInfo {
    pub keyword: &'static str,
    pub args: &'static [ParamInfo],
    pub options: &'static [ParamInfo],
    pub doc: &'static str,
}

/// Every step of the language. Lists (`strings`, `paths`) also take one value.
pub const STEPS: &[StepInfo] = &[
    StepInfo {
        keyword: "apt",
        args: &[expr("packages", strings, true, "Debian package names")],
        options: &[
            expr(
                "repository",
                || Ty::String,
                false,
                "one APT source line: URI SUITE COMPONENT...",
            ),
            expr(
                "keyring",
                || Ty::String,
                false,
                "a keyring file in the build context",
            ),
            expr(
                "key",
                strings,
                false,
                "the repository's signing key as an ASCII-armoured PGP public key block (its lines, or one string with `\\n`)",
            ),
            expr(
                "release",
                || Ty::String,
                false,
                "the target release the packages come from (`apt-get install -t`): the repository's suite, or a suite of the base image's sources",
            ),
            expr(
                "proxy",
                || Ty::String,
                false,
                "an HTTP proxy APT uses for this step only (http:// URL), in the step's temporary APT configuration",
            ),
            expr(
                "proxy_for",
                || Ty::String,
                false,
                "the source the proxy is for (`http://HOST` or `https://HOST`); without it, every http:// source",
            ),
        ],
        doc: "install Debian packages",
    },
    StepInfo {
        keyword: "run",
        args: &[expr(
            "command",
            || Ty::Command,
            true,
            "a shell script or an exec-form list",
        )],
        options: &[
            expr("cache", paths, false, "cache mount targets"),
            expr(
                "secret",
                strings,
                false,
                "BuildKit secret ids, mounted at /run/secrets/ID",
            ),
            expr(
                "user",
                || Ty::User,
                false,
                "the user this one command runs as, by uid:gid; the steps after it run as root",
            ),
            expr(
                "mounts",
                || Ty::List(Box::new(Ty::Mount)),
                false,
                "bind(...) and cache(...) mounts for this command",
            ),
        ],
        doc: "run a command",
    },
    StepInfo {
        keyword: "copy",
        args: &[
            expr("sources", paths, true, "paths in the build context"),
            expr("dest", || Ty::Path, true, "the destination in the image"),
        ],
        options: &[
            expr("chmod", || Ty::String, false, "an octal mode"),
            expr(
                "chown",
                || Ty::User,
                false,
                "the owner of the copied files, by uid:gid",
            ),
            expr(
                "exclude",
                strings,
                false,
                "patterns of files left out, in no layer of the image",
            ),
        ],
        doc: "copy files from the build context",
    },
    StepInfo {
        keyword: "copy from",
        args: &[
            ParamInfo {
                name: "variant",
                form: Form::Ident,
                ty: || Ty::Variant,
                required: true,
                doc: "the variant whose stage is copied from",
            },
            expr("sources", paths, true, "paths in that stage"),
            expr("dest", || Ty::Path, true, "the destination in the image"),
        ],
        options: &[
            expr("chmod", || Ty::String, false, "an octal mode"),
            expr(
                "chown",
                || Ty::User,
                false,
                "the owner of the copied files, by uid:gid",
            ),
            expr(
                "exclude",
                strings,
                false,
                "patterns of files left out, in no layer of the image",
            ),
        ],
        doc: "copy files from another variant's stage",
    },
    StepInfo {
        keyword: "env",
        args: &[
            ParamInfo {
                name: "name",
                form: Form::Ident,
                ty: || Ty::String,
                required: true,
                doc: "the variable name",
            },
            expr("value", || Ty::String, true, "its value"),
        ],
        options: &[expr(
            "inherited",
            || Ty::Enum(vec!["after".into(), "before".into()]),
            false,
            "where the variable's inherited value goes, joined with `:` (`\"after\"`: `VALUE:$NAME`); nothing is added when it is unset or empty",
        )],
        doc: "set an environment variable",
    },
    StepInfo {
        keyword: "arg",
        args: &[
            ParamInfo {
                name: "name",
                form: Form::Ident,
                ty: || Ty::String,
                required: true,
                doc: "the build argument's name",
            },
            ParamInfo {
                name: "type",
                form: Form::Type,
                ty: || Ty::String,
                required: true,
                doc: "its type (a scalar)",
            },
            expr("default", || Ty::String, false, "its default, of that type"),
        ],
        options: &[],
        doc: "declare a typed build argument",
    },
    StepInfo {
        keyword: "workdir",
        args: &[expr(
            "path",
            || Ty::Path,
            true,
            "the working directory for the steps after it",
        )],
        options: &[],
        doc: "change the working directory",
    },
];

/// Options each step accepts after `with`.
pub fn step_options(step: &str) -> Vec<&'static str> {
    STEPS
        .iter()
        .find(|s| s.keyword == step)
        .map(|s| s.options.iter().map(|o| o.name).collect())
        .unwrap_or_default()
}
