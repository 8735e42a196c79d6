//! The image's bill of materials at `wbuildc publish` (docs/publishing.md,
//! "Provenance"): read before anything is pushed (the packages dpkg lists and the
//! lock files in the image), pushed beside the image once its digest is known, as
//! an OCI artifact under `REPOSITORY:sha256-HEX.sbom`. What the document says is
//! `publish/sbom.rs`; here: skopeo, the layout, the warnings.

use crate::build::oci::{self, Package};
use crate::build::registry::{self, Access, CopyOptions, RegistryError};
use crate::publish::sbom::{self, Locked};
use std::path::Path;

const DPKG_STATUS: &[u8] = b"var/lib/dpkg/status";

/// What the image carries.
pub struct Contents {
    pub debs: Vec<Package>,
    pub locked: Vec<Locked>,
    /// What was left out, and why (printed as warnings).
    pub warnings: Vec<String>,
}

/// Where [`read`] leaves the copy of the image, in the scratch directory: what
/// `publish` pushes, once its manifest carries the annotations.
pub fn layout_of(scratch: &Path) -> std::path::PathBuf {
    scratch.join("image")
}

/// Reads `source` (a local image) through a copy into an OCI layout in
/// `scratch` ([`layout_of`]); prints the warnings of [`read_layout`].
pub fn read(source: &str, scratch: &Path) -> Result<Contents, String> {
    let dir = layout_of(scratch);
    registry::copy_to_layout(source, &dir).map_err(|e| e.to_string())?;
    let contents = read_layout(&dir, source)?;
    for warning in &contents.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(contents)
}

/// The packages of the one image in the OCI layout `dir` (`name` says which
/// image in messages). An image without a dpkg status (from scratch) lists no
/// Debian packages, and a lock file that cannot be read is left out: both are
/// warnings. A status file that cannot be read is an error.
pub fn read_layout(dir: &Path, name: &str) -> Result<Contents, String> {
    let wanted = |path: &[u8]| {
        path == DPKG_STATUS || std::str::from_utf8(path).is_ok_and(|p| sbom::lock_kind(p).is_some())
    };
    let files = oci::image_files(dir, wanted).map_err(|e| format!("{name}: {e}"))?;
    let mut warnings = Vec::new();
    let debs = match files.get(DPKG_STATUS) {
        Some(status) => oci::installed_in_status(status).map_err(|e| format!("{name}: {e}"))?,
        None => {
            warnings.push(format!(
                "{name} has no var/lib/dpkg/status: its bill of materials lists no Debian packages"
            ));
            Vec::new()
        }
    };
    let mut locked = Vec::new();
    for (path, bytes) in &files {
        let Some(path) = std::str::from_utf8(path).ok() else {
            continue;
        };
        let Some(kind) = sbom::lock_kind(path) else {
            continue;
        };
        let parsed = std::str::from_utf8(bytes)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(|text| sbom::parse_lock(kind, path, text));
        match parsed {
            Ok(mut packages) => locked.append(&mut packages),
            Err(why) => warnings.push(format!(
                "/{path} in {name} cannot be read ({why}): its packages are not in the bill of materials"
            )),
        }
    }
    Ok(Contents {
        debs,
        locked,
        warnings,
    })
}

/// The SBOM's reference, its digest as the registry serves it, and how many
/// packages it lists.
pub struct Pushed {
    pub reference: String,
    pub digest: String,
    pub packages: usize,
}

/// Makes the document for `image` and pushes it beside the image (signed when
/// `sign_by` is given); the digest is read back.
pub fn push(
    contents: &Contents,
    image: &sbom::Image<'_>,
    access: &Access,
    scratch: &Path,
    sign_by: Option<&str>,
) -> Result<Pushed, RegistryError> {
    let document = sbom::document(image, &contents.debs, &contents.locked);
    let bytes = format!("{document:#}\n");
    let dir = scratch.join("sbom");
    let failed =
        |e: std::io::Error| RegistryError::Failed(format!("cannot write the SBOM's layout: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let subject = format!("{}@{}", image.repository, image.digest);
    oci::write_artifact(
        &dir,
        "application/spdx+json",
        bytes.as_bytes(),
        "sbom.spdx.json",
        &[
            ("org.opencontainers.image.created", image.created),
            ("dev.wbuild.sbom.subject", &subject),
        ],
    )
    .map_err(failed)?;
    let reference = format!("{}:{}", image.repository, sbom::tag(image.digest));
    eprintln!("wbuildc: pushing the bill of materials to {reference}");
    let options = CopyOptions {
        preserve: true,
        sign_by,
    };
    let source = format!("oci:{}", dir.display());
    let digest = registry::copy(&source, &reference, access, scratch, options)?;
    let served = registry::digest_of(&reference, access)?;
    if served.as_deref() != Some(digest.as_str()) {
        return Err(RegistryError::Failed(format!(
            "{reference} was pushed as {digest} but the registry serves {}",
            served.as_deref().unwrap_or("nothing")
        )));
    }
    Ok(Pushed {
        reference,
        digest,
        packages: document["packages"]
            .as_array()
            .map_or(0, |p| p.len().saturating_sub(1)),
    })
}
