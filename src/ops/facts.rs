//! What one file contributes to the workspace graph, as span-free data: the base
//! image it defines, the image it produces and, for each variant, what its stage
//! starts from, the stages of its file it needs, the modules whose presets it
//! uses and the context paths it copies. Read from the phases' queries (the
//! variant graph owns "what does this variant depend on"); nothing is derived
//! twice.

use crate::check::types::{BindFrom, ImageRef, MountKind, StepKind, ValKind};
use crate::db::{Db, SourceFile};
use crate::graph::{self, Base};
use crate::language::Field;
use crate::variants;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileFacts {
    /// `base "REF" { ... }`: the reference this file defines (when valid).
    pub defines_base: Option<ImageRef>,
    /// `image "NAME" { version = ... }`: the image's name and version.
    pub image: Option<(String, Option<String>)>,
    pub variants: Vec<VariantFacts>,
    /// The files whose change changes this file's variants: every file it
    /// imports, user files and stdlib modules, transitively (a module read only
    /// for a constant, `base.somebody`, counts), and the modules of the presets
    /// its variants use, by path, sorted.
    pub uses_files: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantFacts {
    pub name: String,
    /// The image its own `base` names (`None` for `scratch`, a variant of the
    /// file, which is in `stage_deps`, or a missing base).
    pub from_image: Option<ImageRef>,
    /// The images its steps mount (`bind(from = "REF")`), in step order, each once.
    pub mounted_images: Vec<ImageRef>,
    /// The variants of the same file it needs built first (its base variant and
    /// the ones it copies from).
    pub stage_deps: Vec<String>,
    /// Paths it copies from the build context, relative to the manifest's
    /// directory (patterns as written).
    pub context_paths: Vec<String>,
    /// Marked `private = true`: its image is in the private namespace.
    pub private: bool,
}

#[salsa::tracked(returns(ref))]
pub fn file_facts(db: &dyn Db, file: SourceFile) -> FileFacts {
    let evaluated = variants::evaluate(db, file);
    let deps = graph::dependencies(db, file);
    let mut uses: Vec<String> = crate::analysis::import_closure(db, file, true)
        .iter()
        .map(|f| f.path(db).clone())
        .collect();
    let mut out = FileFacts {
        defines_base: evaluated.base.as_ref().and_then(|b| b.reference.clone()),
        image: evaluated
            .image
            .as_ref()
            .map(|i| (i.name.clone(), i.version.clone())),
        ..FileFacts::default()
    };
    for (name, variant) in &evaluated.variants {
        for used in deps.presets_used(name) {
            if let Some(module) = db.file(used.module) {
                if module != file {
                    uses.push(module.path(db).clone());
                }
            }
        }
        let stage_deps = deps
            .node(name)
            .map(|n| n.stage_deps().map(|(d, _)| d.to_string()).collect())
            .unwrap_or_default();
        let from_image = match deps.node(name).and_then(|n| n.base.as_ref()) {
            Some((Base::Image(image), _)) => Some(image.clone()),
            _ => None,
        };
        let mut context_paths: Vec<String> = Vec::new();
        let mut mounted_images: Vec<ImageRef> = Vec::new();
        if let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) {
            for step in steps {
                if let StepKind::Run { mounts, .. } = &step.kind {
                    for mount in mounts {
                        if let MountKind::Bind {
                            from: BindFrom::Image(image),
                            ..
                        } = &mount.kind
                        {
                            if !mounted_images.contains(image) {
                                mounted_images.push(image.clone());
                            }
                        }
                    }
                }
                let paths: Vec<&String> = match &step.kind {
                    StepKind::Apt {
                        keyring: Some(k), ..
                    } => vec![k],
                    kind => kind.context_sources(),
                };
                for p in paths {
                    if !context_paths.contains(p) {
                        context_paths.push(p.clone());
                    }
                }
            }
        }
        out.variants.push(VariantFacts {
            name: name.clone(),
            from_image,
            mounted_images,
            stage_deps,
            context_paths,
            private: variant.is_private(),
        });
    }
    uses.sort();
    uses.dedup();
    out.uses_files = uses;
    out
}
