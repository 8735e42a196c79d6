//! What a change affects: every node that needs a changed node, directly or
//! through others, in build order. A change is a path (a manifest, a base
//! definition, a module, or any context file a variant copies) or an image
//! reference (a base rebuilt, an entry of the lock that moved).

use super::produced::Role;
use super::workspace::{NodeKind, Workspace};
use crate::policy::file_pattern_matches;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A workspace path, relative to the root (`/`-separated).
    Path(String),
    /// An image reference (digest ignored).
    Image(String),
}

/// The affected nodes in build order (level, then node order), and the nodes
/// that matched a change directly. An image named by a `Change::Image` is not
/// in `order` (it was rebuilt: that is the change) unless something it is
/// built on changed too.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Affected {
    pub order: Vec<usize>,
    pub changed: Vec<usize>,
    /// Affected nodes on a cycle (no build order; reported by the graph).
    pub on_cycle: Vec<usize>,
    /// Changes that matched nothing in the workspace.
    pub unmatched: Vec<Change>,
}

impl Affected {
    /// The affected variants with a role, in build order.
    pub fn variants<'a>(
        &'a self,
        ws: &'a Workspace,
        role: Role,
    ) -> impl Iterator<Item = usize> + 'a {
        self.order.iter().copied().filter(
            move |&n| matches!(&ws.nodes[n], NodeKind::Variant { role: r, .. } if *r == role),
        )
    }
}

/// Whether the changed workspace path `changed` is read by a copy whose source
/// is `source` (joined with the manifest's directory): the file itself, a file
/// under a copied directory, or a match of a copied pattern.
pub fn copies(source: &str, changed: &str) -> bool {
    if source.is_empty() {
        // `copy "."`: the whole context of a manifest at the root.
        return true;
    }
    if changed == source || changed.starts_with(&format!("{source}/")) {
        return true;
    }
    if !source.contains(['*', '?', '[']) {
        return false;
    }
    let pattern: Vec<&str> = source.split('/').collect();
    let path: Vec<&str> = changed.split('/').collect();
    pattern.len() <= path.len()
        && pattern
            .iter()
            .zip(&path)
            .all(|(p, c)| file_pattern_matches(p, c))
}

fn reference_matches(node: &NodeKind, reference: &str) -> bool {
    let bare = reference.split('@').next().unwrap_or(reference);
    match node {
        NodeKind::Base { reference: r, .. } | NodeKind::External { reference: r } => r == bare,
        NodeKind::Variant { image: Some(i), .. } => i == bare,
        _ => false,
    }
}

fn path_matches(ws: &Workspace, n: usize, path: &str) -> bool {
    match &ws.nodes[n] {
        NodeKind::Base { file, .. } | NodeKind::Module { file } => file == path,
        NodeKind::Variant { file, .. } => {
            file == path
                || ws.context_paths[n]
                    .iter()
                    .any(|source| copies(source, path))
        }
        NodeKind::External { .. } => false,
    }
}

pub fn affected(ws: &Workspace, changes: &[Change]) -> Affected {
    let mut out = Affected::default();
    let mut hit = vec![false; ws.nodes.len()];
    // An image named by `Change::Image` was rebuilt already (that is the
    // change): what is built on it is affected, the image itself is not.
    let mut rebuilt = vec![false; ws.nodes.len()];
    for change in changes {
        let matched: Vec<usize> = (0..ws.nodes.len())
            .filter(|&n| match change {
                Change::Path(p) => path_matches(ws, n, p),
                Change::Image(r) => reference_matches(&ws.nodes[n], r),
            })
            .collect();
        if matched.is_empty() {
            out.unmatched.push(change.clone());
        }
        for n in matched {
            if matches!(change, Change::Image(_)) {
                rebuilt[n] = true;
            }
            if !hit[n] {
                hit[n] = true;
                out.changed.push(n);
            }
        }
    }
    // A path change of a rebuilt image's own file rebuilds it after all.
    for &n in &out.changed {
        let by_path = changes
            .iter()
            .any(|c| matches!(c, Change::Path(p) if path_matches(ws, n, p)));
        if by_path {
            rebuilt[n] = false;
        }
    }
    // Everything that needs a changed node, transitively.
    let mut todo: Vec<usize> = out.changed.clone();
    while let Some(n) = todo.pop() {
        for &u in &ws.users[n] {
            // Something it is built on changed: it is rebuilt, whatever else.
            rebuilt[u] = false;
            if !hit[u] {
                hit[u] = true;
                todo.push(u);
            }
        }
    }
    for (n, done) in rebuilt.iter().enumerate() {
        if *done {
            hit[n] = false;
        }
    }
    let mut order: Vec<usize> = (0..ws.nodes.len())
        .filter(|&n| {
            hit[n]
                && matches!(
                    ws.nodes[n],
                    NodeKind::Variant { .. } | NodeKind::Base { .. }
                )
        })
        .collect();
    out.on_cycle = order
        .iter()
        .copied()
        .filter(|&n| ws.levels[n].is_none())
        .collect();
    order.retain(|&n| ws.levels[n].is_some());
    order.sort_by_key(|&n| (ws.levels[n], n));
    out.order = order;
    out.changed.sort_unstable();
    out
}
