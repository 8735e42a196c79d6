//! Name resolution: import keys (`mod.rs`), each file's span-free summary
//! (`summaries.rs`: what its importers read), its items by name (`scopes.rs`),
//! import cycles (`cycles.rs`) and the resolution index (`indexer.rs`: every use
//! site → its definition, the one lookup order of the language).
//!
//! Invariant: no file-system access. An import names a key; the driver has loaded
//! the file under that key (or not, which is a WB1003 diagnostic).

mod cycles;
mod indexer;
mod scopes;
mod summaries;

pub use cycles::{import_components, ImportComponents};
pub use indexer::{index, preset_resolutions, Definition, Index, Resolutions, Use, UseKind};
pub use scopes::{preset_item, scope, ResolvedImport, Scope};
pub use summaries::{summary, ItemKind, Summary};

use crate::db::{self, Db, SourceFile};
use crate::syntax::ast;

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
pub(crate) fn default_alias(spec: &str) -> String {
    let last = spec.rsplit('/').next().unwrap_or(spec);
    last.strip_suffix(".wbuild").unwrap_or(last).to_string()
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
