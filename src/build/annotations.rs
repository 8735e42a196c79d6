//! OCI annotations for a build: source, revision, created, title, version, the
//! variant, the base image and the wbuildc version. Values come only from the manifest (title,
//! version, source, variant), from git for the revision, from SOURCE_DATE_EPOCH
//! for the creation time, and from the compiled stages (with the lock's pins) for
//! the base image.

use std::path::Path;
use std::process::Command;

/// `(key, value)` pairs, in a fixed order.
pub fn annotations(
    title: &str,
    version: Option<&str>,
    source: Option<&str>,
    variant: &str,
    context: &Path,
    timestamp: Option<i64>,
) -> Vec<(String, String)> {
    let mut out = vec![(
        "org.opencontainers.image.title".to_string(),
        title.to_string(),
    )];
    if let Some(v) = version {
        out.push(("org.opencontainers.image.version".into(), v.to_string()));
    }
    if let Some(s) = source {
        out.push(("org.opencontainers.image.source".into(), s.to_string()));
    }
    if let Some(revision) = git_revision(context) {
        out.push(("org.opencontainers.image.revision".into(), revision));
    }
    if let Some(t) = timestamp {
        out.push(("org.opencontainers.image.created".into(), rfc3339(t)));
    }
    out.push((crate::lower::VARIANT_LABEL.into(), variant.to_string()));
    // Which compiler wrote the image's Dockerfile: what to look at when two
    // builds of one manifest differ. A build-time label, not in the Dockerfile,
    // so a committed Dockerfile does not go stale with every release of wbuildc.
    out.push((
        WBUILDC_VERSION_LABEL.into(),
        env!("CARGO_PKG_VERSION").to_string(),
    ));
    out
}

/// The label with the version of wbuildc that built the image.
pub const WBUILDC_VERSION_LABEL: &str = "dev.wbuild.wbuildc.version";

/// `org.opencontainers.image.base.name` and `.base.digest`: the registry image
/// the target stage is built on (through the stages it builds on), when its
/// digest is known (`@sha256:` in the manifest or pinned by `wbuild.lock`). An
/// image from `scratch`, or on a base without a digest, has neither: a name
/// without a digest would not say which image it was.
pub fn base_annotations(dockerfile: &crate::ir::Dockerfile) -> Vec<(String, String)> {
    let mut stage = dockerfile
        .stages
        .iter()
        .find(|s| s.name == dockerfile.target)
        .or(dockerfile.stages.last());
    // A stage chain is at most as long as the list of stages (no cycles reach here).
    for _ in 0..=dockerfile.stages.len() {
        match stage.map(|s| &s.from) {
            Some(crate::ir::From::Stage(name)) => {
                stage = dockerfile.stages.iter().find(|s| &s.name == name);
            }
            Some(crate::ir::From::Image(image)) => {
                let Some(digest) = &image.digest else {
                    return Vec::new();
                };
                return vec![
                    (
                        "org.opencontainers.image.base.name".into(),
                        image.without_digest().to_string(),
                    ),
                    (
                        "org.opencontainers.image.base.digest".into(),
                        digest.clone(),
                    ),
                ];
            }
            Some(crate::ir::From::Scratch) | None => return Vec::new(),
        }
    }
    Vec::new()
}

/// The commit checked out in `context`, when it is a clean git checkout's HEAD.
fn git_revision(context: &Path) -> Option<String> {
    if !super::is_git_checkout(context) {
        return None;
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(context)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let rev = text.trim();
    (out.status.success() && rev.len() >= 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| rev.to_string())
}

/// Seconds since the epoch as RFC 3339 UTC (`2023-11-14T22:13:20Z`).
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that fails says so
mod tests {
    use super::*;

    fn stage(name: &str, from: crate::ir::From) -> crate::ir::Stage {
        crate::ir::Stage {
            name: crate::ir::StageName::new(name).unwrap(),
            from,
            instructions: Vec::new(),
        }
    }

    fn image(digest: Option<&str>) -> crate::ir::From {
        crate::ir::From::Image(crate::check::types::ImageRef {
            registry: "registry.example.org".into(),
            repository: "bases/debian".into(),
            tag: Some("12".into()),
            digest: digest.map(str::to_string),
        })
    }

    fn dockerfile(stages: Vec<crate::ir::Stage>) -> crate::ir::Dockerfile {
        crate::ir::Dockerfile {
            source: crate::ir::Comment::lossy("t.wbuild"),
            target: stages.last().unwrap().name.clone(),
            stages,
        }
    }

    #[test]
    fn base_image_through_the_stages_it_builds_on() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let stages = vec![
            stage("base", image(Some(&digest))),
            stage(
                "production",
                crate::ir::From::Stage(crate::ir::StageName::new("base").unwrap()),
            ),
        ];
        assert_eq!(
            base_annotations(&dockerfile(stages)),
            [
                (
                    "org.opencontainers.image.base.name".to_string(),
                    "registry.example.org/bases/debian:12".to_string()
                ),
                ("org.opencontainers.image.base.digest".to_string(), digest),
            ]
        );
    }

    #[test]
    fn no_base_annotations_without_a_digest_or_from_scratch() {
        assert!(base_annotations(&dockerfile(vec![stage("p", image(None))])).is_empty());
        assert!(
            base_annotations(&dockerfile(vec![stage("p", crate::ir::From::Scratch)])).is_empty()
        );
    }

    #[test]
    fn formats_epoch_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
