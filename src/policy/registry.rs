//! Rules `registry`, `image-tag` and `unpinned-image`: base images (and images
//! a step mounts) come from the allowed registries, carry a real tag, and
//! release stages are pinned by digest.

use super::RuleContext;
use crate::check::types::{BindFrom, ImageRef, MountKind, StepKind, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;
use crate::variants::ResolvedVariant;

/// The variants that release variants need (themselves and their stage
/// dependencies).
pub(super) fn release_stages(cx: &RuleContext<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo: Vec<&str> = cx
        .policy
        .release_variants
        .value
        .iter()
        .map(String::as_str)
        .collect();
    while let Some(name) = todo.pop() {
        let Some(node) = cx.graph.node(name) else {
            continue;
        };
        if out.iter().any(|n| n == name) {
            continue;
        }
        todo.extend(node.stage_deps().map(|(dep, _)| dep));
        out.push(name.to_string());
    }
    out
}

pub(super) fn check(
    cx: &RuleContext<'_>,
    variant: &ResolvedVariant,
    release_stages: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let release = cx.release && release_stages.contains(&variant.name);
    // An image a step mounts (`bind(image = ...)`) is read by the build as a
    // base is: the same rules.
    if let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) {
        for step in steps {
            let StepKind::Run { mounts, .. } = &step.kind else {
                continue;
            };
            for mount in mounts {
                let MountKind::Bind {
                    from: BindFrom::Image(image),
                    ..
                } = &mount.kind
                else {
                    continue;
                };
                let at = mount.origin;
                out.extend(image_findings(
                    cx,
                    image,
                    at,
                    format!("a step of variant `{}` mounts {image}", variant.name),
                    "mount an image of the organisation's registry",
                ));
                if release && crate::lower::pinned(cx.db, image).digest.is_none() {
                    out.push(
                        Diagnostic::new(
                            Code::UnpinnedImage,
                            format!(
                                "release stage `{}` mounts `{image}` without a digest",
                                variant.name
                            ),
                            at.file,
                            at.span,
                            "not pinned",
                        )
                        .with_help("lock it: `wbuildc lock` pins every reference in wbuild.lock (or write `registry/repo:tag@sha256:<digest>`)")
                        .with_note(format!(
                            "release variants: {} (policy: {})",
                            cx.policy.release_variants.value.join(", "),
                            cx.policy.release_variants.source
                        )),
                    );
                }
            }
        }
    }
    let Some(base) = variant.fields.get(&Field::Base) else {
        return out;
    };
    let ValKind::Image(image) = &base.kind else {
        return out;
    };
    out.extend(image_findings(
        cx,
        image,
        base.origin,
        format!("variant `{}` starts from {image}", variant.name),
        "start from the organisation's base image: `import \"base\"` and `base = base.debian`",
    ));
    // Pinning is a release requirement (DESIGN: "pinned by digest for release
    // builds"); day-to-day checks and test builds use tags.
    if release {
        out.extend(unpinned(
            cx.db,
            variant,
            &format!(
                "release variants: {} (policy: {})",
                cx.policy.release_variants.value.join(", "),
                cx.policy.release_variants.source
            ),
        ));
    }
    out
}

/// WB5001 for an image outside the approved registries, WB5003 for one
/// without a tag or with a moving one.
fn image_findings(
    cx: &RuleContext<'_>,
    image: &ImageRef,
    at: Origin,
    label: String,
    help: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let allowed = &cx.policy.allowed_registries;
    if !allowed.value.contains(&image.registry) {
        out.push(
            Diagnostic::new(
                Code::RegistryNotAllowed,
                format!("`{}` is not an approved registry", image.registry),
                at.file,
                at.span,
                label,
            )
            .with_note(format!(
                "allowed registries: {} (policy: {})",
                allowed.value.join(", "),
                allowed.source
            ))
            .with_help(help),
        );
    }
    match image.tag.as_deref() {
        Some(tag) if is_latest(tag) => out.push(
            Diagnostic::new(
                Code::MutableImageTag,
                format!("`{image}` uses the moving tag `{tag}`"),
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
    out
}

/// WB5002 when the variant's stage starts from an image without a digest.
/// A reference `wbuild.lock` pins counts as pinned.
pub(super) fn unpinned(
    db: &dyn crate::db::Db,
    variant: &ResolvedVariant,
    why: &str,
) -> Option<Diagnostic> {
    let base = variant.fields.get(&Field::Base)?;
    let ValKind::Image(image) = &base.kind else {
        return None;
    };
    if crate::lower::pinned(db, image).digest.is_some() {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::UnpinnedImage,
            format!(
                "release stage `{}` starts from `{image}` without a digest",
                variant.name
            ),
            base.origin.file,
            base.origin.span,
            "not pinned",
        )
        .with_help("lock it: `wbuildc lock` pins every base reference in wbuild.lock (or write `registry/repo:tag@sha256:<digest>`)")
        .with_note(why.to_string()),
    )
}

/// Tags that name whatever was pushed last: `latest` in any case, alone or as a
/// word of the tag (`latest-slim`, `3-latest`).
pub(super) fn is_latest(tag: &str) -> bool {
    tag.split(['-', '_', '.'])
        .any(|word| word.eq_ignore_ascii_case("latest"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn latest_in_any_case_or_as_a_word_is_a_moving_tag() {
        for tag in [
            "latest",
            "LATEST",
            "Latest",
            "latest-slim",
            "3.11-latest",
            "latest_x",
        ] {
            assert!(super::is_latest(tag), "{tag}");
        }
        for tag in ["bookworm", "1.2.3", "latests", "greatest"] {
            assert!(!super::is_latest(tag), "{tag}");
        }
    }
}
