//! Publishing: which tags a build gets and whether it is a release
//! (docs/publishing.md). The tag convention extends the one of
//! `ops/produced.rs`: the produced tag `T` (the image's version, or
//! `version-variant`) is the floating tag, and every publish adds the immutable
//! `T-YYYYMMDD-N`. A snapshot's version part is `VERSION-snapshot`, so a
//! snapshot never moves a release's tag.
//!
//! - `tags.rs`: the tags of one publish, the build date, the next free number.
//! - `release.rs`: a release from the repository's state (a `vX.Y.Z` tag on a
//!   clean HEAD that agrees with the manifest), or the reason it is refused.
//! - `source.rs`: whether the image to push says it is this build (its labels).
//! - `sbom.rs`: the image's bill of materials (SPDX JSON) and its tag.
//!
//! Invariant: no I/O; the driver runs git and skopeo and hands in what they said.

pub mod release;
pub mod sbom;
pub mod source;
pub mod tags;

pub use release::{GitState, Kind, Refusal};
pub use tags::{PublishTags, TagError};

/// The variables of the policy's `publishing.require_ci_env` that are unset or
/// empty: publishing is refused while any is.
pub fn missing_ci_env(required: &[String], lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    required
        .iter()
        .filter(|name| lookup(name).is_none_or(|value| value.is_empty()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_markers_must_be_set_and_not_empty() {
        let env = |name: &str| match name {
            "CI" => Some("true".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let required = ["CI", "EMPTY", "GITLAB_CI"].map(str::to_string);
        assert_eq!(missing_ci_env(&required, env), ["EMPTY", "GITLAB_CI"]);
        assert!(missing_ci_env(&required[..1], env).is_empty());
        assert!(missing_ci_env(&[], env).is_empty());
    }
}
