//! The dependency graph of a file's variants, as plain data: for each variant
//! the variants it extends, the presets it uses (with their module and call
//! site), the stage it is built on (`base`: an image, `scratch` or a variant)
//! and the variants it copies from or mounts.
//!
//! Invariant: this is the one owner of "what does this variant depend on".
//! Lowering's stage order, the release-pinning rule, build arguments, the
//! policy's stage chains and stage-cycle detection read it; nobody walks
//! `base` links or `copy from` steps themselves.

use crate::check::types::{BindFrom, ImageRef, MountKind, StepKind, ValKind};
use crate::db::{Db, SourceFile};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::{FileId, Origin};
use crate::variants::{self, PresetUse};
use indexmap::IndexMap;

/// What a variant's stage starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    Image(ImageRef),
    Scratch,
    /// A variant of the same file: its stage.
    Variant(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Node {
    /// Where the stage starts (`None`: no `base`, reported by resolution).
    pub base: Option<(Base, Origin)>,
    /// The variants it extends (their fields are merged in).
    pub extends: Vec<(String, Origin)>,
    /// The presets it instantiates, directly or through other presets.
    pub presets: Vec<PresetUse>,
    /// The variants whose stages it copies from (`copy from`), in step order.
    pub copies_from: Vec<(String, Origin)>,
    /// The variants whose stages its steps mount (`bind(from = VARIANT)`), in
    /// step order.
    pub mounts_from: Vec<(String, Origin)>,
}

impl Node {
    /// The stages this one needs built first: its base variant, then the ones
    /// it copies from, then the ones it mounts.
    pub fn stage_deps(&self) -> impl Iterator<Item = (&str, Origin)> {
        let base = match &self.base {
            Some((Base::Variant(name), origin)) => Some((name.as_str(), *origin)),
            _ => None,
        };
        base.into_iter().chain(
            self.copies_from
                .iter()
                .chain(&self.mounts_from)
                .map(|(name, origin)| (name.as_str(), *origin)),
        )
    }
}

/// Stages that depend on each other in a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The variants along the cycle, starting and ending with the same one.
    pub path: Vec<String>,
    /// The dependency that closes it.
    pub closing: Origin,
}

impl Cycle {
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::new(
            Code::StageCycle,
            "variants depend on each other in a cycle",
            self.closing.file,
            self.closing.span,
            "this dependency closes the cycle",
        )
        .with_note(format!("cycle: {}", self.path.join(" → ")))
        .with_help("a stage is built after the stages it uses: break the cycle, e.g. give one of these variants an image as `base` or drop one `copy from`")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Graph {
    pub variants: IndexMap<String, Node>,
    /// Every stage cycle, once (one per strongly connected component).
    pub cycles: Vec<Cycle>,
    /// For each variant (by index in `variants`), whether it is on a cycle.
    on_cycle: Vec<bool>,
}

impl Graph {
    pub fn node(&self, variant: &str) -> Option<&Node> {
        self.variants.get(variant)
    }

    /// The variants `target` needs, dependencies first and itself last; `None`
    /// when that set has a cycle (reported once, see [`Graph::cycles`]) or the
    /// target is unknown.
    pub fn stage_order(&self, target: &str) -> Option<Vec<String>> {
        let start = self.variants.get_index_of(target)?;
        let mut order: Vec<String> = Vec::new();
        let mut done = vec![false; self.variants.len()];
        // (variant index, next dependency to visit)
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(&(at, next)) = work.last() {
            if self.on_cycle.get(at).copied().unwrap_or(true) {
                return None;
            }
            let (name, node) = self.variants.get_index(at)?;
            match node.stage_deps().nth(next) {
                Some((dep, _)) => {
                    if let Some(top) = work.last_mut() {
                        top.1 += 1;
                    }
                    match self.variants.get_index_of(dep) {
                        Some(d) if !done[d] => work.push((d, 0)),
                        _ => {}
                    }
                }
                None => {
                    work.pop();
                    if !done[at] {
                        done[at] = true;
                        order.push(name.clone());
                    }
                }
            }
        }
        Some(order)
    }

    /// `variant`, then the variants its stage is built on (`base = variant`
    /// links), nearest first. Ends at an image, `scratch` or a cycle.
    pub fn base_chain<'a>(&'a self, variant: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut seen: Vec<&str> = Vec::new();
        let mut next = self
            .variants
            .get_key_value(variant)
            .map(|(k, _)| k.as_str());
        std::iter::from_fn(move || {
            let current = next.take()?;
            if seen.contains(&current) {
                return None;
            }
            seen.push(current);
            if let Some((Base::Variant(parent), _)) =
                self.node(current).and_then(|n| n.base.as_ref())
            {
                next = self.variants.get_key_value(parent).map(|(k, _)| k.as_str());
            }
            Some(current)
        })
    }

    /// The image `variant`'s stage chain starts from; `None` for `scratch`, a
    /// missing base or a cycle.
    pub fn root_image(&self, variant: &str) -> Option<&ImageRef> {
        let last = self.base_chain(variant).last()?;
        match self.node(last)?.base.as_ref()? {
            (Base::Image(image), _) => Some(image),
            _ => None,
        }
    }

    /// The presets `variant` uses, with those of the variants it extends (each
    /// once): what changes to which would change it.
    pub fn presets_used(&self, variant: &str) -> Vec<&PresetUse> {
        let mut out: Vec<&PresetUse> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut todo = vec![variant];
        while let Some(name) = todo.pop() {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let Some(node) = self.node(name) else {
                continue;
            };
            for used in &node.presets {
                if !out.contains(&used) {
                    out.push(used);
                }
            }
            todo.extend(node.extends.iter().map(|(v, _)| v.as_str()));
        }
        out
    }
}

#[salsa::tracked(returns(ref))]
pub fn dependencies(db: &dyn Db, file: SourceFile) -> Graph {
    let id = file.id(db);
    let evaluated = variants::evaluate(db, file);
    let mut variants: IndexMap<String, Node> = IndexMap::new();
    for (name, variant) in &evaluated.variants {
        let own = |r: &crate::check::types::VariantRef| {
            r.file == id && evaluated.variants.contains_key(&r.name)
        };
        let base = variant.fields.get(&Field::Base).and_then(|v| {
            let base = match &v.kind {
                ValKind::Image(image) => Base::Image(image.clone()),
                ValKind::Scratch => Base::Scratch,
                // A variant of another file is not a stage of this one
                // (lowering reports it).
                ValKind::Variant(r) if own(r) => Base::Variant(r.name.clone()),
                _ => return None,
            };
            Some((base, v.origin))
        });
        let mut copies_from = Vec::new();
        let mut mounts_from = Vec::new();
        if let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) {
            for step in steps {
                match &step.kind {
                    StepKind::CopyFrom { stage, .. } if own(stage) => {
                        copies_from.push((stage.name.clone(), step.origin));
                    }
                    StepKind::Run { mounts, .. } => {
                        for mount in mounts {
                            if let MountKind::Bind {
                                from: BindFrom::Variant(stage),
                                ..
                            } = &mount.kind
                            {
                                if own(stage) {
                                    mounts_from.push((stage.name.clone(), mount.origin));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        variants.insert(
            name.clone(),
            Node {
                base,
                extends: variant.extends.clone(),
                presets: variant.presets.clone(),
                copies_from,
                mounts_from,
            },
        );
    }
    let (cycles, on_cycle) = cycles(&variants, id);
    Graph {
        variants,
        cycles,
        on_cycle,
    }
}

/// The stage graph's cycles, one per strongly connected component that has one:
/// the path from its first variant (in file order) back to it.
fn cycles(variants: &IndexMap<String, Node>, file: FileId) -> (Vec<Cycle>, Vec<bool>) {
    let edges: Vec<Vec<usize>> = variants
        .values()
        .map(|node| {
            node.stage_deps()
                .filter_map(|(d, _)| variants.get_index_of(d))
                .collect()
        })
        .collect();
    let component = crate::scc::components(&edges);
    let mut size: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for c in &component {
        *size.entry(*c).or_default() += 1;
    }
    let on_cycle: Vec<bool> = (0..variants.len())
        .map(|i| size.get(&component[i]).copied().unwrap_or(0) > 1 || edges[i].contains(&i))
        .collect();
    let mut cycles = Vec::new();
    let mut reported: Vec<u32> = Vec::new();
    for start in 0..variants.len() {
        if !on_cycle[start] || reported.contains(&component[start]) {
            continue;
        }
        reported.push(component[start]);
        // Walk from `start` along first edges inside the component until it
        // comes back (depth first, so the path is a simple cycle).
        let within = |n: usize| component[n] == component[start];
        let mut path = vec![start];
        let mut tried = vec![0usize; variants.len()];
        let mut closing = None;
        while let Some(&at) = path.last() {
            let Some(&next) = edges[at].get(tried[at]) else {
                path.pop();
                continue;
            };
            tried[at] += 1;
            if next == start {
                closing = Some((at, tried[at] - 1));
                break;
            }
            if within(next) && !path.contains(&next) {
                path.push(next);
            }
        }
        let Some((from, edge)) = closing else {
            continue;
        };
        let origin = variants
            .get_index(from)
            .and_then(|(_, node)| node.stage_deps().nth(edge))
            .map_or(
                Origin {
                    file,
                    span: crate::span::Span::default(),
                },
                |(_, o)| o,
            );
        let mut names: Vec<String> = path
            .iter()
            .filter_map(|&i| variants.get_index(i).map(|(n, _)| n.clone()))
            .collect();
        names.extend(variants.get_index(start).map(|(n, _)| n.clone()));
        cycles.push(Cycle {
            path: names,
            closing: origin,
        });
    }
    (cycles, on_cycle)
}
