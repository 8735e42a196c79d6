//! The image's bill of materials as an SPDX 2.3 JSON document: one package per
//! installed Debian package and per package a language lock file in the image
//! pins (`requirements*.txt`, `package-lock.json`, `composer.lock`), each with
//! its package URL, and the image itself, which the document DESCRIBES and which
//! CONTAINS the others. The same image gives the same bytes: the namespace comes
//! from the digest, the time from the image's `created`, the order is sorted.
//!
//! Pure: the driver reads the image's files and hands in their contents.

use crate::build::oci::Package;
use serde_json::{json, Value};

/// Which package manager a lock file is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ecosystem {
    Pypi,
    Npm,
    Composer,
}

impl Ecosystem {
    fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Composer => "composer",
        }
    }
}

/// A package a lock file pins.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Locked {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The lock file's path in the image (`/app/requirements.txt`).
    pub file: String,
}

/// The image the document is about.
pub struct Image<'a> {
    /// `host/name`, where it is published.
    pub repository: &'a str,
    /// `sha256:…`, the manifest the registry serves.
    pub digest: &'a str,
    /// The image's version label, if any.
    pub version: Option<&'a str>,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    pub created: &'a str,
}

/// Which lock file a path in the image is, if any (normalised, relative:
/// `app/requirements.txt`). Files inside installed dependencies
/// (`node_modules`, `site-packages`, `vendor`) and documentation are not the
/// image's own locks.
pub fn lock_kind(path: &str) -> Option<Ecosystem> {
    let inside = |dir: &str| path.split('/').any(|c| c == dir);
    if ["node_modules", "site-packages", "dist-packages", "vendor"]
        .iter()
        .any(|d| inside(d))
        || path.starts_with("usr/share/")
        || path.starts_with("proc/")
    {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "package-lock.json" => Some(Ecosystem::Npm),
        "composer.lock" => Some(Ecosystem::Composer),
        _ if name.starts_with("requirements") && name.ends_with(".txt") => Some(Ecosystem::Pypi),
        _ => None,
    }
}

/// The packages a lock file pins, or why it cannot be read.
pub fn parse_lock(ecosystem: Ecosystem, file: &str, text: &str) -> Result<Vec<Locked>, String> {
    let pairs = match ecosystem {
        Ecosystem::Pypi => requirements(text),
        Ecosystem::Npm => package_lock(text)?,
        Ecosystem::Composer => composer_lock(text)?,
    };
    Ok(pairs
        .into_iter()
        .map(|(name, version)| Locked {
            ecosystem,
            name,
            version,
            file: format!("/{file}"),
        })
        .collect())
}

/// `NAME==VERSION` lines (extras, markers, hashes and comments aside); a line
/// that pins nothing (`-r other.txt`, `name>=1`) is not a pinned package.
fn requirements(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        let line = line.split(';').next().unwrap_or("").trim();
        let Some((name, version)) = line.split_once("==") else {
            continue;
        };
        let name = name.split('[').next().unwrap_or("").trim();
        let version = version
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == '\\')
            .next()
            .unwrap_or("")
            .trim_start_matches('=');
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid_name && !version.is_empty() && !name.starts_with('-') {
            out.push((
                name.to_ascii_lowercase().replace('_', "-"),
                version.to_string(),
            ));
        }
    }
    out
}

/// npm's lock (versions 2 and 3: `packages`, keyed by `node_modules/…` path;
/// version 1: `dependencies`, nested).
fn package_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = Vec::new();
    if let Some(packages) = value["packages"].as_object() {
        for (path, package) in packages {
            let Some(at) = path.rfind("node_modules/") else {
                continue; // "" is the project itself
            };
            let name = package["name"]
                .as_str()
                .unwrap_or(&path[at + "node_modules/".len()..]);
            if let Some(version) = package["version"].as_str() {
                if package["link"].as_bool() != Some(true) {
                    out.push((name.to_string(), version.to_string()));
                }
            }
        }
    } else if value["dependencies"].is_object() {
        fn walk(deps: &Value, out: &mut Vec<(String, String)>) {
            for (name, dep) in deps.as_object().into_iter().flatten() {
                if let Some(version) = dep["version"].as_str() {
                    out.push((name.clone(), version.to_string()));
                }
                walk(&dep["dependencies"], out);
            }
        }
        walk(&value["dependencies"], &mut out);
    } else {
        return Err("neither `packages` nor `dependencies`".into());
    }
    Ok(out)
}

/// Composer's lock: `packages` and `packages-dev`, each with `name` and `version`.
fn composer_lock(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !value["packages"].is_array() {
        return Err("no `packages` list".into());
    }
    Ok(["packages", "packages-dev"]
        .iter()
        .flat_map(|key| value[key].as_array().into_iter().flatten())
        .filter_map(|p| {
            Some((
                p["name"].as_str()?.to_string(),
                p["version"].as_str()?.to_string(),
            ))
        })
        .collect())
}

/// Percent-encoding for a package URL's name, version and qualifier values:
/// everything but `A-Za-z0-9.-_~` (so `1:2.0+dfsg` is `1%3A2.0%2Bdfsg`).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn deb_purl(p: &Package) -> String {
    format!(
        "pkg:deb/debian/{}@{}?arch={}",
        encode(&p.name),
        encode(&p.version),
        encode(&p.architecture)
    )
}

fn locked_purl(p: &Locked) -> String {
    // npm scopes and composer vendors are the purl's namespace.
    let name = p.name.split('/').map(encode).collect::<Vec<_>>().join("/");
    format!(
        "pkg:{}/{name}@{}",
        p.ecosystem.purl_type(),
        encode(&p.version)
    )
}

/// An SPDX identifier's idstring: letters, digits, `.` and `-`.
fn spdx_id(kind: &str, index: usize, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{kind}-{index}-{clean}")
}

fn package(id: String, name: &str, version: &str, purl: String, comment: Option<String>) -> Value {
    let mut p = json!({
        "SPDXID": id,
        "name": name,
        "versionInfo": version,
        "supplier": "NOASSERTION",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl,
        }],
    });
    if let Some(c) = comment {
        p["comment"] = json!(c);
    }
    p
}

/// The SPDX document for `image`.
pub fn document(image: &Image<'_>, debs: &[Package], locked: &[Locked]) -> Value {
    let hex = image.digest.strip_prefix("sha256:").unwrap_or(image.digest);
    let subject = format!("{}@{}", image.repository, image.digest);
    let (host, path) = image
        .repository
        .split_once('/')
        .unwrap_or((image.repository, ""));
    let image_id = "SPDXRef-image";
    let mut image_package = package(
        image_id.to_string(),
        &subject,
        image.version.unwrap_or(image.digest),
        format!(
            "pkg:oci/{}@{}?repository_url={}",
            encode(path.rsplit('/').next().unwrap_or(path)),
            encode(image.digest),
            encode(image.repository)
        ),
        None,
    );
    image_package["primaryPackagePurpose"] = json!("CONTAINER");
    image_package["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
    let mut debs = debs.to_vec();
    debs.sort();
    debs.dedup();
    let mut locked = locked.to_vec();
    locked.sort();
    locked.dedup();
    let mut packages = vec![image_package];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    let mut contains = |id: &str| {
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    };
    for (i, p) in debs.iter().enumerate() {
        let id = spdx_id("deb", i, &p.name);
        contains(&id);
        packages.push(package(id, &p.name, &p.version, deb_purl(p), None));
    }
    for (i, p) in locked.iter().enumerate() {
        let id = spdx_id(p.ecosystem.purl_type(), i, &p.name);
        contains(&id);
        packages.push(package(
            id,
            &p.name,
            &p.version,
            locked_purl(p),
            Some(format!("pinned by {}", p.file)),
        ));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject,
        "documentNamespace": format!("https://{host}/{path}/spdx/sha256-{hex}"),
        "creationInfo": {
            "created": image.created,
            "creators": [format!("Tool: wbuildc-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

/// The tag the document is pushed under beside the image (`sha256-HEX.sbom`,
/// the convention cosign uses for attachments).
pub fn tag(digest: &str) -> String {
    format!("{}.sbom", digest.replacen(':', "-", 1))
}

/// Whether `text` is SPDX's timestamp form, `YYYY-MM-DDThh:mm:ssZ`.
pub fn is_spdx_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// What a document [`document`] wrote says back: the image it describes
/// (`REPOSITORY@DIGEST`) and its Debian packages (the `pkg:deb` ones, with the
/// architecture of their purl), for `wbuildc which --sbom`. `None` when it is
/// not such a document (no image package).
pub fn debian_packages(doc: &Value) -> Option<(String, Vec<Package>)> {
    let packages = doc["packages"].as_array()?;
    let image = packages.iter().find(|p| p["SPDXID"] == "SPDXRef-image")?["name"]
        .as_str()?
        .to_string();
    let debs = packages
        .iter()
        .filter_map(|p| {
            let purl = p["externalRefs"]
                .as_array()?
                .iter()
                .find(|r| r["referenceType"] == "purl")?["referenceLocator"]
                .as_str()?;
            let rest = purl.strip_prefix("pkg:deb/")?;
            let architecture = rest
                .split_once("?")
                .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("arch=")))
                .unwrap_or("");
            Some(Package {
                name: p["name"].as_str()?.to_string(),
                version: p["versionInfo"].as_str()?.to_string(),
                architecture: decode(architecture),
            })
        })
        .collect();
    Some((image, debs))
}

/// The inverse of [`encode`] (`%XX` sequences).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that fails says so
mod tests {
    use super::*;

    fn deb(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            architecture: "amd64".into(),
        }
    }

    #[test]
    fn pinned_requirements_only() {
        let text = "# tools\nFlask==3.0.0\nrequests[socks] == 2.31.0 ; python_version > '3'\n-r base.txt\nurllib3>=2\nidna==3.6 \\\n    --hash=sha256:ab\nzope_interface==6.1  # pinned\n";
        assert_eq!(
            requirements(text),
            [
                ("flask".to_string(), "3.0.0".to_string()),
                ("requests".into(), "2.31.0".into()),
                ("idna".into(), "3.6".into()),
                ("zope-interface".into(), "6.1".into()),
            ]
        );
    }

    #[test]
    fn npm_locks_of_each_version() {
        let v3 = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/express":{"version":"4.18.2"},"node_modules/@types/node":{"version":"20.1.0"},"node_modules/a/node_modules/b":{"version":"1.0.0"},"node_modules/local":{"link":true,"version":"0.0.1"}}}"#;
        let mut got = package_lock(v3).unwrap();
        got.sort();
        assert_eq!(
            got,
            [
                ("@types/node".to_string(), "20.1.0".to_string()),
                ("b".into(), "1.0.0".into()),
                ("express".into(), "4.18.2".into()),
            ]
        );
        let v1 = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0"}}}}}"#;
        assert_eq!(package_lock(v1).unwrap().len(), 2);
        assert!(package_lock("{").is_err());
        assert!(package_lock("{}").is_err());
    }

    #[test]
    fn composer_lock_with_dev_packages() {
        let text = r#"{"packages":[{"name":"monolog/monolog","version":"3.5.0"}],"packages-dev":[{"name":"phpunit/phpunit","version":"10.5.1"}]}"#;
        assert_eq!(composer_lock(text).unwrap().len(), 2);
        assert!(composer_lock("[]").is_err());
    }

    #[test]
    fn lock_files_of_the_image_not_of_its_dependencies() {
        assert_eq!(lock_kind("app/requirements.txt"), Some(Ecosystem::Pypi));
        assert_eq!(
            lock_kind("app/requirements-prod.txt"),
            Some(Ecosystem::Pypi)
        );
        assert_eq!(lock_kind("srv/package-lock.json"), Some(Ecosystem::Npm));
        assert_eq!(
            lock_kind("var/www/composer.lock"),
            Some(Ecosystem::Composer)
        );
        assert_eq!(lock_kind("app/node_modules/x/package-lock.json"), None);
        assert_eq!(
            lock_kind("usr/lib/python3/dist-packages/x/requirements.txt"),
            None
        );
        assert_eq!(lock_kind("app/requirements.in"), None);
    }

    #[test]
    fn document_is_deterministic_and_describes_the_image() {
        let image = Image {
            repository: "registry.example.org/web/api",
            digest: &format!("sha256:{}", "0f".repeat(32)),
            version: Some("1.2.3"),
            created: "2023-11-14T22:13:20Z",
        };
        let debs = [
            deb("zlib1g", "1:1.2.13.dfsg-1"),
            deb("base-files", "12.4+deb12u5"),
        ];
        let locked = parse_lock(
            Ecosystem::Npm,
            "app/package-lock.json",
            r#"{"packages":{"node_modules/@scope/x":{"version":"1.0.0"}}}"#,
        )
        .unwrap();
        let doc = document(&image, &debs, &locked);
        // `which --sbom` reads back what was written.
        let (described, mut read) = debian_packages(&doc).unwrap();
        assert_eq!(
            described,
            format!("registry.example.org/web/api@sha256:{}", "0f".repeat(32))
        );
        let mut written = debs.to_vec();
        written.sort();
        read.sort();
        assert_eq!(read, written);
        let reversed: Vec<Package> = debs.iter().rev().cloned().collect();
        assert_eq!(doc, document(&image, &reversed, &locked));
        assert_eq!(doc["relationships"][0]["relationshipType"], "DESCRIBES");
        assert_eq!(
            doc["packages"][0]["name"],
            format!("{}@{}", image.repository, image.digest)
        );
        assert_eq!(doc["packages"][1]["name"], "base-files");
        assert_eq!(
            doc["packages"][2]["externalRefs"][0]["referenceLocator"],
            "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64"
        );
        assert_eq!(
            doc["packages"][3]["externalRefs"][0]["referenceLocator"],
            "pkg:npm/%40scope/x@1.0.0"
        );
        assert_eq!(
            doc["documentNamespace"],
            format!(
                "https://registry.example.org/web/api/spdx/sha256-{}",
                "0f".repeat(32)
            )
        );
        assert_eq!(doc["relationships"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn tags_and_times() {
        assert_eq!(tag("sha256:abc"), "sha256-abc.sbom");
        assert!(is_spdx_time("2023-11-14T22:13:20Z"));
        assert!(!is_spdx_time("2023-11-14T22:13:20.5Z"));
    }
}
