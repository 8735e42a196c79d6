//! Lowering of steps: apt, run, copy, copy from, env, arg, workdir.
//!
//! The compiler's own `apt` steps read only APT configuration that nobody but
//! the organisation wrote: each one mounts the `/etc/apt` of the image the stage
//! chain starts from (the approved base image, read-only, for this one step),
//! copies it into a fresh directory, adds the repository line the step declares
//! (checked by the policy), and points APT at that directory with `APT_CONFIG`
//! (read before any other configuration file, so `Dir::Etc` there decides where
//! `sources.list*`, `apt.conf.d`, `preferences.d` and `trusted.gpg.d` are read
//! from). Sources, keys or options that an earlier step put into the image's own
//! `/etc/apt` are therefore never used. What the step adds for itself alone
//! lives in that directory too and goes with it: an inline `key` (an armoured
//! file the repository line names with `signed-by`) and a `proxy`
//! (`Acquire::http::Proxy` in the file `APT_CONFIG` names).

use super::paths::{absolute, escapes_context};
use super::{CopyRecord, Lowering, SHELL};
use crate::check::types::{Command, ImageRef, Step, StepKind, User};
use crate::db::Db;
use crate::diagnostics::Code;
use crate::ir::{Flag, Instruction, JsonText, LineText, Mount, Owner, Script, ShellLine, VarName};
use crate::language::apt::{proxy_source, ArmouredKey};
use crate::span::Origin;
use crate::variants::Evaluated;

/// Where the base image's APT configuration is mounted for an `apt` step: a
/// directory Debian images have and leave empty, so that the mount leaves nothing
/// behind in the layer (buildah keeps a mount point it had to create).
pub const APT_BASE_MOUNT: &str = "/mnt";

/// Where a filter stage (`copy ... with exclude`) copies the sources to, and
/// where it puts what is left of them.
pub const EXCLUDE_IN: &str = "/wbuild-exclude/in";
pub const EXCLUDE_OUT: &str = "/wbuild-exclude/out";

/// The filter stage's script, run in `EXCLUDE_IN`: its arguments are the `find` tests of the
/// patterns (`-regex RE`, `( -type d -regex RE )`, joined by `-o`). What they
/// match is pruned (a directory with everything in it); the rest goes through
/// tar, which keeps modes and owners, into the output directory.
const EXCLUDE_SCRIPT: &str = "set -eu; export LC_ALL=C.UTF-8; find . -mindepth 1 -regextype posix-extended \\( \"$@\" \\) -prune -o -print0 > ../list; mkdir ../out; if [ -s ../list ]; then tar --null --no-recursion -T ../list -cf ../files.tar; tar -xpf ../files.tar -C ../out; fi";

/// Where a context stage (`bind(source = ...)` without `from`) puts the source.
pub const CONTEXT_MOUNT: &str = "/wbuild-context";

/// What lowering a step needs to know about its stage.
pub(super) struct StepContext<'a> {
    pub evaluated: &'a Evaluated,
    /// For the working directory another variant's stage ends in.
    pub graph: &'a crate::graph::Graph,
    /// The image the stage chain starts from, whose APT configuration `apt`
    /// steps use (`None` for a chain that starts from `scratch`).
    pub apt_base: Option<&'a ImageRef>,
}

/// `apt []` and `copy [] to ...` (a preset's optional lists left empty) do nothing.
pub(super) fn is_empty(step: &Step) -> bool {
    match &step.kind {
        StepKind::Apt { packages, .. } => packages.is_empty(),
        StepKind::Copy { sources, .. } | StepKind::CopyFrom { sources, .. } => sources.is_empty(),
        _ => false,
    }
}

/// Whether the step runs through the stage's SHELL.
pub(super) fn uses_shell(step: &Step) -> bool {
    match &step.kind {
        StepKind::Apt { packages, .. } => !packages.is_empty(),
        StepKind::Run {
            command: Command::Shell(_),
            ..
        } => true,
        _ => false,
    }
}

/// Whether the step runs commands (and so needs root in a stage built on an
/// unprivileged one).
pub(super) fn runs_commands(step: &Step) -> bool {
    matches!(&step.kind, StepKind::Run { .. }) || uses_shell(step)
}

/// Build steps run as root, the stage's build user.
pub(super) const ROOT: Owner = Owner { uid: 0, gid: 0 };

/// A checked user as the owner the Dockerfile names (by number).
pub(super) fn owner(user: &User) -> Owner {
    Owner {
        uid: user.uid,
        gid: user.gid,
    }
}

/// Whom a step runs as.
pub(super) enum RunsAs {
    /// Its `with user`.
    User(Owner),
    /// The stage's build user: root in a stage that runs anything (`apt`, `run`,
    /// `workdir`, which creates its directory as the current user).
    BuildUser,
    /// Whoever the steps before it ran as: what `copy` (root's files unless it
    /// says `chown`), `env` and `arg` do does not depend on the user.
    Anyone,
}

pub(super) fn runs_as(step: &Step) -> RunsAs {
    match &step.kind {
        StepKind::Run {
            user: Some(user), ..
        } => RunsAs::User(owner(user)),
        StepKind::Run { .. } | StepKind::Apt { .. } | StepKind::Workdir { .. } => RunsAs::BuildUser,
        StepKind::Copy { .. }
        | StepKind::CopyFrom { .. }
        | StepKind::Env { .. }
        | StepKind::Arg { .. } => RunsAs::Anyone,
    }
}

/// A stable file name for an APT source line: `wbuild-` and a short FNV-1a hash
/// of its words (the spaces between them do not matter to APT, nor here).
fn apt_source_name(repository: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, word) in repository.split_whitespace().enumerate() {
        for b in (if i > 0 { " " } else { "" }).bytes().chain(word.bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("wbuild-{:08x}", hash >> 32)
}

/// What an `apt` step's script is made of, every part validated when the step
/// was checked: package names, the repository's words (URI, suite,
/// components), the release token, the proxy URL and the key's armour lines
/// use plain ASCII characters that neither the shell's single quotes nor APT's
/// configuration syntax read specially.
struct AptScript<'a> {
    packages: &'a [String],
    repository: Option<&'a str>,
    /// A keyring copied from the context to /usr/share/keyrings.
    keyring: bool,
    key: Option<&'a ArmouredKey>,
    release: Option<&'a str>,
    proxy: Option<&'a str>,
    /// The source URL the proxy is for (`Acquire::SCHEME::Proxy::HOST`).
    proxy_for: Option<&'a str>,
}

/// The script of an `apt` step (see the module documentation). An inline key
/// and a proxy go into the temporary APT directory, removed at the end of the
/// step with everything else in it.
fn apt_script(apt: &AptScript<'_>) -> String {
    let mut script = format!("apt_etc=\"$(mktemp -d)\" && cp -a {APT_BASE_MOUNT}/. \"$apt_etc/\"");
    if let Some(repo) = apt.repository {
        let name = apt_source_name(repo);
        let signed_by = if let Some(key) = apt.key {
            script.push_str(" && printf '%s\\n'");
            for line in key.lines() {
                script.push_str(&format!(" '{line}'"));
            }
            script.push_str(&format!(" > \"$apt_etc/{name}.asc\""));
            format!("[signed-by='\"$apt_etc\"'/{name}.asc] ")
        } else if apt.keyring {
            format!("[signed-by=/usr/share/keyrings/{name}.gpg] ")
        } else {
            String::new()
        };
        script.push_str(&format!(
            " && echo 'deb {signed_by}{repo}' > \"$apt_etc/sources.list.d/{name}.list\""
        ));
    }
    let proxy = match (apt.proxy, apt.proxy_for.map(proxy_source)) {
        (Some(p), Some(Ok((scheme, host)))) => {
            format!("Acquire::{scheme}::Proxy::{host} \"{p}\";\\n")
        }
        (Some(p), _) => format!("Acquire::http::Proxy \"{p}\";\\n"),
        (None, _) => String::new(),
    };
    let release = apt.release.map(|r| format!("-t {r} ")).unwrap_or_default();
    script.push_str(&format!(
        " && printf 'Dir::Etc \"%s/\";\\n{proxy}' \"$apt_etc\" > \"$apt_etc/wbuild.conf\" && export APT_CONFIG=\"$apt_etc/wbuild.conf\" && apt-get update && apt-get install -y --no-install-recommends {release}{} && rm -rf \"$apt_etc\" /var/lib/apt/lists/*",
        apt.packages.join(" ")
    ));
    script
}

impl Lowering<'_> {
    pub(super) fn step(
        &mut self,
        db: &dyn Db,
        cx: &StepContext<'_>,
        step: &Step,
        workdir: &mut String,
    ) -> Option<Instruction> {
        let origin = step.origin;
        Some(match &step.kind {
            StepKind::Apt {
                packages,
                repository,
                keyring,
                key,
                release,
                proxy,
                proxy_for,
            } => {
                let Some(base) = cx.apt_base else {
                    self.error(
                        Code::UnrepresentableValue,
                        "an `apt` step needs a stage built on an image with APT".into(),
                        origin,
                        "the stage starts from scratch",
                        "start the stage (or the variant it is built on) from a Debian base image",
                    );
                    return None;
                };
                if let (Some(k), Some(repo)) = (keyring, repository) {
                    if !self.context_path(k, origin) {
                        return None;
                    }
                    let dest = format!("/usr/share/keyrings/{}.gpg", apt_source_name(repo));
                    let copy = Instruction::Copy {
                        from: None,
                        sources: vec![self.value(JsonText::new, "a keyring path", k, origin)?],
                        dest: self.value(JsonText::new, "a keyring path", &dest, origin)?,
                        chmod: Some(self.value(Flag::new, "a mode", "0644", origin)?),
                        chown: None,
                    };
                    self.pending.push(copy);
                }
                let script = apt_script(&AptScript {
                    packages,
                    repository: repository.as_deref(),
                    keyring: keyring.is_some(),
                    key: key.as_ref(),
                    release: release.as_deref(),
                    proxy: proxy.as_deref(),
                    proxy_for: proxy_for.as_deref(),
                });
                let mount = Mount::Bind {
                    from: crate::ir::BindFrom::Image(base.clone()),
                    source: self.value(Flag::new, "a mount", "/etc/apt", origin)?,
                    target: self.value(Flag::new, "a mount", APT_BASE_MOUNT, origin)?,
                };
                Instruction::Run {
                    script: Script::Shell(self.value(
                        ShellLine::new,
                        "an apt step",
                        &script,
                        origin,
                    )?),
                    mounts: vec![mount],
                }
            }
            StepKind::Run {
                command,
                caches,
                secrets,
                user,
                mounts: specs,
            } => {
                // A step run as another user gets its caches and secrets as that
                // user's: a root-owned cache it could not write, a secret (mode
                // 0400) it could not read.
                let mount_owner = user.as_ref().map(owner).filter(|o| *o != ROOT);
                let mut mounts = Vec::new();
                for target in caches {
                    let target = absolute(target, workdir);
                    let target = self.value(Flag::new, "a cache path", &target, origin)?;
                    mounts.push(Mount::Cache {
                        target,
                        owner: mount_owner,
                        id: None,
                        sharing: None,
                    });
                }
                for spec in specs {
                    mounts.push(self.mount(db, cx, spec, mount_owner, workdir)?);
                }
                // Engines refuse two mounts at one place (`with cache` and a
                // `cache(...)` or `bind(...)` of the same target).
                let targets: Vec<&str> = mounts
                    .iter()
                    .filter_map(|m| match m {
                        Mount::Cache { target, .. } | Mount::Bind { target, .. } => {
                            Some(target.as_str())
                        }
                        Mount::Secret { .. } => None,
                    })
                    .collect();
                if let Some((_, twice)) = targets
                    .iter()
                    .enumerate()
                    .find(|(i, t)| targets[..*i].contains(t))
                {
                    self.error(
                        Code::InvalidMount,
                        format!("two mounts of this step are at `{twice}`"),
                        origin,
                        "mounts at the same place",
                        "give each mount of a step its own target",
                    );
                    return None;
                }
                for id in secrets {
                    if id.is_empty()
                        || !id
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                    {
                        self.error(
                            Code::InvalidName,
                            format!("`{id}` is not a valid secret id"),
                            origin,
                            "invalid secret id",
                            "secret ids are [A-Za-z0-9_.-]+",
                        );
                        return None;
                    }
                    mounts.push(Mount::Secret {
                        id: self.value(Flag::new, "a secret id", id, origin)?,
                        owner: mount_owner,
                    });
                }
                let script = match command {
                    Command::Shell(s) => match ShellLine::new(s) {
                        Ok(line) => Script::Shell(line),
                        // What one shell-form line cannot carry goes through the
                        // exec form, which carries every string but NUL.
                        Err(_) => {
                            let mut args: Vec<String> =
                                SHELL.iter().map(|a| a.to_string()).collect();
                            args.push(s.clone());
                            Script::Exec(self.json_args("a run script", &args, origin)?)
                        }
                    },
                    Command::Exec(args) => {
                        if args.is_empty() {
                            self.error(
                                Code::TypeMismatch,
                                "an exec-form command needs at least the program".into(),
                                origin,
                                "empty command",
                                "write [\"program\", \"arg\", ...]",
                            );
                            return None;
                        }
                        Script::Exec(self.json_args("a command argument", args, origin)?)
                    }
                };
                Instruction::Run { script, mounts }
            }
            StepKind::Copy {
                sources,
                dest,
                chmod,
                chown,
                exclude,
            } => {
                for s in sources {
                    if !self.context_path(s, origin) {
                        return None;
                    }
                }
                let dest = absolute(dest, workdir);
                self.copies.push(CopyRecord {
                    sources: sources.clone(),
                    dest: dest.clone(),
                    mode: chmod.clone(),
                    owner: chown.as_ref().map(owner),
                    from_variant: None,
                    origin,
                });
                let sources = self.json_args("a copy source", sources, origin)?;
                let (from, sources) = if exclude.is_empty() {
                    (None, sources)
                } else {
                    self.filtered(db, cx.apt_base, None, sources, exclude, origin)?
                };
                Instruction::Copy {
                    from,
                    sources,
                    dest: self.value(JsonText::new, "a destination", &dest, origin)?,
                    chmod: match chmod {
                        Some(mode) => Some(self.value(Flag::new, "a mode", mode, origin)?),
                        None => None,
                    },
                    chown: chown.as_ref().map(owner),
                }
            }
            StepKind::CopyFrom {
                stage,
                sources,
                dest,
                chmod,
                chown,
                exclude,
            } => {
                let from = self.variant_dep(db, cx.evaluated, stage, origin)?;
                let dest = absolute(dest, workdir);
                // A relative source is where that stage's steps put it: in the
                // working directory its stage ends in, not in `/` (where COPY
                // --from would look for it).
                let there = super::paths::final_workdir(cx.evaluated, cx.graph, &stage.name);
                let sources: Vec<String> = sources.iter().map(|s| absolute(s, &there)).collect();
                self.copies.push(CopyRecord {
                    sources: sources.clone(),
                    dest: dest.clone(),
                    mode: chmod.clone(),
                    owner: chown.as_ref().map(owner),
                    from_variant: Some(stage.name.clone()),
                    origin,
                });
                let sources = self.json_args("a path", &sources, origin)?;
                let (from, sources) = if exclude.is_empty() {
                    (Some(from), sources)
                } else {
                    // A stage chain from scratch filters in the image the
                    // copied variant's chain starts from.
                    let base = cx.apt_base.or_else(|| cx.graph.root_image(&stage.name));
                    self.filtered(db, base, Some(from), sources, exclude, origin)?
                };
                Instruction::Copy {
                    from,
                    sources,
                    dest: self.value(JsonText::new, "a destination", &dest, origin)?,
                    chmod: match chmod {
                        Some(mode) => Some(self.value(Flag::new, "a mode", mode, origin)?),
                        None => None,
                    },
                    chown: chown.as_ref().map(owner),
                }
            }
            StepKind::Env {
                name,
                value,
                inherited,
            } => Instruction::Env {
                name: self.value(VarName::new, "a variable name", name, origin)?,
                value: self.value(LineText::new, "an environment value", value, origin)?,
                inherited: *inherited,
            },
            StepKind::Arg { name, default, .. } => Instruction::Arg {
                name: self.value(VarName::new, "a build argument name", name, origin)?,
                default: match default {
                    Some(d) => {
                        Some(self.value(LineText::new, "a build argument default", d, origin)?)
                    }
                    None => None,
                },
            },
            StepKind::Workdir { path } => {
                let path = absolute(path, workdir);
                let text = self.value(LineText::new, "the working directory", &path, origin)?;
                workdir.clone_from(&path);
                Instruction::Workdir(text)
            }
        })
    }

    /// `copy ... with exclude`: a filter stage of the compiler's, built on the
    /// trusted base image, copies the sources into `EXCLUDE_IN` as the copy
    /// would (a directory's contents, a file by its name; from the context
    /// through its ignore file, or from `from`), then copies that tree without
    /// what the patterns match into `EXCLUDE_OUT`. The variant's stage copies
    /// only `EXCLUDE_OUT`: the excluded files are in none of its layers. What
    /// the copy then needs: the stage to copy from and its source.
    fn filtered(
        &mut self,
        db: &dyn Db,
        base: Option<&ImageRef>,
        from: Option<crate::ir::StageName>,
        sources: Vec<JsonText>,
        exclude: &[String],
        origin: Origin,
    ) -> Option<(Option<crate::ir::StageName>, Vec<JsonText>)> {
        let Some(base) = base else {
            self.error(
                Code::UnrepresentableValue,
                "a copy `with exclude` needs a stage chain built on an image".into(),
                origin,
                "the stage (and the one copied from) starts from scratch",
                "the files are filtered in the base image the stage chain starts from; build the stage, or the variant copied from, on one",
            );
            return None;
        };
        let name = format!("{}.exclude.{}", self.variant, self.helpers.len() + 1);
        let name = self.value(
            crate::ir::StageName::new,
            "a filter stage name",
            &name,
            origin,
        )?;
        let mut args: Vec<String> = ["/bin/sh", "-c", EXCLUDE_SCRIPT, "wbuild-exclude"]
            .map(String::from)
            .to_vec();
        for (i, pattern) in exclude.iter().enumerate() {
            let (regex, dir_only) = crate::check::exclude::regex(pattern);
            if i > 0 {
                args.push("-o".into());
            }
            if dir_only {
                args.extend(["(", "-type", "d", "-regex"].map(String::from));
                args.push(regex);
                args.push(")".into());
            } else {
                args.push("-regex".into());
                args.push(regex);
            }
        }
        let instructions = vec![
            Instruction::Copy {
                from: from.clone(),
                sources,
                dest: self.value(JsonText::new, "a path", &format!("{EXCLUDE_IN}/"), origin)?,
                chmod: None,
                chown: None,
            },
            Instruction::Workdir(self.value(LineText::new, "a path", EXCLUDE_IN, origin)?),
            Instruction::Run {
                script: Script::Exec(self.json_args("an exclude pattern", &args, origin)?),
                mounts: Vec::new(),
            },
        ];
        let mut located = Vec::new();
        for instruction in instructions {
            if !self.push(&mut located, instruction, origin) {
                return None;
            }
        }
        self.helpers.push(crate::ir::Stage {
            name: name.clone(),
            from: crate::ir::From::Image(super::pinned(db, base)),
            instructions: located,
        });
        let out = self.value(JsonText::new, "a path", &format!("{EXCLUDE_OUT}/"), origin)?;
        Some((Some(name), vec![out]))
    }

    /// One mount of `run ... with mounts` (docs/language.md, "Mounts"). A
    /// relative target is joined with the working directory (targets are
    /// `abspath`, so only a preset could pass one); a relative source in another
    /// stage with the working directory that stage ends in, as `copy from`'s.
    fn mount(
        &mut self,
        db: &dyn Db,
        cx: &StepContext<'_>,
        spec: &crate::check::types::MountSpec,
        owner: Option<Owner>,
        workdir: &str,
    ) -> Option<Mount> {
        use crate::check::types::{BindFrom, MountKind};
        let origin = spec.origin;
        Some(match &spec.kind {
            MountKind::Cache {
                target,
                id,
                sharing,
            } => Mount::Cache {
                target: self.value(
                    Flag::new,
                    "a mount target",
                    &absolute(target, workdir),
                    origin,
                )?,
                owner,
                id: match id {
                    Some(id) => Some(self.value(Flag::new, "a cache id", id, origin)?),
                    None => None,
                },
                sharing: *sharing,
            },
            MountKind::Bind {
                from,
                source,
                target,
            } => {
                let target = self.value(
                    Flag::new,
                    "a mount target",
                    &absolute(target, workdir),
                    origin,
                )?;
                let (from, source) = match from {
                    BindFrom::Context => {
                        if !self.context_path(source, origin) {
                            return None;
                        }
                        self.context_stage(source, origin)?
                    }
                    BindFrom::Variant(stage) => {
                        let name = self.variant_dep(db, cx.evaluated, stage, origin)?;
                        let there =
                            super::paths::final_workdir(cx.evaluated, cx.graph, &stage.name);
                        (crate::ir::BindFrom::Stage(name), absolute(source, &there))
                    }
                    BindFrom::Image(image) => (
                        crate::ir::BindFrom::Image(super::pinned(db, image)),
                        absolute(source, "/"),
                    ),
                };
                Mount::Bind {
                    from,
                    source: self.value(Flag::new, "a mount source", &source, origin)?,
                    target,
                }
            }
        })
    }

    /// A bind mount of the build context goes through a stage of the
    /// compiler's, `VARIANT.context.N` from scratch, that copies the source to
    /// `CONTEXT_MOUNT/SOURCE`: a COPY reads the context through its ignore
    /// file, a context bind mount does not in buildah 1.28 (it showed the
    /// `.env` the ignore file hides from copies). The step mounts that path of
    /// the stage (a file or a directory, as the source is).
    fn context_stage(
        &mut self,
        source: &str,
        origin: Origin,
    ) -> Option<(crate::ir::BindFrom, String)> {
        let name = format!("{}.context.{}", self.variant, self.helpers.len() + 1);
        let name = self.value(
            crate::ir::StageName::new,
            "a context stage name",
            &name,
            origin,
        )?;
        let relative = source.trim_end_matches('/');
        let relative = relative.strip_prefix("./").unwrap_or(relative);
        let path = match relative {
            "" | "." => CONTEXT_MOUNT.to_string(),
            rest => format!("{CONTEXT_MOUNT}/{rest}"),
        };
        let copy = Instruction::Copy {
            from: None,
            sources: vec![self.value(JsonText::new, "a mount source", source, origin)?],
            dest: self.value(JsonText::new, "a mount source", &path, origin)?,
            chmod: None,
            chown: None,
        };
        let mut located = Vec::new();
        if !self.push(&mut located, copy, origin) {
            return None;
        }
        self.helpers.push(crate::ir::Stage {
            name: name.clone(),
            from: crate::ir::From::Scratch,
            instructions: located,
        });
        Some((crate::ir::BindFrom::Stage(name), path))
    }

    /// A build-context source: relative, inside the context.
    fn context_path(&mut self, source: &str, origin: Origin) -> bool {
        if escapes_context(source) {
            self.error(
                Code::InvalidPath,
                format!("`{source}` is outside the build context"),
                origin,
                "escapes the build context",
                "copy sources are relative paths inside the build context",
            );
            return false;
        }
        true
    }
}
