//! The types of the language: of fields, parameters, constants and step arguments.

use std::fmt;

/// The type of a field, parameter, constant or step argument.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    String,
    Int,
    Bool,
    Path,
    /// A path from the image's root (`/srv/app`): where a relative one would be
    /// resolved against whatever the working directory is by then.
    AbsPath,
    /// An image reference (`registry/repo:tag@sha256:…`) or `scratch`.
    Image,
    User,
    Port,
    Duration,
    Healthcheck,
    /// A mount for one `run` step: `bind(...)` or `cache(...)`.
    Mount,
    Steps,
    Variant,
    /// What `base` accepts: an image or a variant of the same file.
    Base,
    /// What `cmd`/`entrypoint`/`run` accept: a list of arguments (exec form) or one
    /// string (shell form).
    Command,
    List(Box<Ty>),
    Map(Box<Ty>),
    Enum(Vec<String>),
    /// A Debian suite the organisation builds on (`runtimes.rs`); its members
    /// are the runtime versions it ships (`suite.python`).
    Suite,
    /// `runtime<"python">`: a version of that runtime some suite ships. A
    /// preset parameter of this type is also checked against the `suite`
    /// parameter declared before it.
    Runtime(String),
}

impl Ty {
    /// Parses a type name as written in `let x: T` and preset parameters.
    pub fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "string" => Ty::String,
            "int" => Ty::Int,
            "bool" => Ty::Bool,
            "path" => Ty::Path,
            "abspath" => Ty::AbsPath,
            "image" => Ty::Image,
            "user" => Ty::User,
            "port" => Ty::Port,
            "duration" => Ty::Duration,
            "healthcheck" => Ty::Healthcheck,
            "mount" => Ty::Mount,
            "steps" => Ty::Steps,
            "variant" => Ty::Variant,
            "command" => Ty::Command,
            "suite" => Ty::Suite,
            _ => return None,
        })
    }

    pub const NAMES: &'static [&'static str] = &[
        "string",
        "int",
        "bool",
        "path",
        "abspath",
        "image",
        "user",
        "port",
        "duration",
        "healthcheck",
        "mount",
        "steps",
        "variant",
        "command",
        "suite",
        "list",
        "map",
        "runtime",
    ];

    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Ty::String
                | Ty::Int
                | Ty::Bool
                | Ty::Path
                | Ty::AbsPath
                | Ty::Port
                | Ty::Enum(_)
                | Ty::Image
        )
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::String => f.write_str("string"),
            Ty::Int => f.write_str("int"),
            Ty::Bool => f.write_str("bool"),
            Ty::Path => f.write_str("path"),
            Ty::AbsPath => f.write_str("abspath"),
            Ty::Image => f.write_str("image"),
            Ty::User => f.write_str("user"),
            Ty::Port => f.write_str("port"),
            Ty::Duration => f.write_str("duration"),
            Ty::Healthcheck => f.write_str("healthcheck"),
            Ty::Mount => f.write_str("mount"),
            Ty::Steps => f.write_str("steps"),
            Ty::Variant => f.write_str("variant"),
            Ty::Base => f.write_str("image or variant"),
            Ty::Command => f.write_str("command (list<string> or string)"),
            Ty::List(t) => write!(f, "list<{t}>"),
            Ty::Map(t) => write!(f, "map<{t}>"),
            Ty::Enum(values) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                f.write_str(&quoted.join(" | "))
            }
            Ty::Suite => f.write_str("suite"),
            Ty::Runtime(name) => write!(f, "runtime<{name:?}>"),
        }
    }
}
