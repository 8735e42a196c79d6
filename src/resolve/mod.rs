//! Name resolution: import keys, each file's items by name, and import cycles.
//!
//! Invariant: no file-system access. An import names a key; the driver has loaded
//! the file under that key (or not, which is a WB1003 diagnostic).

use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic, FileId};
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

/// The workspace key under which an import is found.
///
/// `"python"` → `std:python` (a stdlib module); `"./x.wbuild"`, `"../x.wbuild"` or an
/// absolute path → `file:<normalised path>` relative to the importing file.
pub fn import_key(importer_path: &str, spec: &str) -> String {
    if is_file_import(spec) {
        let joined = if spec.starts_with('/') {
            spec.to_string()
        } else {
            let dir = match importer_path.rfind('/') {
                Some(i) => importer_path.get(..i).unwrap_or(""),
                None => ".",
            };
            format!("{dir}/{spec}")
        };
        format!("file:{}", normalise(&joined))
    } else {
        format!("std:{spec}")
    }
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
                let key = import_key(file.path(db), &spec);
                let target = db.workspace().files(db).get(&key).copied();
                let target = match target {
                    None => {
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
                    Some(target) => match import_cycle(db, file, target) {
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

/// If importing `target` from `from` closes a cycle, the cycle's file paths.
fn import_cycle(db: &dyn Db, from: SourceFile, target: SourceFile) -> Option<Vec<String>> {
    // Depth-first over the raw import graph (parse results only, so no query cycle).
    let mut stack = vec![(target, vec![from.path(db).clone(), target.path(db).clone()])];
    let mut visited: Vec<FileId> = Vec::new();
    while let Some((file, trail)) = stack.pop() {
        if file.id(db) == from.id(db) {
            return Some(trail);
        }
        if visited.contains(&file.id(db)) || visited.len() > 10_000 {
            continue;
        }
        visited.push(file.id(db));
        for item in &db::parse(db, file).ast.items {
            if let ast::Item::Import(import) = item {
                let Some(spec) = import.path.as_plain() else {
                    continue;
                };
                let key = import_key(file.path(db), &spec);
                if let Some(next) = db.workspace().files(db).get(&key).copied() {
                    let mut trail = trail.clone();
                    trail.push(next.path(db).clone());
                    stack.push((next, trail));
                }
            }
        }
    }
    None
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
        assert_eq!(
            import_key("/a/x.wbuild", "/etc/c.wbuild"),
            "file:/etc/c.wbuild"
        );
        assert_eq!(root_key("./x.wbuild"), "file:x.wbuild");
    }
}
