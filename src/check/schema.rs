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

/// The builtin constructors callable as `name(...)`.
pub const CONSTRUCTORS: &[&str] = &["user", "healthcheck"];

/// Options each step accepts after `with`.
pub fn step_options(step: &str) -> &'static [&'static str] {
    match step {
        "run" => &["cache", "secret"],
        "apt" => &["repository", "keyring"],
        "copy" | "copy from" => &["chmod"],
        _ => &[],
    }
}
