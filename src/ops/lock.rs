//! `wbuild.lock`: every external base reference the workspace uses, pinned to
//! the digest it resolved to (per platform), with a checksum over what the lock
//! was made from, so that a lock that no longer matches the workspace is found.
//!
//! The file is TOML written by [`Lock::to_toml`] alone (sorted, one entry per
//! reference), so `wbuildc lock --update`'s diff is the change log of the base
//! images, and the rebuild trigger: a rebuilt base has a new digest, which moves
//! its entry, which `wbuildc affected --lock-diff` turns into the images to
//! rebuild.
//!
//! Invariant: no I/O; the driver resolves digests (local OCI layouts, skopeo)
//! and reads and writes the file.

use super::workspace::{NodeKind, Workspace};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const LOCK_FILE: &str = "wbuild.lock";
const FORMAT_VERSION: i64 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Lock {
    /// The checksum of the inputs (see [`inputs_checksum`]).
    pub inputs: String,
    pub images: BTreeMap<String, Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    /// What `FROM` pins: the digest of the index (or of the manifest, for a
    /// single-platform image).
    pub digest: String,
    /// Each platform's manifest digest (`linux/amd64` → `sha256:...`).
    pub platforms: BTreeMap<String, String>,
    /// Where the digest was read (`oci:DIR`, `docker://REF`).
    pub source: String,
    /// For a base defined in the workspace: the checksum of its definition
    /// when the lock was made.
    pub definition: Option<String>,
}

/// What the lock must cover: each external reference with, for a base defined
/// in the workspace, the checksum of its definition file.
pub type Wanted = BTreeMap<String, Option<String>>;

/// The references the workspace's variants start from that no manifest of the
/// workspace produces: the base items' references and the external ones.
/// `definition(file)` gives the checksum of a base definition's text.
pub fn wanted(ws: &Workspace, definition: impl Fn(&str) -> Option<String>) -> Wanted {
    let mut out = Wanted::new();
    for (n, node) in ws.nodes.iter().enumerate() {
        let used = !ws.users[n].is_empty();
        match node {
            NodeKind::Base { reference, file } => {
                out.insert(reference.clone(), definition(file));
            }
            NodeKind::External { reference } if used => {
                out.insert(reference.clone(), None);
            }
            _ => {}
        }
    }
    out
}

/// sha256 over the wanted references and definition checksums, one line each.
pub fn inputs_checksum(wanted: &Wanted) -> String {
    let mut hasher = Sha256::new();
    for (reference, definition) in wanted {
        hasher.update(reference.as_bytes());
        hasher.update(b"\t");
        hasher.update(definition.as_deref().unwrap_or("-").as_bytes());
        hasher.update(b"\n");
    }
    format!("sha256:{:x}", hasher.finalize())
}

/// The checksum of a file's text (a base definition).
pub fn text_checksum(text: &str) -> String {
    format!("sha256:{:x}", Sha256::digest(text.as_bytes()))
}

/// Why a lock does not match the workspace, one line per problem.
pub fn stale(lock: &Lock, wanted: &Wanted) -> Vec<String> {
    let mut out = Vec::new();
    for (reference, definition) in wanted {
        match lock.images.get(reference) {
            None => out.push(format!("`{reference}` is used but not locked")),
            Some(entry) if entry.definition != *definition => out.push(format!(
                "the definition of `{reference}` changed since it was locked (rebuild it, then `wbuildc lock --update`)"
            )),
            Some(_) => {}
        }
    }
    for reference in lock.images.keys() {
        if !wanted.contains_key(reference) {
            out.push(format!("`{reference}` is locked but no longer used"));
        }
    }
    if out.is_empty() && lock.inputs != inputs_checksum(wanted) {
        out.push("the lock's input checksum does not match (edited by hand?)".into());
    }
    out
}

/// The references whose digest differs between two locks (added, removed or
/// moved), sorted.
pub fn changed_references(old: &Lock, new: &Lock) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (reference, entry) in &new.images {
        if old.images.get(reference).map(|e| &e.digest) != Some(&entry.digest) {
            out.push(reference.clone());
        }
    }
    for reference in old.images.keys() {
        if !new.images.contains_key(reference) {
            out.push(reference.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Lock {
    /// The pins lowering applies (`reference` → `digest`).
    pub fn pins(&self) -> crate::db::Pins {
        self.images
            .iter()
            .map(|(r, e)| (r.clone(), e.digest.clone()))
            .collect()
    }

    pub fn to_toml(&self) -> String {
        let q = crate::config::toml_string;
        let mut out = String::from(
            "# wbuild.lock: the digest every external base image reference is pinned to.\n\
             # Written by `wbuildc lock`; refresh with `wbuildc lock --update`. Do not edit.\n",
        );
        out.push_str(&format!("version = {FORMAT_VERSION}\n"));
        out.push_str(&format!("inputs = {}\n", q(&self.inputs)));
        for (reference, e) in &self.images {
            out.push_str(&format!("\n[[image]]\nreference = {}\n", q(reference)));
            out.push_str(&format!("digest = {}\n", q(&e.digest)));
            out.push_str(&format!("source = {}\n", q(&e.source)));
            if let Some(d) = &e.definition {
                out.push_str(&format!("definition = {}\n", q(d)));
            }
            if !e.platforms.is_empty() {
                out.push_str("platforms = { ");
                let parts: Vec<String> = e
                    .platforms
                    .iter()
                    .map(|(p, d)| format!("{} = {}", q(p), q(d)))
                    .collect();
                out.push_str(&parts.join(", "));
                out.push_str(" }\n");
            }
        }
        out
    }

    /// Reads a lock; the error says what is wrong (with the line, from TOML).
    pub fn parse(text: &str) -> Result<Lock, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            version: i64,
            inputs: String,
            #[serde(default)]
            image: Vec<Image>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Image {
            reference: String,
            digest: String,
            source: String,
            definition: Option<String>,
            #[serde(default)]
            platforms: BTreeMap<String, String>,
        }
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.version != FORMAT_VERSION {
            return Err(format!(
                "version {} is not supported (this wbuildc reads version {FORMAT_VERSION})",
                file.version
            ));
        }
        let mut lock = Lock {
            inputs: file.inputs,
            images: BTreeMap::new(),
        };
        for image in file.image {
            let reference = crate::check::types::ImageRef::parse(&image.reference)
                .map_err(|e| format!("`{}`: {e}", image.reference))?;
            if reference.digest.is_some() || reference.tag.is_none() {
                return Err(format!(
                    "`{}`: a locked reference has a tag and no digest",
                    image.reference
                ));
            }
            for d in std::iter::once(&image.digest).chain(image.platforms.values()) {
                if !is_digest(d) {
                    return Err(format!(
                        "`{}`: `{d}` is not a sha256 digest",
                        image.reference
                    ));
                }
            }
            if lock.images.contains_key(&image.reference) {
                return Err(format!("`{}` is locked twice", image.reference));
            }
            lock.images.insert(
                image.reference,
                Entry {
                    digest: image.digest,
                    platforms: image.platforms,
                    source: image.source,
                    definition: image.definition,
                },
            );
        }
        Ok(lock)
    }
}

pub fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that fails says so
mod tests {
    use super::*;

    fn entry(digest: char) -> Entry {
        Entry {
            digest: format!("sha256:{}", digest.to_string().repeat(64)),
            platforms: BTreeMap::from([(
                "linux/amd64".to_string(),
                format!("sha256:{}", digest.to_string().repeat(64)),
            )]),
            source: "oci:layouts/debian".into(),
            definition: Some(format!("sha256:{}", "c".repeat(64))),
        }
    }

    #[test]
    fn a_lock_round_trips_through_its_text() {
        let lock = Lock {
            inputs: format!("sha256:{}", "0".repeat(64)),
            images: BTreeMap::from([
                (
                    "registry.example.org/debian:bookworm".to_string(),
                    entry('a'),
                ),
                ("registry.example.org/debian:trixie".to_string(), entry('b')),
            ]),
        };
        let text = lock.to_toml();
        assert_eq!(Lock::parse(&text), Ok(lock));
    }

    #[test]
    fn bad_locks_are_refused_with_a_reason() {
        for (text, why) in [
            ("version = 2\ninputs = \"x\"\n", "version 2"),
            ("version = 1\ninputs = \"x\"\n[[image]]\nreference = \"registry.example.org/d\"\ndigest = \"sha256:aa\"\nsource = \"x\"\n", "a tag and no digest"),
            ("version = 1\ninputs = \"x\"\n[[image]]\nreference = \"registry.example.org/d:1\"\ndigest = \"md5:aa\"\nsource = \"x\"\n", "not a sha256 digest"),
            ("version = 1\ninputs = \"x\"\nextra = 1\n", "unknown field"),
        ] {
            let err = Lock::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn a_stale_lock_says_what_changed() {
        let reference = "registry.example.org/debian:bookworm".to_string();
        let wanted = Wanted::from([(
            reference.clone(),
            Some(format!("sha256:{}", "c".repeat(64))),
        )]);
        let mut lock = Lock {
            inputs: inputs_checksum(&wanted),
            images: BTreeMap::from([(reference.clone(), entry('a'))]),
        };
        assert!(stale(&lock, &wanted).is_empty());
        lock.images.get_mut(&reference).unwrap().definition = Some("sha256:other".into());
        assert!(stale(&lock, &wanted)[0].contains("definition"));
        let more = Wanted::from([
            (
                reference.clone(),
                Some(format!("sha256:{}", "c".repeat(64))),
            ),
            ("registry.example.org/node:20".to_string(), None),
        ]);
        lock.images.get_mut(&reference).unwrap().definition =
            Some(format!("sha256:{}", "c".repeat(64)));
        assert_eq!(
            stale(&lock, &more),
            vec!["`registry.example.org/node:20` is used but not locked"]
        );
    }

    #[test]
    fn the_change_between_two_locks_is_every_moved_reference() {
        let old = Lock {
            inputs: String::new(),
            images: BTreeMap::from([
                ("r/a:1".to_string(), entry('a')),
                ("r/b:1".to_string(), entry('b')),
                ("r/c:1".to_string(), entry('c')),
            ]),
        };
        let mut new = old.clone();
        new.images.insert("r/a:1".into(), entry('d'));
        new.images.remove("r/b:1");
        new.images.insert("r/e:1".into(), entry('e'));
        assert_eq!(
            changed_references(&old, &new),
            vec!["r/a:1", "r/b:1", "r/e:1"]
        );
    }
}
