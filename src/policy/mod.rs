//! Policy: the organisation's rules, checked on every resolved variant.
//!
//! One file per rule family: `registry.rs` (approved registries, tags, digests),
//! `apt_sources.rs` (repositories and keyrings), `non_root.rs` (the runtime user),
//! `no_secrets.rs` (credentials in values, secret files), `debian_first.rs`
//! (libraries Debian ships). Each rule has a stable name, used in a variant's
//! `allow = { "rule": "reason" }` exceptions, and its own diagnostic code.
//!
//! Exceptions never hide anything silently: every applied exception is returned
//! in [`PolicyReport::exceptions`] (and shown by `check --format json`).

mod apt_sources;
pub mod config;
mod debian_first;
mod no_secrets;
mod non_root;
mod registry;

pub use config::{Policy, Source};
pub use debian_first::dependency_manifest_kind;

use crate::check::schema::Field;
use crate::check::types::{Origin, ValKind};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::variants::{self, ResolvedVariant};

/// The names of the rules, as written in `allow` maps.
pub const RULES: &[(&str, &[Code])] = &[
    ("registry", &[Code::RegistryNotAllowed]),
    ("unpinned-image", &[Code::UnpinnedImage]),
    ("image-tag", &[Code::MutableImageTag]),
    ("apt-source", &[Code::AptSourceNotAllowed]),
    ("apt-keyring", &[Code::AptKeyringNotAllowed]),
    ("root-user", &[Code::RootUser]),
    ("secret", &[Code::SecretInValue]),
    ("secret-file", &[Code::SecretFileCopied]),
    ("debian-first", &[Code::DebianFirst]),
];

fn rule_of(code: Code) -> Option<&'static str> {
    RULES
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(name, _)| *name)
}

/// A policy exception that applied: which variant, which rule, why, and what it
/// allowed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Exception {
    pub variant: String,
    pub rule: String,
    pub reason: String,
    /// Where the exception is written.
    #[serde(skip)]
    pub origin: Origin,
    /// The diagnostics it suppressed (their codes and messages).
    pub suppressed: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PolicyReport {
    pub diagnostics: Vec<Diagnostic>,
    pub exceptions: Vec<Exception>,
}

/// What a rule sees.
pub(crate) struct RuleContext<'a> {
    pub db: &'a dyn Db,
    pub file: SourceFile,
    pub policy: &'a Policy,
    pub release: bool,
}

#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn Db, file: SourceFile) -> PolicyReport {
    let settings = db.settings();
    let cx = RuleContext {
        db,
        file,
        policy: settings.policy(db),
        release: *settings.release(db),
    };
    let evaluated = variants::evaluate(db, file);
    let mut report = PolicyReport::default();
    // Constants are checked once, not per variant that uses them.
    report.diagnostics.extend(no_secrets::check_constants(&cx));
    let release_stages = registry::release_stages(&cx);
    for variant in evaluated.variants.values() {
        let mut found = Vec::new();
        found.extend(registry::check(&cx, variant, &release_stages));
        found.extend(apt_sources::check(&cx, variant));
        found.extend(non_root::check(&cx, variant));
        found.extend(no_secrets::check(&cx, variant));
        found.extend(debian_first::check(&cx, variant));
        apply_exceptions(variant, found, &mut report);
    }
    crate::diagnostics::sort(&mut report.diagnostics);
    report.diagnostics.dedup();
    report
}

fn apply_exceptions(variant: &ResolvedVariant, found: Vec<Diagnostic>, report: &mut PolicyReport) {
    let allow = match variant.fields.get(&Field::Allow) {
        Some(v) => match &v.kind {
            ValKind::Map(map) => map.clone(),
            _ => Default::default(),
        },
        None => Default::default(),
    };
    let mut exceptions: Vec<Exception> = Vec::new();
    for (rule, reason) in &allow {
        let reason_text = reason.kind.to_text().unwrap_or_default();
        if !RULES.iter().any(|(name, _)| name == rule) {
            let names: Vec<&str> = RULES.iter().map(|(n, _)| *n).collect();
            report.diagnostics.push(
                Diagnostic::new(
                    Code::BadException,
                    format!("there is no policy rule `{rule}`"),
                    reason.origin.file,
                    reason.origin.span,
                    "unknown rule",
                )
                .with_help(
                    crate::diagnostics::suggest::help(rule, names.iter().copied())
                        .unwrap_or_else(|| format!("rules: {}", names.join(", "))),
                ),
            );
            continue;
        }
        if reason_text.trim().is_empty() {
            report.diagnostics.push(
                Diagnostic::new(
                    Code::BadException,
                    format!("the exception to `{rule}` gives no reason"),
                    reason.origin.file,
                    reason.origin.span,
                    "empty reason",
                )
                .with_help(
                    "say why the rule does not apply here; the reason is what an audit reads",
                ),
            );
            continue;
        }
        exceptions.push(Exception {
            variant: variant.name.clone(),
            rule: rule.clone(),
            reason: reason_text,
            origin: reason.origin,
            suppressed: Vec::new(),
        });
    }
    for d in found {
        let rule = rule_of(d.code);
        match exceptions
            .iter_mut()
            .find(|e| Some(e.rule.as_str()) == rule)
        {
            Some(e) => e.suppressed.push(format!("{}: {}", d.code, d.message)),
            None => report.diagnostics.push(d),
        }
    }
    report.exceptions.extend(exceptions);
}

/// The dependency manifests (requirements files, package.json, composer.json)
/// that `file`'s variants copy from the build context, as paths relative to the
/// context. The driver reads them and hands them in (`Compiler::add_context_file`),
/// so that the Debian-first rule can read them.
pub fn wanted_context_files(db: &dyn Db, file: SourceFile) -> Vec<String> {
    let mut out = Vec::new();
    for variant in variants::evaluate(db, file).variants.values() {
        for source in debian_first::copied_manifests(variant) {
            if !out.contains(&source) {
                out.push(source);
            }
        }
    }
    out
}

/// The workspace key of a context file, relative to a manifest's directory.
pub fn context_key(manifest_path: &str, relative: &str) -> String {
    let dir = match manifest_path.rfind('/') {
        Some(i) => manifest_path.get(..i).unwrap_or(""),
        None => ".",
    };
    format!("ctx:{dir}/{relative}")
}
