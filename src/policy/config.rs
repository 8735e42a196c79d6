//! The policy: what it contains, how policy files layer, and where each value
//! came from.
//!
//! Layering: the embedded default (`stdlib/policy.toml`), then each policy file the
//! driver found (outermost directory first), each replacing the keys it sets.
//! Invariant: no I/O here; the driver hands in the files' text.

use crate::diagnostics::{Code, Diagnostic, FileId};
use crate::span::Span;
use serde::Deserialize;
use std::fmt::Write;

pub const DEFAULT_POLICY: &str = include_str!("../../stdlib/policy.toml");

/// Where a policy value came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Default,
    File { path: String, line: u32 },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default (embedded stdlib/policy.toml)"),
            Source::File { path, line } => write!(f, "{path}:{line}"),
        }
    }
}

/// A value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T) -> Setting<T> {
        Setting {
            value,
            source: Source::Default,
        }
    }
}

/// The effective policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    pub allowed_registries: Setting<Vec<String>>,
    pub release_variants: Setting<Vec<String>>,
    pub allowed_repositories: Setting<Vec<String>>,
    pub allowed_components: Setting<Vec<String>>,
    pub allow_keyrings: Setting<bool>,
    pub secret_min_length: Setting<u32>,
    /// Bits per character, in thousandths (so the policy stays `Eq`).
    pub secret_min_entropy_milli: Setting<u32>,
    pub forbidden_files: Setting<Vec<String>>,
    pub allow_root: Setting<bool>,
    pub debian_first: Setting<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    images: Option<ImagesLayer>,
    apt: Option<AptLayer>,
    secrets: Option<SecretsLayer>,
    runtime: Option<RuntimeLayer>,
    debian_first: Option<DebianFirstLayer>,
}

type Spanned<T> = toml::Spanned<T>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ImagesLayer {
    allowed_registries: Option<Spanned<Vec<String>>>,
    release_variants: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AptLayer {
    allowed_repositories: Option<Spanned<Vec<String>>>,
    allowed_components: Option<Spanned<Vec<String>>>,
    allow_keyrings: Option<Spanned<bool>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SecretsLayer {
    min_length: Option<Spanned<u32>>,
    min_entropy: Option<Spanned<f64>>,
    forbidden_files: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RuntimeLayer {
    allow_root: Option<Spanned<bool>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DebianFirstLayer {
    enabled: Option<Spanned<bool>>,
}

impl Default for Policy {
    fn default() -> Policy {
        let mut policy = Policy {
            allowed_registries: Setting::new(Vec::new()),
            release_variants: Setting::new(Vec::new()),
            allowed_repositories: Setting::new(Vec::new()),
            allowed_components: Setting::new(Vec::new()),
            allow_keyrings: Setting::new(false),
            secret_min_length: Setting::new(32),
            secret_min_entropy_milli: Setting::new(4000),
            forbidden_files: Setting::new(Vec::new()),
            allow_root: Setting::new(false),
            debian_first: Setting::new(true),
        };
        // The embedded default is part of the binary and tested; it cannot fail.
        let _ = policy.apply(None, DEFAULT_POLICY, FileId(u32::MAX));
        policy
    }
}

impl Policy {
    /// Applies one policy file over this policy. `path` is `None` for the embedded
    /// default. Errors become diagnostics in that file (code WB5000).
    pub fn apply(
        &mut self,
        path: Option<&str>,
        text: &str,
        file: FileId,
    ) -> Result<(), Box<Diagnostic>> {
        let layer: FileLayer = toml::from_str(text).map_err(|e| -> Box<Diagnostic> {
            let span = e.span().map_or(Span::at(0), |r| Span::new(r.start, r.end));
            Box::new(
                Diagnostic::new(
                    Code::InvalidPolicy,
                    format!("invalid policy file: {}", e.message()),
                    file,
                    span,
                    "here",
                )
                .with_help("see docs/policy.md for the keys a policy file may set"),
            )
        })?;
        let source = |span: std::ops::Range<usize>| match path {
            None => Source::Default,
            Some(p) => Source::File {
                path: p.to_string(),
                line: line_of(text, span.start),
            },
        };
        fn set<T: Clone>(
            target: &mut Setting<T>,
            value: Option<Spanned<T>>,
            source: &dyn Fn(std::ops::Range<usize>) -> Source,
        ) {
            if let Some(v) = value {
                let span = v.span();
                *target = Setting {
                    value: v.into_inner(),
                    source: source(span),
                };
            }
        }
        let images = layer.images.unwrap_or_default();
        set(
            &mut self.allowed_registries,
            images.allowed_registries,
            &source,
        );
        set(&mut self.release_variants, images.release_variants, &source);
        let apt = layer.apt.unwrap_or_default();
        set(
            &mut self.allowed_repositories,
            apt.allowed_repositories,
            &source,
        );
        set(
            &mut self.allowed_components,
            apt.allowed_components,
            &source,
        );
        set(&mut self.allow_keyrings, apt.allow_keyrings, &source);
        let secrets = layer.secrets.unwrap_or_default();
        set(&mut self.secret_min_length, secrets.min_length, &source);
        if let Some(entropy) = secrets.min_entropy {
            let span = entropy.span();
            let bits = entropy.into_inner();
            if !(0.0..=8.0).contains(&bits) {
                return Err(Box::new(Diagnostic::new(
                    Code::InvalidPolicy,
                    "secrets.min_entropy must be between 0 and 8 bits per character",
                    file,
                    Span::new(span.start, span.end),
                    "out of range",
                )));
            }
            self.secret_min_entropy_milli = Setting {
                value: (bits * 1000.0).round() as u32,
                source: source(span),
            };
        }
        set(&mut self.forbidden_files, secrets.forbidden_files, &source);
        set(
            &mut self.allow_root,
            layer.runtime.unwrap_or_default().allow_root,
            &source,
        );
        set(
            &mut self.debian_first,
            layer.debian_first.unwrap_or_default().enabled,
            &source,
        );
        Ok(())
    }

    /// The effective policy as TOML, each value followed by where it came from.
    pub fn explain(&self) -> String {
        fn list(v: &[String]) -> String {
            let quoted: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
            format!("[{}]", quoted.join(", "))
        }
        type Line<'a> = (&'a str, String, &'a Source);
        let mut sections: Vec<(&str, Vec<Line<'_>>)> = Vec::new();
        sections.push((
            "images",
            vec![
                (
                    "allowed_registries",
                    list(&self.allowed_registries.value),
                    &self.allowed_registries.source,
                ),
                (
                    "release_variants",
                    list(&self.release_variants.value),
                    &self.release_variants.source,
                ),
            ],
        ));
        sections.push((
            "apt",
            vec![
                (
                    "allowed_repositories",
                    list(&self.allowed_repositories.value),
                    &self.allowed_repositories.source,
                ),
                (
                    "allowed_components",
                    list(&self.allowed_components.value),
                    &self.allowed_components.source,
                ),
                (
                    "allow_keyrings",
                    self.allow_keyrings.value.to_string(),
                    &self.allow_keyrings.source,
                ),
            ],
        ));
        sections.push((
            "secrets",
            vec![
                (
                    "min_length",
                    self.secret_min_length.value.to_string(),
                    &self.secret_min_length.source,
                ),
                (
                    "min_entropy",
                    format!(
                        "{:.1}",
                        f64::from(self.secret_min_entropy_milli.value) / 1000.0
                    ),
                    &self.secret_min_entropy_milli.source,
                ),
                (
                    "forbidden_files",
                    list(&self.forbidden_files.value),
                    &self.forbidden_files.source,
                ),
            ],
        ));
        sections.push((
            "runtime",
            vec![(
                "allow_root",
                self.allow_root.value.to_string(),
                &self.allow_root.source,
            )],
        ));
        sections.push((
            "debian_first",
            vec![(
                "enabled",
                self.debian_first.value.to_string(),
                &self.debian_first.source,
            )],
        ));
        let mut text = String::new();
        for (i, (name, keys)) in sections.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            let _ = writeln!(text, "[{name}]");
            for (key, value, source) in keys {
                let _ = writeln!(text, "{key} = {value}  # {source}");
            }
        }
        text
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_parses_and_files_override_keys() {
        let mut policy = Policy::default();
        assert_eq!(
            policy.allowed_registries.value,
            vec!["registry.example.org".to_string()]
        );
        assert_eq!(policy.allowed_registries.source, Source::Default);
        let file = "[images]\nallowed_registries = [\"r.example.com\"]\n";
        assert!(policy
            .apply(Some("wbuild-policy.toml"), file, FileId(0))
            .is_ok());
        assert_eq!(
            policy.allowed_registries.value,
            vec!["r.example.com".to_string()]
        );
        assert_eq!(
            policy.allowed_registries.source,
            Source::File {
                path: "wbuild-policy.toml".into(),
                line: 2
            }
        );
        assert_eq!(policy.release_variants.source, Source::Default);
        assert!(policy
            .apply(Some("bad.toml"), "[images]\nallowed = 1\n", FileId(0))
            .is_err());
        assert!(policy
            .explain()
            .contains("allowed_registries = [\"r.example.com\"]  # wbuild-policy.toml:2"));
    }
}
