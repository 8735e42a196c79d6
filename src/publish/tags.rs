//! The tags one publish pushes (docs/publishing.md, "Tags"):
//!
//! - the *floating* tag `T` is the produced tag of `ops/produced.rs` (the
//!   image's version, or `version-variant`), computed with the release's version,
//!   or for a snapshot with `VERSION-snapshot`; it moves to every new build;
//! - the *immutable* tag `T-YYYYMMDD-N`: the build's UTC date (the date of
//!   `SOURCE_DATE_EPOCH`, which is also the image's `created`, else today) and the
//!   next number `N` not yet used for `T` on that date in the registry. It is
//!   pushed once and never overwritten.
//!
//! `latest` is never a tag: which build it names depends on who pushed last.

use super::release::Kind;
use crate::config::Policy;
use crate::ops::produced::{produced_reference, Role, NO_VERSION};

/// The tags of one publish, and the repository they are in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishTags {
    /// `registry/name`, from the produced reference.
    pub repository: String,
    /// `T-YYYYMMDD-N`, pushed once.
    pub immutable: String,
    /// `T`, moved to this build.
    pub floating: Vec<String>,
}

impl PublishTags {
    /// `repository:tag` of the immutable tag, then of each floating one.
    pub fn references(&self) -> Vec<String> {
        std::iter::once(&self.immutable)
            .chain(&self.floating)
            .map(|tag| format!("{}:{tag}", self.repository))
            .collect()
    }
}

/// Why a variant has no tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagError {
    /// Test variants are built and run by CI, never published.
    TestVariant,
    /// The policy names no registry (`images.allowed_registries` is empty), or
    /// the version or variant is not tag text.
    NoReference,
    /// The variant is private and the policy names no private namespace
    /// (`publishing.private_repository` is empty).
    NoPrivateRepository,
    /// The immutable tag would be longer than a tag may be (128 characters).
    TooLong(String),
}

impl std::fmt::Display for TagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TagError::TestVariant => {
                f.write_str("test variants are built and run by CI, never published")
            }
            TagError::NoReference => f.write_str(
                "the variant has no image reference: the policy names no registry \
                 (images.allowed_registries), or the image's version is not tag text",
            ),
            TagError::NoPrivateRepository => f.write_str(
                "the variant is private (`private = true`) and the policy names no private \
                 namespace (publishing.private_repository): a private image is never published \
                 in the public one",
            ),
            TagError::TooLong(tag) => write!(f, "the tag `{tag}` is longer than 128 characters"),
        }
    }
}

/// What the tags are computed from: the manifest's image and variant, and the
/// policy that names the registry and the release variants.
pub struct Subject<'a> {
    pub policy: &'a Policy,
    pub image_name: &'a str,
    /// The manifest's `image { version }`.
    pub manifest_version: Option<&'a str>,
    pub variant: &'a str,
    /// How many of the file's variants are release variants (produced.rs names
    /// each release variant's tag `version-variant` when there are several).
    pub release_variants_in_file: usize,
    /// Marked `private = true`: published below `publishing.private_repository`.
    pub private: bool,
}

/// The floating tag and its repository: the produced reference for this
/// publish's version.
pub fn floating(subject: &Subject<'_>, kind: &Kind) -> Result<(String, String), TagError> {
    let role = Role::of(subject.variant, &subject.policy.release_variants.value);
    // A test variant with private data (tests of unreleased security patches)
    // is shared in the private namespace; other test variants are only run.
    if role == Role::Test && !subject.private {
        return Err(TagError::TestVariant);
    }
    let version = match kind {
        Kind::Release { version } => version.clone(),
        Kind::Snapshot => format!(
            "{}-snapshot",
            subject.manifest_version.unwrap_or(NO_VERSION)
        ),
    };
    let reference = produced_reference(
        subject.policy,
        subject.image_name,
        Some(&version),
        subject.variant,
        role,
        subject.release_variants_in_file,
        subject.private,
    )
    .ok_or(if subject.private {
        TagError::NoPrivateRepository
    } else {
        TagError::NoReference
    })?;
    // produced_reference writes `repository:tag`, and a tag holds no `:`.
    let (repository, tag) = reference.rsplit_once(':').ok_or(TagError::NoReference)?;
    Ok((repository.to_string(), tag.to_string()))
}

/// `T-YYYYMMDD-`: what every immutable tag of `floating` on `date` starts with.
pub fn immutable_prefix(floating: &str, date: &str) -> String {
    format!("{floating}-{date}-")
}

/// The tags of one publish, with build number `number` on `date` (`YYYYMMDD`).
pub fn publish_tags(
    subject: &Subject<'_>,
    kind: &Kind,
    date: &str,
    number: u32,
) -> Result<PublishTags, TagError> {
    let (repository, floating) = floating(subject, kind)?;
    let immutable = format!("{}{number}", immutable_prefix(&floating, date));
    if immutable.len() > 128 {
        return Err(TagError::TooLong(immutable));
    }
    Ok(PublishTags {
        repository,
        immutable,
        floating: vec![floating],
    })
}

/// The next free build number for `prefix` (`T-YYYYMMDD-`) among the tags the
/// registry lists: one more than the highest used, 1 when none is. A tag counts
/// only when all that follows the prefix is a number, so `1.0.0-20261202-` does
/// not count the tags of `1.0.0-20261202-2-production`'s floating tag's builds.
pub fn next_number<'a>(existing: impl IntoIterator<Item = &'a str>, prefix: &str) -> u32 {
    existing
        .into_iter()
        .filter_map(|tag| tag.strip_prefix(prefix))
        .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|rest| rest.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

/// The build date as a tag's `YYYYMMDD`, from seconds since the epoch (UTC).
pub fn build_date(seconds: i64) -> String {
    crate::build::rfc3339(seconds)
        .chars()
        .take(10)
        .filter(|c| *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(release_variants: &[&str]) -> Policy {
        let mut policy = Policy::default();
        policy.allowed_registries.value = vec!["registry.example.org".into()];
        policy.release_variants.value = release_variants.iter().map(|s| s.to_string()).collect();
        policy
    }

    fn subject<'a>(policy: &'a Policy, variant: &'a str, releases: usize) -> Subject<'a> {
        Subject {
            policy,
            image_name: "hello",
            manifest_version: Some("2.1.0"),
            variant,
            release_variants_in_file: releases,
            private: false,
        }
    }

    #[test]
    fn a_private_variant_is_tagged_below_the_private_namespace_only() {
        let mut policy = policy(&["production"]);
        fn private<'a>(policy: &'a Policy, variant: &'a str) -> Subject<'a> {
            Subject {
                private: true,
                ..subject(policy, variant, 1)
            }
        }
        let kind = release();
        assert_eq!(
            floating(&private(&policy, "production"), &kind),
            Err(TagError::NoPrivateRepository)
        );
        policy.private_repository.value = "registry.example.org/private".into();
        let tags = publish_tags(&private(&policy, "production"), &kind, "20261202", 1);
        let tags = tags.map(|t| (t.repository, t.floating)).unwrap_or_default();
        assert_eq!(tags.0, "registry.example.org/private/hello");
        assert_eq!(tags.1, ["2.1.0"]);
        // A private test variant is shared there; a public one is never published.
        let tags = publish_tags(&private(&policy, "test"), &kind, "20261202", 1);
        let refs = tags.map(|t| t.references()).unwrap_or_default();
        assert_eq!(
            refs.get(1).map(String::as_str),
            Some("registry.example.org/private/hello:2.1.0-test")
        );
        assert_eq!(
            floating(&subject(&policy, "test", 1), &kind),
            Err(TagError::TestVariant)
        );
        // A name with its own host keeps its path, below the namespace.
        let named = Subject {
            image_name: "registry.example.org/team/hello",
            ..private(&policy, "production")
        };
        let repository = floating(&named, &kind).map(|(r, _)| r);
        assert_eq!(
            repository.as_deref(),
            Ok("registry.example.org/private/team/hello")
        );
    }

    fn release() -> Kind {
        Kind::Release {
            version: "2.1.0".into(),
        }
    }

    #[test]
    fn a_release_gets_its_version_and_a_dated_immutable_tag() {
        let policy = policy(&["production"]);
        let tags = publish_tags(
            &subject(&policy, "production", 1),
            &release(),
            "20261202",
            3,
        );
        assert_eq!(
            tags,
            Ok(PublishTags {
                repository: "registry.example.org/hello".into(),
                immutable: "2.1.0-20261202-3".into(),
                floating: vec!["2.1.0".into()],
            })
        );
        let refs = tags.map(|t| t.references()).unwrap_or_default();
        assert_eq!(
            refs,
            [
                "registry.example.org/hello:2.1.0-20261202-3",
                "registry.example.org/hello:2.1.0"
            ]
        );
    }

    #[test]
    fn a_snapshot_never_shares_a_release_tag() {
        let policy = policy(&["production"]);
        let tags = publish_tags(
            &subject(&policy, "production", 1),
            &Kind::Snapshot,
            "20261202",
            1,
        );
        let tags = tags.map(|t| (t.immutable, t.floating)).unwrap_or_default();
        assert_eq!(tags.0, "2.1.0-snapshot-20261202-1");
        assert_eq!(tags.1, ["2.1.0-snapshot"]);
    }

    #[test]
    fn variants_follow_the_produced_convention() {
        let policy = policy(&["production", "slim"]);
        // Several release variants: each is `version-variant`, as in produced.rs.
        let tags = publish_tags(&subject(&policy, "slim", 2), &release(), "20261202", 1);
        assert_eq!(tags.map(|t| t.floating).unwrap_or_default(), ["2.1.0-slim"]);
        // A stage variant is `version-variant` too.
        let tags = publish_tags(
            &subject(&policy, "builder", 2),
            &Kind::Snapshot,
            "20261202",
            1,
        );
        assert_eq!(
            tags.map(|t| t.immutable).unwrap_or_default(),
            "2.1.0-snapshot-builder-20261202-1"
        );
    }

    #[test]
    fn test_variants_and_missing_registries_have_no_tags() {
        let policy_ = policy(&["production"]);
        let tags = publish_tags(&subject(&policy_, "test", 1), &release(), "20261202", 1);
        assert_eq!(tags, Err(TagError::TestVariant));
        let mut empty = policy_.clone();
        empty.allowed_registries.value.clear();
        let tags = publish_tags(&subject(&empty, "production", 1), &release(), "20261202", 1);
        assert_eq!(tags, Err(TagError::NoReference));
    }

    #[test]
    fn the_next_number_is_one_more_than_the_highest_used() {
        let prefix = immutable_prefix("2.1.0", "20261202");
        assert_eq!(next_number([], &prefix), 1);
        let listed = [
            "2.1.0",
            "2.1.0-20261202-1",
            "2.1.0-20261202-7",
            "2.1.0-20261202-3",
            "2.1.0-20261201-12",
            "2.1.0-20261202-",
            "2.1.0-20261202-x9",
            "2.1.0-20261202-2-production",
            "2.1.0-snapshot-20261202-40",
        ];
        assert_eq!(next_number(listed, &prefix), 8);
        assert_eq!(
            next_number(listed, &immutable_prefix("2.1.0", "20261203")),
            1
        );
    }

    #[test]
    fn the_build_date_is_utc() {
        assert_eq!(build_date(1_700_000_000), "20231114");
        assert_eq!(build_date(0), "19700101");
        assert_eq!(build_date(951_868_799), "20000229");
    }
}
