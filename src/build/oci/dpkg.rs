//! The installed packages of a rootfs tarball, from dpkg's status file.

use super::layer::normalise;
use super::{invalid_data, Package};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

const STATUS: &[u8] = b"var/lib/dpkg/status";
/// A status file lists every package's control fields: a few MB for thousands of
/// packages. Anything far larger is not one.
const MAX_STATUS: u64 = 64 << 20;

/// The content of `var/lib/dpkg/status` in the tarball (its last entry, as when
/// extracting), streaming past everything else.
pub(super) fn status_file(rootfs: &Path) -> io::Result<String> {
    let file = File::open(rootfs)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", rootfs.display())))?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 16, file));
    let mut status = None;
    for entry in archive.entries_with_seek()? {
        let mut entry = entry?;
        if normalise(&entry.path_bytes())? != STATUS {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(invalid_data(format!(
                "{}: var/lib/dpkg/status is not a regular file",
                rootfs.display()
            )));
        }
        if entry.size() > MAX_STATUS {
            return Err(invalid_data("var/lib/dpkg/status is larger than 64 MiB"));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry).take(MAX_STATUS).read_to_end(&mut bytes)?;
        status = Some(bytes);
    }
    let bytes = status.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} has no var/lib/dpkg/status", rootfs.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| invalid_data("var/lib/dpkg/status is not UTF-8"))
}

/// The installed packages of a status file (deb822 paragraphs), sorted by name
/// and architecture.
pub(super) fn installed(status: &str) -> io::Result<Vec<Package>> {
    let mut packages = Vec::new();
    for paragraph in paragraphs(status) {
        let field = |name: &str| {
            paragraph
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim())
        };
        let Some(name) = field("Package") else {
            continue;
        };
        let words: Vec<&str> = field("Status").unwrap_or("").split_whitespace().collect();
        // `WANT FLAG STATE`: what is on disk is the state; `ok` says no error.
        if !matches!(words.as_slice(), [_, "ok", "installed"]) {
            continue;
        }
        let required = |key: &str| {
            field(key)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
                .ok_or_else(|| invalid_data(format!("installed package {name} has no {key}")))
        };
        packages.push(Package {
            name: name.to_string(),
            version: required("Version")?,
            architecture: required("Architecture")?,
        });
    }
    packages.sort_by(|a, b| (&a.name, &a.architecture).cmp(&(&b.name, &b.architecture)));
    Ok(packages)
}

/// The paragraphs of a deb822 file, each as (field, first line of its value);
/// continuation lines (starting with a space or tab) are skipped, the fields read
/// here being single-line.
fn paragraphs(text: &str) -> Vec<Vec<(&str, &str)>> {
    let mut paragraphs = Vec::new();
    let mut current = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) || line.starts_with('#') {
            continue;
        } else if let Some((key, value)) = line.split_once(':') {
            current.push((key.trim(), value));
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}
