//! An OCI layout holding one artifact: an image manifest whose config is the
//! empty descriptor and whose one layer is a document (an SBOM), as the image
//! spec describes artifacts. skopeo copies it to a registry as it is
//! (`--preserve-digests`); registries without the referrers API (distribution
//! 2.8) store it like any manifest.

use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::Path;

const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// Writes the layout into the empty or missing directory `dir`; returns the
/// manifest's digest. `title` names the layer (`org.opencontainers.image.title`,
/// the file name tools that fetch it give it); `annotations` go on the manifest,
/// in the order given.
pub fn write_artifact(
    dir: &Path,
    media_type: &str,
    content: &[u8],
    title: &str,
    annotations: &[(&str, &str)],
) -> io::Result<String> {
    let blobs = dir.join("blobs").join("sha256");
    fs::create_dir_all(&blobs)?;
    let put = |bytes: &[u8]| -> io::Result<String> {
        let hex = super::hex(&Sha256::digest(bytes));
        fs::write(blobs.join(&hex), bytes)?;
        Ok(format!("sha256:{hex}"))
    };
    let config = b"{}";
    let mut manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "artifactType": media_type,
        "config": { "mediaType": EMPTY_MEDIA_TYPE, "digest": put(config)?, "size": config.len() },
        "layers": [{
            "mediaType": media_type,
            "digest": put(content)?,
            "size": content.len(),
            "annotations": { "org.opencontainers.image.title": title },
        }],
    });
    if !annotations.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = annotations
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        manifest["annotations"] = map.into();
    }
    let bytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    let digest = put(&bytes)?;
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": super::json::INDEX_MEDIA_TYPE,
        "manifests": [{ "mediaType": MANIFEST_MEDIA_TYPE, "digest": digest, "size": bytes.len() }],
    });
    fs::write(dir.join("oci-layout"), super::json::OCI_LAYOUT)?;
    fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    )?;
    Ok(digest)
}
