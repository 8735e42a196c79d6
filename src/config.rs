//! The organisation's policy as a value: its keys, how policy files layer, and
//! where each value came from. A plain value below every phase (the database's
//! `Settings` input holds it; the rules in `policy/` read it).
//!
//! Layers, in order: the embedded default (`stdlib/policy.toml`), then the
//! organisation's policy (trusted: `--policy`, or `policy.toml` in the
//! organisation's configuration directory), then the repository's
//! `wbuild-policy.toml` files (untrusted, outermost first). The default and the
//! organisation's layers may set any key. A repository layer may only *tighten*:
//! each key says which way is tighter ([`Tighten`]), and a value that loosens it is
//! an error (WB5011) at the value, never applied. The organisation can mark its
//! layer `final = true`, and then repository layers are not applied at all.
//!
//! Every key is declared once, in `policy_keys!` below: its section, name, type,
//! tightening direction, validation and documentation. Parsing, layering, the
//! tightening check, `policy explain`, the JSON audit and the docs test all read
//! that one table.
//!
//! Invariant: no I/O here; the driver hands in the files' text.

use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::span::FileId;
use crate::span::Span;
use std::fmt::Write;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub const DEFAULT_POLICY: &str = include_str!("../stdlib/policy.toml");

/// Who wrote a policy layer, which decides what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The policy embedded in wbuildc.
    Default,
    /// The organisation's own policy, given by CI (`--policy`, the configuration
    /// directory). Trusted: may set any key.
    Organisation,
    /// A `wbuild-policy.toml` inside the repository being built. Untrusted: may
    /// only tighten.
    Repository,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Default => "default",
            Layer::Organisation => "organisation",
            Layer::Repository => "repository",
        }
    }
}

/// Where a policy value came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Default,
    File {
        layer: Layer,
        path: String,
        line: u32,
    },
}

impl Source {
    pub fn layer(&self) -> Layer {
        match self {
            Source::Default => Layer::Default,
            Source::File { layer, .. } => *layer,
        }
    }

    /// The source as JSON: `{"layer": ..., "file": ..., "line": ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Source::Default => {
                serde_json::json!({ "layer": "default", "file": null, "line": null })
            }
            Source::File { layer, path, line } => {
                serde_json::json!({ "layer": layer.name(), "file": path, "line": line })
            }
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default (embedded stdlib/policy.toml)"),
            Source::File { layer, path, line } => write!(f, "{}: {path}:{line}", layer.name()),
        }
    }
}

/// A value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// Which change of a key makes the policy stricter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tighten {
    /// A list of what is allowed: a tighter list keeps only entries it had.
    Subset,
    /// A list of what is required or forbidden: a tighter list keeps every entry.
    Superset,
    /// A permission: `true` may become `false`, never the reverse.
    OnlyFalse,
    /// A requirement: `false` may become `true`, never the reverse.
    OnlyTrue,
    /// A threshold from which something is flagged ("words at least this long"):
    /// a tighter value is smaller.
    AtMost,
    /// A fact about the organisation (where its private images live): no
    /// repository may change it, in either direction.
    Fixed,
}

impl Tighten {
    fn describe(self) -> &'static str {
        match self {
            Tighten::Subset => "may only lose entries",
            Tighten::Superset => "may only gain entries",
            Tighten::OnlyFalse => "may only become false",
            Tighten::OnlyTrue => "may only become true",
            Tighten::AtMost => "may only be lowered",
            Tighten::Fixed => "may not be changed",
        }
    }
}

/// Bits per character in thousandths, so that the policy stays `Eq` and `Hash`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Milli(pub u32);

impl Milli {
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

/// A policy value's type: how it is read from TOML, compared and shown.
pub trait PolicyType: Clone + PartialEq {
    const TYPE: &'static str;
    fn from_toml(value: &DeValue<'_>) -> Option<Self>;
    fn to_toml(&self) -> String;
    fn to_json(&self) -> serde_json::Value;
    /// `Err(what)` when `self` is looser than `old` in direction `tighten`.
    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String>;
}

impl PolicyType for Vec<String> {
    const TYPE: &'static str = "a list of strings";

    fn from_toml(value: &DeValue<'_>) -> Option<Self> {
        value
            .as_array()?
            .iter()
            .map(|v| v.get_ref().as_str().map(str::to_string))
            .collect()
    }

    fn to_toml(&self) -> String {
        let quoted: Vec<String> = self.iter().map(|s| toml_string(s)).collect();
        format!("[{}]", quoted.join(", "))
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self)
    }

    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String> {
        let quote = |v: Vec<&String>| {
            v.iter()
                .map(|s| toml_string(s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match tighten {
            Tighten::Subset => {
                let added: Vec<&String> = self.iter().filter(|v| !old.contains(v)).collect();
                if added.is_empty() {
                    Ok(())
                } else {
                    Err(format!("adds {}", quote(added)))
                }
            }
            Tighten::Superset => {
                let removed: Vec<&String> = old.iter().filter(|v| !self.contains(v)).collect();
                if removed.is_empty() {
                    Ok(())
                } else {
                    Err(format!("removes {}", quote(removed)))
                }
            }
            _ => Ok(()),
        }
    }
}

impl PolicyType for String {
    const TYPE: &'static str = "a string";

    fn from_toml(value: &DeValue<'_>) -> Option<Self> {
        value.as_str().map(str::to_string)
    }

    fn to_toml(&self) -> String {
        toml_string(self)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self)
    }

    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String> {
        match tighten {
            Tighten::Fixed if self != old => Err(format!(
                "changes it from {} to {}",
                toml_string(old),
                toml_string(self)
            )),
            _ => Ok(()),
        }
    }
}

impl PolicyType for bool {
    const TYPE: &'static str = "a boolean";

    fn from_toml(value: &DeValue<'_>) -> Option<Self> {
        value.as_bool()
    }

    fn to_toml(&self) -> String {
        self.to_string()
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self)
    }

    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String> {
        match tighten {
            Tighten::OnlyFalse if *self && !*old => Err("sets it to true".into()),
            Tighten::OnlyTrue if !*self && *old => Err("sets it to false".into()),
            _ => Ok(()),
        }
    }
}

impl PolicyType for u32 {
    const TYPE: &'static str = "a non-negative integer";

    fn from_toml(value: &DeValue<'_>) -> Option<Self> {
        let integer = value.as_integer()?;
        let text = integer.as_str().replace('_', "");
        u32::from_str_radix(
            text.trim_start_matches("0x").trim_start_matches("0o"),
            integer.radix(),
        )
        .ok()
    }

    fn to_toml(&self) -> String {
        self.to_string()
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self)
    }

    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String> {
        match tighten {
            Tighten::AtMost if self > old => Err(format!("raises it from {old} to {self}")),
            _ => Ok(()),
        }
    }
}

impl PolicyType for Milli {
    const TYPE: &'static str = "a number between 0 and 8";

    fn from_toml(value: &DeValue<'_>) -> Option<Self> {
        let bits: f64 = match value {
            DeValue::Float(f) => f.as_str().replace('_', "").parse().ok()?,
            DeValue::Integer(i) => i.as_str().replace('_', "").parse().ok()?,
            _ => return None,
        };
        (0.0..=8.0)
            .contains(&bits)
            .then(|| Milli((bits * 1000.0).round() as u32))
    }

    fn to_toml(&self) -> String {
        format!("{:.1}", f64::from(self.0) / 1000.0)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!(f64::from(self.0) / 1000.0)
    }

    fn tightens(&self, old: &Self, tighten: Tighten) -> Result<(), String> {
        match tighten {
            Tighten::AtMost if self > old => Err(format!(
                "raises it from {} to {}",
                old.to_toml(),
                self.to_toml()
            )),
            _ => Ok(()),
        }
    }
}

/// What one key of the table is, for tools that list the keys (docs, explain).
pub struct KeyInfo {
    pub section: &'static str,
    pub name: &'static str,
    pub ty: &'static str,
    pub tighten: Tighten,
    pub doc: &'static str,
}

impl KeyInfo {
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }
}

macro_rules! policy_keys {
    ($( $field:ident : $ty:ty = $section:literal . $name:literal, $tighten:ident, $check:expr, $doc:literal; )*) => {
        /// The effective policy: one [`Setting`] per key of the table.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct Policy {
            $( pub $field: Setting<$ty>, )*
            /// Set when the organisation's layer is final: repository layers are
            /// then not applied.
            pub final_layer: Option<Source>,
        }

        /// Every key, in the order of `stdlib/policy.toml`.
        pub const KEYS: &[KeyInfo] = &[
            $( KeyInfo {
                section: $section,
                name: $name,
                ty: <$ty as PolicyType>::TYPE,
                tighten: Tighten::$tighten,
                doc: $doc,
            }, )*
        ];

        impl Policy {
            /// A policy with no layer applied (every key at its type's neutral value).
            fn empty() -> Policy {
                Policy {
                    $( $field: Setting { value: Default::default(), source: Source::Default }, )*
                    final_layer: None,
                }
            }

            /// Sets one key from a layer; `Err` is the diagnostic to report.
            fn set_key(
                &mut self,
                cx: &LayerContext<'_>,
                section: &str,
                name: &str,
                value: &Spanned<DeValue<'_>>,
            ) -> Option<Result<(), Box<Diagnostic>>> {
                $(
                    if section == $section && name == $name {
                        return Some(set_setting(
                            &mut self.$field,
                            cx,
                            &KeyInfo {
                                section: $section,
                                name: $name,
                                ty: <$ty as PolicyType>::TYPE,
                                tighten: Tighten::$tighten,
                                doc: $doc,
                            },
                            value,
                            $check,
                        ));
                    }
                )*
                None
            }

            /// Every key with its value as TOML text, as JSON, and its source.
            pub fn entries(&self) -> Vec<(&'static KeyInfo, String, serde_json::Value, &Source)> {
                let mut out = Vec::new();
                let mut keys = KEYS.iter();
                $(
                    if let Some(info) = keys.next() {
                        out.push((info, self.$field.value.to_toml(), self.$field.value.to_json(), &self.$field.source));
                    }
                )*
                out
            }
        }
    };
}

policy_keys! {
    allowed_registries: Vec<String> = "images"."allowed_registries", Subset, check_registries,
        "Registries base images may come from (`scratch` is always allowed).";
    release_variants: Vec<String> = "images"."release_variants", Superset, check_variant_names,
        "Variants that are released: with `--release`, every stage they need must start from an image pinned by digest (the variant being built always must).";
    require_signed_base: bool = "images"."require_signed_base", OnlyTrue, no_check,
        "Whether `wbuildc build` must verify every registry image a variant builds on against the organisation's GPG keys (`[trust]` in its wbuild.toml) and build on the verified digest; an unsigned or wrongly signed base is refused.";
    allowed_repositories: Vec<String> = "apt"."allowed_repositories", Subset, check_repositories,
        "Repositories that `apt [...] with repository = \"URI SUITE COMPONENT...\"` may add.";
    allowed_components: Vec<String> = "apt"."allowed_components", Subset, check_components,
        "Components such a repository line may name.";
    allow_keyrings: bool = "apt"."allow_keyrings", OnlyFalse, no_check,
        "Whether an `apt` step may add a signing key (`with keyring = \"path/in/context.gpg\"`, or the armoured key itself: `with key = ...`).";
    allowed_keys: Vec<String> = "apt"."allowed_keys", Subset, check_fingerprints,
        "Fingerprints of the signing keys an `apt` step may give inline (`with key = ...`) where `allow_keyrings` is false: every primary key of the block must be listed (40 hex digits for a version 4 key, 64 for version 6; spaces and case do not matter).";
    allowed_proxies: Vec<String> = "apt"."allowed_proxies", Subset, check_proxies,
        "HTTP proxies an `apt` step may use for its downloads (`with proxy = \"http://HOST:PORT\"`); empty: none.";
    secret_min_length: u32 = "secrets"."min_length", AtMost, check_min_length,
        "A word at least this long whose characters carry at least `min_entropy` bits each counts as a credential.";
    secret_min_entropy_milli: Milli = "secrets"."min_entropy", AtMost, no_check,
        "Bits per character (0 to 8) from which a long word counts as a credential.";
    forbidden_files: Vec<String> = "secrets"."forbidden_files", Superset, check_file_patterns,
        "Files never copied into an image, never sent to the engine and never read (matched against each path component; `*` matches any run of characters).";
    allow_root: bool = "runtime"."allow_root", OnlyFalse, no_check,
        "Whether variants may run as root (uid or gid 0) without an `allow = { \"root-user\": \"reason\" }`.";
    debian_first: bool = "debian_first"."enabled", OnlyTrue, no_check,
        "Warn when pip, npm, yarn, pnpm or composer installs a library that Debian packages.";
    require_signature: bool = "publishing"."require_signature", OnlyTrue, no_check,
        "Whether `wbuildc publish` must sign what it pushes (`--sign-by FINGERPRINT`, GPG simple signing); without a key it refuses.";
    require_ci_env: Vec<String> = "publishing"."require_ci_env", Superset, check_env_names,
        "Environment variables that must all be set and not empty for `wbuildc publish` to push (e.g. `[\"CI\"]`: only CI publishes); empty: anyone with credentials may.";
    private_repository: String = "publishing"."private_repository", Fixed, check_private_repository,
        "The namespace of the registry where images with private data live (`HOST/PATH`, e.g. `registry.example.org/private`): variants marked `private = true` are published only below it, and no public variant may build on an image there; empty: private variants cannot be published.";
}

/// Why a value is invalid, for keys that constrain their values further.
type Check<T> = fn(&T) -> Result<(), String>;

fn no_check<T>(_: &T) -> Result<(), String> {
    Ok(())
}

fn each(values: &[String], what: &str, ok: impl Fn(&str) -> bool) -> Result<(), String> {
    match values.iter().find(|v| !ok(v)) {
        Some(bad) => Err(format!("{} is not {what}", toml_string(bad))),
        None => Ok(()),
    }
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_registries(values: &Vec<String>) -> Result<(), String> {
    each(
        values,
        "a registry host (e.g. registry.example.org or localhost:5000)",
        |v| {
            !v.is_empty()
                && v.len() <= 255
                && v.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-:".contains(&b))
                && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        },
    )
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_variant_names(values: &Vec<String>) -> Result<(), String> {
    each(values, "a variant name", |v| {
        v.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// `HOST[:PORT]/PATH` (a registry host and at least one path component of
/// lowercase repository characters), or empty.
#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_private_repository(value: &String) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let ok = value.split_once('/').is_some_and(|(host, path)| {
        check_registries(&vec![host.to_string()]).is_ok()
            && path.split('/').all(|part| {
                part.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                    && part.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            })
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a registry namespace (HOST/PATH, e.g. registry.example.org/private)",
            toml_string(value)
        ))
    }
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_env_names(values: &Vec<String>) -> Result<(), String> {
    each(
        values,
        "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
        |v| {
            v.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        },
    )
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_repositories(values: &Vec<String>) -> Result<(), String> {
    each(values, "an http(s) URI without spaces", |v| {
        (v.starts_with("http://") || v.starts_with("https://"))
            && v.bytes()
                .all(|b| b.is_ascii_graphic() && !b"'\"\\`$".contains(&b))
    })
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_fingerprints(values: &Vec<String>) -> Result<(), String> {
    each(
        values,
        "an OpenPGP fingerprint (40 or 64 hex digits)",
        |v| crate::language::apt::normalise_fingerprint(v).is_some(),
    )
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_proxies(values: &Vec<String>) -> Result<(), String> {
    each(values, "an http://HOST[:PORT] proxy URL", |v| {
        crate::language::apt::check_proxy(v).is_ok()
    })
}

#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_components(values: &Vec<String>) -> Result<(), String> {
    each(values, "an APT component name", |v| {
        !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
    })
}

fn check_min_length(value: &u32) -> Result<(), String> {
    if (8..=1024).contains(value) {
        Ok(())
    } else {
        Err(format!("{value} is outside 8..=1024"))
    }
}

/// Forbidden-file patterns are written into the generated ignore file, so they
/// are held to a positive character set: no `/`, no `!`, no line breaks.
#[allow(clippy::ptr_arg)] // every check is `fn(&T)` for the key's type
fn check_file_patterns(values: &Vec<String>) -> Result<(), String> {
    each(
        values,
        "a file-name pattern ([A-Za-z0-9._*+@~-], not starting with `!`)",
        is_file_pattern,
    )
}

/// A forbidden-file pattern: a file name with `*` wildcards.
pub fn is_file_pattern(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern.len() <= 255
        && pattern.bytes().any(|b| b != b'*')
        && pattern
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._*+@~-".contains(&b))
}

/// What applying a layer needs to know about it.
struct LayerContext<'a> {
    layer: Layer,
    path: Option<&'a str>,
    text: &'a str,
    file: FileId,
}

impl LayerContext<'_> {
    fn source(&self, span: std::ops::Range<usize>) -> Source {
        match self.path {
            None => Source::Default,
            Some(path) => Source::File {
                layer: self.layer,
                path: path.to_string(),
                line: line_of(self.text, span.start),
            },
        }
    }

    fn error(
        &self,
        code: Code,
        message: String,
        span: std::ops::Range<usize>,
        label: &str,
    ) -> Diagnostic {
        Diagnostic::new(
            code,
            message,
            self.file,
            Span::new(span.start, span.end),
            label,
        )
    }
}

fn set_setting<T: PolicyType>(
    setting: &mut Setting<T>,
    cx: &LayerContext<'_>,
    info: &KeyInfo,
    value: &Spanned<DeValue<'_>>,
    check: Check<T>,
) -> Result<(), Box<Diagnostic>> {
    let span = value.span();
    let Some(new) = T::from_toml(value.get_ref()) else {
        return Err(cx
            .error(
                Code::InvalidPolicy,
                format!(
                    "`{}` must be {}, not {}",
                    info.dotted(),
                    T::TYPE,
                    value.get_ref().type_str()
                ),
                span,
                "wrong type",
            )
            .with_help("`wbuildc docs policy` lists every key and its type")
            .into_boxed());
    };
    if let Err(why) = check(&new) {
        return Err(cx
            .error(
                Code::InvalidPolicy,
                format!("invalid `{}`: {why}", info.dotted()),
                span,
                "invalid value",
            )
            .into_boxed());
    }
    if cx.layer == Layer::Repository {
        if let Err(what) = new.tightens(&setting.value, info.tighten) {
            return Err(cx
                .error(
                    Code::PolicyLoosened,
                    format!(
                        "a repository's policy cannot loosen `{}`: this {what}",
                        info.dotted()
                    ),
                    span,
                    "would loosen the organisation's policy",
                )
                .with_note(format!(
                    "in force: {} = {}, from {}",
                    info.dotted(),
                    setting.value.to_toml(),
                    setting.source
                ))
                .with_note(format!(
                    "in a repository's wbuild-policy.toml, `{}` {}",
                    info.dotted(),
                    info.tighten.describe()
                ))
                .with_help("ask for the change in the organisation's policy, or write a visible exception on the variant: allow = { \"RULE\": \"reason\" }")
                .into_boxed());
        }
    }
    *setting = Setting {
        value: new,
        source: cx.source(span),
    };
    Ok(())
}

impl Default for Policy {
    fn default() -> Policy {
        let mut policy = Policy::empty();
        // The embedded default is part of the binary and tested; it cannot fail.
        let _ = policy.apply(Layer::Default, None, DEFAULT_POLICY, FileId(u32::MAX));
        policy
    }
}

impl Policy {
    /// Applies one policy file over this policy. `path` is `None` for the embedded
    /// default. Every problem becomes a diagnostic in that file (WB5000 for invalid
    /// files, WB5011 for a repository layer that loosens a key, WB5012 for a
    /// repository layer under a final organisation policy); valid keys of a file
    /// with problems are still applied, loosening ones never.
    pub fn apply(
        &mut self,
        layer: Layer,
        path: Option<&str>,
        text: &str,
        file: FileId,
    ) -> Vec<Diagnostic> {
        let cx = LayerContext {
            layer,
            path,
            text,
            file,
        };
        if layer == Layer::Repository {
            if let Some(final_source) = &self.final_layer {
                return vec![Diagnostic::new(
                    Code::PolicyIgnored,
                    "this repository policy file is not applied: the organisation's policy is final",
                    file,
                    Span::at(0),
                    "ignored",
                )
                .with_note(format!("`final = true` at {final_source}"))
                .with_help("remove the file, or ask for its rules in the organisation's policy")];
            }
        }
        let table = match DeTable::parse(text) {
            Ok(table) => table.into_inner(),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                return vec![cx
                    .error(
                        Code::InvalidPolicy,
                        format!("invalid policy file: {}", e.message()),
                        span,
                        "here",
                    )
                    .with_help("`wbuildc docs policy` lists the keys a policy file may set")];
            }
        };
        let mut problems = Vec::new();
        let mut entries: Vec<(&Spanned<std::borrow::Cow<'_, str>>, &Spanned<DeValue<'_>>)> =
            table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (section, value) in entries {
            let section_name: &str = section.get_ref();
            if section_name == "final" {
                match (layer, value.get_ref().as_bool()) {
                    (Layer::Organisation, Some(is_final)) => {
                        if is_final {
                            self.final_layer = Some(cx.source(value.span()));
                        }
                    }
                    (Layer::Organisation, None) => problems.push(cx.error(
                        Code::InvalidPolicy,
                        "`final` must be a boolean".into(),
                        value.span(),
                        "wrong type",
                    )),
                    _ => problems.push(
                        cx.error(
                            Code::InvalidPolicy,
                            "only the organisation's policy can be `final`".into(),
                            section.span(),
                            "not allowed here",
                        )
                        .with_help("`final = true` belongs in the policy CI passes with --policy or $WBUILD_CONFIG/policy.toml"),
                    ),
                }
                continue;
            }
            let Some(keys) = value.get_ref().as_table() else {
                problems.push(
                    cx.error(
                        Code::InvalidPolicy,
                        format!("`{section_name}` must be a section (`[{section_name}]`)"),
                        section.span(),
                        "not a section",
                    )
                    .with_help_opt(suggest::help(section_name, sections())),
                );
                continue;
            };
            if !sections().any(|s| s == section_name) {
                problems.push(
                    cx.error(
                        Code::InvalidPolicy,
                        format!("unknown policy section `[{section_name}]`"),
                        section.span(),
                        "unknown section",
                    )
                    .with_help(
                        suggest::help(section_name, sections()).unwrap_or_else(|| {
                            format!(
                                "the sections are: {}",
                                sections().collect::<Vec<_>>().join(", ")
                            )
                        }),
                    ),
                );
                continue;
            }
            let mut keys: Vec<_> = keys.iter().collect();
            keys.sort_by_key(|(k, _)| k.span().start);
            for (key, value) in keys {
                let key_name: &str = key.get_ref();
                match self.set_key(&cx, section_name, key_name, value) {
                    Some(Ok(())) => {}
                    Some(Err(d)) => problems.push(*d),
                    None => {
                        let names = KEYS
                            .iter()
                            .filter(|k| k.section == section_name)
                            .map(|k| k.name);
                        problems.push(
                            cx.error(
                                Code::InvalidPolicy,
                                format!("unknown policy key `{section_name}.{key_name}`"),
                                key.span(),
                                "unknown key",
                            )
                            .with_help(
                                suggest::help(key_name, names).unwrap_or_else(|| {
                                    "`wbuildc docs policy` lists the keys a policy file may set"
                                        .into()
                                }),
                            ),
                        );
                    }
                }
            }
        }
        problems
    }

    /// The effective policy as TOML, each value followed by where it came from.
    pub fn explain(&self) -> String {
        let mut text = String::new();
        if let Some(source) = &self.final_layer {
            let _ = writeln!(text, "final = true  # {source}\n");
        }
        let mut section = "";
        for (info, value, _, source) in self.entries() {
            if info.section != section {
                if !section.is_empty() {
                    text.push('\n');
                }
                section = info.section;
                let _ = writeln!(text, "[{section}]");
            }
            let _ = writeln!(text, "{} = {value}  # {source}", info.name);
        }
        text
    }

    /// The effective policy as JSON: every key with its value and origin.
    pub fn to_json(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .entries()
            .into_iter()
            .map(|(info, _, value, source)| {
                serde_json::json!({ "key": info.dotted(), "value": value, "origin": source.to_json() })
            })
            .collect();
        serde_json::json!({
            "final": self.final_layer.as_ref().map(Source::to_json),
            "keys": keys,
        })
    }
}

/// Checks a repository's `wbuild.toml`. The repository is untrusted, so it may
/// not choose the stdlib (the organisation's presets are what its policy builds
/// on) nor the keys base images are verified with (`[trust]`: a repository that
/// names its own key could sign its own base), and there is nothing else such a
/// file sets yet: every key is an error.
pub fn check_repository_config(text: &str, file: FileId) -> Vec<Diagnostic> {
    let table = match DeTable::parse(text) {
        Ok(table) => table.into_inner(),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return vec![Diagnostic::new(
                Code::UntrustedConfig,
                format!("invalid wbuild.toml: {}", e.message()),
                file,
                Span::new(span.start, span.end),
                "here",
            )];
        }
    };
    let mut keys: Vec<_> = table.iter().collect();
    keys.sort_by_key(|(k, _)| k.span().start);
    keys.into_iter()
        .map(|(key, _)| {
            let span = key.span();
            let name: &str = key.get_ref();
            let d = Diagnostic::new(
                Code::UntrustedConfig,
                if name == "stdlib" {
                    "a repository cannot choose the stdlib".to_string()
                } else if name == "trust" {
                    "a repository cannot choose whose signatures are trusted".to_string()
                } else {
                    format!("a repository's wbuild.toml cannot set `{name}`")
                },
                file,
                Span::new(span.start, span.end),
                "not read from the repository",
            );
            if name == "stdlib" {
                d.with_note("the stdlib is the organisation's: its presets are what the policy builds on")
                    .with_help("CI passes it with --stdlib DIR or `[stdlib] dir` in $WBUILD_CONFIG/wbuild.toml; remove this section")
            } else if name == "trust" {
                d.with_note("base images are verified with the organisation's keys only: a key the repository names could sign any image")
                    .with_help("the keys are `[trust]` in $WBUILD_CONFIG/wbuild.toml; remove this section")
            } else {
                d.with_help("remove it; repository settings come from the organisation's configuration")
            }
        })
        .collect()
}

fn sections() -> impl Iterator<Item = &'static str> + Clone {
    let mut seen: Vec<&'static str> = Vec::new();
    for key in KEYS {
        if !seen.contains(&key.section) {
            seen.push(key.section);
        }
    }
    seen.into_iter()
}

/// A TOML basic string (the policy's values are shown the way a file writes them;
/// `wbuild.lock` is written with it too).
pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn line_of(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// A configuration file of the repository that was not read (a link out of it,
/// not a regular file, ...): the reason is the message; its text is never shown.
pub fn unread_file(reason: &str, file: FileId) -> Diagnostic {
    Diagnostic::new(
        Code::UntrustedConfig,
        reason.to_string(),
        file,
        Span::at(0),
        "not read",
    )
    .with_help("configuration files of the repository are regular files inside it")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Source {
        Source::File {
            layer: Layer::Organisation,
            path: path.into(),
            line: 2,
        }
    }

    #[test]
    fn the_default_policy_sets_every_key() {
        let policy = Policy::default();
        for (info, _, _, source) in policy.entries() {
            assert_eq!(
                source,
                &Source::Default,
                "{} is not in stdlib/policy.toml",
                info.dotted()
            );
        }
        assert_eq!(
            policy.allowed_registries.value,
            vec!["registry.example.org".to_string()]
        );
    }

    #[test]
    fn the_organisation_sets_keys_and_the_repository_only_tightens() {
        let mut policy = Policy::default();
        let org = "[images]\nallowed_registries = [\"r.example.com\", \"registry.example.org\"]\n";
        assert!(policy
            .apply(Layer::Organisation, Some("org.toml"), org, FileId(0))
            .is_empty());
        assert_eq!(policy.allowed_registries.source, file("org.toml"));

        let tighter =
            "[images]\nallowed_registries = [\"r.example.com\"]\n[runtime]\nallow_root = false\n";
        assert!(policy
            .apply(Layer::Repository, Some("repo.toml"), tighter, FileId(1))
            .is_empty());
        assert_eq!(
            policy.allowed_registries.value,
            vec!["r.example.com".to_string()]
        );

        let looser = "[images]\nallowed_registries = [\"docker.io\"]\n[runtime]\nallow_root = true\n[secrets]\nmin_length = 64\nforbidden_files = []\n[debian_first]\nenabled = false\n";
        let problems = policy.apply(Layer::Repository, Some("repo.toml"), looser, FileId(1));
        let codes: Vec<&str> = problems.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["WB5011"; 5], "{problems:#?}");
        assert_eq!(
            policy.allowed_registries.value,
            vec!["r.example.com".to_string()]
        );
        assert!(!policy.allow_root.value && policy.debian_first.value);
    }

    #[test]
    fn a_final_organisation_policy_ignores_the_repository() {
        let mut policy = Policy::default();
        assert!(policy
            .apply(
                Layer::Organisation,
                Some("org.toml"),
                "final = true\n",
                FileId(0)
            )
            .is_empty());
        let problems = policy.apply(
            Layer::Repository,
            Some("repo.toml"),
            "[runtime]\nallow_root = false\n",
            FileId(1),
        );
        assert_eq!(problems.first().map(|d| d.code.as_str()), Some("WB5012"));
        let problems = policy.apply(
            Layer::Repository,
            Some("repo.toml"),
            "final = true\n",
            FileId(1),
        );
        assert_eq!(problems.first().map(|d| d.code.as_str()), Some("WB5012"));
        assert!(policy
            .explain()
            .starts_with("final = true  # organisation: org.toml:1"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let mut policy = Policy::default();
        for bad in [
            "[images]\nallowed = 1\n",
            "[image]\nallowed_registries = []\n",
            "[images]\nallowed_registries = \"x\"\n",
            "[secrets]\nforbidden_files = [\"a\\n!b\"]\n",
            "[secrets]\nforbidden_files = [\"!keep\"]\n",
            "[secrets]\nmin_entropy = 9.0\n",
            "final = true\n[runtime]\nallow_root = 1\n",
            "not toml",
        ] {
            let problems = policy.apply(Layer::Organisation, Some("bad.toml"), bad, FileId(0));
            assert!(
                problems.iter().any(|d| d.code.as_str() == "WB5000"),
                "{bad}: {problems:#?}"
            );
        }
    }
}
