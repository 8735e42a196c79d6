//! Name resolution: import keys, each file's items by name, and import cycles.
//!
//! Invariant: no file-system access. An import names a key; the driver has loaded
//! the file under that key (or not, which is a WB1003 diagnostic).

use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

/// The workspace key under which an import is found.
///
/// `"python"` → `std:python` (a stdlib module); `"./x.wbuild"` or `"../x.wbuild"` →
/// `file:<normalised path>` relative to the importing file.
pub fn import_key(importer_path: &str, spec: &str) -> String {
    if is_file_import(spec) {
        let dir = match importer_path.rfind('/') {
            Some(i) => importer_path.get(..i).unwrap_or(""),
            None => ".",
        };
        format!("file:{}", normalise(&format!("{dir}/{spec}")))
    } else {
        format!("std:{spec}")
    }
}

/// Why a file import is refused before anything is read, if it is: imports name
/// `.wbuild` files by a path relative to the importing file. An absolute path
/// could name any file of the machine (`/proc/self/environ`), and a file that is
/// not a module would have its text echoed in the parser's diagnostics. Stdlib
/// modules import other stdlib modules, by name, never files: so the import graph
/// has user files importing each other and stdlib modules, and stdlib modules
/// importing each other, and a cycle is always within one of the two.
pub fn refused_import(importer: &str, spec: &str) -> Option<&'static str> {
    if spec.starts_with('/') {
        Some("an import names a file by its path relative to the importing file, never an absolute path")
    } else if is_file_import(spec) && !spec.ends_with(".wbuild") {
        Some("only .wbuild modules can be imported")
    } else if is_file_import(spec) && is_stdlib_path(importer) {
        Some("a stdlib module imports other stdlib modules by name, not files")
    } else {
        None
    }
}

/// Whether a file's path is a stdlib module's (`std/NAME.wbuild`).
pub fn is_stdlib_path(path: &str) -> bool {
    path.starts_with("std/")
}

/// The keys of the files `file` imports (not stdlib modules), in source order,
/// without the ones refused by [`refused_import`]. The loader reads these.
#[salsa::tracked(returns(ref))]
pub fn file_imports(db: &dyn Db, file: SourceFile) -> Vec<String> {
    let mut keys = Vec::new();
    for item in &db::parse(db, file).ast.items {
        let ast::Item::Import(import) = item else {
            continue;
        };
        let Some(spec) = import.path.as_plain() else {
            continue;
        };
        if is_file_import(&spec) && refused_import(file.path(db), &spec).is_none() {
            let key = import_key(file.path(db), &spec);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The key of a file given on the command line.
pub fn root_key(path: &str) -> String {
    format!("file:{}", normalise(path))
}

pub fn is_file_import(spec: &str) -> bool {
    spec.starts_with("./") || spec.starts_with("../") || spec.starts_with('/')
}

/// Lexical normalisation: removes `.` and resolves `..` where possible.
fn normalise(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(parts.last(), Some(p) if *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// The alias an import is known by: `as NAME`, else the module or file stem.
fn default_alias(spec: &str) -> String {
    let last = spec.rsplit('/').next().unwrap_or(spec);
    last.strip_suffix(".wbuild").unwrap_or(last).to_string()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedImport {
    pub alias: String,
    pub span: Span,
    /// `None` when the import is missing or would close a cycle (both reported).
    pub target: Option<SourceFile>,
}

/// A file's items by name, with the duplicate and import diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub imports: IndexMap<String, ResolvedImport>,
    /// Index into `ast.items` of each `let`, variant and preset.
    pub lets: IndexMap<String, usize>,
    pub variants: IndexMap<String, usize>,
    pub presets: IndexMap<String, usize>,
    pub image: Option<usize>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Scope {
    /// Every name a value position can refer to, for "did you mean".
    pub fn value_names(&self) -> impl Iterator<Item = &str> {
        self.lets
            .keys()
            .chain(self.variants.keys())
            .chain(self.imports.keys())
            .map(String::as_str)
    }
}

#[salsa::tracked(returns(ref))]
pub fn scope(db: &dyn Db, file: SourceFile) -> Scope {
    let id = file.id(db);
    let ast = &db::parse(db, file).ast;
    let mut scope = Scope {
        imports: IndexMap::new(),
        lets: IndexMap::new(),
        variants: IndexMap::new(),
        presets: IndexMap::new(),
        image: None,
        diagnostics: Vec::new(),
    };
    // One namespace for lets, variants, presets and import aliases.
    let mut seen: IndexMap<String, Span> = IndexMap::new();
    // Variant names folded to lower case → the name as defined. No two variants
    // differ only in case, so this finds a clash in O(1) (scanning every variant
    // per variant made a file with many variants quadratic).
    let mut folded_variants: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    let mut define = |scope: &mut Scope, name: &ast::Ident| -> bool {
        if name.name.is_empty() {
            return false;
        }
        if let Some(first) = seen.get(&name.name) {
            scope.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    format!("`{}` is defined twice", name.name),
                    id,
                    name.span,
                    "defined again here",
                )
                .with_secondary(id, *first, "first defined here")
                .with_help("rename one of them"),
            );
            return false;
        }
        seen.insert(name.name.clone(), name.span);
        true
    };
    for (index, item) in ast.items.iter().enumerate() {
        match item {
            ast::Item::Import(import) => {
                let Some(spec) = import.path.as_plain() else {
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::BadInterpolation,
                            "an import path cannot use interpolation",
                            id,
                            import.path.span,
                            "not a plain string",
                        )
                        .with_note("imports are resolved before any constant is evaluated")
                        .with_help("write the module name or the relative path literally"),
                    );
                    continue;
                };
                let alias = import
                    .alias
                    .as_ref()
                    .map_or_else(|| default_alias(&spec), |a| a.name.clone());
                if alias.is_empty() {
                    // `import ""`, `import "/"`, `import "./.wbuild"`: no module has
                    // that name, and the empty alias used to drop the import silently.
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::ImportNotFound,
                            format!("cannot find module `{spec}`"),
                            id,
                            import.path.span,
                            "names no module or file",
                        )
                        .with_help("import a stdlib module by name (`import \"base\"`) or a file by its relative path (`import \"./common.wbuild\"`)"),
                    );
                    continue;
                }
                let alias_ident = ast::Ident {
                    name: alias.clone(),
                    span: import.alias.as_ref().map_or(import.path.span, |a| a.span),
                };
                if !define(&mut scope, &alias_ident) {
                    continue;
                }
                let refused = |note: String| {
                    Diagnostic::new(
                        Code::ImportRefused,
                        format!("cannot import `{spec}`"),
                        id,
                        import.path.span,
                        "not read",
                    )
                    .with_note(note)
                    .with_help("import a stdlib module by name (`import \"base\"`) or a module of this repository by its relative path (`import \"./common.wbuild\"`)")
                };
                if let Some(why) = refused_import(file.path(db), &spec) {
                    scope.diagnostics.push(refused(why.to_string()));
                    continue;
                }
                let key = import_key(file.path(db), &spec);
                let target = db.workspace().files(db).get(&key).copied();
                let refusal = db.workspace().refused(db).get(&key);
                let target = match (target, refusal) {
                    (None, Some(reason)) => {
                        scope
                            .diagnostics
                            .push(refused(format!("the file was not read: {reason}")));
                        None
                    }
                    (None, None) => {
                        let help = if is_file_import(&spec) {
                            "file imports are relative to the importing file".to_string()
                        } else {
                            let std: Vec<&str> = db
                                .workspace()
                                .files(db)
                                .keys()
                                .filter_map(|k| k.strip_prefix("std:"))
                                .collect();
                            suggest::help(&spec, std.iter().copied())
                                .unwrap_or_else(|| format!("the stdlib has: {}", std.join(", ")))
                        };
                        scope.diagnostics.push(
                            Diagnostic::new(
                                Code::ImportNotFound,
                                format!("cannot find module `{spec}`"),
                                id,
                                import.path.span,
                                "not found",
                            )
                            .with_help(help),
                        );
                        None
                    }
                    (Some(target), _) => match import_cycle(db, file, target) {
                        Some(cycle) => {
                            scope.diagnostics.push(
                                Diagnostic::new(
                                    Code::ImportCycle,
                                    "this import closes a cycle",
                                    id,
                                    import.path.span,
                                    "imported here",
                                )
                                .with_note(format!("cycle: {}", cycle.join(" → "))),
                            );
                            None
                        }
                        None => Some(target),
                    },
                };
                scope.imports.insert(
                    alias,
                    ResolvedImport {
                        alias: alias_ident.name,
                        span: import.span,
                        target,
                    },
                );
            }
            ast::Item::Let(l) => {
                if define(&mut scope, &l.name) {
                    scope.lets.insert(l.name.name.clone(), index);
                }
            }
            ast::Item::Variant(v) => {
                // Stage names are case-insensitive in Dockerfiles.
                let folded = v.name.name.to_ascii_lowercase();
                let clash = folded_variants
                    .get(&folded)
                    .filter(|k| **k != v.name.name)
                    .cloned();
                if let Some(other) = clash {
                    let first = ast
                        .items
                        .get(scope.variants[&other])
                        .map_or(v.span, |i| match i {
                            ast::Item::Variant(o) => o.name.span,
                            other => other.span(),
                        });
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("`{}` and `{other}` differ only in case", v.name.name),
                            id,
                            v.name.span,
                            "defined again here",
                        )
                        .with_secondary(id, first, "first defined here")
                        .with_note(
                            "variants become Dockerfile stages, whose names are case-insensitive",
                        )
                        .with_help("rename one of them"),
                    );
                } else if define(&mut scope, &v.name) {
                    scope.variants.insert(v.name.name.clone(), index);
                    folded_variants.insert(folded, v.name.name.clone());
                }
            }
            ast::Item::Preset(p) => {
                if define(&mut scope, &p.name) {
                    scope.presets.insert(p.name.name.clone(), index);
                }
            }
            ast::Item::Image(image) => match scope.image {
                Some(first) => {
                    let first_span = ast.items.get(first).map_or(image.span, |i| i.span());
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            "a file declares one image",
                            id,
                            image.name.span,
                            "second image",
                        )
                        .with_secondary(id, first_span, "first image")
                        .with_help("put each image in its own file"),
                    );
                }
                None => scope.image = Some(index),
            },
            ast::Item::Error(_) => {}
        }
    }
    scope
}

/// The import graph's strongly connected components: files that import each
/// other, directly or not, share a component. Computed once for the whole
/// workspace (Tarjan's algorithm, iterative), so finding cycles is linear in the
/// number of imports however long the chains are.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportComponents {
    component: std::collections::HashMap<SourceFile, u32>,
}

/// The files `file` imports (stdlib modules and files) that are loaded.
fn import_targets(db: &dyn Db, file: SourceFile) -> Vec<SourceFile> {
    let files = db.workspace().files(db);
    db::parse(db, file)
        .ast
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Import(import) => import.path.as_plain(),
            _ => None,
        })
        .filter(|spec| refused_import(file.path(db), spec).is_none())
        .filter_map(|spec| files.get(&import_key(file.path(db), &spec)).copied())
        .collect()
}

#[salsa::tracked(returns(ref))]
pub fn import_components(db: &dyn Db, workspace: db::Workspace) -> ImportComponents {
    use std::collections::HashMap;
    let modules: Vec<SourceFile> = workspace
        .files(db)
        .iter()
        .filter(|(key, _)| key.starts_with("file:") || key.starts_with("std:"))
        .map(|(_, f)| *f)
        .collect();
    let edges: HashMap<SourceFile, Vec<SourceFile>> = modules
        .iter()
        .map(|&f| (f, import_targets(db, f)))
        .collect();
    let mut index: HashMap<SourceFile, u32> = HashMap::new();
    let mut low: HashMap<SourceFile, u32> = HashMap::new();
    let mut on_stack: std::collections::HashSet<SourceFile> = std::collections::HashSet::new();
    let mut stack: Vec<SourceFile> = Vec::new();
    let mut component: HashMap<SourceFile, u32> = HashMap::new();
    let mut next_index = 0u32;
    let mut next_component = 0u32;
    for &root in &modules {
        if index.contains_key(&root) {
            continue;
        }
        // (node, position of the next edge to follow)
        let mut work: Vec<(SourceFile, usize)> = vec![(root, 0)];
        index.insert(root, next_index);
        low.insert(root, next_index);
        next_index += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            let targets = edges.get(&node).map_or(&[][..], Vec::as_slice);
            if let Some(&next) = targets.get(*edge) {
                *edge += 1;
                if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(next) {
                    slot.insert(next_index);
                    low.insert(next, next_index);
                    next_index += 1;
                    stack.push(next);
                    on_stack.insert(next);
                    work.push((next, 0));
                } else if on_stack.contains(&next) {
                    let next_index_of = index.get(&next).copied().unwrap_or(0);
                    if let Some(l) = low.get_mut(&node) {
                        *l = (*l).min(next_index_of);
                    }
                }
                continue;
            }
            work.pop();
            let node_low = low.get(&node).copied().unwrap_or(0);
            if let Some(&(parent, _)) = work.last() {
                if let Some(l) = low.get_mut(&parent) {
                    *l = (*l).min(node_low);
                }
            }
            if Some(&node_low) == index.get(&node) {
                while let Some(member) = stack.pop() {
                    on_stack.remove(&member);
                    component.insert(member, next_component);
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    ImportComponents { component }
}

/// If importing `target` from `from` closes a cycle, the cycle's file paths
/// (from `from` through `target` back to `from`).
fn import_cycle(db: &dyn Db, from: SourceFile, target: SourceFile) -> Option<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_keys() {
        assert_eq!(import_key("examples/a/x.wbuild", "python"), "std:python");
        assert_eq!(
            import_key("examples/a/x.wbuild", "./common.wbuild"),
            "file:examples/a/common.wbuild"
        );
        assert_eq!(
            import_key("examples/a/x.wbuild", "../b/c.wbuild"),
            "file:examples/b/c.wbuild"
        );
        assert_eq!(import_key("x.wbuild", "./c.wbuild"), "file:c.wbuild");
        assert_eq!(root_key("./x.wbuild"), "file:x.wbuild");
        assert!(refused_import("x.wbuild", "/etc/c.wbuild").is_some());
        assert!(refused_import("x.wbuild", "../../../../etc/hostname").is_some());
        assert!(refused_import("x.wbuild", "./common.wbuild").is_none());
        assert!(refused_import("x.wbuild", "python").is_none());
        assert!(refused_import("std/base.wbuild", "./common.wbuild").is_some());
    }
}
