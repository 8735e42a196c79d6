//! Which language a repository is written in, from the files at its top: the
//! one table of marker files.

use super::Repo;
use crate::cli::args::InitLanguage;

/// The files that say a repository is in a language, per language, in the
/// order `--language`'s values are listed.
pub(crate) const MARKERS: &[(InitLanguage, &[&str])] = &[
    (
        InitLanguage::Python,
        &["requirements.txt", "pyproject.toml"],
    ),
    (InitLanguage::Node, &["package.json"]),
    (InitLanguage::Php, &["composer.json"]),
    (InitLanguage::Java, &["pom.xml"]),
    (InitLanguage::Go, &["go.mod"]),
];

/// The language's name as `--language` spells it.
pub(crate) fn name(language: InitLanguage) -> &'static str {
    match language {
        InitLanguage::Python => "python",
        InitLanguage::Node => "node",
        InitLanguage::Php => "php",
        InitLanguage::Java => "java",
        InitLanguage::Go => "go",
    }
}

/// Each language whose marker files the repository has, with the files found.
pub(crate) fn found(repo: &dyn Repo) -> Vec<(InitLanguage, Vec<&'static str>)> {
    MARKERS
        .iter()
        .filter_map(|(language, files)| {
            let present: Vec<&'static str> =
                files.iter().copied().filter(|f| repo.has_file(f)).collect();
            (!present.is_empty()).then_some((*language, present))
        })
        .collect()
}

/// The language to write for: the one `--language` names (which must have its
/// marker files), or the only one found. Otherwise the message says what was
/// found and how to choose.
pub(crate) fn choose(
    repo: &dyn Repo,
    shown: &str,
    chosen: Option<InitLanguage>,
) -> Result<InitLanguage, String> {
    let found = found(repo);
    let describe = |found: &[(InitLanguage, Vec<&str>)]| {
        found
            .iter()
            .map(|(language, files)| format!("{} ({})", name(*language), files.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(language) = chosen {
        if found.iter().any(|(l, _)| *l == language) {
            return Ok(language);
        }
        let wanted = MARKERS
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, files)| files.join(" or "))
            .unwrap_or_default();
        return Err(format!(
            "{shown} has no {wanted}: the {} manifest is written from it (create it first)",
            name(language)
        ));
    }
    match found.as_slice() {
        [(language, _)] => Ok(*language),
        [] => {
            let looked_for: Vec<String> = MARKERS
                .iter()
                .map(|(l, files)| format!("{} for {}", files.join(" or "), name(*l)))
                .collect();
            Err(format!(
                "cannot tell the language of {shown}: it has none of the files wbuildc init reads ({})",
                looked_for.join("; ")
            ))
        }
        several => Err(format!(
            "{shown} looks like more than one kind of project: {}; choose one with --language {}",
            describe(several),
            several
                .iter()
                .map(|(l, _)| name(*l))
                .collect::<Vec<_>>()
                .join("|")
        )),
    }
}
