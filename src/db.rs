//! The salsa database: its inputs and the one query below every phase, `parse`.
//!
//! Inputs are the source files, the workspace (which files exist under which
//! import keys), the build-context files the rules read, and the settings (the
//! effective policy, release mode). Everything else is derived, by queries in the
//! phases above. The CLI and the language server hold one [`Database`]; editing
//! one file sets one input.
//!
//! Invariants: nothing here reads the file system (the driver hands files in),
//! and nothing here knows a phase: this module imports only `syntax` (for
//! `parse`), `config` (the policy value) and `span`.

use crate::span::FileId;
use crate::syntax::{self, Parse};
use indexmap::IndexMap;

#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(copy)]
    pub id: FileId,
    /// The path as the user gave it (or `std/<name>.wbuild` for the stdlib).
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
    /// When the file's bytes were not valid UTF-8: the offset (in `text`, which
    /// holds them decoded lossily) of the first replacement character.
    #[returns(copy)]
    pub invalid_utf8: Option<u32>,
}

/// Every loaded file, by import key (see [`crate::resolve::import_key`]), and the
/// imports the driver refused to read, with the reason (an import that leads
/// outside the repository, into `.git`, or to something that is not a regular
/// `.wbuild` file).
#[salsa::input(debug)]
pub struct Workspace {
    #[returns(ref)]
    pub files: IndexMap<String, SourceFile>,
    #[returns(ref)]
    pub refused: IndexMap<String, String>,
}

/// Files of the build context that rules read (dependency manifests), by key
/// (`ctx:PATH`). Kept apart from the workspace so that handing them in does not
/// invalidate name resolution, only the rules that read them.
#[salsa::input(debug)]
pub struct Context {
    #[returns(ref)]
    pub files: IndexMap<String, SourceFile>,
}

/// Settings that apply to every file: the effective policy and the build mode.
#[salsa::input(debug)]
pub struct Settings {
    #[returns(ref)]
    pub policy: crate::config::Policy,
    /// Release builds: unpinned base images of release variants are errors.
    pub release: bool,
    /// The digests `wbuild.lock` pins base references to.
    #[returns(ref)]
    pub pins: Pins,
}

/// Base image references (without digest, as `registry/repository:tag`) → the
/// digest `wbuild.lock` pins them to (`sha256:...`). Lowering writes the digest
/// into `FROM`; the release rule counts a pinned reference as pinned.
pub type Pins = std::collections::BTreeMap<String, String>;

#[salsa::db]
pub trait Db: salsa::Database {
    fn workspace(&self) -> Workspace;
    /// The file with this id. Ids are never reused and a file keeps its id, so
    /// queries may read this without depending on an input.
    fn file(&self, id: FileId) -> Option<SourceFile>;
    fn context(&self) -> Context;
    fn settings(&self) -> Settings;
}

#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    workspace: Option<Workspace>,
    context: Option<Context>,
    settings: Option<Settings>,
    /// Every file by its id (ids are handed out in order, so the id is the index).
    files: Vec<SourceFile>,
}

/// The queries a database executed, in order, as `query(Id(n))` (salsa's debug
/// form): what tests read to show what an edit re-ran and what it reused.
#[derive(Clone, Debug, Default)]
pub struct QueryLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl QueryLog {
    /// Takes the queries executed since the last call.
    pub fn take(&self) -> Vec<String> {
        match self.0.lock() {
            Ok(mut log) => std::mem::take(&mut *log),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Database::with_storage(salsa::Storage::default())
    }
}

impl Database {
    fn with_storage(storage: salsa::Storage<Database>) -> Database {
        let mut db = Database {
            storage,
            workspace: None,
            context: None,
            settings: None,
            files: Vec::new(),
        };
        let workspace = Workspace::new(&db, IndexMap::new(), IndexMap::new());
        db.workspace = Some(workspace);
        db.context = Some(Context::new(&db, IndexMap::new()));
        let settings = Settings::new(&db, crate::config::Policy::default(), false, Pins::new());
        db.settings = Some(settings);
        db
    }

    /// A database that records every query it executes.
    pub fn with_query_log() -> (Database, QueryLog) {
        let log = QueryLog::default();
        let sink = log.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind {
                if let Ok(mut log) = sink.0.lock() {
                    log.push(format!("{database_key:?}"));
                }
            }
        })));
        (Database::with_storage(storage), log)
    }

    fn next_id(&self) -> FileId {
        FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX))
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn file(&self, id: FileId) -> Option<SourceFile> {
        self.files.get(id.0 as usize).copied()
    }

    fn workspace(&self) -> Workspace {
        match self.workspace {
            Some(ws) => ws,
            None => unreachable_workspace(),
        }
    }

    fn context(&self) -> Context {
        match self.context {
            Some(context) => context,
            None => unreachable_workspace(),
        }
    }

    fn settings(&self) -> Settings {
        match self.settings {
            Some(settings) => settings,
            None => unreachable_workspace(),
        }
    }
}

#[cold]
fn unreachable_workspace() -> ! {
    // `Database::default` always creates the workspace and settings inputs.
    panic!("database without a workspace")
}

impl Database {
    pub fn new() -> Database {
        Database::default()
    }

    /// Adds a file under an import key, or replaces its text if the key exists.
    pub fn set_file(
        &mut self,
        key: &str,
        path: &str,
        text: String,
        durability: salsa::Durability,
    ) -> SourceFile {
        self.set_files([(key.to_string(), path.to_string(), text)], durability)[0]
    }

    /// [`Database::set_file`] for many files at once: the files are added in order
    /// (or their texts replaced) and the workspace input is written once, so adding
    /// N files costs O(N) rather than O(N²).
    /// Each item is `(key, path, text)`.
    pub fn set_files(
        &mut self,
        files: impl IntoIterator<Item = (String, String, String)>,
        durability: salsa::Durability,
    ) -> Vec<SourceFile> {
        use salsa::Setter;
        let workspace = self.workspace();
        let mut added: Option<IndexMap<String, SourceFile>> = None;
        let mut out = Vec::new();
        for (key, path, text) in files {
            let existing = match &added {
                Some(map) => map.get(&key).copied(),
                None => workspace.files(self).get(&key).copied(),
            };
            if let Some(file) = existing {
                if file.text(self) != &text {
                    file.set_text(self).with_durability(durability).to(text);
                }
                out.push(file);
                continue;
            }
            let id = self.next_id();
            let file = SourceFile::builder(id, path, text, None)
                .durability(durability)
                .new(self);
            self.files.push(file);
            // Take the map out of the input instead of cloning it (the setter
            // returns the old value); it is written back once at the end.
            let map =
                added.get_or_insert_with(|| workspace.set_files(&mut *self).to(IndexMap::new()));
            map.insert(key, file);
            out.push(file);
        }
        if let Some(map) = added {
            workspace.set_files(self).to(map);
        }
        out
    }

    /// Adds (or updates) a build-context file.
    pub fn set_context_file(&mut self, key: &str, path: &str, text: String) -> SourceFile {
        use salsa::Setter;
        let context = self.context();
        if let Some(&file) = context.files(self).get(key) {
            if file.text(self) != &text {
                file.set_text(self).to(text);
            }
            return file;
        }
        let id = self.next_id();
        let file = SourceFile::new(self, id, path.to_string(), text, None);
        self.files.push(file);
        let mut files = context.set_files(self).to(IndexMap::new());
        files.insert(key.to_string(), file);
        context.set_files(self).to(files);
        file
    }

    /// Records that the driver refused to read the file under `key`, and why.
    pub fn set_refused(&mut self, key: &str, reason: String) {
        use salsa::Setter;
        let workspace = self.workspace();
        if workspace.refused(self).get(key) == Some(&reason) {
            return;
        }
        let mut refused = workspace.set_refused(self).to(IndexMap::new());
        refused.insert(key.to_string(), reason);
        workspace.set_refused(self).to(refused);
    }

    /// Records where the file's text was not valid UTF-8 (`None`: it was).
    pub fn set_invalid_utf8(&mut self, file: SourceFile, offset: Option<u32>) {
        use salsa::Setter;
        if file.invalid_utf8(self) != offset {
            file.set_invalid_utf8(self).to(offset);
        }
    }

    /// Whether the driver refused to read the file under `key`.
    pub fn is_refused(&self, key: &str) -> bool {
        self.workspace().refused(self).contains_key(key)
    }

    pub fn file_by_key(&self, key: &str) -> Option<SourceFile> {
        self.workspace().files(self).get(key).copied()
    }

    pub fn file_by_id(&self, id: FileId) -> Option<SourceFile> {
        self.files.get(id.0 as usize).copied()
    }
}

/// Parses one file. The result holds spans, so it changes on every edit (`no_eq`);
/// later stages depend on what they read from it.
#[salsa::tracked(returns(ref), no_eq)]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parse {
    syntax::parse(file.id(db), file.text(db))
}
