//! What `wbuildc init` knows: which files say which language (`detect.rs`), and
//! one template per language that reads what it can from the repository and
//! writes a starter manifest on the stdlib presets. The templates read through
//! the [`Repo`] trait, so the command (`commands/init.rs`) does every read, and
//! the text they write is formatted by the formatter before anyone sees it.

pub(crate) mod detect;
mod go;
mod java;
mod node;
mod php;
mod python;
mod text;

use crate::cli::args::InitLanguage;

/// A directory entry of the repository, by name (no path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// The repository as the templates see it: small text files and directory
/// listings, by path relative to its top (`""` is the top).
pub(crate) trait Repo {
    /// The text of a file, `None` when it is missing, unreadable or not UTF-8.
    fn read(&self, path: &str) -> Option<String>;
    /// Regular files and directories in a directory, sorted by name; no links.
    fn list(&self, dir: &str) -> Vec<Entry>;

    fn has_file(&self, path: &str) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.list(dir).iter().any(|e| !e.is_dir && e.name == name)
    }

    fn has_dir(&self, path: &str) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.list(dir).iter().any(|e| e.is_dir && e.name == name)
    }
}

/// Why no manifest could be written (a usage error: nothing was written).
#[derive(Debug)]
pub(crate) struct Refusal(pub String);

/// The starter manifest for `language`, not yet formatted. `name` is the
/// repository directory's name (sanitised here into an image name).
pub(crate) fn manifest(
    language: InitLanguage,
    name: &str,
    repo: &dyn Repo,
) -> Result<String, Refusal> {
    let image = image_name(name);
    match language {
        InitLanguage::Python => python::manifest(&image, repo),
        InitLanguage::Node => node::manifest(&image, repo),
        InitLanguage::Php => php::manifest(&image, repo),
        InitLanguage::Java => java::manifest(&image, repo),
        InitLanguage::Go => go::manifest(&image, repo),
    }
}

/// A directory name as an image name: lowercase `[a-z0-9._-]` (WB2012's rule,
/// without `/`), each run of other characters one `-`, no separator at either
/// end; `service` when nothing is left.
pub(crate) fn image_name(dir: &str) -> String {
    let mut out = String::new();
    for c in dir.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches(|c| matches!(c, '.' | '_' | '-'));
    if trimmed.is_empty() {
        "service".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::image_name;

    #[test]
    fn directory_names_become_image_names() {
        for (dir, image) in [
            ("python-web", "python-web"),
            ("My Service", "my-service"),
            ("billing_API.v2", "billing_api.v2"),
            ("--été--", "t"),
            ("..", "service"),
            ("Ünïcode", "n-code"),
            ("", "service"),
        ] {
            assert_eq!(image_name(dir), image, "{dir:?}");
        }
    }
}
