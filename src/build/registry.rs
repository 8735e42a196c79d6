//! The registry, through skopeo (no daemon): a reference's digest (of the
//! manifest or index the registry serves, and each platform's), a repository's
//! tags, and copies into it (publishing). Credentials are never passed here:
//! skopeo reads the standard containers auth file (`$REGISTRY_AUTH_FILE`, else
//! `${XDG_RUNTIME_DIR}/containers/auth.json`, else the Docker config).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How skopeo reaches a registry beyond its defaults.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// A directory with the registry's CA (`ca.crt`) and client certificates,
    /// instead of the host's `/etc/containers/certs.d`.
    pub cert_dir: Option<PathBuf>,
    /// skopeo's registries.d (where signatures are stored: `lookaside-staging`),
    /// instead of /etc/containers/registries.d.
    pub registries_d: Option<PathBuf>,
}

/// A registry operation that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// The registry wants credentials that the auth file does not have (or has
    /// wrong ones).
    Unauthorized(String),
    /// Anything else: skopeo's last line.
    Failed(String),
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Unauthorized(m) | RegistryError::Failed(m) => f.write_str(m),
        }
    }
}

/// skopeo's failure: its last stderr line, classified.
fn failure(what: &str, stderr: &[u8]) -> RegistryError {
    let stderr = String::from_utf8_lossy(stderr);
    let last = stderr.lines().last().unwrap_or("").trim().to_string();
    let lower = last.to_ascii_lowercase();
    if lower.contains("unauthorized") || lower.contains("authentication required") {
        RegistryError::Unauthorized(format!("{what}: {last}"))
    } else {
        RegistryError::Failed(format!("{what}: {last}"))
    }
}

fn skopeo() -> Command {
    Command::new("skopeo")
}

fn run(mut command: Command, what: &str) -> Result<Vec<u8>, RegistryError> {
    let output = command
        .output()
        .map_err(|e| RegistryError::Failed(format!("cannot run skopeo: {e}")))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(failure(what, &output.stderr))
    }
}

/// The tags of `repository` (`host/name`); none when the repository does not
/// exist yet (the registry answers 404 to its tag list).
pub fn list_tags(repository: &str, access: &Access) -> Result<Vec<String>, RegistryError> {
    let mut command = skopeo();
    command.args(["list-tags", "--retry-times", "2"]);
    if let Some(dir) = &access.cert_dir {
        command.arg("--cert-dir").arg(dir);
    }
    command.arg(format!("docker://{repository}"));
    match run(command, "skopeo list-tags failed") {
        Ok(stdout) => {
            let listed: serde_json::Value = serde_json::from_slice(&stdout).map_err(|e| {
                RegistryError::Failed(format!("skopeo list-tags printed no JSON: {e}"))
            })?;
            Ok(listed["Tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect())
        }
        Err(RegistryError::Failed(m)) if m.contains("404 (Not Found)") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The digest `reference` has in its registry, or `None` when it has none (the
/// registry does not know the tag).
pub fn digest_of(reference: &str, access: &Access) -> Result<Option<String>, RegistryError> {
    match inspect_with(reference, access) {
        Ok(resolved) => Ok(Some(resolved.digest)),
        Err(RegistryError::Failed(m)) if m.contains("manifest unknown") => Ok(None),
        Err(e) => Err(e),
    }
}

/// The labels of a local image (`oci:`, `oci-archive:`, `containers-storage:`):
/// `skopeo inspect`'s `Labels`. Fails when the image cannot be read.
pub fn local_labels(source: &str) -> Result<BTreeMap<String, String>, RegistryError> {
    let mut command = skopeo();
    command.arg("inspect").arg(source);
    let stdout = run(command, "skopeo inspect failed")?;
    let inspected: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| RegistryError::Failed(format!("skopeo inspect printed no JSON: {e}")))?;
    Ok(inspected["Labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect())
}

/// `skopeo copy SOURCE oci:DIR`: a local image into a fresh layout, to read its
/// files.
pub fn copy_to_layout(source: &str, dir: &Path) -> Result<(), RegistryError> {
    let mut command = skopeo();
    command
        .args(["copy", "--quiet"])
        .arg(source)
        .arg(format!("oci:{}", dir.display()));
    run(command, "skopeo copy failed").map(drop)
}

/// How one copy is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct CopyOptions<'a> {
    /// The manifest is copied as it is (a tag of an image already in the
    /// registry), never rewritten.
    pub preserve: bool,
    /// Sign the destination reference with this GPG key (containers' simple
    /// signing; the signature goes where registries.d says).
    pub sign_by: Option<&'a str>,
}

/// `skopeo copy SOURCE docker://DESTINATION`; returns the digest skopeo pushed
/// (`--digestfile`, written in `scratch`).
pub fn copy(
    source: &str,
    destination: &str,
    access: &Access,
    scratch: &Path,
    options: CopyOptions<'_>,
) -> Result<String, RegistryError> {
    let digest_file = scratch.join("digest");
    let mut command = skopeo();
    command.args(["copy", "--quiet", "--retry-times", "2"]);
    if options.preserve {
        command.arg("--preserve-digests");
    }
    if let Some(key) = options.sign_by {
        command.arg("--sign-by").arg(key);
    }
    if let Some(dir) = &access.registries_d {
        command.arg("--registries.d").arg(dir);
    }
    if let Some(dir) = &access.cert_dir {
        if source.starts_with("docker://") {
            command.arg("--src-cert-dir").arg(dir);
        }
        command.arg("--dest-cert-dir").arg(dir);
    }
    command
        .arg("--digestfile")
        .arg(&digest_file)
        .arg(source)
        .arg(format!("docker://{destination}"));
    run(command, "skopeo copy failed")?;
    let digest = std::fs::read_to_string(&digest_file)
        .map_err(|e| RegistryError::Failed(format!("skopeo wrote no digest: {e}")))?;
    let digest = digest.trim().to_string();
    let valid = digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if valid {
        Ok(digest)
    } else {
        Err(RegistryError::Failed(format!(
            "skopeo wrote `{digest}` as the digest"
        )))
    }
}

/// What the registry serves for a reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// `sha256:...` of the manifest or index bytes.
    pub digest: String,
    /// `os/arch[/variant]` → manifest digest, for an index.
    pub platforms: BTreeMap<String, String>,
}

/// `skopeo inspect --raw docker://REF`: the digest is the sha256 of the bytes the
/// registry served; an index lists each platform's manifest.
pub fn inspect(reference: &str) -> Result<Resolved, String> {
    inspect_with(reference, &Access::default()).map_err(|e| e.to_string())
}

/// [`inspect`] with a certificate directory.
pub fn inspect_with(reference: &str, access: &Access) -> Result<Resolved, RegistryError> {
    let mut command = skopeo();
    command.args(["inspect", "--raw", "--retry-times", "2"]);
    if let Some(dir) = &access.cert_dir {
        command.arg("--cert-dir").arg(dir);
    }
    command.arg(format!("docker://{reference}"));
    let stdout = run(command, "skopeo inspect failed")?;
    let digest = format!("sha256:{:x}", Sha256::digest(&stdout));
    let manifest: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| RegistryError::Failed(format!("the registry's manifest is not JSON: {e}")))?;
    let mut platforms = BTreeMap::new();
    if let Some(list) = manifest["manifests"].as_array() {
        for m in list {
            let (Some(os), Some(arch), Some(d)) = (
                m["platform"]["os"].as_str(),
                m["platform"]["architecture"].as_str(),
                m["digest"].as_str(),
            ) else {
                continue;
            };
            if d.starts_with("sha256:") && os != "unknown" {
                let variant = m["platform"]["variant"]
                    .as_str()
                    .map(|v| format!("/{v}"))
                    .unwrap_or_default();
                platforms.insert(format!("{os}/{arch}{variant}"), d.to_string());
            }
        }
    }
    Ok(Resolved { digest, platforms })
}
