//! Verifying the signatures of base images before a build (the policy's
//! `images.require_signed_base`, docs/publishing.md "Verifying base images").
//!
//! For each registry image a build uses: its digest (the reference's own, else the
//! one the registry serves for its tag, read once), then `skopeo copy` of exactly
//! that digest under a `signedBy` policy written for this build (the
//! organisation's GPG public keys, nothing else accepted) with the organisation's
//! registries.d (where each registry's signatures are: `lookaside`). skopeo's
//! policy decides; a copy it refuses is [`VerifyError::Rejected`]. The caller then
//! builds FROM the verified digest, so the engine cannot get another image for a
//! tag that moved in between.

use super::registry::{self, Access, RegistryError};
use crate::check::types::ImageRef;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What verification checks against: the organisation's trust material.
#[derive(Clone, Copy, Debug)]
pub struct Trust<'a> {
    /// GPG public key files; a signature by any of them is accepted.
    pub keys: &'a [PathBuf],
    /// skopeo's registries.d: where signatures are read from (`lookaside`).
    pub registries_d: &'a Path,
}

/// Why an image was not verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// skopeo's policy refused the image (no signature, an invalid one, one by
    /// another key or for another repository): its reason.
    Rejected { digest: String, reason: String },
    /// The image could not be checked at all (the registry, the tools, files).
    Failed(String),
}

/// The policy.json of one verification: every image must be signed by one of
/// the keys (`keyPaths`); anything else is rejected.
pub fn policy_json(keys: &[PathBuf]) -> Result<String, String> {
    let paths = keys
        .iter()
        .map(|k| {
            k.to_str()
                .map(str::to_string)
                .ok_or_else(|| format!("the key path {} is not UTF-8", k.display()))
        })
        .collect::<Result<Vec<String>, String>>()?;
    let requirement = serde_json::json!([{
        "type": "signedBy",
        "keyType": "GPGKeys",
        "keyPaths": paths,
    }]);
    let policy = serde_json::json!({
        "default": [{ "type": "reject" }],
        "transports": { "docker": { "": requirement } },
    });
    Ok(format!("{policy}\n"))
}

/// Verifies `reference` (with the pull settings of `access`) and returns the
/// digest that was verified, which the build must then use. `scratch` is a
/// private directory of this build: the policy file and the verified copy go
/// there (`index` keeps copies of several images apart).
pub fn verify(
    reference: &ImageRef,
    trust: Trust<'_>,
    access: &Access,
    scratch: &Path,
    index: usize,
) -> Result<String, VerifyError> {
    let digest = match &reference.digest {
        Some(digest) => digest.clone(),
        None => {
            let text = reference.to_string();
            match registry::inspect_with(&text, access) {
                Ok(resolved) => resolved.digest,
                Err(RegistryError::Failed(m)) if m.contains("manifest unknown") => {
                    return Err(VerifyError::Failed(format!(
                        "{text} is not in its registry ({m})"
                    )))
                }
                Err(e) => {
                    return Err(VerifyError::Failed(format!(
                        "cannot resolve the digest of {text}: {e}"
                    )))
                }
            }
        }
    };
    // skopeo takes a tag or a digest, not both: the digest is what is verified.
    let by_digest = format!(
        "docker://{}/{}@{digest}",
        reference.registry, reference.repository
    );
    let policy = scratch.join("verify-policy.json");
    let text = policy_json(trust.keys).map_err(VerifyError::Failed)?;
    std::fs::write(&policy, text)
        .map_err(|e| VerifyError::Failed(format!("cannot write {}: {e}", policy.display())))?;
    let copy = scratch.join(format!("verified-{index}"));
    let mut command = Command::new("skopeo");
    command
        .arg("--policy")
        .arg(&policy)
        .args(["copy", "--quiet", "--retry-times", "2"])
        .arg("--registries.d")
        .arg(trust.registries_d);
    if let Some(dir) = &access.cert_dir {
        command.arg("--src-cert-dir").arg(dir);
    }
    command
        .arg("--")
        .arg(&by_digest)
        .arg(format!("dir:{}", copy.display()));
    let output = command
        .output()
        .map_err(|e| VerifyError::Failed(format!("cannot run skopeo: {e}")))?;
    // Only the decision was wanted: the copy itself is not kept.
    let _ = std::fs::remove_dir_all(&copy);
    if output.status.success() {
        return Ok(digest);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    match rejection(&stderr) {
        Some(reason) => Err(VerifyError::Rejected { digest, reason }),
        None => Err(VerifyError::Failed(format!(
            "skopeo could not verify {by_digest}: {}",
            last_message(&stderr)
        ))),
    }
}

/// The reason skopeo's policy gave for refusing an image, if that is why it
/// failed (`Source image rejected: REASON`).
pub fn rejection(stderr: &str) -> Option<String> {
    const MARK: &str = "Source image rejected: ";
    let line = stderr.lines().find(|l| l.contains(MARK))?;
    let reason = line.split_once(MARK).map_or("", |(_, r)| r);
    // skopeo's log line quotes its message: `... msg="... rejected: REASON"`.
    let reason = reason.trim().trim_end_matches('"').replace("\\\"", "\"");
    Some(if reason.is_empty() {
        "rejected by the signature policy".to_string()
    } else {
        readable(reason)
    })
}

/// skopeo (through gpgme) reports a signature it could not verify as a dump of
/// gpgme's result; its summary bits say which case it is (gpgme.h:
/// `GPGME_SIGSUM_RED` 0x4, the signature is bad; `GPGME_SIGSUM_KEY_MISSING`
/// 0x80, made with a key that is not in the keyring). A signature file gpg
/// cannot parse at all comes back as gpg's bare error (`No data`, `Unknown
/// compression algorithm`) or as no signature in it. A valid signature of
/// something else names what it was made for.
fn readable(reason: String) -> String {
    if let Some(digest) = reason
        .strip_prefix("Signature for digest ")
        .and_then(|r| r.strip_suffix(" does not match"))
    {
        return format!("the signature was made for another image ({digest}): the image was changed after signing");
    }
    if let Some(identity) = reason
        .strip_prefix("Signature for identity ")
        .and_then(|r| r.strip_suffix(" is not accepted"))
    {
        return format!(
            "the signature was made for {identity}, another repository (a signed image copied elsewhere)"
        );
    }
    let Some(dump) = reason.strip_prefix("Invalid GPG signature: gpgme.Signature{") else {
        let unreadable = reason.starts_with("Unexpected GPG signature count")
            || !reason.to_ascii_lowercase().contains("signature");
        return if unreadable {
            format!("the signature cannot be read: damaged, or not an OpenPGP signature (gpg: {reason})")
        } else {
            reason
        };
    };
    let field = |name: &str| {
        let rest = dump.split_once(&format!("{name}:"))?.1;
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim_matches('"').to_string())
    };
    let summary: u32 = field("Summary").and_then(|s| s.parse().ok()).unwrap_or(0);
    let key = field("Fingerprint").unwrap_or_default();
    if summary & 0x80 != 0 {
        format!(
            "the signature was made with key {key}, which is not one of the organisation's keys"
        )
    } else if summary & 0x4 != 0 {
        format!("the signature is bad (the image or the signature was changed after signing; key {key})")
    } else {
        format!("the signature could not be verified (gpgme summary {summary:#x}, key {key})")
    }
}

/// The last line skopeo printed, without its log prefix.
fn last_message(stderr: &str) -> String {
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    match last.split_once("msg=\"") {
        Some((_, rest)) => rest.trim_end().trim_end_matches('"').replace("\\\"", "\""),
        None => last.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_accepts_only_the_keys() {
        let text = policy_json(&[PathBuf::from("/etc/wbuild/org.gpg")]).unwrap_or_default();
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(policy["default"][0]["type"], "reject");
        let docker = &policy["transports"]["docker"][""][0];
        assert_eq!(docker["type"], "signedBy");
        assert_eq!(docker["keyType"], "GPGKeys");
        assert_eq!(docker["keyPaths"][0], "/etc/wbuild/org.gpg");
    }

    #[test]
    fn skopeos_rejections_are_told_from_other_failures() {
        let unsigned = "time=\"2026-12-02T12:00:00Z\" level=fatal msg=\"Source image rejected: A signature was required, but no signature exists\"\n";
        assert_eq!(
            rejection(unsigned).as_deref(),
            Some("A signature was required, but no signature exists")
        );
        let tls = "time=\"x\" level=fatal msg=\"initializing source docker://r/a@sha256:00: pinging container registry r: x509: certificate signed by unknown authority\"\n";
        assert_eq!(rejection(tls), None);
        let bad = "level=fatal msg=\"Source image rejected: Invalid GPG signature: gpgme.Signature{Summary:4, Fingerprint:\\\"0A3C79E1E3090902\\\", Status:gpgme.Error{err:0x7000008}}\"\n";
        assert_eq!(
            rejection(bad).as_deref(),
            Some("the signature is bad (the image or the signature was changed after signing; key 0A3C79E1E3090902)")
        );
        let other = "level=fatal msg=\"Source image rejected: Invalid GPG signature: gpgme.Signature{Summary:128, Fingerprint:\\\"A533E5B6\\\", Status:gpgme.Error{err:0x9}}\"\n";
        assert_eq!(
            rejection(other).as_deref(),
            Some("the signature was made with key A533E5B6, which is not one of the organisation's keys")
        );
        let damaged = "level=fatal msg=\"Source image rejected: Unknown compression algorithm\"\n";
        assert_eq!(
            rejection(damaged).as_deref(),
            Some("the signature cannot be read: damaged, or not an OpenPGP signature (gpg: Unknown compression algorithm)")
        );
        let moved = "level=fatal msg=\"Source image rejected: Signature for digest sha256:13a0 does not match\"\n";
        assert_eq!(
            rejection(moved).as_deref(),
            Some("the signature was made for another image (sha256:13a0): the image was changed after signing")
        );
        let elsewhere = "level=fatal msg=\"Source image rejected: Signature for identity r.io/a:1 is not accepted\"\n";
        assert_eq!(
            rejection(elsewhere).as_deref(),
            Some("the signature was made for r.io/a:1, another repository (a signed image copied elsewhere)")
        );
        assert!(last_message(tls).starts_with("initializing source docker://r/a@sha256:00"));
    }
}
