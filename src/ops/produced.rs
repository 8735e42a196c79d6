//! The image a variant produces: a first-class fact, decided here once. The
//! convention (docs/operations.md, "Images and tags"):
//!
//! - the repository is the image's name in the organisation's registry (the
//!   first of the policy's `images.allowed_registries`), or the name itself when
//!   it starts with a registry host (`registry.example.org/team/app`);
//! - a release variant (the policy's `images.release_variants`) is tagged with
//!   the image's `version`; when a file has several release variants, each is
//!   tagged `version-variant`;
//! - every other variant is tagged `version-variant` (test variants are built
//!   and run, never published).
//!
//! A variant marked `private = true` is in the policy's
//! `publishing.private_repository` instead (`NAMESPACE/name`), tagged the same
//! way, and has no reference when the policy names no private namespace.
//!
//! Without a `version` the version part is `0.0.0`, so that every variant still
//! has one stable reference the graph can link by. A version that is not a
//! valid tag gives no reference: it is never rewritten into one.

use crate::config::Policy;

/// What a variant is for, from its name and the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Published: listed in `images.release_variants`.
    Release,
    /// Run by CI: named `test` or `test-…`/`test_…`.
    Test,
    /// Any other variant: a stage other variants build on, or an image for
    /// development.
    Stage,
}

impl Role {
    pub fn of(variant: &str, release_variants: &[String]) -> Role {
        if release_variants.iter().any(|r| r == variant) {
            Role::Release
        } else if variant == "test" || variant.starts_with("test-") || variant.starts_with("test_")
        {
            Role::Test
        } else {
            Role::Stage
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Release => "release",
            Role::Test => "test",
            Role::Stage => "stage",
        }
    }
}

/// The version part of tags when the image declares none.
pub const NO_VERSION: &str = "0.0.0";

/// The reference the variant `variant` of the image `name` gets; `None` when
/// the policy names no registry (for a private variant: no
/// `publishing.private_repository`).
pub fn produced_reference(
    policy: &Policy,
    name: &str,
    version: Option<&str>,
    variant: &str,
    role: Role,
    release_variants_in_file: usize,
    private: bool,
) -> Option<String> {
    let first = name.split('/').next().unwrap_or("");
    let has_host = name.contains('/') && (first.contains('.') || first.contains(':'));
    let repository = if private {
        // Below the private namespace, whatever host the name starts with: a
        // private image never gets a public reference.
        let namespace = &policy.private_repository.value;
        if namespace.is_empty() {
            return None;
        }
        let path = if has_host {
            &name[first.len() + 1..]
        } else {
            name
        };
        format!("{namespace}/{path}")
    } else if has_host {
        name.to_string()
    } else {
        format!("{}/{name}", policy.allowed_registries.value.first()?)
    };
    let version = tag_text(version.unwrap_or(NO_VERSION))?;
    let tag = if role == Role::Release && release_variants_in_file == 1 {
        version
    } else {
        tag_text(&format!("{version}-{variant}"))?
    };
    Some(format!("{repository}:{tag}"))
}

/// A tag holds `[A-Za-z0-9_.-]`, starts with a letter, digit or `_`, and is at
/// most 128 characters. A version or variant name that is not one gives no
/// reference (it is never rewritten into one).
fn tag_text(text: &str) -> Option<String> {
    let valid = !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    valid.then(|| text.to_string())
}
