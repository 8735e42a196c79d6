//! Deterministic OCI image layouts from a root-filesystem tarball, written by our
//! own code: no container engine, no umoci.
//!
//! The input is what `mmdebstrap --variant=apt --format=tar SUITE out.tar` makes
//! with `SOURCE_DATE_EPOCH` set. The output is an [OCI image layout] directory
//! (`oci-layout`, `index.json`, `blobs/sha256/…`) holding one image of one layer,
//! and the same input with the same options gives the same bytes, so the same
//! digests, on every run and every machine:
//!
//! - the layer is the input rewritten entry by entry (`layer.rs`): sorted, every
//!   mtime the epoch, owner names cleared, the files that differ from one run to
//!   the next dropped (`rules.rs`, each with its reason);
//! - gzip with a fixed header and level, from the pure-Rust backend pinned in
//!   Cargo.toml (the deflate implementation decides the compressed bytes);
//! - JSON from structs whose fields serialise in declaration order and whose maps
//!   are `BTreeMap`s (`json.rs`).
//!
//! **JSON types: small serde structs of our own, not the `oci-spec` crate.**
//! oci-spec 0.10 builds with Rust 1.88, but it keeps annotations and labels in
//! `HashMap`s: their order changes from one process to the next, so a manifest
//! with two annotations would get a different digest on every run. It would also
//! add about forty crates (builders, getters, strum) for five small objects.
//!
//! Everything streams: the rootfs tarball (100–150 MB) is read twice, once for
//! its headers and once, in the output's order, for the file contents (by offset,
//! `FileExt::read_at`), and the layer goes through one pass of hashing writers
//! (uncompressed for the diff ID, compressed for the blob digest) to a temporary
//! file that is renamed into `blobs/`. Only the headers are held in memory.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

mod annotate;
mod artifact;
mod dpkg;
mod image;
mod json;
mod layer;
mod rules;
#[cfg(test)]
mod tests;

pub use annotate::annotate_manifest;
pub use artifact::write_artifact;
pub use image::{image_files, installed_in_status};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The `org.opencontainers.image.ref.name` annotation: how `oci:DIR:REF` (skopeo,
/// buildah) and `umoci --image DIR:REF` find an image in a layout.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// What goes into the image config's `config` object: the defaults a container
/// of this image starts with (the base image's `ENV`, `CMD`, `USER`, `WORKDIR`
/// and `LABEL`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// In order, written as `K=V`: the order is the image's, and a later `K`
    /// wins in a runtime, so it is kept, not sorted. A key must be non-empty and
    /// hold no `=`.
    pub env: Vec<(String, String)>,
    /// The default command (`Cmd`); `None` leaves it out.
    pub cmd: Option<Vec<String>>,
    /// `User`; `None` leaves it out (root).
    pub user: Option<String>,
    /// `WorkingDir`; `None` leaves it out (`/`).
    pub workdir: Option<String>,
    /// `Labels`, sorted by key (a map has no order of its own worth keeping).
    pub labels: BTreeMap<String, String>,
}

/// How the layout is named, dated and described, besides the image's own config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutOptions {
    /// The name in `index.json` (e.g. `bookworm`): the index entry's
    /// [`REF_NAME`] annotation. It must follow the image-layout grammar for ref
    /// names (`[A-Za-z0-9]` components joined by `-._:@+` or `--`, `/`).
    pub ref_name: String,
    /// Seconds since the epoch (`SOURCE_DATE_EPOCH`): every entry's mtime and the
    /// config's `created` (RFC 3339, UTC). Not negative.
    pub source_date_epoch: i64,
    /// The OCI architecture (`amd64`, `arm64`, …) of the config and the index
    /// entry's platform; the OS is always `linux`.
    pub architecture: String,
    /// The manifest's annotations (sorted by key).
    pub annotations: BTreeMap<String, String>,
}

/// What [`write_layout`] wrote: the digests callers record or compare (two builds
/// of the same input must agree on all of them), and what it left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// `sha256:…` of the manifest: the image's identity.
    pub manifest_digest: String,
    /// The manifest's size in bytes (for a descriptor pointing at it).
    pub manifest_size: u64,
    /// `sha256:…` of the config blob.
    pub config_digest: String,
    /// `sha256:…` of the compressed layer blob.
    pub layer_digest: String,
    /// `sha256:…` of the uncompressed layer tar (the config's `rootfs.diff_ids`).
    pub diff_id: String,
    /// The compressed layer's size in bytes.
    pub layer_size: u64,
    /// Paths (relative, no `./`, in layer order) left out of the layer because
    /// their content differs between runs or belongs to the build machine; see
    /// `rules.rs` for each and why.
    pub removed: Vec<String>,
    /// Paths kept as empty files instead (`etc/machine-id`): their presence
    /// means something, their content does not belong in an image.
    pub emptied: Vec<String>,
    /// Files written without the setuid or setgid bit they had (layer.rs says why).
    pub unprivileged: Vec<String>,
}

/// Writes the image made of `rootfs_tar` into the OCI layout directory `dir`
/// (created if missing) and names it `opts.ref_name` in `index.json`.
///
/// If `dir` already holds a layout, its other images stay: the index entry with
/// the same ref name is replaced in place (or the new one appended), and
/// `index.json` is replaced atomically (temporary file, then rename), so a reader
/// sees the old index or the new one. Blobs are content-addressed and renamed
/// into place the same way, so writing the same image again changes nothing.
/// Blobs no entry refers to any more are left for a garbage collector.
///
/// Fails (and leaves `index.json` as it was) on an unreadable or unsupported
/// input tarball (sparse files, `..` in paths, whiteout names, a hard link to an
/// entry that is not earlier in the archive), invalid options, or an existing
/// `index.json` that is not JSON.
pub fn write_layout(
    rootfs_tar: &Path,
    config: &ImageConfig,
    opts: &LayoutOptions,
    dir: &Path,
) -> io::Result<Written> {
    validate(config, opts)?;
    let epoch = opts.source_date_epoch.unsigned_abs(); // not negative: validated
    let blobs = dir.join("blobs").join("sha256");
    fs::create_dir_all(&blobs)?;
    check_layout_version(dir)?;
    let existing = existing_index(dir)?;

    let layer = layer::write(rootfs_tar, epoch, &blobs)?;
    let created = super::rfc3339(opts.source_date_epoch);
    let config_bytes = json::config(config, &opts.architecture, &created, &layer.diff_id)?;
    let config_digest = write_blob(&blobs, &config_bytes)?;
    let manifest_bytes = json::manifest(
        &config_digest,
        config_bytes.len() as u64,
        &layer.digest,
        layer.size,
        &opts.annotations,
    )?;
    let manifest_digest = write_blob(&blobs, &manifest_bytes)?;

    let layout_file = dir.join("oci-layout");
    if !layout_file.exists() {
        write_atomically(dir, "oci-layout", json::OCI_LAYOUT)?;
    }
    let index = json::index(
        existing,
        &opts.ref_name,
        &manifest_digest,
        manifest_bytes.len() as u64,
        &opts.architecture,
    )?;
    write_atomically(dir, "index.json", &index)?;

    Ok(Written {
        manifest_digest,
        manifest_size: manifest_bytes.len() as u64,
        config_digest,
        layer_digest: layer.digest,
        diff_id: layer.diff_id,
        layer_size: layer.size,
        removed: layer.removed,
        emptied: layer.emptied,
        unprivileged: layer.unprivileged,
    })
}

/// One installed Debian package: what a base image's bill of materials lists.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub architecture: String,
}

/// The packages installed in `rootfs_tar`, read from its `var/lib/dpkg/status`
/// (streamed; only that file is read into memory), sorted by name, then
/// architecture (a Multi-Arch package can be there once per architecture).
///
/// Installed means the status's flag is `ok` and its state `installed`
/// (`install ok installed`, and also `hold ok installed` and `deinstall ok
/// installed`: those files are on disk too). Packages removed with their
/// configuration left (`deinstall ok config-files`) and half-installed ones are
/// not. Fails with `NotFound` when the tarball has no dpkg status file.
pub fn installed_packages(rootfs_tar: &Path) -> io::Result<Vec<Package>> {
    let status = dpkg::status_file(rootfs_tar)?;
    dpkg::installed(&status)
}

/// One entry of a layout's `index.json`: what `oci:DIR:REF` can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutEntry {
    /// The [`REF_NAME`] annotation, if the entry has one.
    pub ref_name: Option<String>,
    /// The manifest's (or nested index's) digest, `ALGORITHM:HEX`.
    pub digest: String,
    /// The entry's media type (an image manifest, Docker's schema 2 manifest, or
    /// an image index); empty if the entry does not say.
    pub media_type: String,
    /// `(os, architecture)`: from the index entry's `platform`, or else from the
    /// config blob of the manifest it points to. `None` for a nested index (OCI's
    /// or Docker's manifest list) without a `platform`.
    pub platform: Option<(String, String)>,
}

/// The entries of the OCI layout in `dir`, in `index.json`'s order: ours, and
/// those skopeo, buildah or umoci wrote (which often carry no `platform`, hence
/// the look into the config blob).
///
/// Digests are checked before they become paths (`sha256` or `sha512` and their
/// hex length only), and every blob read is bounded and verified against its
/// digest, so a hostile layout can neither point outside `blobs/` nor make us
/// read a huge file.
pub fn read_index(dir: &Path) -> io::Result<Vec<LayoutEntry>> {
    check_layout_version(dir)?;
    let index_path = dir.join("index.json");
    let bytes = read_bounded(&index_path, json::MAX_JSON)?;
    let index: json::IndexIn = serde_json::from_slice(&bytes).map_err(|e| {
        invalid_data(format!(
            "{} is not an image index: {e}",
            index_path.display()
        ))
    })?;
    let mut entries = Vec::with_capacity(index.manifests.len());
    for entry in index.manifests {
        let media_type = entry.media_type.unwrap_or_default();
        let platform = match entry.platform {
            Some(p) => Some((p.os, p.architecture)),
            None if json::LIST_MEDIA_TYPES.contains(&media_type.as_str()) => None,
            None => platform_from_config(dir, &entry.digest)?,
        };
        entries.push(LayoutEntry {
            ref_name: entry.annotations.and_then(|mut a| a.remove(REF_NAME)),
            digest: entry.digest,
            media_type,
            platform,
        });
    }
    Ok(entries)
}

/// The manifest's config blob says the platform when the index entry does not.
fn platform_from_config(dir: &Path, digest: &str) -> io::Result<Option<(String, String)>> {
    let manifest: json::ManifestIn = serde_json::from_slice(&read_blob(dir, digest)?)
        .map_err(|e| invalid_data(format!("manifest {digest} is not a manifest: {e}")))?;
    let config: json::PlatformIn =
        serde_json::from_slice(&read_blob(dir, &manifest.config.digest)?).map_err(|e| {
            invalid_data(format!(
                "config {} has no platform: {e}",
                manifest.config.digest
            ))
        })?;
    Ok(Some((config.os, config.architecture)))
}

/// A blob's path, from a digest that has been checked to be a digest (so that
/// `sha256:../../etc/passwd` never becomes a path).
fn blob_path(dir: &Path, digest: &str) -> io::Result<PathBuf> {
    let bad = || invalid_data(format!("{digest:?} is not a sha256 or sha512 digest"));
    let (algorithm, hex) = digest.split_once(':').ok_or_else(bad)?;
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return Err(bad()),
    };
    if hex.len() != length || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad());
    }
    Ok(dir.join("blobs").join(algorithm).join(hex))
}

/// A JSON blob (manifest or config), bounded and checked against its digest.
fn read_blob(dir: &Path, digest: &str) -> io::Result<Vec<u8>> {
    let path = blob_path(dir, digest)?;
    let bytes = read_bounded(&path, json::MAX_JSON)?;
    let actual = match digest.split_once(':') {
        Some(("sha512", _)) => format!("sha512:{}", hex(&sha2::Sha512::digest(&bytes))),
        _ => format!("sha256:{}", hex(&Sha256::digest(&bytes))),
    };
    if actual != digest {
        return Err(invalid_data(format!(
            "blob {} does not match its digest (it hashes to {actual})",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Reads a small file, refusing one larger than `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(invalid_data(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// A layout whose `oci-layout` says another major version is not ours to write
/// into (nor to read as 1.x).
fn check_layout_version(dir: &Path) -> io::Result<()> {
    let path = dir.join("oci-layout");
    let bytes = match read_bounded(&path, 4096) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let layout: json::OciLayoutIn = serde_json::from_slice(&bytes)
        .map_err(|e| invalid_data(format!("{} is not an oci-layout file: {e}", path.display())))?;
    if layout.image_layout_version.split('.').next() != Some("1") {
        return Err(invalid_data(format!(
            "{}: image layout version {} is not 1.x",
            path.display(),
            layout.image_layout_version
        )));
    }
    Ok(())
}

/// The entries of an existing `index.json` (none when there is none). One that is
/// not JSON is an error: overwriting it would lose someone's images.
fn existing_index(dir: &Path) -> io::Result<Vec<Box<serde_json::value::RawValue>>> {
    let path = dir.join("index.json");
    match read_bounded(&path, json::MAX_JSON) {
        Ok(bytes) => serde_json::from_slice::<json::IndexKept>(&bytes)
            .map(|index| index.manifests)
            .map_err(|e| invalid_data(format!("{} is not an image index: {e}", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Writes a blob under its digest (temporary file, then rename: idempotent, and a
/// reader never sees half a blob). Returns `sha256:HEX`.
fn write_blob(blobs: &Path, bytes: &[u8]) -> io::Result<String> {
    let hex = hex(&Sha256::digest(bytes));
    let mut file = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(blobs)?;
    file.write_all(bytes)?;
    finish_file(file, &blobs.join(&hex))?;
    Ok(format!("sha256:{hex}"))
}

/// `dir/name` replaced atomically.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut file = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    file.write_all(bytes)?;
    finish_file(file, &dir.join(name))
}

/// Readable by everyone (a layout is read by engines running as other users;
/// temporary files are 0600), on disk before the rename, then renamed.
fn finish_file(file: tempfile::NamedTempFile, to: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    file.as_file().sync_all()?;
    file.persist(to).map_err(|e| e.error)?;
    Ok(())
}

fn validate(config: &ImageConfig, opts: &LayoutOptions) -> io::Result<()> {
    if !valid_ref_name(&opts.ref_name) {
        return Err(invalid_input(format!(
            "{:?} is not an OCI image-layout ref name",
            opts.ref_name
        )));
    }
    if opts.source_date_epoch < 0 {
        return Err(invalid_input("SOURCE_DATE_EPOCH must not be negative"));
    }
    if opts.architecture.is_empty()
        || !opts
            .architecture
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(invalid_input(format!(
            "{:?} is not an OCI architecture",
            opts.architecture
        )));
    }
    if let Some((key, _)) = config
        .env
        .iter()
        .find(|(k, _)| k.is_empty() || k.contains('='))
    {
        return Err(invalid_input(format!(
            "environment variable name {key:?} is empty or contains `=`"
        )));
    }
    Ok(())
}

/// The image-layout grammar: `component ("/" component)*`, a component being
/// `alphanum (separator alphanum)*` with separators `-._:@+` or `--`.
fn valid_ref_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|component| {
            let bytes = component.as_bytes();
            let alnum = |b: u8| b.is_ascii_alphanumeric();
            let separator = |b: u8| matches!(b, b'-' | b'.' | b'_' | b':' | b'@' | b'+');
            if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
                return false;
            }
            // Between alphanumerics: one separator, or exactly `--`.
            let mut run = Vec::new();
            for &b in bytes {
                if alnum(b) {
                    if !(run.is_empty() || run.len() == 1 || run == b"--") {
                        return false;
                    }
                    run.clear();
                } else if separator(b) {
                    run.push(b);
                } else {
                    return false;
                }
            }
            true
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn invalid_input(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

fn invalid_data(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}
