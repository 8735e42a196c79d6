//! The one place that knows every field: its name, its type, and where it may appear.

use super::types::Ty;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Base,
    Steps,
    User,
    Workdir,
    Entrypoint,
    Cmd,
    Expose,
    Healthcheck,
    Labels,
    Volumes,
    /// Image only: the version recorded in the OCI annotations.
    Version,
    /// Policy exceptions: rule name → the reason it does not apply here.
    Allow,
    /// Image only: where the source lives (the OCI `source` annotation).
    Source,
}

pub struct FieldInfo {
    pub field: Field,
    pub name: &'static str,
    pub doc: &'static str,
    pub image_only: bool,
}

pub const FIELDS: &[FieldInfo] = &[
    FieldInfo {
        field: Field::Base,
        name: "base",
        doc: "the image (or variant) the stage starts FROM",
        image_only: false,
    },
    FieldInfo {
        field: Field::Steps,
        name: "steps",
        doc: "ordered build steps",
        image_only: false,
    },
    FieldInfo {
        field: Field::User,
        name: "user",
        doc: "the user processes run as",
        image_only: false,
    },
    FieldInfo {
        field: Field::Workdir,
        name: "workdir",
        doc: "the working directory at run time",
        image_only: false,
    },
    FieldInfo {
        field: Field::Entrypoint,
        name: "entrypoint",
        doc: "the program the container runs",
        image_only: false,
    },
    FieldInfo {
        field: Field::Cmd,
        name: "cmd",
        doc: "the default arguments (or program)",
        image_only: false,
    },
    FieldInfo {
        field: Field::Expose,
        name: "expose",
        doc: "ports the service listens on",
        image_only: false,
    },
    FieldInfo {
        field: Field::Healthcheck,
        name: "healthcheck",
        doc: "how the engine checks the container",
        image_only: false,
    },
    FieldInfo {
        field: Field::Labels,
        name: "labels",
        doc: "image labels",
        image_only: false,
    },
    FieldInfo {
        field: Field::Volumes,
        name: "volumes",
        doc: "paths declared as volumes",
        image_only: false,
    },
    FieldInfo {
        field: Field::Version,
        name: "version",
        doc: "the image version (OCI annotation)",
        image_only: true,
    },
    FieldInfo {
        field: Field::Source,
        name: "source",
        doc: "the source repository URL (OCI annotation)",
        image_only: true,
    },
    FieldInfo {
        field: Field::Allow,
        name: "allow",
        doc: "policy exceptions: rule name → reason (listed by `check --format json`)",
        image_only: false,
    },
];

impl Field {
    pub fn info(self) -> &'static FieldInfo {
        FIELDS
            .iter()
            .find(|f| f.field == self)
            .unwrap_or(&FIELDS[0])
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn lookup(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.name == name).map(|f| f.field)
    }

    pub fn ty(self) -> Ty {
        match self {
            Field::Base => Ty::Base,
            Field::Steps => Ty::Steps,
            Field::User => Ty::User,
            Field::Workdir => Ty::Path,
            Field::Entrypoint | Field::Cmd => Ty::Command,
            Field::Expose => Ty::List(Box::new(Ty::Port)),
            Field::Healthcheck => Ty::Healthcheck,
            Field::Labels => Ty::Map(Box::new(Ty::String)),
            Field::Volumes => Ty::List(Box::new(Ty::Path)),
            Field::Version => Ty::String,
            Field::Allow => Ty::Map(Box::new(Ty::String)),
            Field::Source => Ty::String,
        }
    }

    /// Whether `+=` applies (lists, maps, step blocks).
    pub fn appendable(self) -> bool {
        matches!(
            self,
            Field::Steps | Field::Expose | Field::Labels | Field::Volumes | Field::Allow
        )
    }
}

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

const fn expr(name: &'static str, ty: TyFn, required: bool, doc: &'static str) -> ParamInfo {
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
        ],
        doc: "run a command",
    },
    StepInfo {
        keyword: "copy",
        args: &[
            expr("sources", paths, true, "paths in the build context"),
            expr("dest", || Ty::Path, true, "the destination in the image"),
        ],
        options: &[expr("chmod", || Ty::String, false, "an octal mode")],
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
        options: &[expr("chmod", || Ty::String, false, "an octal mode")],
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
        options: &[],
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

/// A builtin constructor callable as `name(...)`: parameters by position or name.
pub struct ConstructorInfo {
    pub name: &'static str,
    pub params: &'static [ParamInfo],
    pub doc: &'static str,
}

pub const CONSTRUCTORS: &[ConstructorInfo] = &[
    ConstructorInfo {
        name: "user",
        params: &[
            expr("name", || Ty::String, true, "the user name"),
            expr("uid", || Ty::Int, true, "the numeric user id"),
            expr(
                "gid",
                || Ty::Int,
                false,
                "the numeric group id (default: the uid)",
            ),
        ],
        doc: "a user the container runs as",
    },
    ConstructorInfo {
        name: "healthcheck",
        params: &[
            expr("cmd", || Ty::Command, true, "the check's command"),
            expr("interval", || Ty::Duration, false, "time between checks"),
            expr("timeout", || Ty::Duration, false, "time one check may take"),
            expr(
                "start_period",
                || Ty::Duration,
                false,
                "grace period after start",
            ),
            expr("retries", || Ty::Int, false, "failures before unhealthy"),
        ],
        doc: "how the engine checks the container",
    },
];

impl ConstructorInfo {
    pub fn lookup(name: &str) -> Option<&'static ConstructorInfo> {
        CONSTRUCTORS.iter().find(|c| c.name == name)
    }
}
