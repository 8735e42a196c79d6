//! Files of an image in an OCI layout, read through its layers in order (a later
//! layer's file replaces an earlier one's, a whiteout removes it), without
//! unpacking anything: what `publish` reads for the image's bill of materials.

use super::layer::normalise;
use super::{invalid_data, json, read_blob, read_index, Package};
use flate2::read::GzDecoder;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// A file larger than this is not a status or lock file.
const MAX_FILE: u64 = 64 << 20;

/// The content of every regular file of the layout's one image whose path
/// (relative, normalised: `var/lib/dpkg/status`) `wanted` accepts, as the
/// image's root filesystem has it. Layers may be `tar` or `tar+gzip`; a
/// compression not read here (zstd) is an error naming it.
pub fn image_files(
    dir: &Path,
    wanted: impl Fn(&[u8]) -> bool,
) -> io::Result<BTreeMap<Vec<u8>, Vec<u8>>> {
    let entries = read_index(dir)?;
    let [entry] = entries.as_slice() else {
        return Err(invalid_data(format!(
            "{} holds {} images, not one",
            dir.display(),
            entries.len()
        )));
    };
    if json::LIST_MEDIA_TYPES.contains(&entry.media_type.as_str()) {
        return Err(invalid_data(
            "the image is an index of several platforms: its bill of materials is made per platform, which is not supported yet",
        ));
    }
    let manifest: json::LayersIn = serde_json::from_slice(&read_blob(dir, &entry.digest)?)
        .map_err(|e| invalid_data(format!("manifest {} has no layers: {e}", entry.digest)))?;
    let mut files = BTreeMap::new();
    for layer in &manifest.layers {
        let path = super::blob_path(dir, &layer.digest)?;
        let file = BufReader::with_capacity(1 << 16, File::open(&path)?);
        let media_type = layer.media_type.as_deref().unwrap_or_default();
        if media_type.ends_with("+gzip") || media_type.ends_with(".gzip") {
            apply(GzDecoder::new(file), &wanted, &mut files)
        } else if media_type.ends_with(".tar") || media_type.ends_with("tar") {
            apply(file, &wanted, &mut files)
        } else {
            return Err(invalid_data(format!(
                "layer {} is {media_type}: only tar and tar+gzip layers are read",
                layer.digest
            )));
        }
        .map_err(|e| io::Error::new(e.kind(), format!("layer {}: {e}", layer.digest)))?;
    }
    Ok(files)
}

/// One layer over the files kept so far.
fn apply(
    layer: impl Read,
    wanted: &impl Fn(&[u8]) -> bool,
    files: &mut BTreeMap<Vec<u8>, Vec<u8>>,
) -> io::Result<()> {
    let mut archive = tar::Archive::new(layer);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = normalise(&entry.path_bytes())?;
        let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => (&b""[..], &path[..]),
        };
        if name == b".wh..wh..opq" {
            // An opaque directory: nothing below it from earlier layers.
            files.retain(|p, _| !is_below(p, parent));
            continue;
        }
        if let Some(hidden) = name.strip_prefix(b".wh.") {
            let mut gone = parent.to_vec();
            if !gone.is_empty() {
                gone.push(b'/');
            }
            gone.extend_from_slice(hidden);
            files.retain(|p, _| p != &gone && !is_below(p, &gone));
            continue;
        }
        // A file replaced by anything else (a directory, a link) is no longer it.
        files.remove(&path);
        if !entry.header().entry_type().is_file() || !wanted(&path) {
            continue;
        }
        if entry.size() > MAX_FILE {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry).take(MAX_FILE).read_to_end(&mut bytes)?;
        files.insert(path, bytes);
    }
    Ok(())
}

fn is_below(path: &[u8], dir: &[u8]) -> bool {
    dir.is_empty() || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
}

/// The installed packages a dpkg status file lists (as [`super::installed_packages`]
/// reads them from a rootfs tarball).
pub fn installed_in_status(status: &[u8]) -> io::Result<Vec<Package>> {
    let text = std::str::from_utf8(status)
        .map_err(|_| invalid_data("var/lib/dpkg/status is not UTF-8"))?;
    super::dpkg::installed(text)
}
