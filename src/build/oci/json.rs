//! The OCI JSON objects, as small serde structs (see the module's top for why not
//! `oci-spec`). Fields serialise in declaration order, which follows the image
//! spec's own order; maps are `BTreeMap`s; output is compact. So the bytes, hence
//! the digests, depend only on the values.

use super::{ImageConfig, REF_NAME};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::io;

pub(super) const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
pub(super) const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The media types of an index entry that points at more images, not one: OCI's
/// image index and Docker's manifest list.
pub(super) const LIST_MEDIA_TYPES: &[&str] = &[
    INDEX_MEDIA_TYPE,
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// What the config's single history entry says made the layer.
const CREATED_BY: &str = "wbuildc base build";
/// The largest `index.json`, manifest or config we read (containerd's limit for
/// manifests is 4 MiB too).
pub(super) const MAX_JSON: u64 = 4 << 20;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    media_type: &'a str,
    digest: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<Platform<'a>>,
}

#[derive(Serialize)]
struct Platform<'a> {
    architecture: &'a str,
    os: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: Descriptor<'a>,
    layers: [Descriptor<'a>; 1],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: &'a BTreeMap<String, String>,
}

/// Our entry, or one of another image kept byte for byte as it was read (a
/// re-serialised `Value` could reorder its keys, and rewriting the same image
/// would then change the index).
#[derive(Serialize)]
#[serde(untagged)]
enum IndexEntry<'a> {
    Ours(Descriptor<'a>),
    Kept(Box<RawValue>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Index<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: Vec<IndexEntry<'a>>,
}

/// The image config (image-spec `config.md`), in the spec's field order.
#[derive(Serialize)]
struct Config<'a> {
    created: &'a str,
    architecture: &'a str,
    os: &'a str,
    config: RunConfig<'a>,
    rootfs: RootFs<'a>,
    history: [History<'a>; 1],
}

#[derive(Serialize)]
struct RunConfig<'a> {
    #[serde(rename = "User", skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(rename = "Env", skip_serializing_if = "Vec::is_empty")]
    env: Vec<String>,
    #[serde(rename = "Cmd", skip_serializing_if = "Option::is_none")]
    cmd: Option<&'a [String]>,
    #[serde(rename = "WorkingDir", skip_serializing_if = "Option::is_none")]
    working_dir: Option<&'a str>,
    #[serde(rename = "Labels", skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RootFs<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    diff_ids: [&'a str; 1],
}

#[derive(Serialize)]
struct History<'a> {
    created: &'a str,
    created_by: &'a str,
}

pub(super) fn config(
    config: &ImageConfig,
    architecture: &str,
    created: &str,
    diff_id: &str,
) -> io::Result<Vec<u8>> {
    let object = Config {
        created,
        architecture,
        os: "linux",
        config: RunConfig {
            user: config.user.as_deref(),
            env: config.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            cmd: config.cmd.as_deref(),
            working_dir: config.workdir.as_deref(),
            labels: &config.labels,
        },
        rootfs: RootFs {
            kind: "layers",
            diff_ids: [diff_id],
        },
        history: [History {
            created,
            created_by: CREATED_BY,
        }],
    };
    Ok(serde_json::to_vec(&object)?)
}

pub(super) fn manifest(
    config_digest: &str,
    config_size: u64,
    layer_digest: &str,
    layer_size: u64,
    annotations: &BTreeMap<String, String>,
) -> io::Result<Vec<u8>> {
    let object = Manifest {
        schema_version: 2,
        media_type: MANIFEST_MEDIA_TYPE,
        config: Descriptor {
            media_type: CONFIG_MEDIA_TYPE,
            digest: config_digest,
            size: config_size,
            annotations: BTreeMap::new(),
            platform: None,
        },
        layers: [Descriptor {
            media_type: LAYER_MEDIA_TYPE,
            digest: layer_digest,
            size: layer_size,
            annotations: BTreeMap::new(),
            platform: None,
        }],
        annotations,
    };
    Ok(serde_json::to_vec(&object)?)
}

/// The index: the existing entries with ours in place of the one with the same
/// ref name (or appended). A second entry with our name is dropped, so the name
/// stays unambiguous.
pub(super) fn index(
    existing: Vec<Box<RawValue>>,
    ref_name: &str,
    manifest_digest: &str,
    manifest_size: u64,
    architecture: &str,
) -> io::Result<Vec<u8>> {
    let mut ours = Some(Descriptor {
        media_type: MANIFEST_MEDIA_TYPE,
        digest: manifest_digest,
        size: manifest_size,
        annotations: BTreeMap::from([(REF_NAME, ref_name)]),
        platform: Some(Platform {
            architecture,
            os: "linux",
        }),
    });
    let mut manifests = Vec::with_capacity(existing.len() + 1);
    for entry in existing {
        let named: Named = serde_json::from_str(entry.get())?;
        let name = named.annotations.as_ref().and_then(|a| a.get(REF_NAME));
        if name.map(String::as_str) == Some(ref_name) {
            if let Some(ours) = ours.take() {
                manifests.push(IndexEntry::Ours(ours));
            }
        } else {
            manifests.push(IndexEntry::Kept(entry));
        }
    }
    if let Some(ours) = ours {
        manifests.push(IndexEntry::Ours(ours));
    }
    Ok(serde_json::to_vec(&Index {
        schema_version: 2,
        media_type: INDEX_MEDIA_TYPE,
        manifests,
    })?)
}

/// An existing index, its entries kept as they are.
#[derive(Deserialize)]
pub(super) struct IndexKept {
    #[serde(default)]
    pub manifests: Vec<Box<RawValue>>,
}

/// The one thing read from a kept entry.
#[derive(Deserialize)]
struct Named {
    annotations: Option<BTreeMap<String, String>>,
}

/// What [`super::read_index`] reads of an index.
#[derive(Deserialize)]
pub(super) struct IndexIn {
    #[serde(default)]
    pub manifests: Vec<DescriptorIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DescriptorIn {
    pub media_type: Option<String>,
    pub digest: String,
    pub annotations: Option<BTreeMap<String, String>>,
    pub platform: Option<PlatformIn>,
}

/// A platform: an index entry's, or the one at the top of a config blob (OCI's
/// and Docker's configs both have `architecture` and `os` there).
#[derive(Deserialize)]
pub(super) struct PlatformIn {
    pub architecture: String,
    pub os: String,
}

/// A manifest's layers, in order (bottom first).
#[derive(Deserialize)]
pub(super) struct LayersIn {
    #[serde(default)]
    pub layers: Vec<DescriptorIn>,
}

#[derive(Deserialize)]
pub(super) struct ManifestIn {
    pub config: DescriptorIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OciLayoutIn {
    pub image_layout_version: String,
}
