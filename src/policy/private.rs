//! Rule `private` (WB5016): private data stays in private images. A variant
//! marked `private = true` is published only below the policy's
//! `publishing.private_repository`; a public variant may not take its layers
//! (`base = NAME`), its files (`copy from NAME`) or an image from the private
//! namespace. There is no exception for it: what a public image holds, everyone
//! can read.

use super::RuleContext;
use crate::diagnostics::{Code, Diagnostic};
use crate::graph::Base;
use crate::variants::ResolvedVariant;

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
    if variant.is_private() {
        return Vec::new();
    }
    let Some(node) = cx.graph.node(&variant.name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let private_variant = |name: &str| {
        cx.evaluated
            .variants
            .get(name)
            .and_then(ResolvedVariant::private_origin)
    };
    let uses = node
        .base
        .iter()
        .filter_map(|(base, at)| match base {
            Base::Variant(name) => Some((name.as_str(), *at, "is built on")),
            _ => None,
        })
        .chain(
            node.copies_from
                .iter()
                .map(|(name, at)| (name.as_str(), *at, "copies from")),
        )
        .chain(
            node.mounts_from
                .iter()
                .map(|(name, at)| (name.as_str(), *at, "mounts")),
        );
    for (name, at, how) in uses {
        let Some(marked) = private_variant(name) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::PrivateDataInPublic,
                format!(
                    "public variant `{}` {how} private variant `{name}`",
                    variant.name
                ),
                at.file,
                at.span,
                format!("`{name}` carries private data"),
            )
            .with_secondary(marked.file, marked.span, format!("`{name}` is marked private here"))
            .with_note(format!(
                "`{}` is public: its image may be published under public tags, and would carry what `{name}` holds",
                variant.name
            ))
            .with_help(format!(
                "mark `{}` private too (`private = true`), or build it from public variants only",
                variant.name
            )),
        );
    }
    if let Some((Base::Image(image), at)) = &node.base {
        let namespace = &cx.policy.private_repository;
        if in_namespace(
            &namespace.value,
            &format!("{}/{}", image.registry, image.repository),
        ) {
            out.push(
                Diagnostic::new(
                    Code::PrivateDataInPublic,
                    format!(
                        "public variant `{}` starts from the private image {image}",
                        variant.name
                    ),
                    at.file,
                    at.span,
                    "an image with private data",
                )
                .with_note(format!(
                    "images below {} are private (publishing.private_repository, policy: {})",
                    namespace.value, namespace.source
                ))
                .with_help(format!(
                    "mark `{}` private (`private = true`), or start from a public image",
                    variant.name
                )),
            );
        }
    }
    out
}

/// Whether `repository` (`HOST/PATH`) is `namespace` or below it; nothing is
/// when the policy names no namespace.
pub fn in_namespace(namespace: &str, repository: &str) -> bool {
    !namespace.is_empty()
        && repository
            .strip_prefix(namespace)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::in_namespace;

    #[test]
    fn a_namespace_holds_itself_and_what_is_below_it() {
        let ns = "registry.example.org/private";
        assert!(in_namespace(ns, "registry.example.org/private"));
        assert!(in_namespace(ns, "registry.example.org/private/app"));
        assert!(!in_namespace(ns, "registry.example.org/private-not/app"));
        assert!(!in_namespace(ns, "registry.example.org/app"));
        assert!(!in_namespace("", "registry.example.org/private/app"));
    }
}
