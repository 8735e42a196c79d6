//! Release marking (docs/publishing.md, "Releases"): a release is a git tag
//! `vX.Y.Z` (optionally `vX.Y.Z-PRERELEASE`) on HEAD of a clean tree, and its
//! version must be the manifest's `image { version }`. Neither wins when they
//! differ: the tag is the decision to release, the manifest is what the image
//! says it is (its `org.opencontainers.image.version` label), and an image whose
//! label disagrees with its tag would be a lie either way, so publishing is
//! refused until one is changed. Everything else is a snapshot, published only
//! when asked for (`--snapshot`).

/// What git said about the repository, gathered by the driver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitState {
    /// Whether the manifest is inside a git work tree at all.
    pub repository: bool,
    /// HEAD's commit (`git rev-parse HEAD`); none before the first commit.
    pub head: Option<String>,
    /// The tags on HEAD (`git tag --points-at HEAD`).
    pub head_tags: Vec<String>,
    /// The changed and untracked paths (`git status --porcelain`), ignored files
    /// excluded.
    pub changed: Vec<String>,
}

impl GitState {
    /// The tags of HEAD that mark releases, with their versions.
    pub fn release_tags(&self) -> Vec<(&str, &str)> {
        self.head_tags
            .iter()
            .filter_map(|tag| version_of_tag(tag).map(|v| (tag.as_str(), v)))
            .collect()
    }
}

/// Whether this publish is a release of a version or a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Release { version: String },
    Snapshot,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Release { .. } => "release",
            Kind::Snapshot => "snapshot",
        }
    }
}

/// Why a publish is not a release (and `--snapshot` was not given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotARepository,
    NoReleaseTag,
    SeveralReleaseTags(Vec<String>),
    Dirty(Vec<String>),
    NoManifestVersion { tag: String },
    VersionMismatch { tag: String, manifest: String },
}

impl Refusal {
    /// The message, then what to do.
    pub fn message(&self) -> (String, String) {
        const SNAPSHOT: &str = "or pass --snapshot to publish a snapshot (tagged VERSION-snapshot)";
        match self {
            Refusal::NotARepository => (
                "not a release: the manifest is not in a git work tree".into(),
                format!("releases are git tags `vX.Y.Z`; {SNAPSHOT}"),
            ),
            Refusal::NoReleaseTag => (
                "not a release: HEAD has no release tag `vX.Y.Z`".into(),
                format!("tag the commit (`git tag v1.2.3`) {SNAPSHOT}"),
            ),
            Refusal::SeveralReleaseTags(tags) => (
                format!(
                    "not a release: HEAD has several release tags ({})",
                    tags.join(", ")
                ),
                "a commit is one release: delete all tags but one".into(),
            ),
            Refusal::Dirty(changed) => {
                let shown: Vec<&str> = changed.iter().take(5).map(String::as_str).collect();
                let more = changed.len().saturating_sub(shown.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                (
                    format!(
                        "not a release: the work tree has changes that are not committed ({}{more})",
                        shown.join(", ")
                    ),
                    format!("a release is built from the tagged commit only: commit or remove them, {SNAPSHOT}"),
                )
            }
            Refusal::NoManifestVersion { tag } => (
                format!("the release tag `{tag}` has no version to agree with: the manifest's image declares no `version`"),
                format!("add `version = \"{}\"` to the manifest's `image` block", version_of_tag(tag).unwrap_or("X.Y.Z")),
            ),
            Refusal::VersionMismatch { tag, manifest } => (
                format!(
                    "the release tag `{tag}` says version {} but the manifest's image says `version = \"{manifest}\"`",
                    version_of_tag(tag).unwrap_or(tag)
                ),
                "the tag and the manifest must agree: change the manifest's version and tag that commit, or move the tag".into(),
            ),
        }
    }
}

/// `v1.2.3` → `1.2.3`; `v1.2.3-rc.1` → `1.2.3-rc.1`. Numbers without leading
/// zeros (as in semver); anything else is not a release tag.
pub fn version_of_tag(tag: &str) -> Option<&str> {
    let version = tag.strip_prefix('v')?;
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let number_ok = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    let pre_ok = pre.is_none_or(|p| {
        p.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    (numbers.len() == 3 && numbers.iter().all(number_ok) && pre_ok && version.len() <= 100)
        .then_some(version)
}

/// The changed paths of `git status --porcelain` (v1) output, one per line.
pub fn parse_porcelain(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.get(3..))
        .filter(|path| !path.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether this publish is a release, from the repository and the manifest.
/// With `snapshot` it is a snapshot whatever the repository says.
pub fn decide(
    git: &GitState,
    manifest_version: Option<&str>,
    snapshot: bool,
) -> Result<Kind, Refusal> {
    if snapshot {
        return Ok(Kind::Snapshot);
    }
    if !git.repository {
        return Err(Refusal::NotARepository);
    }
    let tags = git.release_tags();
    let (tag, version) = match tags.as_slice() {
        [] => return Err(Refusal::NoReleaseTag),
        [one] => *one,
        several => {
            return Err(Refusal::SeveralReleaseTags(
                several.iter().map(|(t, _)| t.to_string()).collect(),
            ))
        }
    };
    if !git.changed.is_empty() {
        return Err(Refusal::Dirty(git.changed.clone()));
    }
    match manifest_version {
        None => Err(Refusal::NoManifestVersion { tag: tag.into() }),
        Some(m) if m != version => Err(Refusal::VersionMismatch {
            tag: tag.into(),
            manifest: m.into(),
        }),
        Some(_) => Ok(Kind::Release {
            version: version.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tags: &[&str], changed: &[&str]) -> GitState {
        GitState {
            repository: true,
            head: Some("abc".into()),
            head_tags: tags.iter().map(|s| s.to_string()).collect(),
            changed: changed.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn release_tags_are_v_and_three_numbers() {
        assert_eq!(version_of_tag("v1.2.3"), Some("1.2.3"));
        assert_eq!(version_of_tag("v0.10.0"), Some("0.10.0"));
        assert_eq!(version_of_tag("v1.2.3-rc.1"), Some("1.2.3-rc.1"));
        for not_a_release in [
            "1.2.3",
            "v1.2",
            "v1.2.3.4",
            "v01.2.3",
            "v1.2.x",
            "v1.2.3-",
            "v1.2.3-a..b",
            "release-1",
            "v1.2.3+meta",
            "",
        ] {
            assert_eq!(version_of_tag(not_a_release), None, "{not_a_release}");
        }
    }

    #[test]
    fn a_tagged_clean_head_that_agrees_with_the_manifest_is_a_release() {
        let git = at(&["deployed", "v2.1.0"], &[]);
        assert_eq!(
            decide(&git, Some("2.1.0"), false),
            Ok(Kind::Release {
                version: "2.1.0".into()
            })
        );
        // --snapshot is a snapshot even on a release tag.
        assert_eq!(decide(&git, Some("2.1.0"), true), Ok(Kind::Snapshot));
    }

    #[test]
    fn everything_else_is_refused_unless_a_snapshot() {
        let cases = [
            (GitState::default(), Some("2.1.0"), Refusal::NotARepository),
            (at(&["deployed"], &[]), Some("2.1.0"), Refusal::NoReleaseTag),
            (
                at(&["v2.1.0", "v2.1.1"], &[]),
                Some("2.1.0"),
                Refusal::SeveralReleaseTags(vec!["v2.1.0".into(), "v2.1.1".into()]),
            ),
            (
                at(&["v2.1.0"], &["src/main.py", "new.txt"]),
                Some("2.1.0"),
                Refusal::Dirty(vec!["src/main.py".into(), "new.txt".into()]),
            ),
            (
                at(&["v2.1.0"], &[]),
                None,
                Refusal::NoManifestVersion {
                    tag: "v2.1.0".into(),
                },
            ),
            (
                at(&["v2.2.0"], &[]),
                Some("2.1.0"),
                Refusal::VersionMismatch {
                    tag: "v2.2.0".into(),
                    manifest: "2.1.0".into(),
                },
            ),
        ];
        for (git, version, refusal) in cases {
            assert_eq!(decide(&git, version, false), Err(refusal.clone()));
            assert_eq!(decide(&git, version, true), Ok(Kind::Snapshot));
            let (message, help) = refusal.message();
            assert!(!message.is_empty() && !help.is_empty());
        }
    }

    #[test]
    fn porcelain_lines_name_paths() {
        let out = " M service.wbuild\n?? new file.txt\nR  old -> new\n";
        assert_eq!(
            parse_porcelain(out),
            ["service.wbuild", "new file.txt", "old -> new"]
        );
        assert!(parse_porcelain("").is_empty());
    }
}
