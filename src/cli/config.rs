//! Which configuration a manifest is checked under, and who may set it.
//!
//! Trusted, given by CI: `--policy PATH`, `--stdlib DIR`, and the organisation's
//! configuration directory (`$WBUILD_CONFIG`, else `/etc/wbuild` when it exists),
//! which may hold `policy.toml` (the organisation's policy) and `wbuild.toml`
//! (`[stdlib] dir = "..."`, relative to that directory; `[trust]`, the GPG public
//! keys base images must be signed with and the registries.d that says where their
//! signatures are, see [`Trust`]). `--policy` and `--stdlib` take precedence over
//! the directory; the trust material comes only from the directory.
//!
//! Untrusted, from the repository (everything at or below its root, see
//! [`fs::repository_root`]): the `wbuild-policy.toml` files from the manifest's
//! directory up to the root, which may only tighten the policy, and `wbuild.toml`
//! files there, which may not choose the stdlib. Nothing above the root is read.

use super::args::Common;
use super::fs::{self, Confinement, ReadError, Repository};
use super::UsageError;
use crate::config::{Layer, Policy};
use crate::{Compiler, Diagnostic, PolicyFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The policy file name a repository may hold (only to tighten the policy).
pub const POLICY_FILE: &str = "wbuild-policy.toml";
/// The configuration file name, in the organisation's configuration directory.
pub const CONFIG_FILE: &str = "wbuild.toml";
/// The organisation's policy, in its configuration directory.
pub const ORGANISATION_POLICY_FILE: &str = "policy.toml";
/// Names the organisation's configuration directory.
pub const CONFIG_ENV: &str = "WBUILD_CONFIG";
/// The organisation's configuration directory when `$WBUILD_CONFIG` is not set.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/wbuild";

/// Where the stdlib comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stdlib {
    Embedded,
    Directory { dir: PathBuf, origin: String },
}

/// The organisation's configuration, read once per run.
pub(crate) struct Organisation {
    pub policy: Option<PolicyFile>,
    pub stdlib: Stdlib,
    /// `[trust]` of the organisation's wbuild.toml, when it has one.
    pub trust: Option<Trust>,
    /// The `secrets.forbidden_files` of the default and organisation layers, for
    /// reading the repository's own configuration files.
    forbidden: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    stdlib: Option<StdlibSection>,
    trust: Option<TrustSection>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustSection {
    keys: Vec<PathBuf>,
    registries_d: PathBuf,
}

/// What base images are verified with when the policy sets
/// `images.require_signed_base` (docs/publishing.md, "Verifying base images"):
/// the organisation's GPG public keys (a signature by any one of them is
/// accepted) and the registries.d whose `lookaside` says where each registry's
/// signatures are read from. Only the organisation's configuration directory
/// names them (paths relative to it); a repository's `wbuild.toml` cannot (WB5013).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trust {
    pub keys: Vec<PathBuf>,
    pub registries_d: PathBuf,
    /// The wbuild.toml that named them, for messages.
    pub origin: PathBuf,
}

impl Trust {
    /// Checks that the material is there: each key a readable, non-empty regular
    /// file (read like every trusted file), the registries.d a directory.
    pub fn check(&self) -> Result<(), UsageError> {
        let whose = || format!("(`[trust]` in {})", self.origin.display());
        if self.keys.is_empty() {
            return Err(UsageError(format!(
                "`[trust] keys` is empty {}: name the organisation's GPG public key files",
                whose()
            )));
        }
        for key in &self.keys {
            let bytes = fs::read(key, Confinement::Trusted, None).map_err(|e| {
                UsageError(format!(
                    "cannot read the public key {} {}: {}",
                    key.display(),
                    whose(),
                    e.reason()
                ))
            })?;
            if bytes.is_empty() {
                return Err(UsageError(format!(
                    "the public key {} {} is empty",
                    key.display(),
                    whose()
                )));
            }
        }
        if !self.registries_d.is_dir() {
            return Err(UsageError(format!(
                "the registries.d {} {} is not a directory",
                self.registries_d.display(),
                whose()
            )));
        }
        Ok(())
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StdlibSection {
    dir: PathBuf,
}

/// A file the operator names (the organisation's configuration, a plan, an
/// SBOM): through the one reader, regular files only and bounded, as UTF-8.
pub(crate) fn trusted_text(path: &Path, what: &str) -> Result<String, UsageError> {
    let bytes = fs::read(path, Confinement::Trusted, None).map_err(|e| {
        UsageError(format!(
            "cannot read {what} {}: {}",
            path.display(),
            e.reason()
        ))
    })?;
    String::from_utf8(bytes)
        .map_err(|_| UsageError(format!("{what} {} is not valid UTF-8", path.display())))
}

impl Organisation {
    pub fn load(common: &Common) -> Result<Organisation, UsageError> {
        let dir = match std::env::var_os(CONFIG_ENV) {
            Some(dir) if !dir.is_empty() => {
                let dir = PathBuf::from(dir);
                if !dir.is_dir() {
                    return Err(UsageError(format!(
                        "${CONFIG_ENV} names {}, which is not a directory",
                        dir.display()
                    )));
                }
                Some(dir)
            }
            Some(_) => None,
            None => Some(PathBuf::from(DEFAULT_CONFIG_DIR)).filter(|d| d.is_dir()),
        };
        let policy_path = match (&common.policy, &dir) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(dir)) => Some(dir.join(ORGANISATION_POLICY_FILE)).filter(|p| p.exists()),
            (None, None) => None,
        };
        let policy = match policy_path {
            Some(path) => Some(PolicyFile {
                layer: Layer::Organisation,
                text: trusted_text(&path, "the organisation's policy")?,
                path: path.to_string_lossy().into_owned(),
            }),
            None => None,
        };
        let config = match &dir {
            Some(config_dir) => {
                let path = config_dir.join(CONFIG_FILE);
                if path.exists() {
                    let text = trusted_text(&path, "the organisation's configuration")?;
                    let config: ConfigFile = toml::from_str(&text)
                        .map_err(|e| UsageError(format!("{}: {}", path.display(), e.message())))?;
                    Some((config_dir, path, config))
                } else {
                    None
                }
            }
            None => None,
        };
        let stdlib = match (&common.stdlib, &config) {
            (Some(dir), _) => Stdlib::Directory {
                dir: dir.clone(),
                origin: "--stdlib".into(),
            },
            (
                None,
                Some((
                    config_dir,
                    path,
                    ConfigFile {
                        stdlib: Some(section),
                        ..
                    },
                )),
            ) => Stdlib::Directory {
                dir: config_dir.join(&section.dir),
                origin: path.to_string_lossy().into_owned(),
            },
            (None, _) => Stdlib::Embedded,
        };
        let trust = config.as_ref().and_then(|(config_dir, path, config)| {
            config.trust.as_ref().map(|t| Trust {
                keys: t.keys.iter().map(|k| config_dir.join(k)).collect(),
                registries_d: config_dir.join(&t.registries_d),
                origin: path.clone(),
            })
        });
        let mut upto = Policy::default();
        if let Some(file) = &policy {
            let _ = upto.apply(
                file.layer,
                Some(&file.path),
                &file.text,
                crate::span::FileId(0),
            );
        }
        Ok(Organisation {
            policy,
            stdlib,
            trust,
            forbidden: upto.forbidden_files.value,
        })
    }

    /// A compiler with the organisation's stdlib.
    fn compiler(&self) -> Result<Compiler, UsageError> {
        let Stdlib::Directory { dir, .. } = &self.stdlib else {
            return Ok(Compiler::new());
        };
        let mut compiler = Compiler::without_stdlib();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            UsageError(format!(
                "cannot read stdlib directory {}: {e}",
                dir.display()
            ))
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "wbuild"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = fs::read(&path, Confinement::Trusted, Some("wbuild")).map_err(|e| {
                UsageError(format!(
                    "cannot read stdlib module {}: {}",
                    path.display(),
                    e.reason()
                ))
            })?;
            compiler.add_stdlib_module(&name, String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(compiler)
    }

    /// The audit entry for the stdlib.
    fn stdlib_json(&self) -> serde_json::Value {
        match &self.stdlib {
            Stdlib::Embedded => serde_json::json!({ "source": "embedded" }),
            Stdlib::Directory { dir, origin } => serde_json::json!({
                "source": "directory",
                "dir": dir.to_string_lossy(),
                "origin": origin,
            }),
        }
    }
}

/// Where a manifest sits: its repository and the repository's configuration
/// files that apply to it. Manifests whose configuration files are the same share
/// one compiler (each is still read confined to its own repository root).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Location {
    pub root: PathBuf,
    /// `wbuild-policy.toml` files from the root down to the manifest's directory.
    pub policy_files: Vec<PathBuf>,
    /// `wbuild.toml` files in the same directories.
    pub config_files: Vec<PathBuf>,
    /// The nearest `wbuild.lock` at or above the manifest's directory, up to the
    /// root: the digests its base references compile to.
    pub lock_file: Option<PathBuf>,
}

/// Finds locations, remembering them per directory (checking 10,000 files of one
/// repository looks at each directory once).
#[derive(Default)]
pub(crate) struct Locator {
    by_dir: HashMap<PathBuf, Location>,
}

impl Location {
    /// What decides a manifest's compiler: its repository's configuration files.
    pub fn configuration(&self) -> (Vec<PathBuf>, Vec<PathBuf>, Option<PathBuf>) {
        (
            self.policy_files.clone(),
            self.config_files.clone(),
            self.lock_file.clone(),
        )
    }
}

impl Locator {
    /// The location of a manifest, or of the current directory (`None`).
    pub fn locate(
        &mut self,
        common: &Common,
        manifest: Option<&Path>,
    ) -> Result<Location, UsageError> {
        let dir = manifest.map_or_else(|| PathBuf::from("."), super::default_context);
        if let Some(found) = self.by_dir.get(&dir) {
            return Ok(found.clone());
        }
        let root = fs::repository_root(&dir, common.root.as_deref()).map_err(UsageError)?;
        let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !canonical.starts_with(&root) {
            return Err(UsageError(format!(
                "{} is not inside the repository root {}",
                dir.display(),
                root.display()
            )));
        }
        let mut policy_files = Vec::new();
        let mut config_files = Vec::new();
        let mut lock_file = None;
        // From the manifest's directory up to the root, never above it.
        for d in canonical.ancestors().take_while(|d| d.starts_with(&root)) {
            let lock = d.join(crate::ops::lock::LOCK_FILE);
            if lock_file.is_none() && std::fs::symlink_metadata(&lock).is_ok() {
                lock_file = Some(lock);
            }
            for (name, list) in [
                (POLICY_FILE, &mut policy_files),
                (CONFIG_FILE, &mut config_files),
            ] {
                let candidate = d.join(name);
                if std::fs::symlink_metadata(&candidate).is_ok() {
                    list.push(candidate);
                }
            }
        }
        policy_files.reverse();
        config_files.reverse();
        let location = Location {
            root,
            policy_files,
            config_files,
            lock_file,
        };
        self.by_dir.insert(dir, location.clone());
        Ok(location)
    }
}

/// A compiler configured for one location's policy layers (and so for every
/// manifest whose layers are the same), and what the configuration said.
pub(crate) struct Session {
    pub compiler: Compiler,
    /// The effective policy's forbidden files: never read, never sent to an engine.
    pub forbidden: Vec<String>,
    /// Problems of the policy and configuration files (errors fail the run).
    pub problems: Vec<Diagnostic>,
    /// The effective configuration, for `--format json`.
    pub audit: serde_json::Value,
    /// The location's `wbuild.lock` (its pins are set on the compiler).
    pub lock: Option<(PathBuf, crate::ops::lock::Lock)>,
    /// The organisation's trust material for base images.
    pub trust: Option<Trust>,
}

impl Session {
    pub fn new(
        org: &Organisation,
        location: &Location,
        release: bool,
    ) -> Result<Session, UsageError> {
        let mut compiler = org.compiler()?;
        compiler.set_release(release);
        let reading = Repository {
            root: location.root.clone(),
            forbidden: org.forbidden.clone(),
        };
        let mut files: Vec<PolicyFile> = org.policy.iter().cloned().collect();
        let mut problems = Vec::new();
        for path in &location.policy_files {
            match read_repository_text(&reading, path, "toml") {
                Ok(text) => files.push(PolicyFile {
                    layer: Layer::Repository,
                    path: path.to_string_lossy().into_owned(),
                    text,
                }),
                Err(message) => problems.push(compiler.file_problem(path, &message)),
            }
        }
        problems.extend(compiler.set_policy(&files));
        for path in &location.config_files {
            match read_repository_text(&reading, path, "toml") {
                Ok(text) => problems
                    .extend(compiler.check_repository_config(&path.to_string_lossy(), &text)),
                Err(message) => problems.push(compiler.file_problem(path, &message)),
            }
        }
        let forbidden = compiler.policy().forbidden_files.value.clone();
        // The lock is the repository's too (untrusted): it can only pin a
        // reference the policy allows to one digest of it.
        let lock = match &location.lock_file {
            Some(path) => {
                let text = read_repository_text(
                    &Repository {
                        root: location.root.clone(),
                        forbidden: forbidden.clone(),
                    },
                    path,
                    "lock",
                )
                .map_err(UsageError)?;
                let lock = crate::ops::lock::Lock::parse(&text)
                    .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
                compiler.set_pins(lock.pins());
                Some((path.clone(), lock))
            }
            None => None,
        };
        let audit = serde_json::json!({
            "stdlib": org.stdlib_json(),
            "policy": compiler.policy().to_json(),
        });
        Ok(Session {
            compiler,
            forbidden,
            problems,
            audit,
            lock,
            trust: org.trust.clone(),
        })
    }

    /// The repository a manifest under `root` is read from, under this session's
    /// policy.
    pub fn repository(&self, root: &Path) -> Repository {
        Repository {
            root: root.to_path_buf(),
            forbidden: self.forbidden.clone(),
        }
    }

    pub fn failed(&self) -> bool {
        self.problems.iter().any(Diagnostic::is_error)
    }
}

/// A configuration file of the repository, read confined to it.
/// A configuration file of the repository: `extension` is required of the path
/// and of what it resolves to (`toml`, `lock`).
fn read_repository_text(
    repository: &Repository,
    path: &Path,
    extension: &'static str,
) -> Result<String, String> {
    let bytes = fs::read(path, Confinement::Repository(repository), Some(extension))
        .map_err(|e: ReadError| format!("{} was not read: {}", path.display(), e.reason()))?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8", path.display()))
}
