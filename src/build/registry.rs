//! Reading a reference's digest from its registry with skopeo (no daemon): the
//! digest of the manifest (or index) the registry serves, and each platform's.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::process::Command;

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
    let output = Command::new("skopeo")
        .args(["inspect", "--raw", "--retry-times", "2"])
        .arg(format!("docker://{reference}"))
        .output()
        .map_err(|e| format!("cannot run skopeo: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("").trim().to_string();
        return Err(format!("skopeo inspect failed: {last}"));
    }
    let digest = format!("sha256:{:x}", Sha256::digest(&output.stdout));
    let manifest: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("the registry's manifest is not JSON: {e}"))?;
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
