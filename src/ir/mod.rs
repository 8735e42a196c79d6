//! The Dockerfile IR: stages of typed instructions, each with the source span it
//! came from. No Dockerfile syntax here: values are plain data, and only
//! `emit::dockerfile` quotes and escapes them.

use crate::check::types::{ImageRef, Origin, Port};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dockerfile {
    /// The file and variant it was compiled from, for the header comment.
    pub source: String,
    pub target: String,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The stage name (the variant's name).
    pub name: String,
    pub from: From,
    pub instructions: Vec<Located>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    Image(ImageRef),
    Scratch,
    Stage(String),
}

/// An instruction and where in the `.wbuild` source it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub instruction: Instruction,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instruction {
    /// `SHELL [...]`: the shell for shell-form `RUN`.
    Shell(Vec<String>),
    Run {
        script: Script,
        mounts: Vec<Mount>,
    },
    Copy {
        from: Option<String>,
        sources: Vec<String>,
        dest: String,
        chmod: Option<String>,
    },
    Env {
        name: String,
        value: String,
    },
    Arg {
        name: String,
        default: Option<String>,
    },
    Workdir(String),
    User {
        uid: u32,
        gid: u32,
    },
    Expose(Vec<Port>),
    Volume(Vec<String>),
    Label(Vec<(String, String)>),
    Healthcheck {
        command: Vec<String>,
        interval: Option<String>,
        timeout: Option<String>,
        start_period: Option<String>,
        retries: Option<u32>,
    },
    Entrypoint(Vec<String>),
    Cmd(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// Run by the stage's `SHELL`.
    Shell(String),
    /// Run directly.
    Exec(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mount {
    Cache { target: String },
    Secret { id: String },
}
