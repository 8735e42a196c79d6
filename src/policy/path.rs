//! Absolute paths as the rules compare them: `//`, `.` and `..` resolved, as
//! `lower::resolve_dots` does, without building a new string for a path that is
//! already in that form (nearly every copy destination is).

use std::borrow::Cow;

/// `path` with `//`, `.` and `..` resolved; always absolute.
pub(crate) fn resolved(path: &str) -> Cow<'_, str> {
    // Trailing slashes name the same directory (`/srv/app/` is `/srv/app`).
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && !path.is_empty() {
        return Cow::Borrowed("/");
    }
    // Already resolved: `/` followed by components none of which is empty, `.`
    // or `..` (what `resolve_dots` gives back unchanged).
    let plain = trimmed
        .strip_prefix('/')
        .is_some_and(|rest| rest.split('/').all(|part| !matches!(part, "" | "." | "..")));
    if plain {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(crate::lower::resolve_dots(path))
    }
}

#[cfg(test)]
mod tests {
    use super::resolved;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn resolves_as_lowering_does(
            parts in prop::collection::vec(
                prop::sample::select(vec!["", "", ".", "..", "etc", "apt", "x.d", "...", " ", "é"]),
                0..8,
            ),
            absolute in any::<bool>(),
        ) {
            let path = format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"));
            let expected = crate::lower::resolve_dots(&path);
            let found = resolved(&path);
            prop_assert_eq!(found.as_ref(), expected.as_str());
        }
    }

    #[test]
    fn resolved_paths_are_borrowed() {
        for path in [
            "/",
            "//",
            "/etc/apt/sources.list.d/x.list",
            "/srv/app",
            "/srv/app/",
        ] {
            assert!(
                matches!(resolved(path), std::borrow::Cow::Borrowed(_)),
                "{path}"
            );
        }
        assert_eq!(resolved("/etc//apt/./x/../y/"), "/etc/apt/y");
        assert_eq!(resolved("etc/apt"), "/etc/apt");
    }
}
