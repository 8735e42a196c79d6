//! The stdlib as documents an editor can open: go to definition lands in a
//! preset of `std/python.wbuild`, which exists nowhere on disk (it is embedded
//! in the compiler, or the organisation's `--stdlib`). Each module is written
//! once, read-only, into a cache directory named after its content, and its URI
//! is mapped back to the module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wbuild::db::Db;
use wbuild::Compiler;

#[derive(Clone)]
pub struct StdlibDocs {
    dir: Option<PathBuf>,
    modules: BTreeMap<String, PathBuf>,
}

impl StdlibDocs {
    /// Writes the compiler's stdlib modules under the user's cache directory
    /// (`$XDG_CACHE_HOME`, else `~/.cache`, else the temporary directory).
    pub fn materialise(compiler: &Compiler) -> StdlibDocs {
        let db = compiler.db();
        let mut texts: BTreeMap<String, String> = BTreeMap::new();
        for (key, file) in db.workspace().files(db) {
            if let Some(name) = key.strip_prefix("std:") {
                texts.insert(name.to_string(), file.text(db).clone());
            }
        }
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            texts.hash(&mut hasher);
            hasher.finish()
        };
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join("wbuild-lsp").join(format!("std-{digest:016x}"));
        let mut modules = BTreeMap::new();
        let written = std::fs::create_dir_all(&dir).is_ok();
        for (name, text) in &texts {
            let path = dir.join(format!("{name}.wbuild"));
            if written && std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
                let _ = std::fs::remove_file(&path);
                if std::fs::write(&path, text).is_ok() {
                    read_only(&path);
                }
            }
            modules.insert(name.clone(), path);
        }
        StdlibDocs {
            dir: written.then_some(dir),
            modules,
        }
    }

    /// The document of stdlib module `name`.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref()?;
        self.modules.get(name).cloned()
    }

    /// The module a document of the cache directory is.
    pub fn module_of(&self, path: &Path) -> Option<&str> {
        let dir = self.dir.as_ref()?;
        if path.parent()? != dir {
            return None;
        }
        self.modules
            .iter()
            .find(|(_, p)| p.as_path() == path)
            .map(|(name, _)| name.as_str())
    }
}

fn read_only(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        let mut permissions = meta.permissions();
        permissions.set_readonly(true);
        let _ = std::fs::set_permissions(path, permissions);
    }
}
