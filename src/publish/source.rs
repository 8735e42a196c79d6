//! Whether the image about to be pushed is the build being published: its labels
//! (written by `wbuildc build`) must name the manifest's image, version and
//! variant, and for a release the tagged commit. A stale local image of another
//! version or variant, or one built from another commit or a changed tree, is
//! refused before anything is pushed.

use std::collections::BTreeMap;

pub const TITLE: &str = "org.opencontainers.image.title";
pub const VERSION: &str = "org.opencontainers.image.version";
pub const REVISION: &str = "org.opencontainers.image.revision";

/// What the image's labels must say.
pub struct Expected<'a> {
    pub title: &'a str,
    pub version: Option<&'a str>,
    pub variant: &'a str,
    /// For a release: HEAD's commit (`wbuildc build` writes the revision only
    /// from a clean checkout, so a build from a changed tree has none).
    pub revision: Option<&'a str>,
}

/// The first label that does not say what it must: `(key, expected, found)`.
pub fn mismatch(
    labels: &BTreeMap<String, String>,
    expected: &Expected<'_>,
) -> Option<(&'static str, String, Option<String>)> {
    let wanted = [
        (TITLE, Some(expected.title)),
        (VERSION, expected.version),
        (crate::lower::VARIANT_LABEL, Some(expected.variant)),
        (REVISION, expected.revision),
    ];
    wanted.into_iter().find_map(|(key, want)| {
        let want = want?;
        let found = labels.get(key);
        (found.map(String::as_str) != Some(want)).then(|| (key, want.to_string(), found.cloned()))
    })
}

/// Whether the image says it holds private data (`dev.wbuild.private=true`,
/// which `wbuildc build` writes on the stages of private variants).
pub fn labelled_private(labels: &BTreeMap<String, String>) -> bool {
    labels.get(crate::lower::PRIVATE_LABEL).map(String::as_str) == Some("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_labels_must_name_this_build() {
        let built = labels(&[
            (TITLE, "hello"),
            (VERSION, "2.1.0"),
            ("dev.wbuild.variant", "production"),
            (REVISION, "abc"),
        ]);
        let mut expected = Expected {
            title: "hello",
            version: Some("2.1.0"),
            variant: "production",
            revision: Some("abc"),
        };
        assert_eq!(mismatch(&built, &expected), None);
        expected.revision = Some("def");
        assert_eq!(
            mismatch(&built, &expected),
            Some((REVISION, "def".into(), Some("abc".into())))
        );
        // A snapshot does not ask for the revision.
        expected.revision = None;
        assert_eq!(mismatch(&built, &expected), None);
        expected.variant = "slim";
        assert_eq!(
            mismatch(&built, &expected),
            Some((
                "dev.wbuild.variant",
                "slim".into(),
                Some("production".into())
            ))
        );
        // An image without the labels is not one wbuildc built.
        let bare = labels(&[]);
        expected.variant = "production";
        assert_eq!(
            mismatch(&bare, &expected),
            Some((TITLE, "hello".into(), None))
        );
    }
}
