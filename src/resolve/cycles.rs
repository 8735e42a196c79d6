//! Import cycles: the workspace's strongly connected components, and the path
//! of the cycle an import closes. Both read the imported files' summaries, never
//! their trees, so editing a file's body does not re-run them.

use super::{import_key, is_stdlib_path, refused_import};
use crate::db::{self, Db, SourceFile};

/// The import graph's strongly connected components: files that import each
/// other, directly or not, share a component. Computed once for the whole
/// workspace (`scc.rs`), so finding cycles is linear in the
/// number of imports however long the chains are.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportComponents {
    component: std::collections::HashMap<SourceFile, u32>,
}

/// The files `file` imports (stdlib modules and files) that are loaded.
fn import_targets(db: &dyn Db, file: SourceFile) -> Vec<SourceFile> {
    let files = db.workspace().files(db);
    super::summary(db, file)
        .imports
        .iter()
        .filter(|spec| refused_import(file.path(db), spec).is_none())
        .filter_map(|spec| files.get(&import_key(file.path(db), spec)).copied())
        .collect()
}

#[salsa::tracked(returns(ref))]
pub fn import_components(db: &dyn Db, workspace: db::Workspace) -> ImportComponents {
    let modules: Vec<SourceFile> = workspace
        .files(db)
        .iter()
        .filter(|(key, _)| key.starts_with("file:") || key.starts_with("std:"))
        .map(|(_, f)| *f)
        .collect();
    let position: std::collections::HashMap<SourceFile, usize> =
        modules.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let edges: Vec<Vec<usize>> = modules
        .iter()
        .map(|&f| {
            import_targets(db, f)
                .iter()
                .filter_map(|t| position.get(t).copied())
                .collect()
        })
        .collect();
    let component = crate::scc::components(&edges);
    ImportComponents {
        component: modules.into_iter().zip(component).collect(),
    }
}

/// If importing `target` from `from` closes a cycle, the cycle's file paths
/// (from `from` through `target` back to `from`).
pub(super) fn import_cycle(
    db: &dyn Db,
    from: SourceFile,
    target: SourceFile,
) -> Option<Vec<String>> {
    if from == target {
        return Some(vec![from.path(db).clone(), from.path(db).clone()]);
    }
    // User files import user files and stdlib modules; stdlib modules import
    // stdlib modules (see `refused_import`). A cycle is within one of the two.
    let std = |f: SourceFile| is_stdlib_path(f.path(db));
    match (std(from), std(target)) {
        (false, false) => {
            // Between user files, the workspace's components say at once whether
            // there is a cycle (chains of thousands of files stay linear).
            let components = import_components(db, db.workspace());
            let same = components.component.get(&from)?;
            if components.component.get(&target) != Some(same) {
                return None;
            }
        }
        (true, true) => {}
        _ => return None,
    }
    // A shortest way back from `target` to `from` (inside their component, or
    // among the few stdlib modules).
    let components = (!std(from)).then(|| import_components(db, db.workspace()));
    let within = |f: SourceFile| match components {
        Some(c) => c.component.get(&f) == c.component.get(&from),
        None => std(f),
    };
    let mut previous: std::collections::HashMap<SourceFile, SourceFile> =
        std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([target]);
    let mut reached = false;
    while let Some(file) = queue.pop_front() {
        if file == from {
            reached = true;
            break;
        }
        for next in import_targets(db, file) {
            if within(next) && next != target && !previous.contains_key(&next) {
                previous.insert(next, file);
                queue.push_back(next);
            }
        }
    }
    if !reached {
        return None;
    }
    let mut path = vec![from];
    let mut at = from;
    while let Some(&before) = previous.get(&at) {
        path.push(before);
        at = before;
        if path.len() > 10_000 {
            break;
        }
    }
    let mut trail = vec![from.path(db).clone()];
    trail.extend(path.iter().rev().map(|f| f.path(db).clone()));
    Some(trail)
}
