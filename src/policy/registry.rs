//! Rules `registry`, `image-tag` and `unpinned-image`: base images come from the
//! allowed registries, carry a real tag, and release stages are pinned by digest.

use super::RuleContext;
use crate::check::schema::Field;
use crate::check::types::ValKind;
use crate::diagnostics::{Code, Diagnostic};
use crate::variants::ResolvedVariant;

/// The variants that release variants need (themselves and their stage
/// dependencies).
pub(super) fn release_stages(cx: &RuleContext<'_>) -> Vec<String> {
    let lowered = crate::lower::lower_file(cx.db, cx.file);
    let mut out: Vec<String> = Vec::new();
    let mut todo: Vec<String> = cx.policy.release_variants.value.clone();
    while let Some(name) = todo.pop() {
        if out.contains(&name) || !lowered.deps.contains_key(&name) {
            continue;
        }
        for (dep, _) in lowered.deps.get(&name).into_iter().flatten() {
            todo.push(dep.clone());
        }
        out.push(name);
    }
    out
}

pub(super) fn check(
    cx: &RuleContext<'_>,
    variant: &ResolvedVariant,
    release_stages: &[String],
) -> Vec<Diagnostic> {
    let Some(base) = variant.fields.get(&Field::Base) else {
        return Vec::new();
    };
    let ValKind::Image(image) = &base.kind else {
        return Vec::new();
    };
    let at = base.origin;
    let mut out = Vec::new();
    let allowed = &cx.policy.allowed_registries;
    if !allowed.value.contains(&image.registry) {
        out.push(
            Diagnostic::new(
                Code::RegistryNotAllowed,
                format!("`{}` is not an approved registry", image.registry),
                at.file,
                at.span,
                format!("variant `{}` starts from {image}", variant.name),
            )
            .with_note(format!("allowed registries: {} (policy: {})", allowed.value.join(", "), allowed.source))
            .with_help("start from the organisation's base image: `import \"base\"` and `base = base.debian`"),
        );
    }
    match image.tag.as_deref() {
        Some("latest") => out.push(
            Diagnostic::new(
                Code::MutableImageTag,
                format!("`{image}` uses the tag `latest`"),
                at.file,
                at.span,
                "moves with every push",
            )
            .with_help("name a version tag (and pin the digest for releases)"),
        ),
        None if image.digest.is_none() => out.push(
            Diagnostic::new(
                Code::MutableImageTag,
                format!("`{image}` has no tag"),
                at.file,
                at.span,
                "means `latest`",
            )
            .with_help("name a version tag, e.g. `:bookworm`"),
        ),
        _ => {}
    }
    // Pinning is a release requirement (DESIGN: "pinned by digest for release
    // builds"); day-to-day checks and test builds use tags.
    if cx.release && image.digest.is_none() && release_stages.contains(&variant.name) {
        out.push(
            Diagnostic::new(
                Code::UnpinnedImage,
                format!(
                    "release stage `{}` starts from `{image}` without a digest",
                    variant.name
                ),
                at.file,
                at.span,
                "not pinned",
            )
            .with_help("pin it: `registry/repo:tag@sha256:<digest>`")
            .with_note(format!(
                "release variants: {} (policy: {})",
                cx.policy.release_variants.value.join(", "),
                cx.policy.release_variants.source
            )),
        );
    }
    out
}
