//! Plans for an existing build farm: a `docker buildx bake` file (one target per
//! image, in-workspace parents as `target:` contexts so that BuildKit schedules
//! the whole graph in one run, locked externals as `docker-image://REF@DIGEST`)
//! and a plain JSON matrix with levels that any CI system fans out. wbuild
//! does not schedule builds itself.
//!
//! Targets: base images (`wbuildc base build`, in the matrix only: no engine
//! makes them) and every variant that is released, tested, or not only a stage
//! of another variant of its file (stages are built as part of the Dockerfile
//! of the variants that use them).

use super::produced::Role;
use super::workspace::{NodeKind, Workspace};
use crate::db::Pins;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One target of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub node: usize,
    /// The target's name in bake and the matrix (`[a-z0-9_-]`, unique).
    pub id: String,
    /// The targets it needs built first (ids).
    pub needs: Vec<String>,
    pub level: u32,
}

/// Whether a node is a plan target (see the module comment).
pub fn is_target(ws: &Workspace, n: usize) -> bool {
    match &ws.nodes[n] {
        NodeKind::Base { .. } => true,
        NodeKind::Variant { file, role, .. } => {
            *role != Role::Stage
                || !ws.users[n].iter().any(
                    |&u| matches!(&ws.nodes[u], NodeKind::Variant { file: f, .. } if f == file),
                )
        }
        _ => false,
    }
}

/// A bake/matrix id for a node: the file path and variant, lowercase, with
/// every other character as `-`; made unique with a counter.
fn id_of(ws: &Workspace, n: usize, taken: &mut BTreeMap<String, usize>) -> String {
    let raw = match &ws.nodes[n] {
        NodeKind::Variant { file, name, .. } => {
            format!("{}-{name}", file.trim_end_matches(".wbuild"))
        }
        NodeKind::Base { file, .. } => format!("base-{}", file.trim_end_matches(".wbuild")),
        other => other.label(),
    };
    let mut id: String = raw
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    id = id.trim_matches('-').to_string();
    let count = taken.entry(id.clone()).or_insert(0);
    *count += 1;
    if *count > 1 {
        id = format!("{id}-{count}");
    }
    id
}

/// The targets among `nodes` (already in build order), each needing the
/// targets among `nodes` it reaches through non-target nodes.
pub fn targets(ws: &Workspace, nodes: &[usize]) -> Vec<Target> {
    let selected: Vec<usize> = nodes
        .iter()
        .copied()
        .filter(|&n| is_target(ws, n))
        .collect();
    let mut taken = BTreeMap::new();
    let ids: BTreeMap<usize, String> = selected
        .iter()
        .map(|&n| (n, id_of(ws, n, &mut taken)))
        .collect();
    let mut out: Vec<Target> = Vec::new();
    for &n in &selected {
        // The targets this one reaches through stages and modules.
        let mut needs: Vec<String> = Vec::new();
        let mut seen = vec![false; ws.nodes.len()];
        let mut todo: Vec<usize> = ws.deps[n].clone();
        while let Some(d) = todo.pop() {
            if std::mem::replace(&mut seen[d], true) {
                continue;
            }
            match ids.get(&d) {
                Some(id) => needs.push(id.clone()),
                None => todo.extend(&ws.deps[d]),
            }
        }
        needs.sort();
        needs.dedup();
        out.push(Target {
            node: n,
            id: ids[&n].clone(),
            needs,
            level: 0,
        });
    }
    // Levels among the targets: one more than the highest level needed.
    let index: BTreeMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    for i in 0..out.len() {
        let level = out[i]
            .needs
            .iter()
            .filter_map(|id| index.get(id).map(|&j| out[j].level + 1))
            .max()
            .unwrap_or(0);
        out[i].level = level;
    }
    out.sort_by_key(|t| (t.level, t.node));
    out
}

/// What the driver wrote for a variant target.
pub struct Written {
    /// The build context (the manifest's directory), relative to the plan's root.
    pub context: String,
    /// The Dockerfile, relative to the context (bake's convention).
    pub dockerfile: String,
    /// The stage to build (the variant's stage name).
    pub stage: String,
    /// The external references its Dockerfile starts from (`FROM` of its stages).
    pub from: Vec<String>,
    /// The labels `wbuildc build` adds to the Dockerfile's (the OCI
    /// annotations: source, revision, created, ...), for the builder to set.
    pub labels: BTreeMap<String, String>,
}

/// The bake file: `group.default` with every variant target and one `target`
/// entry each.
pub fn bake(
    ws: &Workspace,
    targets: &[Target],
    written: &BTreeMap<usize, Written>,
    pins: &Pins,
    source_date_epoch: i64,
) -> Value {
    let by_image: BTreeMap<&str, &Target> = targets
        .iter()
        .filter_map(|t| match &ws.nodes[t.node] {
            NodeKind::Variant { image: Some(i), .. } => Some((i.as_str(), t)),
            _ => None,
        })
        .collect();
    let mut group = Vec::new();
    let mut entries = Map::new();
    for t in targets {
        let (NodeKind::Variant { image, .. }, Some(w)) = (&ws.nodes[t.node], written.get(&t.node))
        else {
            continue;
        };
        group.push(json!(t.id));
        let mut contexts = Map::new();
        for from in &w.from {
            if let Some(parent) = by_image.get(from.as_str()) {
                contexts.insert(from.clone(), json!(format!("target:{}", parent.id)));
            } else if let Some(digest) = pins.get(from) {
                contexts.insert(
                    from.clone(),
                    json!(format!("docker-image://{from}@{digest}")),
                );
            }
        }
        let mut entry = json!({
            "context": w.context,
            "dockerfile": w.dockerfile,
            "target": w.stage,
            "tags": image.iter().collect::<Vec<_>>(),
            "labels": w.labels,
            "args": { "SOURCE_DATE_EPOCH": source_date_epoch.to_string() },
        });
        if !contexts.is_empty() {
            entry["contexts"] = Value::Object(contexts);
        }
        entries.insert(t.id.clone(), entry);
    }
    json!({
        "group": { "default": { "targets": group } },
        "target": entries,
    })
}

/// The matrix: every target with its level, what it needs, and what to run.
pub fn matrix(
    ws: &Workspace,
    targets: &[Target],
    written: &BTreeMap<usize, Written>,
    source_date_epoch: i64,
) -> Value {
    let mut levels: Vec<Vec<Value>> = Vec::new();
    for t in targets {
        let mut job = super::render::node_json(ws, t.node);
        job["id"] = json!(t.id);
        job["level"] = json!(t.level);
        job["needs"] = json!(t.needs);
        if let Some(w) = written.get(&t.node) {
            job["context"] = json!(w.context);
            job["dockerfile"] = json!(w.dockerfile);
            job["stage"] = json!(w.stage);
            job["labels"] = json!(w.labels);
        }
        let level = t.level as usize;
        if levels.len() <= level {
            levels.resize(level + 1, Vec::new());
        }
        levels[level].push(job);
    }
    json!({
        "version": 1,
        "source_date_epoch": source_date_epoch,
        "levels": levels,
    })
}
