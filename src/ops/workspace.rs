//! The workspace graph: every base image, module and variant of a tree of
//! `.wbuild` files, and what builds on what. Derived from the files alone (each
//! file's [`FileFacts`]), never declared: a manifest whose `base` is the image
//! another manifest produces, or the reference a `base` item defines, is linked
//! to it by that reference.
//!
//! Edges point from a node to what it needs (`deps`); `levels` orders the nodes
//! so that everything a node needs has a lower level. Nodes on a cycle have no
//! level and are reported once per cycle.

use super::facts::{file_facts, FileFacts};
use super::produced::{produced_reference, Role};
use crate::check::types::ImageRef;
use crate::config::Policy;
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use indexmap::IndexMap;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// A base image defined by a `base` item of `file`.
    Base { reference: String, file: String },
    /// A base reference used by a manifest that nothing in the workspace
    /// defines or produces: it comes from a registry (or a local layout).
    External { reference: String },
    /// A file whose presets (or constants) variants use: a stdlib module or an
    /// imported user file.
    Module { file: String },
    /// One variant of a manifest: a stage, and an image when it is a target.
    Variant {
        file: String,
        name: String,
        role: Role,
        /// The reference the variant's image gets (see `produced.rs`).
        image: Option<String>,
    },
}

impl NodeKind {
    /// How the node is named in text output: `REF`, `FILE`, `FILE#variant`.
    pub fn label(&self) -> String {
        match self {
            NodeKind::Base { reference, .. } | NodeKind::External { reference } => {
                reference.clone()
            }
            NodeKind::Module { file } => file.clone(),
            NodeKind::Variant { file, name, .. } => format!("{file}#{name}"),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            NodeKind::Base { .. } => "base",
            NodeKind::External { .. } => "external",
            NodeKind::Module { .. } => "module",
            NodeKind::Variant { .. } => "variant",
        }
    }
}

pub struct Workspace {
    pub nodes: Vec<NodeKind>,
    /// What each node needs (indices into `nodes`, sorted).
    pub deps: Vec<Vec<usize>>,
    /// Who needs each node (the reverse of `deps`, sorted).
    pub users: Vec<Vec<usize>>,
    /// Build level of each node (`None`: on a cycle).
    pub levels: Vec<Option<u32>>,
    /// Each manifest's context paths per variant node, joined with the
    /// manifest's directory (for `affected --changed`).
    pub context_paths: Vec<Vec<String>>,
    /// Cycles and conflicting definitions.
    pub diagnostics: Vec<Diagnostic>,
}

/// The directory part of a workspace path (`""` for a file at the root).
pub(super) fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// `dir/relative`, with `./` segments dropped and `..` resolved lexically.
pub(super) fn join(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A reference without its digest: what links a user to its producer.
fn link_key(r: &ImageRef) -> String {
    r.without_digest().to_string()
}

impl Workspace {
    /// The graph of `files` (every file of the tree; stdlib modules are added as
    /// they are used). `policy` decides release variants and the registry
    /// images are produced in.
    pub fn build(db: &dyn Db, files: &[SourceFile], policy: &Policy) -> Workspace {
        let mut ws = Workspace {
            nodes: Vec::new(),
            deps: Vec::new(),
            users: Vec::new(),
            levels: Vec::new(),
            context_paths: Vec::new(),
            diagnostics: Vec::new(),
        };
        let mut index: IndexMap<NodeKind, usize> = IndexMap::new();
        let mut add = |ws: &mut Workspace, kind: NodeKind, context: Vec<String>| -> usize {
            if let Some(&i) = index.get(&kind) {
                return i;
            }
            let i = ws.nodes.len();
            index.insert(kind.clone(), i);
            ws.nodes.push(kind);
            ws.deps.push(Vec::new());
            ws.context_paths.push(context);
            i
        };
        // The files in path order, so the graph does not depend on the order the
        // driver found them in.
        let mut ordered: Vec<(String, SourceFile)> =
            files.iter().map(|f| (f.path(db).clone(), *f)).collect();
        ordered.sort_by(|a, b| a.0.cmp(&b.0));
        ordered.dedup_by(|a, b| a.0 == b.0);
        let facts: Vec<(&str, SourceFile, &FileFacts)> = ordered
            .iter()
            .map(|(p, f)| (p.as_str(), *f, file_facts(db, *f)))
            .collect();
        // 1. What each reference is: a base defined here, or an image a variant
        //    produces. Two definitions of one reference are an error.
        let mut producers: IndexMap<String, (usize, String)> = IndexMap::new();
        // (facts index, file, node) of every variant, and the node of each
        // (file, variant).
        let mut variant_nodes: Vec<(usize, SourceFile, usize)> = Vec::new();
        let mut by_variant: std::collections::HashMap<(&str, &str), usize> =
            std::collections::HashMap::new();
        for (fi, (path, file, f)) in facts.iter().enumerate() {
            if let Some(reference) = &f.defines_base {
                let node = add(
                    &mut ws,
                    NodeKind::Base {
                        reference: reference.to_string(),
                        file: path.to_string(),
                    },
                    Vec::new(),
                );
                claim(
                    db,
                    &mut ws,
                    &mut producers,
                    link_key(reference),
                    node,
                    path,
                    *file,
                    None,
                );
            }
            let releases = f
                .variants
                .iter()
                .filter(|v| policy.release_variants.value.contains(&v.name))
                .count();
            for v in &f.variants {
                let role = Role::of(&v.name, &policy.release_variants.value);
                let image = f.image.as_ref().and_then(|(name, version)| {
                    produced_reference(
                        policy,
                        name,
                        version.as_deref(),
                        &v.name,
                        role,
                        releases,
                        v.private,
                    )
                });
                let dir = dir_of(path);
                let context = v.context_paths.iter().map(|c| join(dir, c)).collect();
                let node = add(
                    &mut ws,
                    NodeKind::Variant {
                        file: path.to_string(),
                        name: v.name.clone(),
                        role,
                        image: image.clone(),
                    },
                    context,
                );
                variant_nodes.push((fi, *file, node));
                by_variant.insert((path, v.name.as_str()), node);
                // A private test variant is published (in the private namespace);
                // other test variants are only run.
                if let Some(image) = image.filter(|_| role != Role::Test || v.private) {
                    claim(
                        db,
                        &mut ws,
                        &mut producers,
                        image,
                        node,
                        path,
                        *file,
                        Some(&v.name),
                    );
                }
            }
        }
        // 2. Edges: each variant needs its base (producer or external), the
        //    images its steps mount, the stages of its file it uses and the
        //    modules it reads.
        for (fi, _file, node) in &variant_nodes {
            let (path, _, f) = facts[*fi];
            let NodeKind::Variant { name, .. } = &ws.nodes[*node] else {
                continue;
            };
            let Some(v) = f.variants.iter().find(|v| &v.name == name) else {
                continue;
            };
            let mut deps = Vec::new();
            for from in v.from_image.iter().chain(&v.mounted_images) {
                let key = link_key(from);
                let dep = match producers.get(&key) {
                    Some((producer, _)) => *producer,
                    None => add(&mut ws, NodeKind::External { reference: key }, Vec::new()),
                };
                deps.push(dep);
            }
            for stage in &v.stage_deps {
                deps.extend(by_variant.get(&(path, stage.as_str())));
            }
            for module in &f.uses_files {
                deps.push(add(
                    &mut ws,
                    NodeKind::Module {
                        file: module.clone(),
                    },
                    Vec::new(),
                ));
            }
            deps.sort_unstable();
            deps.dedup();
            ws.deps[*node] = deps;
        }
        ws.users = vec![Vec::new(); ws.nodes.len()];
        for (n, deps) in ws.deps.iter().enumerate() {
            for &d in deps {
                ws.users[d].push(n);
            }
        }
        ws.levels(db, &facts);
        ws
    }

    /// Levels by longest path from the leaves; cycles reported (one diagnostic
    /// per strongly connected component that is a cycle).
    fn levels(&mut self, db: &dyn Db, facts: &[(&str, SourceFile, &FileFacts)]) {
        let components = crate::scc::components(&self.deps);
        let mut size: IndexMap<u32, Vec<usize>> = IndexMap::new();
        for (n, c) in components.iter().enumerate() {
            size.entry(*c).or_default().push(n);
        }
        let cyclic: Vec<bool> = (0..self.nodes.len())
            .map(|n| size[&components[n]].len() > 1 || self.deps[n].contains(&n))
            .collect();
        // Components complete after everything they reach: ascending component
        // number is a dependency order.
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&n| components[n]);
        let mut levels: Vec<Option<u32>> = vec![None; self.nodes.len()];
        for &n in &order {
            if cyclic[n] {
                continue;
            }
            let mut level = Some(0u32);
            for &d in &self.deps[n] {
                level = match (level, levels[d]) {
                    (Some(l), Some(dl)) => Some(l.max(dl + 1)),
                    _ => None,
                };
            }
            levels[n] = level;
        }
        self.levels = levels;
        for members in size.values().filter(|m| cyclic[m[0]]) {
            let path: Vec<String> = cycle_path(&self.deps, members)
                .into_iter()
                .map(|n| self.nodes[n].label())
                .collect();
            // Anchored at the `base` of the first variant on the cycle.
            let at = members.iter().find_map(|&n| match &self.nodes[n] {
                NodeKind::Variant { file, name, .. } => facts
                    .iter()
                    .find(|(p, _, _)| p == file)
                    .and_then(|(_, f, _)| {
                        let evaluated = crate::variants::evaluate(db, *f);
                        evaluated
                            .variants
                            .get(name)
                            .and_then(|v| v.fields.get(&Field::Base))
                            .map(|b| b.origin)
                    }),
                _ => None,
            });
            if let Some(at) = at {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ImageCycle,
                        "images are built on each other in a cycle",
                        at.file,
                        at.span,
                        "this base closes the cycle",
                    )
                    .with_note(format!("cycle: {}", path.join(" → ")))
                    .with_help("an image is built after the image it starts from: one of these must start from another base"),
                );
            }
        }
    }

    /// Nodes by kind and label, for lookups by the driver.
    pub fn find(&self, pred: impl Fn(&NodeKind) -> bool) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&n| pred(&self.nodes[n]))
            .collect()
    }
}

/// Records that `node` produces (or defines) `reference`; a second producer of
/// the same reference is reported and ignored.
#[allow(clippy::too_many_arguments)]
fn claim(
    db: &dyn Db,
    ws: &mut Workspace,
    producers: &mut IndexMap<String, (usize, String)>,
    reference: String,
    node: usize,
    path: &str,
    file: SourceFile,
    variant: Option<&str>,
) {
    if let Some((_, first)) = producers.get(&reference) {
        let evaluated = crate::variants::evaluate(db, file);
        let at = match variant {
            Some(v) => evaluated.variants.get(v).map(|v| v.origin),
            None => evaluated.base.as_ref().map(|b| b.origin),
        };
        if let Some(at) = at {
            ws.diagnostics.push(
                Diagnostic::new(
                    Code::ImageCycle,
                    format!("`{reference}` is produced twice"),
                    at.file,
                    at.span,
                    "produces it again",
                )
                .with_note(format!("also produced by {first}"))
                .with_help(
                    "each image reference has one definition: rename one image (or its version)",
                ),
            );
        }
        return;
    }
    let label = match variant {
        Some(v) => format!("{path}#{v}"),
        None => path.to_string(),
    };
    producers.insert(reference, (node, label));
}

/// One cycle through `members` (a strongly connected component), as nodes from
/// the first member back to it.
fn cycle_path(deps: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let start = members[0];
    // Breadth-first from start's deps back to start, inside the component.
    let mut prev: IndexMap<usize, usize> = IndexMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for &d in &deps[n] {
            if !members.contains(&d) {
                continue;
            }
            if d == start {
                let mut path = vec![start];
                let mut at = n;
                while at != start {
                    path.push(at);
                    at = prev[&at];
                }
                path.push(start);
                return path;
            }
            if let indexmap::map::Entry::Vacant(e) = prev.entry(d) {
                e.insert(n);
                queue.push_back(d);
            }
        }
    }
    vec![start, start]
}
