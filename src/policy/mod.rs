//! Policy: the organisation's rules, checked on every resolved variant.
//!
//! One file per rule family: `registry.rs` (approved registries, tags, digests),
//! `apt_sources.rs` (repositories, keyrings, APT configuration changed on the
//! side), `non_root.rs` (the runtime user), `no_secrets.rs` (credentials in
//! values, secret files, secrets written into layers), `setuid.rs` (setuid and
//! setgid files, sudoers), `debian_first.rs` (libraries Debian ships),
//! `private.rs` (public variants keep off private data). Each rule
//! has a stable name, used in a variant's `allow = { "rule": "reason" }`
//! exceptions, and its own diagnostic codes. `shell.rs` reads run steps for the
//! rules that look into them (best-effort, see docs/security.md); `patterns.rs`
//! matches file names; `credential.rs` scans a text for credentials;
//! `script_findings.rs` keeps what the rules find in each distinct script;
//! `path.rs` resolves the paths they compare.
//!
//! Exceptions never hide anything silently: every applied exception is returned
//! in [`PolicyReport::exceptions`] (and shown by `check --format json`). An
//! exception applies to the variant that writes it: a variant built on another
//! (`base = helper`) carries that variant's layers, so what an exception allowed
//! there is reported again for the variant built on it, unless it has its own.

mod apt_sources;
mod base_image;
mod credential;
mod debian_first;
mod debian_fix;
mod no_secrets;
mod non_root;
mod path;
mod patterns;
mod private;
mod registry;
mod script_findings;
mod setuid;
mod shell;

use crate::check::types::Command;
use crate::config::Policy;
pub use debian_first::{debian_packaged, dependency_manifest_kind};
pub use patterns::{file_pattern_matches, forbidden_in_copy_source};
pub use private::in_namespace;
use script_findings::{ScriptFindings, Scripts};
use std::borrow::Cow;

use crate::check::types::ValKind;
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::lower::LoweredFile;
use crate::span::Origin;
use crate::variants::{self, Evaluated, ResolvedVariant};

/// The names of the rules, as written in `allow` maps.
pub const RULES: &[(&str, &[Code])] = &[
    ("registry", &[Code::RegistryNotAllowed]),
    ("unpinned-image", &[Code::UnpinnedImage]),
    ("image-tag", &[Code::MutableImageTag]),
    ("apt-source", &[Code::AptSourceNotAllowed]),
    ("apt-keyring", &[Code::AptKeyringNotAllowed]),
    ("apt-proxy", &[Code::AptProxyNotAllowed]),
    ("root-user", &[Code::RootUser]),
    ("secret", &[Code::SecretInValue, Code::SecretPersisted]),
    ("secret-file", &[Code::SecretFileCopied]),
    ("debian-first", &[Code::DebianFirst]),
    ("setuid", &[Code::Setuid]),
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
    pub evaluated: &'a Evaluated,
    pub lowered: &'a LoweredFile,
    pub graph: &'a crate::graph::Graph,
    /// The scripts of this file's run steps, each read once.
    scripts: Scripts<'a>,
}

impl<'a> RuleContext<'a> {
    /// A command read as a script: once per database for each distinct script
    /// (the rules that look into run steps share one reading, and a preset's
    /// steps are read once for all the manifests that use it).
    pub fn script(&self, command: &'a Command) -> &'a shell::Script {
        &self.scripts.reading(command).script
    }

    /// What the best-effort rules find in a command's script (once per database
    /// for each distinct script).
    pub fn findings(&self, command: &'a Command) -> &'a ScriptFindings {
        &self.scripts.reading(command).findings
    }

    /// The variants whose stages `variant`'s stage is built on (`base =
    /// variant` links), nearest first, without `variant` itself.
    pub fn stage_ancestors(&self, variant: &ResolvedVariant) -> Vec<&'a ResolvedVariant> {
        self.graph
            .base_chain(&variant.name)
            .skip(1)
            .filter_map(|name| self.evaluated.variants.get(name))
            .collect()
    }
}

#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn Db, file: SourceFile) -> PolicyReport {
    let settings = db.settings();
    let cx = RuleContext {
        db,
        file,
        policy: settings.policy(db),
        release: *settings.release(db),
        evaluated: variants::evaluate(db, file),
        lowered: crate::lower::lower_file(db, file),
        graph: crate::graph::dependencies(db, file),
        scripts: Scripts::new(db),
    };
    let mut report = PolicyReport::default();
    // Constants and the image declaration are checked once, not per variant.
    report.diagnostics.extend(no_secrets::check_constants(&cx));
    report.diagnostics.extend(no_secrets::check_image(&cx));
    report.diagnostics.extend(base_image::check(&cx));
    let release_stages = registry::release_stages(&cx);
    // Each variant's own findings and its valid exceptions.
    // One entry for each variant, in the order of `cx.evaluated.variants`.
    let mut own: Vec<(Vec<Diagnostic>, Vec<Exception>)> = Vec::new();
    for variant in cx.evaluated.variants.values() {
        let mut found = Vec::new();
        found.extend(registry::check(&cx, variant, &release_stages));
        found.extend(apt_sources::check(&cx, variant));
        found.extend(non_root::check(&cx, variant));
        found.extend(no_secrets::check(&cx, variant));
        found.extend(setuid::check(&cx, variant));
        found.extend(debian_first::check(&cx, variant));
        found.extend(private::check(&cx, variant));
        let found: Vec<Diagnostic> = found
            .into_iter()
            .map(|d| d.for_variant(&variant.name))
            .collect();
        let exceptions = exceptions_of(cx.db, variant, &mut report.diagnostics);
        own.push((found, exceptions));
    }
    // What each variant carries from the stages it is built on, read from the
    // ancestors' own findings before those are consumed below.
    let inherited: Vec<Vec<Diagnostic>> = cx
        .evaluated
        .variants
        .values()
        .map(|variant| {
            let mut carried = Vec::new();
            for ancestor in cx.stage_ancestors(variant) {
                let own_there = cx.evaluated.variants.get_index_of(&ancestor.name);
                let Some((found, allowed_there)) = own_there.and_then(|i| own.get(i)) else {
                    continue;
                };
                // Whether a variant runs as root is decided for each variant, with
                // the user it inherits (see `non_root.rs`); everything else is in the
                // ancestor's layers.
                for d in found.iter().filter(|d| d.code != Code::RootUser) {
                    let excepted_there = rule_of(d.code)
                        .is_some_and(|rule| allowed_there.iter().any(|e| e.rule == rule));
                    // What the ancestor did not except is reported there already.
                    if excepted_there {
                        carried.push(inherited_finding(d, variant, ancestor));
                    }
                }
            }
            carried
        })
        .collect();
    for ((mut findings, mut exceptions), carried) in own.into_iter().zip(inherited) {
        findings.extend(carried);
        apply_exceptions(findings, &mut exceptions, &mut report.diagnostics);
        report.exceptions.extend(exceptions);
    }
    crate::diagnostics::sort(&mut report.diagnostics);
    report.diagnostics.dedup();
    report
}

/// A finding of a variant's stage ancestor that its exception allowed, reported
/// for the variant built on it.
fn inherited_finding(
    d: &Diagnostic,
    variant: &ResolvedVariant,
    ancestor: &ResolvedVariant,
) -> Diagnostic {
    let rule = rule_of(d.code).unwrap_or("RULE");
    let at = variant
        .fields
        .get(&Field::Base)
        .map_or(variant.origin, |v| v.origin);
    let mut inherited = d.clone();
    inherited.variant = Some(variant.name.clone());
    inherited.message = format!(
        "{} (in variant `{}`, built on `{}`)",
        d.message, variant.name, ancestor.name
    );
    inherited
        .with_secondary(at.file, at.span, format!("`{}` is built on `{}`", variant.name, ancestor.name))
        .with_note(format!(
            "the exception to `{rule}` on `{}` covers `{}` only; `{}` carries its layers",
            ancestor.name, ancestor.name, variant.name
        ))
        .with_help(format!(
            "write the exception on `{}` too if it applies there: allow += {{ \"{rule}\": \"reason\" }}",
            variant.name
        ))
}

/// A value's text (see `ValKind::to_text`; empty for a value that has none),
/// borrowed when the value is text already.
pub(crate) fn value_text(kind: &ValKind) -> Cow<'_, str> {
    match kind {
        ValKind::Str(s) | ValKind::Path(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_text().unwrap_or_default()),
    }
}

/// The key literal (`"rule"`) written right before the map value at `value`
/// (`"rule": value`), if the text there is exactly that.
fn key_before(db: &dyn Db, value: Origin, key: &str) -> Option<Origin> {
    let text = db.file(value.file)?.text(db);
    let before = text.get(..value.span.start as usize)?.trim_end();
    let before = before.strip_suffix(':')?.trim_end();
    let literal = format!("\"{key}\"");
    let start = before.len().checked_sub(literal.len())?;
    (before.get(start..)? == literal).then(|| Origin {
        file: value.file,
        span: crate::span::Span::new(start, before.len()),
    })
}

/// A reason says why in words: at least a few letters or digits, not only
/// spaces or invisible characters.
fn is_reason(text: &str) -> bool {
    if text.is_ascii() {
        // The same test on bytes (every reason the stdlib writes is ASCII): the
        // ASCII characters unsafe to print are the controls but `\n` and `\t`.
        return text
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .take(3)
            .count()
            >= 3
            && !text
                .bytes()
                .any(|b| b.is_ascii_control() && b != b'\n' && b != b'\t');
    }
    text.chars().filter(|c| c.is_alphanumeric()).count() >= 3
        && !text
            .chars()
            .any(crate::diagnostics::render::is_unsafe_to_print)
}

/// The valid exceptions of a variant; malformed ones become diagnostics.
fn exceptions_of(
    db: &dyn Db,
    variant: &ResolvedVariant,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Exception> {
    let Some(ValKind::Map(allow)) = variant.fields.get(&Field::Allow).map(|v| &v.kind) else {
        return Vec::new();
    };
    let mut exceptions: Vec<Exception> = Vec::new();
    for (rule, reason) in allow {
        let reason_text = value_text(&reason.kind);
        if !RULES.iter().any(|(name, _)| name == rule) {
            let names: Vec<&str> = RULES.iter().map(|(n, _)| *n).collect();
            // The rule's name is the entry's key: label it there when it is
            // written as a literal right before its reason.
            let at = key_before(db, reason.origin, rule).unwrap_or(reason.origin);
            let d = Diagnostic::new(
                Code::BadException,
                format!("there is no policy rule `{rule}`"),
                at.file,
                at.span,
                "unknown rule",
            );
            let d = match crate::diagnostics::suggest::did_you_mean(rule, names.iter().copied()) {
                Some(name) if at != reason.origin => d
                    .with_help(format!("did you mean `{name}`?"))
                    .with_replacement(format!("replace with `{name}`"), format!("\"{name}\"")),
                Some(name) => d.with_help(format!("did you mean `{name}`?")),
                None => d.with_help(format!("rules: {}", names.join(", "))),
            };
            diagnostics.push(d);
            continue;
        }
        if !is_reason(&reason_text) {
            diagnostics.push(
                Diagnostic::new(
                    Code::BadException,
                    format!("the exception to `{rule}` gives no reason"),
                    reason.origin.file,
                    reason.origin.span,
                    if reason_text.trim().is_empty() {
                        "empty reason"
                    } else {
                        "not a reason in words"
                    },
                )
                .with_help(
                    "say why the rule does not apply here, in words and without control characters; the reason is what an audit reads",
                ),
            );
            continue;
        }
        exceptions.push(Exception {
            variant: variant.name.clone(),
            rule: rule.clone(),
            reason: reason_text.into_owned(),
            origin: reason.origin,
            suppressed: Vec::new(),
        });
    }
    exceptions
}

fn apply_exceptions(
    found: Vec<Diagnostic>,
    exceptions: &mut [Exception],
    out: &mut Vec<Diagnostic>,
) {
    for d in found {
        let rule = rule_of(d.code);
        match exceptions
            .iter_mut()
            .find(|e| Some(e.rule.as_str()) == rule)
        {
            Some(e) => {
                let entry = format!("{}: {}", d.code, d.message);
                if !e.suppressed.contains(&entry) {
                    e.suppressed.push(entry);
                }
            }
            None => out.push(d),
        }
    }
}

/// Release pinning for the variant being compiled: in release mode, every stage
/// the target needs starts from an image pinned by digest, whatever
/// `images.release_variants` lists (that list decides what `check --release`
/// checks without a target). A stage whose variant has an `unpinned-image`
/// exception is allowed, visibly (its exception is in the report).
pub fn unpinned_release_stages(db: &dyn Db, file: SourceFile, target: &str) -> Vec<Diagnostic> {
    if !*db.settings().release(db) {
        return Vec::new();
    }
    let Some(order) = crate::graph::dependencies(db, file).stage_order(target) else {
        return Vec::new();
    };
    let evaluated = variants::evaluate(db, file);
    let mut out = Vec::new();
    for name in order {
        let Some(variant) = evaluated.variants.get(&name) else {
            continue;
        };
        let mut sink = Vec::new();
        let mut exceptions = exceptions_of(db, variant, &mut sink);
        let found: Vec<Diagnostic> = registry::unpinned(
            db,
            variant,
            &format!("the variant being built (`{target}`) needs it"),
        )
        .into_iter()
        .map(|d| d.for_variant(&name))
        .collect();
        apply_exceptions(found, &mut exceptions, &mut out);
    }
    out
}

/// The dependency manifests (requirements files, package.json, composer.json)
/// that `file`'s variants copy from the build context, and the requirement
/// files their install commands name, as paths relative to the context. The
/// driver reads them and hands them in (`Compiler::add_context_file`), so that
/// the Debian-first rule can read them.
pub fn wanted_context_files(db: &dyn Db, file: SourceFile) -> Vec<String> {
    let scripts = Scripts::new(db);
    let findings = |command| &scripts.reading(command).findings;
    let mut out = Vec::new();
    for variant in variants::evaluate(db, file).variants.values() {
        for source in debian_first::copied_manifests(variant, &findings) {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// ASCII reasons are judged on bytes as the general test judges them.
        #[test]
        fn ascii_reasons_are_judged_as_any_text(text in "[ -~\t\n\r\u{0}-\u{1f}\u{7f}]{0,12}") {
            let general = text.chars().filter(|c| c.is_alphanumeric()).count() >= 3
                && !text
                    .chars()
                    .any(crate::diagnostics::render::is_unsafe_to_print);
            prop_assert_eq!(super::is_reason(&text), general);
        }
    }
}
