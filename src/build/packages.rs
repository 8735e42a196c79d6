//! The package lists `wbuildc base build` records beside the images of a layout
//! (`DIR/wbuild-packages.json`): per reference, the manifest digest and every
//! installed Debian package with its version and architecture. `wbuildc which`
//! reads them; nothing has to run an image to know what it carries.

use super::oci::Package;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

pub const PACKAGES_FILE: &str = "wbuild-packages.json";

/// Adds (or replaces) `reference`'s list in the layout's record.
pub fn record(dir: &Path, reference: &str, digest: &str, packages: &[Package]) -> io::Result<()> {
    let mut all = read_all(dir)?;
    all.insert(
        reference.to_string(),
        (digest.to_string(), packages.to_vec()),
    );
    let images: serde_json::Map<String, Value> = all
        .into_iter()
        .map(|(r, (d, ps))| {
            let list: Vec<Value> = ps
                .iter()
                .map(|p| json!({ "name": p.name, "version": p.version, "architecture": p.architecture }))
                .collect();
            (r, json!({ "digest": d, "packages": list }))
        })
        .collect();
    let text = format!("{:#}\n", json!({ "version": 1, "images": images }));
    let tmp = dir.join(format!(".{PACKAGES_FILE}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, dir.join(PACKAGES_FILE))
}

/// Every recorded reference with its digest and packages (none when the layout
/// has no record).
pub fn read_all(dir: &Path) -> io::Result<BTreeMap<String, (String, Vec<Package>)>> {
    let path = dir.join(PACKAGES_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e),
    };
    let bad = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {why}", path.display()),
        )
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut out = BTreeMap::new();
    let Some(images) = value["images"].as_object() else {
        return Err(bad("no `images` object".into()));
    };
    for (reference, image) in images {
        let digest = image["digest"].as_str().unwrap_or_default().to_string();
        let packages = image["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| Package {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                version: p["version"].as_str().unwrap_or_default().to_string(),
                architecture: p["architecture"].as_str().unwrap_or_default().to_string(),
            })
            .collect();
        out.insert(reference.clone(), (digest, packages));
    }
    Ok(out)
}
