//! Types and checked values.

use crate::language::Ty;
use crate::span::{FileId, Origin};
use indexmap::IndexMap;
use std::fmt;

/// A checked value with the place it came from.
#[derive(Clone, Debug)]
pub struct Val {
    pub kind: ValKind,
    pub origin: Origin,
}

/// Values compare by content only: where they were written does not matter.
impl PartialEq for Val {
    fn eq(&self, other: &Val) -> bool {
        self.kind == other.kind
    }
}
impl Eq for Val {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValKind {
    Str(String),
    Int(i64),
    Bool(bool),
    Path(String),
    Image(ImageRef),
    Scratch,
    User(User),
    Port(Port),
    Duration(Duration),
    Healthcheck(Box<Healthcheck>),
    Mount(Box<MountSpec>),
    Steps(Vec<Step>),
    Variant(VariantRef),
    Command(Command),
    List(Vec<Val>),
    Map(IndexMap<String, Val>),
    /// A Debian suite of `language::runtimes` (its name).
    Suite(String),
}

impl ValKind {
    /// A short description for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            ValKind::Str(_) => "a string",
            ValKind::Int(_) => "an integer",
            ValKind::Bool(_) => "a boolean",
            ValKind::Path(_) => "a path",
            ValKind::Image(_) | ValKind::Scratch => "an image reference",
            ValKind::User(_) => "a user",
            ValKind::Port(_) => "a port",
            ValKind::Duration(_) => "a duration",
            ValKind::Healthcheck(_) => "a healthcheck",
            ValKind::Mount(_) => "a mount",
            ValKind::Steps(_) => "a step block",
            ValKind::Variant(_) => "a variant",
            ValKind::Command(_) => "a command",
            ValKind::List(_) => "a list",
            ValKind::Map(_) => "a map",
            ValKind::Suite(_) => "a Debian suite",
        }
    }

    /// The text form used by `${...}` interpolation, for scalar values.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            ValKind::Str(s) | ValKind::Path(s) | ValKind::Suite(s) => s.clone(),
            ValKind::Int(n) => n.to_string(),
            ValKind::Bool(b) => b.to_string(),
            ValKind::Image(i) => i.to_string(),
            ValKind::Scratch => "scratch".into(),
            // A port interpolates as its number ("8080"); `.protocol` gives the rest.
            ValKind::Port(p) => p.number.to_string(),
            ValKind::Duration(d) => d.text.clone(),
            _ => return None,
        })
    }
}

/// `registry/repository[:tag][@sha256:digest]`, validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl ImageRef {
    /// The reference without its digest (`registry/repo:tag`): what a lock
    /// pins and what links an image's users to its producer.
    pub fn without_digest(&self) -> ImageRef {
        ImageRef {
            digest: None,
            ..self.clone()
        }
    }

    /// Parses and validates a reference; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                let hex = digest
                    .strip_prefix("sha256:")
                    .ok_or_else(|| format!("the digest `{digest}` must start with `sha256:`"))?;
                if hex.len() != 64
                    || !hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err("a sha256 digest has exactly 64 lowercase hex digits".into());
                }
                (rest, Some(digest.to_string()))
            }
            None => (text, None),
        };
        let (registry, path) = rest.split_once('/').ok_or_else(|| {
            "the registry is missing: write `registry.example.org/repository:tag`".to_string()
        })?;
        let registry_ok = !registry.is_empty()
            && (registry.contains('.') || registry.contains(':') || registry == "localhost")
            && registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b));
        if !registry_ok {
            return Err(format!(
                "`{registry}` is not a registry host (it needs a dot, a port or to be `localhost`); there is no implicit default registry"
            ));
        }
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_string())),
            _ => (path, None),
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if repository.is_empty() || !repository.split('/').all(component_ok) {
            return Err(format!(
                "the repository `{repository}` must be lowercase path components of [a-z0-9._-], each starting with a letter or digit"
            ));
        }
        if let Some(tag) = &tag {
            let first_ok = tag
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !first_ok
                || tag.len() > 128
                || !tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            {
                return Err(format!(
                    "the tag `{tag}` must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"
                ));
            }
        }
        Ok(ImageRef {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Port {
    pub number: u16,
    pub protocol: Protocol,
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Protocol::Tcp => write!(f, "{}/tcp", self.number),
            Protocol::Udp => write!(f, "{}/udp", self.number),
        }
    }
}

impl Port {
    pub fn parse(text: &str) -> Option<Port> {
        let (number, protocol) = match text.split_once('/') {
            Some((n, "tcp")) => (n, Protocol::Tcp),
            Some((n, "udp")) => (n, Protocol::Udp),
            Some(_) => return None,
            None => (text, Protocol::Tcp),
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number: u16 = number.parse().ok()?;
        (number != 0).then_some(Port { number, protocol })
    }
}

/// A duration as written (`"30s"`), validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    pub text: String,
}

impl Duration {
    pub fn parse(text: &str) -> Option<Duration> {
        let mut rest = text;
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            rest = rest.get(digits..)?;
            let unit = ["ms", "s", "m", "h"]
                .into_iter()
                .find(|u| rest.starts_with(u))?;
            rest = rest.get(unit.len()..)?;
        }
        Some(Duration {
            text: text.to_string(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthcheck {
    pub command: Command,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub retries: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Run by `/bin/sh -c` (or the stage's shell for `run`).
    Shell(String),
    /// Run directly, no shell.
    Exec(Vec<String>),
}

/// A variant named as a value (`base = build`, `copy from build`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VariantRef {
    pub file: FileId,
    pub name: String,
}

/// Where an `env` step puts the variable's inherited value, joined with `:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Inherited {
    /// `VALUE:$NAME`.
    After,
    /// `$NAME:VALUE`.
    Before,
}

/// A checked step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub origin: Origin,
}

/// A mount of `run ... with mounts`, and where its constructor was called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountSpec {
    pub kind: MountKind,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// `bind(...)`: files shown read-only at `target` for one step.
    Bind {
        from: BindFrom,
        source: String,
        target: String,
    },
    /// `cache(...)`: a directory kept between builds.
    Cache {
        target: String,
        id: Option<String>,
        sharing: Option<Sharing>,
    },
}

/// Where a bind mount's files come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindFrom {
    /// The build context (neither `from` nor `image`).
    Context,
    /// `from = VARIANT`: that variant's stage.
    Variant(VariantRef),
    /// `image = "REF"`.
    Image(ImageRef),
}

/// `cache(sharing = ...)`: how builds running at once share the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    Shared,
    Private,
    Locked,
}

impl Sharing {
    pub const NAMES: [&'static str; 3] = ["shared", "private", "locked"];

    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Shared => "shared",
            Sharing::Private => "private",
            Sharing::Locked => "locked",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// `repository` is a one-line APT source (`URI SUITE COMPONENT...`); `keyring`
    /// a file in the build context that signs it, `key` the armoured key that
    /// signs it; `release` the target release (`apt-get install -t`), `proxy` the
    /// HTTP proxy of this step's temporary APT configuration.
    Apt {
        packages: Vec<String>,
        repository: Option<String>,
        keyring: Option<String>,
        key: Option<crate::language::apt::ArmouredKey>,
        release: Option<String>,
        proxy: Option<String>,
        /// `proxy_for`: the source URL the proxy is restricted to.
        proxy_for: Option<String>,
    },
    Run {
        command: Command,
        caches: Vec<String>,
        secrets: Vec<String>,
        /// `with user`: the command runs as this user, the steps after it as root.
        user: Option<User>,
        /// `with mounts`: bind and cache mounts for this step.
        mounts: Vec<MountSpec>,
    },
    /// `chown`: the owner of the copied files (`COPY --chown=uid:gid`).
    Copy {
        sources: Vec<String>,
        dest: String,
        chmod: Option<String>,
        chown: Option<User>,
        /// `with exclude`: checked patterns (docs/language.md, "Excluding files").
        exclude: Vec<String>,
    },
    CopyFrom {
        stage: VariantRef,
        sources: Vec<String>,
        dest: String,
        chmod: Option<String>,
        chown: Option<User>,
        exclude: Vec<String>,
    },
    Env {
        name: String,
        value: String,
        /// Where the variable's inherited value goes (`with inherited = ...`).
        inherited: Option<Inherited>,
    },
    Arg {
        name: String,
        ty: Ty,
        default: Option<String>,
    },
    Workdir {
        path: String,
    },
}

impl StepKind {
    /// The paths the step reads from the build context: a copy's sources and a
    /// run's context bind mounts' (what the context probe, the secret-file rule
    /// and the workspace graph look at).
    pub fn context_sources(&self) -> Vec<&String> {
        match self {
            StepKind::Copy { sources, .. } => sources.iter().collect(),
            StepKind::Run { mounts, .. } => mounts
                .iter()
                .filter_map(|m| match &m.kind {
                    MountKind::Bind {
                        from: BindFrom::Context,
                        source,
                        ..
                    } => Some(source),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every text the step holds (package names, scripts and arguments, paths,
    /// names, values), in order: what reaches the image or its history. Rules
    /// that scan a step's text and the evaluation budget read this one list.
    pub fn texts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        match self {
            StepKind::Apt {
                packages,
                repository,
                keyring,
                key,
                release,
                proxy,
                proxy_for,
            } => {
                out.extend(packages.iter().map(String::as_str));
                out.extend(repository.as_deref());
                out.extend(keyring.as_deref());
                out.extend(key.as_ref().map(|k| k.text()));
                out.extend(release.as_deref());
                out.extend(proxy.as_deref());
                out.extend(proxy_for.as_deref());
            }
            // A user's name reaches neither the image nor its history:
            // `USER` and `--chown` are written by number.
            StepKind::Run {
                command,
                caches,
                secrets,
                mounts,
                ..
            } => {
                match command {
                    Command::Shell(s) => out.push(s),
                    Command::Exec(args) => out.extend(args.iter().map(String::as_str)),
                }
                out.extend(caches.iter().chain(secrets).map(String::as_str));
                for mount in mounts {
                    match &mount.kind {
                        MountKind::Bind { source, target, .. } => {
                            out.extend([source.as_str(), target.as_str()])
                        }
                        MountKind::Cache { target, id, .. } => {
                            out.push(target);
                            out.extend(id.as_deref());
                        }
                    }
                }
            }
            StepKind::Copy {
                sources,
                dest,
                chmod,
                exclude,
                ..
            }
            | StepKind::CopyFrom {
                sources,
                dest,
                chmod,
                exclude,
                ..
            } => {
                out.extend(sources.iter().map(String::as_str));
                out.push(dest);
                out.extend(chmod.as_deref());
                out.extend(exclude.iter().map(String::as_str));
            }
            StepKind::Env { name, value, .. } => out.extend([name.as_str(), value.as_str()]),
            StepKind::Arg { name, default, .. } => {
                out.push(name);
                out.extend(default.as_deref());
            }
            StepKind::Workdir { path } => out.push(path),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_are_validated() {
        let ok = ImageRef::parse("registry.example.org/debian:bookworm").map(|r| r.to_string());
        assert_eq!(ok.as_deref(), Ok("registry.example.org/debian:bookworm"));
        let digest = format!("registry.example.org/a/b:1.0@sha256:{}", "a".repeat(64));
        assert!(ImageRef::parse(&digest).is_ok());
        assert!(ImageRef::parse("localhost:5000/x").is_ok());
        for bad in [
            "debian",
            "debian:bookworm",
            "Registry.example.org/Debian",
            "r.io/x:bad tag",
            "r.io/x@sha256:abc",
            "r.io/",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn ports_and_durations_parse() {
        assert_eq!(
            Port::parse("53/udp").map(|p| p.to_string()).as_deref(),
            Some("53/udp")
        );
        assert!(Port::parse("0").is_none());
        assert!(Port::parse("70000").is_none());
        assert!(Duration::parse("1m30s").is_some());
        assert!(Duration::parse("30").is_none());
        assert!(Duration::parse("s").is_none());
    }
}
