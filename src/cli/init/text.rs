//! Pieces every template writes: the header, the image block, copies of the
//! sources found, the debian-first exception. Strings are written with the
//! language's one quoting rule (`syntax::string_literal`); layout is left to
//! the formatter, which the command runs on the result.

use super::{Entry, Repo};
use crate::syntax::string_literal as quoted;

/// Directories that never hold the application's sources: tests (copied by the
/// test variant), dependencies a package manager installs, build output, docs.
const NOT_SOURCES: &[&str] = &[
    "__pycache__",
    "__tests__",
    "build",
    "coverage",
    "dist",
    "doc",
    "docs",
    "node_modules",
    "spec",
    "target",
    "test",
    "tests",
    "venv",
];

/// The test directories a test variant copies, in this order.
pub(super) const TEST_DIRS: &[&str] = &["__tests__", "spec", "test", "tests"];

/// A name that is safe to write in a copy step as it is: no glob, space, quote
/// or control character, not hidden, not an option.
pub(super) fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+@-".contains(&b))
}

/// `["a", "b"]`.
pub(super) fn list(items: &[impl AsRef<str>]) -> String {
    let items: Vec<String> = items.iter().map(|i| quoted(i.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

pub(super) fn string(text: &str) -> String {
    quoted(text)
}

/// The manifest's first lines: what it is and what to do with it.
pub(super) fn header(image: &str, what: &str, module: &str) -> String {
    format!(
        "# {image}: {what}.\n\
         # Written by `wbuildc init` from what the repository shows: read it through,\n\
         # change what the EDIT comments point at, then run `wbuildc check`.\n\
         # The presets are in the stdlib module \"{module}\" (`wbuildc docs stdlib`).\n\
         import \"{module}\"\n\n"
    )
}

/// The image block, with the version the project's own metadata gives (else 0.1.0).
pub(super) fn image_block(image: &str, version: Option<&str>) -> String {
    let version = version
        .filter(|v| {
            !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        })
        .unwrap_or("0.1.0");
    format!(
        "image {} {{\n\
         version = {}\n\
         # EDIT: the team that owns the image, and the repository's URL:\n\
         # labels = {{ \"org.example.team\": \"my-team\" }}\n\
         # source = \"https://git.example.org/my-team/{image}\"\n\
         }}\n\n",
        quoted(image),
        quoted(version),
    )
}

/// The top-level sources of the application: directories that are not tests,
/// dependencies or output, and files `wanted` accepts, as copy steps into the
/// application directory (directories one each, files in one step).
pub(super) fn source_copies(repo: &dyn Repo, dir: &str, wanted: &dyn Fn(&str) -> bool) -> String {
    let entries = repo.list(dir);
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut out = String::new();
    for Entry { name, .. } in entries
        .iter()
        .filter(|e| e.is_dir && plain_name(&e.name) && !NOT_SOURCES.contains(&e.name.as_str()))
    {
        let path = format!("{prefix}{name}/");
        out.push_str(&format!("copy {} to {}\n", quoted(&path), quoted(&path)));
    }
    let files: Vec<String> = entries
        .iter()
        .filter(|e| !e.is_dir && plain_name(&e.name) && wanted(&e.name))
        .map(|e| format!("{prefix}{}", e.name))
        .collect();
    out.push_str(&copy_files(&files, &prefix));
    out
}

/// One copy step for these files into `to` (relative to the application
/// directory; `""` is the directory itself), or nothing.
pub(super) fn copy_files(files: &[String], to: &str) -> String {
    let to = if to.is_empty() { "./" } else { to };
    match files {
        [] => String::new(),
        [one] => format!("copy {} to {}\n", quoted(one), quoted(to)),
        many => format!("copy {} to {}\n", list(many), quoted(to)),
    }
}

/// The test directories that exist, as copy steps.
pub(super) fn test_copies(repo: &dyn Repo) -> String {
    let mut out = String::new();
    for dir in TEST_DIRS.iter().filter(|d| repo.has_dir(d)) {
        let path = format!("{dir}/");
        out.push_str(&format!("copy {} to {}\n", quoted(&path), quoted(&path)));
    }
    out
}

/// `allow += { "debian-first": … }` with the comment that says what to do,
/// when the dependency manifests declare libraries Debian ships (the
/// organisation's rule is Debian first; the policy's own table says which).
/// `again`: a second variant that installs from the same files, whose comment
/// points at the first one.
pub(super) fn debian_first_exception(
    repo: &dyn Repo,
    manifests: &[&str],
    tool: &str,
    again: bool,
) -> String {
    let mut libraries: Vec<String> = Vec::new();
    let mut packages: Vec<&str> = Vec::new();
    for manifest in manifests {
        let Some(text) = repo.read(manifest) else {
            continue;
        };
        for (library, package) in crate::policy::debian_packaged(manifest, &text) {
            if !libraries.contains(&library) {
                libraries.push(library);
            }
            if !packages.contains(&package) {
                packages.push(package);
            }
        }
    }
    if libraries.is_empty() {
        return String::new();
    }
    let files = manifests.join(" and ");
    let mut out = if again {
        comment(&format!(
            "The same exception as `build`'s, for the same {files} (EDIT both)."
        ))
    } else {
        comment(&format!(
            "EDIT: Debian packages these libraries from {files}: {}. The organisation's rule is \
         Debian first (`wbuildc explain WB5009`): install them from Debian through the preset's \
         `packages` ({}) and drop them from {files}, or keep this exception and say why {tool}'s \
         versions are needed.",
            libraries.join(", "),
            packages.join(", "),
        ))
    };
    out.push_str(&format!(
        "allow += {{\n\"debian-first\": {},\n}}\n",
        quoted(&format!(
            "libraries Debian ships are pinned in {files} ({}); not reviewed yet (written by wbuildc init)",
            libraries.len()
        ))
    ));
    out
}

/// `text` as comment lines of at most about 80 columns (inside a block).
pub(super) fn comment(text: &str) -> String {
    const WIDTH: usize = 76;
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
