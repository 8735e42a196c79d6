//! The Dockerfile IR: stages of typed instructions, each with the source span it
//! came from. No Dockerfile syntax here: values are plain data, and only
//! `emit::dockerfile` quotes and escapes them.
//!
//! Invariant: every string in the IR is one of the validated types of
//! [`values`], so the emitter can only write values that were checked for the
//! position they take (see the table there).

pub mod values;

use crate::check::types::{Duration, ImageRef, Port};
pub use crate::check::types::{Inherited, Sharing};
use crate::span::Origin;
pub use values::{
    Comment, Flag, JsonText, LabelKey, LineText, Refusal, ShellLine, StageName, VarName,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dockerfile {
    /// The file and variant it was compiled from, for the header comment.
    pub source: Comment,
    pub target: StageName,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The stage name (the variant's name).
    pub name: StageName,
    pub from: From,
    pub instructions: Vec<Located>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum From {
    Image(ImageRef),
    Scratch,
    Stage(StageName),
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
    Shell(Vec<JsonText>),
    Run {
        script: Script,
        mounts: Vec<Mount>,
    },
    Copy {
        from: Option<StageName>,
        sources: Vec<JsonText>,
        dest: JsonText,
        chmod: Option<Flag>,
        /// `--chown=uid:gid`, by number (no `/etc/passwd` lookup in the engine).
        chown: Option<Owner>,
    },
    Env {
        name: VarName,
        value: LineText,
        /// Where the variable's value at that point goes, joined with `:`.
        inherited: Option<Inherited>,
    },
    Arg {
        name: VarName,
        default: Option<LineText>,
    },
    Workdir(LineText),
    User {
        uid: u32,
        gid: u32,
    },
    Expose(Vec<Port>),
    Volume(Vec<JsonText>),
    Label(Vec<(LabelKey, LineText)>),
    Healthcheck {
        command: Vec<JsonText>,
        interval: Option<Duration>,
        timeout: Option<Duration>,
        start_period: Option<Duration>,
        retries: Option<u32>,
    },
    Entrypoint(Vec<JsonText>),
    Cmd(Vec<JsonText>),
}

impl Instruction {
    /// `USER uid:gid`.
    pub fn user(owner: Owner) -> Instruction {
        Instruction::User {
            uid: owner.uid,
            gid: owner.gid,
        }
    }
}

/// A numeric owner: `uid:gid` in `USER`, `--chown=`, and a mount's `uid=`/`gid=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.uid, self.gid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Script {
    /// Run by the stage's `SHELL`.
    Shell(ShellLine),
    /// Run directly.
    Exec(Vec<JsonText>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mount {
    /// `owner`: the uid and gid of the cache directory (a step run as that user).
    /// `id`: the cache's name (default: its target); `sharing`: BuildKit's mode.
    Cache {
        target: Flag,
        owner: Option<Owner>,
        id: Option<Flag>,
        sharing: Option<Sharing>,
    },
    /// `owner`: who may read the secret file (a step run as that user).
    Secret { id: Flag, owner: Option<Owner> },
    /// A read-only view of files for one step: of another stage (a variant's,
    /// or the compiler's copy of a build-context path), or of an image (the
    /// trusted base image's APT configuration, for the compiler's own `apt`
    /// steps).
    Bind {
        from: BindFrom,
        source: Flag,
        target: Flag,
    },
}

/// What a bind mount shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindFrom {
    Stage(StageName),
    Image(ImageRef),
}
