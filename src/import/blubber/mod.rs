//! `wbuildc import-blubber`: a Blubber config v4 (`.pipeline/blubber.yaml`) to a
//! `.wbuild` manifest, and a Blubber policy file to a `wbuild-policy.toml`.
//!
//! The stages: `yaml` (text → positioned tree and comments) → [`model`] (the v4
//! fields, each checked, with spans) → [`expand`] (Blubber's merge rules: the
//! top level, the includes in dependency order, the variant; the merge traps as
//! warnings) → [`write`] (wbuild text, formatted by the caller). [`policy`]
//! converts Blubber's `enforcements`.

pub mod expand;
pub mod model;
pub mod policy;
pub mod write;

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::import::yaml;
use crate::span::{FileId, Span};
use std::collections::BTreeMap;

/// What an import needs besides the text.
pub struct Options<'a> {
    /// The `image "NAME"` of the manifest.
    pub image_name: &'a str,
    /// How the config is named in the manifest's header comment.
    pub source_name: &'a str,
}

/// The result: the manifest (unformatted) when the config could be converted,
/// and every diagnostic (errors mean no manifest).
pub struct Imported {
    pub manifest: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Converts one Blubber config.
pub fn import(text: &str, file: FileId, options: &Options<'_>) -> Imported {
    let mut diagnostics = Vec::new();
    let document = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(
                Diagnostic::new(
                    Code::BlubberYaml,
                    format!("the config is not valid YAML: {}", e.message),
                    file,
                    e.span,
                    e.message.clone(),
                )
                .with_help("fix the YAML at this line and column; nothing else was read"),
            );
            return Imported {
                manifest: None,
                diagnostics,
            };
        }
    };
    let Some(config) = model::read(&document.root, file, &mut diagnostics) else {
        return Imported {
            manifest: None,
            diagnostics,
        };
    };
    let variants = expand::expand_all(&config, file, &mut diagnostics);
    check_references(&config, file, &mut diagnostics);
    check_expressible(&variants, &config, file, &mut diagnostics);
    check_proxies(&config, file, &mut diagnostics);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Imported {
            manifest: None,
            diagnostics,
        };
    }
    let (header, comments) = distribute_comments(text, &document, &config);
    let includes: BTreeMap<String, Vec<String>> = config
        .variants
        .iter()
        .map(|v| {
            (
                v.name.value.clone(),
                v.includes.iter().map(|i| i.value.clone()).collect(),
            )
        })
        .collect();
    let manifest = write::manifest(&write::Input {
        image_name: options.image_name,
        source_name: options.source_name,
        variants: &variants,
        header: &header,
        comments: &comments,
        includes: &includes,
    });
    Imported {
        manifest: Some(manifest),
        diagnostics,
    }
}

/// Variants named by copies, requirements and mounts exist (`local` is the
/// build context; a mount may name an image).
fn check_references(config: &model::Config, file: FileId, diagnostics: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = config
        .variants
        .iter()
        .map(|v| v.name.value.as_str())
        .collect();
    let mut check = |from: &model::Spanned<String>, what: &str, image_ok: bool| {
        let f = from.value.as_str();
        if f.is_empty()
            || f == "local"
            || names.contains(&f)
            || (image_ok && write::looks_like_image(f))
        {
            return;
        }
        diagnostics.push(
            Diagnostic::new(
                Code::BlubberUnknownVariant,
                format!("{what} names `{f}`, which is not a variant of this config"),
                file,
                from.span,
                "no such variant",
            )
            .with_help_opt(
                crate::diagnostics::suggest::help(f, names.iter().copied())
                    .or_else(|| Some("write `local` for the build context".into())),
            ),
        );
    };
    let commons = std::iter::once(&config.common).chain(config.variants.iter().map(|v| &v.common));
    for c in commons {
        let customs = c
            .builder
            .iter()
            .chain(c.builders.iter().flatten().filter_map(|b| match b {
                model::Builder::Custom(c) => Some(c),
                _ => None,
            }));
        for custom in customs {
            for r in custom.requirements.iter().flatten() {
                check(&r.from, "a requirement", false);
            }
            for m in custom.mounts.iter().flatten() {
                check(&m.from, "a mount", true);
            }
        }
        let reqs = c
            .node
            .iter()
            .flat_map(|n| n.requirements.iter().flatten())
            .chain(c.php.iter().flat_map(|p| p.requirements.iter().flatten()))
            .chain(
                c.python
                    .iter()
                    .flat_map(|p| p.requirements.iter().flatten()),
            );
        for r in reqs {
            check(&r.from, "a requirement", false);
        }
    }
    for v in &config.variants {
        for a in v.copies.iter().flatten() {
            check(&a.from, "a copy", false);
        }
    }
}

/// What Blubber can say that one wbuild step cannot: several APT sources in one
/// variant (wbuild's `apt` step adds one repository, for the packages it
/// installs).
fn check_expressible(
    variants: &[expand::Expanded],
    config: &model::Config,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for v in variants {
        if v.sources.len() > 1 {
            let span = v.sources.get(1).map_or(Span::at(0), |s| s.span);
            let variant = config.variants.iter().find(|c| c.name.value == v.name);
            let mut d = Diagnostic::new(
                Code::BlubberInvalidValue,
                format!("variant `{}` has {} APT sources; a wbuild `apt` step adds one repository for the packages it installs", v.name, v.sources.len()),
                file,
                span,
                "a second source",
            )
            .with_help("split the packages by the source they come from into variants (or top-level and variant `apt`), one source each")
            .for_variant(&v.name);
            if let Some(c) = variant {
                d = d.with_secondary(file, c.name.span, "in this variant");
            }
            diagnostics.push(d);
        }
    }
}

/// wbuild's `apt` step takes one proxy (for every source, or for one with
/// `proxy_for`): the config's first one is kept, every other one reported.
fn check_proxies(config: &model::Config, file: FileId, diagnostics: &mut Vec<Diagnostic>) {
    let commons = std::iter::once(&config.common).chain(config.variants.iter().map(|v| &v.common));
    let mut first = true;
    for c in commons {
        for p in c.apt.proxies.iter().flatten() {
            if !first {
                diagnostics.push(
                    Diagnostic::new(
                        Code::BlubberNotCarried,
                        format!("a second APT proxy (`{}`) is not carried over", p.url.value),
                        file,
                        p.url.span,
                        "not used by the converted manifest",
                    )
                    .with_help("wbuild's apt step takes one proxy (`proxy`, for one source with `proxy_for`); the config's first one is used"),
                );
            }
            first = false;
        }
    }
}

/// Each comment goes with the variant whose entry it is in, or which it stands
/// above (after the previous variant); the others stay at the top of the
/// manifest, in order, so that nothing written is lost.
fn distribute_comments(
    text: &str,
    document: &yaml::Document,
    config: &model::Config,
) -> (Vec<yaml::Comment>, BTreeMap<String, Vec<yaml::Comment>>) {
    let mut header = Vec::new();
    let mut by_variant: BTreeMap<String, Vec<yaml::Comment>> = BTreeMap::new();
    // From after the `variants:` key (or the previous variant) to the end of the
    // line the variant's last value is on.
    let line_end = |at: u32| -> u32 {
        let at = at as usize;
        text.get(at..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| at + i) as u32
    };
    let mut start = document
        .root
        .entries()
        .and_then(|e| e.iter().find(|e| e.key == "variants"))
        .map_or(u32::MAX, |e| e.key_span.end);
    let mut ranges: Vec<(u32, u32, &str)> = Vec::new();
    for v in &config.variants {
        let end = line_end(v.span.end);
        ranges.push((start, end, v.name.value.as_str()));
        start = end;
    }
    for c in &document.comments {
        match ranges
            .iter()
            .find(|(s, e, _)| c.span.start >= *s && c.span.start <= *e)
        {
            Some((_, _, name)) => by_variant
                .entry(name.to_string())
                .or_default()
                .push(c.clone()),
            None => header.push(c.clone()),
        }
    }
    (header, by_variant)
}
