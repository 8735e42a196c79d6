//! The workspace graph for people and programs: JSON (every node with its kind,
//! level and what it needs) and Graphviz DOT (clusters per kind, edges from what
//! is built first to what is built on it).

use super::workspace::{NodeKind, Workspace};
use serde_json::{json, Value};

/// The JSON form of one node (what `graph`, `affected` and `plan` print).
pub fn node_json(ws: &Workspace, n: usize) -> Value {
    let mut v = match &ws.nodes[n] {
        NodeKind::Base { reference, file } => {
            json!({ "kind": "base", "reference": reference, "file": file })
        }
        NodeKind::External { reference } => json!({ "kind": "external", "reference": reference }),
        NodeKind::Module { file } => json!({ "kind": "module", "file": file }),
        NodeKind::Variant {
            file,
            name,
            role,
            image,
        } => json!({
            "kind": "variant",
            "file": file,
            "variant": name,
            "role": role.name(),
            "image": image,
        }),
    };
    v["id"] = json!(ws.nodes[n].label());
    v["level"] = json!(ws.levels[n]);
    v
}

pub fn graph_json(ws: &Workspace) -> Value {
    let nodes: Vec<Value> = (0..ws.nodes.len())
        .map(|n| {
            let mut v = node_json(ws, n);
            v["needs"] = json!(ws.deps[n]
                .iter()
                .map(|&d| ws.nodes[d].label())
                .collect::<Vec<_>>());
            v
        })
        .collect();
    json!({ "version": 1, "nodes": nodes })
}

fn dot_id(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn graph_dot(ws: &Workspace) -> String {
    let mut out =
        String::from("digraph wbuild {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n");
    for (kind, title, shape) in [
        ("base", "base images", "box3d"),
        ("external", "external images", "box"),
        ("module", "modules", "note"),
        ("variant", "variants", "ellipse"),
    ] {
        out.push_str(&format!(
            "  subgraph \"cluster_{kind}\" {{\n    label=\"{title}\";\n    node [shape={shape}];\n"
        ));
        for node in &ws.nodes {
            if node.kind_name() != kind {
                continue;
            }
            let mut label = node.label();
            if let NodeKind::Variant {
                image: Some(image),
                role,
                ..
            } = node
            {
                label = format!("{label}\n{} → {image}", role.name());
            }
            out.push_str(&format!(
                "    {} [label={}];\n",
                dot_id(&node.label()),
                dot_id(&label)
            ));
        }
        out.push_str("  }\n");
    }
    for (n, deps) in ws.deps.iter().enumerate() {
        for &d in deps {
            out.push_str(&format!(
                "  {} -> {};\n",
                dot_id(&ws.nodes[d].label()),
                dot_id(&ws.nodes[n].label())
            ));
        }
    }
    out.push_str("}\n");
    out
}
