//! Exclude patterns of `copy ... with exclude` (docs/language.md, "Excluding
//! files"): what a pattern may be, and the one translation into the regular
//! expression the compiler's filter stage gives GNU `find -regex`.
//!
//! A pattern is a relative path of `/`-separated segments, matched against the
//! paths of the copied tree (a directory source's contents at its root, a file
//! source by its name). `*` is any run of characters but `/`, `?` one character
//! but `/`, a `**` segment any number of segments (none too). A pattern of one
//! segment matches at any depth (`*.md`, `tests/`); one of several is anchored
//! at the root (`assets/*.md`, `assets/**/*.png`). A trailing `/` matches only
//! directories. What a pattern matches is left out with everything below it.

/// Why `pattern` is not an exclude pattern, or `Ok`.
pub fn check(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("it is empty".into());
    }
    if pattern.starts_with('/') {
        return Err("it is absolute; patterns are relative to the copied tree".into());
    }
    if let Some(c) = pattern.chars().find(|c| c.is_control()) {
        return Err(format!("it contains U+{:04X}", c as u32));
    }
    if let Some(c) = pattern.chars().find(|c| matches!(c, '[' | ']' | '\\')) {
        return Err(format!(
            "`{c}` is not supported (only `*`, `?` and `**` are special)"
        ));
    }
    if pattern.starts_with('!') {
        return Err("negation (`!`) is not supported".into());
    }
    let body = pattern.strip_suffix('/').unwrap_or(pattern);
    for segment in body.split('/') {
        match segment {
            "" => return Err("it has an empty segment (`//`, or only `/`)".into()),
            "." | ".." => return Err(format!("it has a `{segment}` segment")),
            "**" => {}
            s if s.contains("**") => {
                return Err("`**` must be a whole segment (`a/**/b`)".into());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A checked pattern as a POSIX extended regular expression over the whole
/// path `find .` prints (`./a/b`), and whether it matches only directories.
pub fn regex(pattern: &str) -> (String, bool) {
    let dir_only = pattern.ends_with('/');
    let body = pattern.strip_suffix('/').unwrap_or(pattern);
    let segments: Vec<&str> = body.split('/').collect();
    // One segment: at any depth; several: from the root.
    let mut out = String::from(if segments.len() == 1 {
        r"\./(.*/)?"
    } else {
        r"\./"
    });
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if *segment == "**" {
            out.push_str(if last { ".*" } else { "(.*/)?" });
            continue;
        }
        for c in segment.chars() {
            match c {
                '*' => out.push_str("[^/]*"),
                '?' => out.push_str("[^/]"),
                c if ".^$+(){}|".contains(c) => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        if !last {
            out.push('/');
        }
    }
    (out, dir_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_patterns_say_why() {
        for bad in [
            "", "/abs", "a/../b", "..", "./a", "a//b", "/", "[ab]", "a\\b", "!a", "a**", "x\nb",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        for good in [
            "*.md",
            "tests/",
            "assets/**/*.png",
            "**",
            "a?c",
            "a/**",
            "x.y+z",
        ] {
            assert_eq!(check(good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn patterns_become_anchored_or_floating_regexes() {
        assert_eq!(regex("*.md"), (r"\./(.*/)?[^/]*\.md".into(), false));
        assert_eq!(regex("tests/"), (r"\./(.*/)?tests".into(), true));
        assert_eq!(
            regex("assets/**/*.png"),
            (r"\./assets/(.*/)?[^/]*\.png".into(), false)
        );
        assert_eq!(regex("a/**"), (r"\./a/.*".into(), false));
        assert_eq!(regex("a?(b)"), (r"\./(.*/)?a[^/]\(b\)".into(), false));
    }
}
