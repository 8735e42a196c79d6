//! Writes the build's OCI annotations into the exported image manifest.
//!
//! The engines cannot do it for us: buildah builds in Docker format (the only
//! format in which it honours SHELL, which gives RUN steps pipefail), and that
//! format has no manifest annotations; Docker 20.10 cannot export OCI at all.
//! So after the export the manifest in the OCI layout gets the annotations, is
//! written as a new blob under its new digest, and index.json points at it. The
//! result is deterministic: the same manifest and annotations give the same bytes.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

pub(super) fn annotate(
    layout: &Path,
    reference: &str,
    annotations: &[(String, String)],
) -> Result<(), String> {
    let index_path = layout.join("index.json");
    let read_json = |path: &Path| -> Result<Value, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not JSON: {e}", path.display()))
    };
    let mut index = read_json(&index_path)?;
    let entries = index
        .get_mut("manifests")
        .and_then(Value::as_array_mut)
        .ok_or("index.json has no manifests")?;
    let names = |e: &Value| {
        e.pointer("/annotations/org.opencontainers.image.ref.name")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let position = entries
        .iter()
        .position(|e| names(e).as_deref() == Some(reference))
        .unwrap_or(0);
    let entry = entries
        .get_mut(position)
        .ok_or("index.json lists no manifest")?;
    let old_digest = entry
        .get("digest")
        .and_then(Value::as_str)
        .ok_or("manifest entry without digest")?
        .to_string();
    let old_hex = old_digest
        .strip_prefix("sha256:")
        .ok_or("manifest digest is not sha256")?;
    let blob = |hex: &str| layout.join("blobs").join("sha256").join(hex);
    let mut manifest = read_json(&blob(old_hex))?;
    let object = manifest
        .as_object_mut()
        .ok_or("the manifest is not a JSON object")?;
    let mut merged = object
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_else(Map::new);
    for (key, value) in annotations {
        merged.insert(key.clone(), Value::String(value.clone()));
    }
    object.insert("annotations".into(), Value::Object(merged));
    let bytes =
        serde_json::to_vec(&manifest).map_err(|e| format!("cannot write the manifest: {e}"))?;
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(blob(&hex), &bytes)
        .map_err(|e| format!("cannot write the manifest blob: {e}"))?;
    entry["digest"] = Value::String(format!("sha256:{hex}"));
    entry["size"] = Value::from(bytes.len());
    if hex != old_hex {
        let still_used = entries
            .iter()
            .any(|e| e.get("digest").and_then(Value::as_str) == Some(old_digest.as_str()));
        if !still_used {
            let _ = std::fs::remove_file(blob(old_hex));
        }
    }
    let index_bytes =
        serde_json::to_vec(&index).map_err(|e| format!("cannot write index.json: {e}"))?;
    std::fs::write(&index_path, index_bytes)
        .map_err(|e| format!("cannot write {}: {e}", index_path.display()))
}
