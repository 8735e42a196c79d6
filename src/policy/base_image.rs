//! The rules for a base image's definition (`base "REF" { ... }`): the same
//! policy that governs the manifests built on it. Its reference must be in an
//! approved registry with a version tag, each APT source must be allowed, and
//! no value may carry a credential (labels and environment end up in the image
//! config, readable by anyone who pulls it).

use super::apt_sources::repository_findings;
use super::no_secrets::{secret_diagnostic, thresholds};
use super::registry::is_latest;
use super::RuleContext;
use crate::diagnostics::{Code, Diagnostic};
use crate::policy::credential::credential;

pub(super) fn check(cx: &RuleContext<'_>) -> Vec<Diagnostic> {
    let Some(base) = &cx.evaluated.base else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(reference) = &base.reference {
        let at = base.origin;
        let allowed = &cx.policy.allowed_registries;
        if !allowed.value.contains(&reference.registry) {
            out.push(
                Diagnostic::new(
                    Code::RegistryNotAllowed,
                    format!("`{}` is not an approved registry", reference.registry),
                    at.file,
                    at.span,
                    "the base image would be published there",
                )
                .with_note(format!(
                    "allowed registries: {} (policy: {})",
                    allowed.value.join(", "),
                    allowed.source
                ))
                .with_help("name the base image in the organisation's registry, so that manifests may use it"),
            );
        }
        if let Some(tag) = reference.tag.as_deref().filter(|t| is_latest(t)) {
            out.push(
                Diagnostic::new(
                    Code::MutableImageTag,
                    format!("`{reference}` uses the moving tag `{tag}`"),
                    at.file,
                    at.span,
                    "moves with every push",
                )
                .with_help("name the release, e.g. `:bookworm`: the lock pins its digest"),
            );
        }
    }
    for (line, at) in &base.sources {
        out.extend(repository_findings(cx, line, *at));
    }
    let (min_length, min_entropy) = thresholds(cx);
    let texts = base
        .labels
        .iter()
        .chain(&base.environment)
        .map(|(key, value, at)| (format!("`{key}`"), value, at));
    for (what, value, at) in texts {
        if let Some(why) = credential(value, min_length, min_entropy, true) {
            out.push(secret_diagnostic(
                &format!("the value of {what}"),
                &why,
                *at,
            ));
        }
    }
    out
}
