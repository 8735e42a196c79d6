//! Variant resolution: `extends`, presets with arguments, and the explicit merge
//! operators, giving each variant's final fields.
//!
//! The merge rule, in full: a variant starts from the image's fields; each parent,
//! left to right, replaces the fields it sets; then the variant's own assignments
//! apply in order, `=` replacing and `+=` appending (lists, steps) or merging (maps).
//! When two parents set one field differently and the variant does not settle it
//! with `=`, a warning (WB3003) says which parent won.
//!
//! The parts: `image.rs` (the image declaration), `base.rs` (a base image's
//! definition), `resolver.rs` (variants,
//! parents, cycles and depth), `presets.rs` (binding arguments, instantiating and
//! checking presets), `merge.rs` (the rule above), `duplicates.rs` (steps
//! that say something twice). Variant resolution drives the
//! evaluator (`check::eval`) for every value it merges; what names refer to is
//! the resolution index's answer.

mod base;
mod duplicates;
mod image;
mod merge;
mod presets;
mod resolver;

use crate::check::types::{Val, ValKind};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::{FileId, Origin};
use indexmap::IndexMap;
use resolver::{Module, Resolver};

pub use base::BaseDecl;
pub use duplicates::duplicate_steps;
pub use image::ImageDecl;

///
/// Keyed by `Field`, an enum the file cannot choose, so FxHash (one multiply)
/// replaces std's keyed SipHash, which showed in every lookup of a field.
pub type Fields = IndexMap<Field, Val, rustc_hash::FxBuildHasher>;

/// A preset a variant instantiates, directly or through the presets it extends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PresetUse {
    /// The file that defines the preset.
    pub module: FileId,
    pub name: String,
    /// The `extends` entry that instantiates it (in the variant's file, or in the
    /// preset that extends it).
    pub call_site: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedVariant {
    pub name: String,
    pub origin: Origin,
    pub fields: Fields,
    /// `false` when part of the variant failed to resolve (already reported):
    /// rules that would only report consequences of that stay silent.
    pub complete: bool,
    /// The variants of the file it extends (their fields are merged in), with
    /// the `extends` entry.
    pub extends: Vec<(String, Origin)>,
    /// The presets its own `extends` clause instantiates, and the ones those
    /// extend, in the order they are instantiated.
    pub presets: Vec<PresetUse>,
}

impl ResolvedVariant {
    /// Where `private = true` is set for the variant (directly, through
    /// `extends` or the image block), or `None` when its image is public. The
    /// one answer to "is this variant private": lowering labels it, the policy
    /// keeps public variants off it, `publish` chooses the namespace.
    pub fn private_origin(&self) -> Option<Origin> {
        match self.fields.get(&Field::Private) {
            Some(Val {
                kind: ValKind::Bool(true),
                origin,
            }) => Some(*origin),
            _ => None,
        }
    }

    pub fn is_private(&self) -> bool {
        self.private_origin().is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Evaluated {
    pub image: Option<ImageDecl>,
    /// The base image the file defines (`base "REF" { ... }`).
    pub base: Option<BaseDecl>,
    pub variants: IndexMap<String, ResolvedVariant>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Resolves every variant of a file.
#[salsa::tracked(returns(ref))]
pub fn evaluate(db: &dyn Db, file: SourceFile) -> Evaluated {
    let budget = crate::check::budget::Budget::default();
    let mut resolver = Resolver::new(db, file, &budget);
    let module = Module::root(db, file);
    let (image, start) = image::declare(&mut resolver, &module);
    let base = base::declare(&mut resolver, &module);
    // Presets are checked where they are written, not only when something extends
    // them, so a stdlib author sees every error in `wbuildc check stdlib/x.wbuild`.
    for name in module.scope().presets.keys() {
        if let Some(preset) = module.preset(name) {
            resolver.check_preset(&module, preset);
        }
    }
    let mut variants = IndexMap::new();
    for name in module.scope().variants.keys() {
        let Some(v) = module.variant(name) else {
            continue;
        };
        let reported_before = resolver.reported();
        let Some(resolved) = resolver.variant(&module, name, &start) else {
            continue;
        };
        // A variant whose own checking failed has already been reported; saying
        // it lacks a base or does nothing would only repeat that.
        let clean = !resolver.errors_since(reported_before) && resolved.complete;
        let fields = resolved.fields;
        if clean && !fields.contains_key(&Field::Base) {
            resolver.report(
                Diagnostic::new(Code::MissingBase, format!("variant `{name}` has no base image"), module.id, v.name.span, "no `base` after merging")
                    .with_help("set `base = \"registry.example.org/debian:bookworm\"` or extend a preset that sets one"),
            );
        }
        let own_settings = fields
            .keys()
            .any(|f| !matches!(f, Field::Base | Field::Labels | Field::Workdir));
        if clean && fields.contains_key(&Field::Base) && !own_settings {
            resolver.report(
                Diagnostic::new(
                    Code::NoSteps,
                    format!("variant `{name}` does nothing"),
                    module.id,
                    v.name.span,
                    "no steps, user, command or ports",
                )
                .with_help("add steps or runtime settings, or extend a preset"),
            );
        }
        let origin = Origin {
            file: module.id,
            span: v.name.span,
        };
        variants.insert(
            name.clone(),
            ResolvedVariant {
                name: name.clone(),
                origin,
                fields,
                complete: clean,
                extends: resolved.extends,
                presets: resolved.presets.into_iter().collect(),
            },
        );
    }
    let mut diagnostics = resolver.into_diagnostics();
    crate::diagnostics::sort(&mut diagnostics);
    diagnostics.dedup();
    Evaluated {
        image,
        base,
        variants,
        diagnostics,
    }
}
