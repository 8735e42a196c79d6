//! Paths in the image and in the build context: joining destinations with the
//! working directory, and the working directory a stage ends in.

use crate::check::types::{StepKind, ValKind};
use crate::graph::Graph;
use crate::language::Field;
use crate::variants::Evaluated;

/// Joins a destination with the working directory; the result is absolute and
/// lexically normal (see [`normalise_dest`]).
pub(super) fn absolute(path: &str, workdir: &str) -> String {
    if path.starts_with('/') {
        normalise_dest(path)
    } else {
        normalise_dest(&format!("{workdir}/{path}"))
    }
}

/// Removes `.` and empty segments (keeping a trailing `/`, which COPY reads as
/// "into this directory"). `..` is kept: the engine resolves it inside the image.
pub(super) fn normalise_dest(path: &str) -> String {
    let trailing = path.ends_with('/') || path.ends_with("/.");
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// `path` with `..` resolved lexically (as the engine resolves it inside the
/// image, where `/..` is `/`), for comparing destinations with protected paths.
pub fn resolve_dots(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether a build-context source leaves the context (absolute, or `..` past
/// its start).
pub(super) fn escapes_context(source: &str) -> bool {
    source.starts_with('/') || {
        let mut depth: i64 = 0;
        source.split('/').any(|part| {
            match part {
                ".." => depth -= 1,
                "" | "." => {}
                _ => depth += 1,
            }
            depth < 0
        })
    }
}

/// The working directory a variant's stage ends in (its `workdir` field, else its
/// last `workdir` step, else its base variant's), for stages built `FROM` it.
pub(super) fn final_workdir(evaluated: &Evaluated, graph: &Graph, name: &str) -> String {
    // From the bottom of the stage chain up, each stage starts where the one it
    // is built on ended.
    let chain: Vec<&str> = graph.base_chain(name).collect();
    let mut dir = String::from("/");
    for stage in chain.iter().rev() {
        let Some(variant) = evaluated.variants.get(*stage) else {
            continue;
        };
        if let Some(ValKind::Path(p)) = variant.fields.get(&Field::Workdir).map(|v| &v.kind) {
            if p.starts_with('/') {
                dir = p.clone();
                continue;
            }
        }
        if let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) {
            for step in steps {
                if let StepKind::Workdir { path } = &step.kind {
                    dir = absolute(path, &dir);
                }
            }
        }
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_resolve() {
        assert_eq!(absolute("x/./y/", "/srv"), "/srv/x/y/");
        assert_eq!(absolute("/a//b", "/srv"), "/a/b");
        assert_eq!(
            resolve_dots("/srv/../etc/apt//sources.list.d/"),
            "/etc/apt/sources.list.d"
        );
        assert_eq!(resolve_dots("/../../etc"), "/etc");
        assert!(escapes_context("../x") && escapes_context("/x") && !escapes_context("a/../b"));
    }
}
