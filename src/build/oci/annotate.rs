//! Manifest annotations on an image in an OCI layout: `wbuildc build` writes the
//! provenance keys as labels (the engines' Docker-format images have no manifest
//! annotations), and `publish` pushes from a layout whose manifest carries them
//! as annotations too, so that tools reading only the manifest (registries'
//! UIs, `skopeo inspect --raw`) see the source, revision and base digest.

use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::Path;

const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// Adds `annotations` to the manifest of the one image in the layout `dir`
/// (existing keys keep their values only where `annotations` has none), writes
/// the new manifest blob and points `index.json` at it. The config and layers
/// are untouched, so the image ID stays what it was; the manifest digest changes.
pub fn annotate_manifest(dir: &Path, annotations: &[(String, String)]) -> io::Result<String> {
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&super::read_bounded(&index_path, super::json::MAX_JSON)?)
            .map_err(|e| super::invalid_data(format!("{}: {e}", index_path.display())))?;
    let entries = index["manifests"].as_array().map_or(0, Vec::len);
    if entries != 1 {
        return Err(super::invalid_data(format!(
            "{} holds {entries} images, not one",
            dir.display()
        )));
    }
    let entry = &mut index["manifests"][0];
    let digest = entry["digest"].as_str().unwrap_or_default().to_string();
    let mut manifest: serde_json::Value = serde_json::from_slice(&super::read_blob(dir, &digest)?)
        .map_err(|e| super::invalid_data(format!("manifest {digest}: {e}")))?;
    if manifest["mediaType"] != MANIFEST_MEDIA_TYPE {
        return Err(super::invalid_data(format!(
            "manifest {digest} is {}, not an OCI image manifest",
            manifest["mediaType"]
        )));
    }
    if !manifest["annotations"].is_object() {
        manifest["annotations"] = serde_json::json!({});
    }
    for (key, value) in annotations {
        manifest["annotations"][key] = serde_json::Value::from(value.as_str());
    }
    let bytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    let hex = super::hex(&Sha256::digest(&bytes));
    fs::write(dir.join("blobs").join("sha256").join(&hex), &bytes)?;
    let new_digest = format!("sha256:{hex}");
    entry["digest"] = serde_json::Value::from(new_digest.as_str());
    entry["size"] = serde_json::Value::from(bytes.len());
    fs::write(
        &index_path,
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    )?;
    Ok(new_digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_gets_the_annotations_and_the_index_its_new_digest() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let first =
            super::super::write_artifact(dir.path(), "text/plain", b"x", "x.txt", &[("kept", "1")])
                .unwrap_or_else(|e| panic!("{e}"));
        let wanted = [(
            "org.opencontainers.image.revision".to_string(),
            "abc".to_string(),
        )];
        let digest = annotate_manifest(dir.path(), &wanted).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(digest, first);
        let index: serde_json::Value = serde_json::from_slice(
            &fs::read(dir.path().join("index.json")).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(index["manifests"][0]["digest"], digest.as_str());
        // read_blob verifies the blob against its digest.
        let manifest: serde_json::Value = serde_json::from_slice(
            &super::super::read_blob(dir.path(), &digest).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            manifest["annotations"]["org.opencontainers.image.revision"],
            "abc"
        );
        assert_eq!(manifest["annotations"]["kept"], "1");
    }
}
