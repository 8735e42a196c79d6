//! wbuild: typed build manifests (`.wbuild`) compiled into organisation-standard
//! Dockerfiles.
//!
//! The pipeline is `syntax` (pest → owned tree) → `resolve` (summaries, scopes,
//! the resolution index) → `variants` (extends, presets and merging, evaluating
//! each value with `check::eval`) → `graph` (what each variant depends on) →
//! `lower` (Dockerfile IR) → `emit` (Dockerfile text), with `policy` over variants
//! and stages and `analysis` above them all. The tables of the language are in
//! `language`. Each step is salsa queries over one [`db::Database`]; see
//! ARCHITECTURE.md for the map and the layers.
//!
//! The library does no I/O: the caller hands it source text.
//!
//! ```
//! let mut compiler = wbuild::Compiler::new();
//! let file = compiler.add_file("service.wbuild", r#"
//!     import "base"
//!     image "hello" {}
//!     variant production extends base.runtime() {
//!         cmd = ["/bin/echo", "hello"]
//!     }
//! "#);
//! let dockerfile = compiler.compile(file, "production").expect("compiles");
//! assert!(dockerfile.contains("FROM registry.example.org/debian:bookworm AS production"));
//! assert!(dockerfile.contains("USER 65533:65533"));
//! assert!(dockerfile.contains(r#"CMD ["/bin/echo", "hello"]"#));
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used)]

/// What a query running on a snapshot unwinds with when an input changes.
pub use salsa::Cancelled;

pub mod analysis;
pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod db;
pub mod diagnostics;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod ide;
pub mod import;
pub mod ir;
pub mod language;
pub mod lower;
pub mod ops;
pub mod policy;
pub mod publish;
pub mod resolve;
pub mod scc;
pub mod span;
pub mod stdlib;
pub mod syntax;
pub mod variants;

pub use db::SourceFile;
pub use diagnostics::{Code, Diagnostic, Severity};

/// A file's text from its bytes: invalid UTF-8 is decoded lossily, and the offset
/// of the first replacement character is kept (WB0006 reports it).
fn decode(bytes: &[u8]) -> (String, Option<u32>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            u32::try_from(e.valid_up_to()).ok(),
        ),
    }
}

/// What the driver is asked to read, so that it can apply the rules for each kind
/// of file (a manifest or an import must be a `.wbuild` file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// The manifest being loaded.
    Manifest,
    /// A file another manifest imports.
    Import,
    /// A dependency manifest of the build context (requirements.txt, package.json).
    Context,
}

/// Why the driver did not hand a file in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadFailure {
    /// There is no such file.
    Missing,
    /// The driver refused to read it; the reason says why, in words (never the
    /// file's text).
    Refused(String),
}

/// A policy file handed to [`Compiler::set_policy`]: which layer it is, where it
/// is (as shown in diagnostics and the audit) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFile {
    pub layer: config::Layer,
    pub path: String,
    pub text: String,
}

use db::Database;
use diagnostics::render::SourceInfo;
use salsa::Durability;

/// The compiler with its database: add files, then check or compile them.
/// Repeated calls reuse everything that did not change.
///
/// A clone is a snapshot of the same database for reading on another thread:
/// changing an input (adding or updating a file) cancels the queries running on
/// snapshots (they unwind with [`Cancelled`]) and waits until they are dropped.
#[derive(Clone)]
pub struct Compiler {
    db: Database,
}

impl Default for Compiler {
    fn default() -> Self {
        Compiler::new()
    }
}

impl Compiler {
    /// A compiler with the embedded standard library.
    pub fn new() -> Compiler {
        Compiler::with_embedded_stdlib(Database::new())
    }

    /// A compiler with the embedded standard library whose database records the
    /// queries it executes: what tests of incrementality read.
    pub fn with_query_log() -> (Compiler, db::QueryLog) {
        let (db, log) = Database::with_query_log();
        (Compiler::with_embedded_stdlib(db), log)
    }

    fn with_embedded_stdlib(db: Database) -> Compiler {
        let mut compiler = Compiler { db };
        for (name, text) in stdlib::MODULES {
            compiler.add_stdlib_module(name, text.to_string());
        }
        compiler
    }

    /// A compiler with no stdlib; add an organisation's own with [`Compiler::add_stdlib_module`].
    pub fn without_stdlib() -> Compiler {
        Compiler {
            db: Database::new(),
        }
    }

    /// Adds (or replaces) the stdlib module imported as `import "NAME"`.
    pub fn add_stdlib_module(&mut self, name: &str, text: String) -> SourceFile {
        let key = format!("std:{name}");
        self.db
            .set_file(&key, &format!("std/{name}.wbuild"), text, Durability::HIGH)
    }

    /// Adds (or updates) a user file under its path.
    pub fn add_file(&mut self, path: &str, text: &str) -> SourceFile {
        self.db.set_file(
            &resolve::root_key(path),
            path,
            text.to_string(),
            Durability::LOW,
        )
    }

    /// Adds a user file from raw bytes. Invalid UTF-8 is decoded lossily so the rest
    /// of the file is still checked, and reported as WB0006, which fails compilation.
    pub fn add_file_bytes(&mut self, path: &str, bytes: &[u8]) -> SourceFile {
        let (text, invalid) = decode(bytes);
        let file = self.add_file(path, &text);
        self.db.set_invalid_utf8(file, invalid);
        file
    }

    /// Sets the policy: the embedded default, then each policy file in order (the
    /// organisation's first, then the repository's from the outermost directory
    /// in), each setting the keys it names. A repository file may only tighten the
    /// policy (see `policy::config`). Problems come back as diagnostics in the
    /// policy files (WB5000, WB5011, WB5012); what is valid and does not loosen the
    /// policy is applied even then, and the caller fails on any error.
    pub fn set_policy(&mut self, files: &[PolicyFile]) -> Vec<Diagnostic> {
        use salsa::Setter;
        let mut policy = config::Policy::default();
        let mut problems = Vec::new();
        for file in files {
            let source = self.db.set_file(
                &format!("policy:{}", file.path),
                &file.path,
                file.text.clone(),
                Durability::MEDIUM,
            );
            problems.extend(policy.apply(
                file.layer,
                Some(&file.path),
                &file.text,
                source.id(&self.db),
            ));
        }
        let settings = <Database as db::Db>::settings(&self.db);
        if settings.policy(&self.db) != &policy {
            settings.set_policy(&mut self.db).to(policy);
        }
        problems
    }

    /// A diagnostic about a configuration file that was not read (its text is
    /// never shown): the reason is the message.
    pub fn file_problem(&mut self, path: &std::path::Path, reason: &str) -> Diagnostic {
        let shown = path.to_string_lossy();
        let file = self.db.set_file(
            &format!("config:{shown}"),
            &shown,
            String::new(),
            Durability::MEDIUM,
        );
        config::unread_file(reason, file.id(&self.db))
    }

    /// Checks a repository's `wbuild.toml` (see `policy::check_repository_config`).
    pub fn check_repository_config(&mut self, path: &str, text: &str) -> Vec<Diagnostic> {
        let file = self.db.set_file(
            &format!("config:{path}"),
            path,
            text.to_string(),
            Durability::MEDIUM,
        );
        config::check_repository_config(text, file.id(&self.db))
    }

    /// The effective policy.
    pub fn policy(&self) -> &config::Policy {
        <Database as db::Db>::settings(&self.db).policy(&self.db)
    }

    /// The digests of `wbuild.lock` (see [`db::Pins`]): base references compile to
    /// `FROM reference@digest`.
    pub fn set_pins(&mut self, pins: db::Pins) {
        use salsa::Setter;
        let settings = <Database as db::Db>::settings(&self.db);
        if settings.pins(&self.db) != &pins {
            settings.set_pins(&mut self.db).to(pins);
        }
    }

    /// Release mode: release variants must start from images pinned by digest.
    pub fn set_release(&mut self, release: bool) {
        use salsa::Setter;
        let settings = <Database as db::Db>::settings(&self.db);
        if *settings.release(&self.db) != release {
            settings.set_release(&mut self.db).to(release);
        }
    }

    /// Dependency manifests (requirements files, package.json, composer.json) the
    /// file's variants copy, as paths relative to the current directory (the build
    /// context is the manifest's directory). The driver reads them and hands them in
    /// with [`Compiler::add_context_file`] so that policy rules can read them.
    pub fn wanted_context_files(&self, file: SourceFile) -> Vec<String> {
        let manifest = file.path(&self.db).clone();
        policy::wanted_context_files(&self.db, file)
            .into_iter()
            .map(|relative| {
                policy::context_key(&manifest, &relative)
                    .trim_start_matches("ctx:")
                    .to_string()
            })
            .collect()
    }

    /// Hands in a file of the build context (see [`Compiler::wanted_context_files`]).
    pub fn add_context_file(&mut self, path: &str, text: &str) -> SourceFile {
        self.db
            .set_context_file(&format!("ctx:{path}"), path, text.to_string())
    }

    /// The file path and 1-based line of an origin, for reports.
    pub fn location(&self, origin: span::Origin) -> (String, u32) {
        match self.db.file_by_id(origin.file) {
            Some(f) => {
                let line = span::LineIndex::new(f.text(&self.db)).line(origin.span.start) + 1;
                (f.path(&self.db).clone(), line)
            }
            None => (String::new(), 0),
        }
    }

    /// The file's base image definition (`base "REF" { ... }`), if it has one.
    pub fn base(&self, file: SourceFile) -> Option<variants::BaseDecl> {
        variants::evaluate(&self.db, file).base.clone()
    }

    /// The file's `image` declaration (name, version, source), if it has one.
    pub fn image(&self, file: SourceFile) -> Option<variants::ImageDecl> {
        variants::evaluate(&self.db, file).image.clone()
    }

    /// The variant a stage of a compiled Dockerfile was lowered from (stage names
    /// are variant names in lowercase) and where its `base` value was written: what
    /// a driver points at when the image a stage starts from is refused.
    pub fn stage_base(&self, file: SourceFile, stage: &str) -> Option<(String, span::Origin)> {
        variants::evaluate(&self.db, file)
            .variants
            .values()
            .find(|v| v.name.to_ascii_lowercase() == stage)
            .and_then(|v| {
                let base = v.fields.get(&language::Field::Base)?;
                Some((v.name.clone(), base.origin))
            })
    }

    /// The build arguments (`arg` steps) the stages of `variant` declare, with their
    /// types, so a driver can check `--build-arg` values before building.
    pub fn build_args(&self, file: SourceFile, variant: &str) -> Vec<(String, language::Ty)> {
        let evaluated = variants::evaluate(&self.db, file);
        let names = graph::dependencies(&self.db, file)
            .stage_order(variant)
            .unwrap_or_default();
        // The target's own declarations first: a dependency's argument of the same
        // name is the same build argument.
        let mut out: Vec<(String, language::Ty)> = Vec::new();
        for name in names.iter().rev() {
            let Some(v) = evaluated.variants.get(name) else {
                continue;
            };
            if let Some(check::types::Val {
                kind: check::types::ValKind::Steps(steps),
                ..
            }) = v.fields.get(&language::Field::Steps)
            {
                for step in steps {
                    if let check::types::StepKind::Arg { name, ty, .. } = &step.kind {
                        if !out.iter().any(|(n, _)| n == name) {
                            out.push((name.clone(), ty.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    /// Every build-context path the file's variants copy (`copy` sources and APT
    /// keyrings), with where it is written, so that a driver that knows the context
    /// can check them against the file system (symlinks leading outside it).
    pub fn context_sources(&self, file: SourceFile) -> Vec<(String, span::Origin)> {
        let mut out: Vec<(String, span::Origin)> = Vec::new();
        for variant in variants::evaluate(&self.db, file).variants.values() {
            let Some(check::types::Val {
                kind: check::types::ValKind::Steps(steps),
                ..
            }) = variant.fields.get(&language::Field::Steps)
            else {
                continue;
            };
            for step in steps {
                let paths: Vec<&String> = match &step.kind {
                    check::types::StepKind::Apt {
                        keyring: Some(k), ..
                    } => vec![k],
                    kind => kind.context_sources(),
                };
                for p in paths {
                    if !out.iter().any(|(q, o)| q == p && *o == step.origin) {
                        out.push((p.clone(), step.origin));
                    }
                }
            }
        }
        out
    }

    /// Puts diagnostics about `file`'s variants that point into another file (a
    /// stdlib preset's step) at the user's line that uses it (see
    /// [`analysis::anchor`]): for diagnostics a driver makes, like build failures.
    pub fn anchor(&self, file: SourceFile, diagnostics: &mut [Diagnostic]) {
        analysis::anchor(&self.db, file, diagnostics);
    }

    /// The build-context paths the file's variants read, for the driver to probe
    /// (see [`analysis::context`]).
    pub fn copied_paths(&self, file: SourceFile) -> Vec<analysis::context::CopiedPath> {
        analysis::context::copied_paths(&self.db, file)
    }

    /// The diagnostics for copied paths the driver did not find in the context.
    pub fn missing_in_context(
        &self,
        file: SourceFile,
        probes: &[(analysis::context::CopiedPath, analysis::context::Probe)],
    ) -> Vec<Diagnostic> {
        analysis::context::missing(&self.db, file, probes)
    }

    /// The policy exceptions (`allow = { rule: reason }`) that applied in the file.
    pub fn exceptions(&self, file: SourceFile) -> Vec<policy::Exception> {
        policy::check(&self.db, file).exceptions.clone()
    }

    /// Adds the manifest `path` and, transitively, the files it imports and the
    /// dependency manifests its variants copy (for the Debian-first rule): the
    /// same as [`Compiler::load_many`] with one manifest.
    pub fn load(
        &mut self,
        path: &str,
        mut read: impl FnMut(&str, Wanted) -> Result<Vec<u8>, ReadFailure>,
    ) -> Result<SourceFile, ReadFailure> {
        self.load_many(&[path.to_string()], |_, p, wanted| read(p, wanted))
            .pop()
            .unwrap_or(Err(ReadFailure::Missing))
    }

    /// Adds manifests and, transitively, the files they import and the dependency
    /// manifests their variants copy (for the Debian-first rule). The one loading
    /// protocol of the library: the manifests are added in one step and parsed on
    /// every core, their imports are read (each file scanned once, so a chain of N
    /// imports costs O(N)), their variants are resolved on every core, and then
    /// the context files they copy are read.
    ///
    /// Every file is read through `read(manifest, path, what)`, the driver's access
    /// to the file system: `manifest` is the index of the manifest the read is for
    /// (the driver confines reads to that manifest's repository), `path` is as the
    /// manifest names it, relative to the current directory. The library itself does
    /// no I/O. One result per manifest, in order: `Err` when the manifest itself
    /// could not be read. Invalid UTF-8 is decoded lossily and reported (WB0006); a
    /// missing import is WB1003, a refused one (outside the repository, not a
    /// regular `.wbuild` file) WB1009; a missing or refused context file is skipped.
    pub fn load_many(
        &mut self,
        paths: &[String],
        read: impl FnMut(usize, &str, Wanted) -> Result<Vec<u8>, ReadFailure>,
    ) -> Vec<Result<SourceFile, ReadFailure>> {
        self.load_many_with(paths, read, true)
    }

    /// [`Compiler::load_many`] without the context files: for questions about the
    /// workspace's structure (the operations graph), which no policy rule reads.
    pub fn load_structure(
        &mut self,
        paths: &[String],
        read: impl FnMut(usize, &str, Wanted) -> Result<Vec<u8>, ReadFailure>,
    ) -> Vec<Result<SourceFile, ReadFailure>> {
        self.load_many_with(paths, read, false)
    }

    fn load_many_with(
        &mut self,
        paths: &[String],
        mut read: impl FnMut(usize, &str, Wanted) -> Result<Vec<u8>, ReadFailure>,
        context_files: bool,
    ) -> Vec<Result<SourceFile, ReadFailure>> {
        let mut failures: Vec<Option<ReadFailure>> = Vec::with_capacity(paths.len());
        let mut texts = Vec::new();
        let mut invalid = Vec::new();
        for (index, path) in paths.iter().enumerate() {
            match read(index, path, Wanted::Manifest) {
                Ok(bytes) => {
                    let (text, offset) = decode(&bytes);
                    invalid.push(offset);
                    texts.push((path.clone(), text));
                    failures.push(None);
                }
                Err(failure) => failures.push(Some(failure)),
            }
        }
        let added = self.add_files(texts);
        for (&file, &offset) in added.iter().zip(&invalid) {
            self.db.set_invalid_utf8(file, offset);
        }
        let mut next = added.iter().copied();
        let results: Vec<Result<SourceFile, ReadFailure>> = failures
            .into_iter()
            .map(|failure| match failure {
                Some(failure) => Err(failure),
                None => next.next().ok_or(ReadFailure::Missing),
            })
            .collect();
        self.parse_all(&added);
        let loaded: Vec<(usize, SourceFile)> = results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().ok().map(|f| (i, *f)))
            .collect();
        for &(index, file) in &loaded {
            self.load_imports(file, &mut |p: &str, wanted| read(index, p, wanted));
        }
        let files: Vec<SourceFile> = loaded.iter().map(|(_, f)| *f).collect();
        self.evaluate_all(&files);
        if !context_files {
            return results;
        }
        let mut context: Vec<(String, String)> = Vec::new();
        for &(index, file) in &loaded {
            for path in self.wanted_context_files(file) {
                if context.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                if let Ok(bytes) = read(index, &path, Wanted::Context) {
                    context.push((path, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        }
        for (path, text) in context {
            self.add_context_file(&path, &text);
        }
        results
    }

    /// Reads the file imports of `file`, transitively: each file is scanned once,
    /// so a chain of N imports costs O(N).
    fn load_imports(
        &mut self,
        file: SourceFile,
        read: &mut impl FnMut(&str, Wanted) -> Result<Vec<u8>, ReadFailure>,
    ) {
        let mut scanned: std::collections::HashSet<SourceFile> = std::collections::HashSet::new();
        let mut todo = vec![file];
        while let Some(f) = todo.pop() {
            if !scanned.insert(f) {
                continue;
            }
            for key in resolve::file_imports(&self.db, f).clone() {
                if let Some(target) = self.db.file_by_key(&key) {
                    todo.push(target);
                    continue;
                }
                if self.db.is_refused(&key) {
                    continue;
                }
                let Some(path) = key.strip_prefix("file:") else {
                    continue;
                };
                let path = path.to_string();
                match read(&path, Wanted::Import) {
                    Ok(bytes) => todo.push(self.add_file_bytes(&path, &bytes)),
                    Err(ReadFailure::Missing) => {}
                    Err(ReadFailure::Refused(reason)) => self.db.set_refused(&key, reason),
                }
            }
        }
    }

    /// File imports of `file` (and of what it imports) that are not loaded yet, as
    /// paths relative to the current directory. The driver reads and adds them.
    pub fn pending_imports(&self, file: SourceFile) -> Vec<String> {
        let mut pending = Vec::new();
        let mut todo = vec![file];
        let mut seen = std::collections::HashSet::new();
        while let Some(f) = todo.pop() {
            if !seen.insert(f) {
                continue;
            }
            for key in resolve::file_imports(&self.db, f) {
                match self.db.file_by_key(key) {
                    Some(target) => todo.push(target),
                    None => {
                        if let Some(path) = key.strip_prefix("file:") {
                            if !pending.iter().any(|p| p == path) {
                                pending.push(path.to_string());
                            }
                        }
                    }
                }
            }
        }
        pending
    }

    /// Every diagnostic of the file and of the user files it imports.
    pub fn check(&self, file: SourceFile) -> Vec<Diagnostic> {
        analysis::diagnostics(&self.db, file).clone()
    }

    /// The variant names of the file, in source order.
    /// Whether `variant` is marked `private = true` (directly, through `extends`
    /// or the image block); `false` for an unknown variant.
    pub fn is_private(&self, file: SourceFile, variant: &str) -> bool {
        variants::evaluate(&self.db, file)
            .variants
            .get(variant)
            .is_some_and(variants::ResolvedVariant::is_private)
    }

    pub fn variants(&self, file: SourceFile) -> Vec<String> {
        resolve::scope(&self.db, file)
            .variants
            .keys()
            .cloned()
            .collect()
    }

    /// Compiles one variant to a Dockerfile. Errors anywhere in the file fail the
    /// compilation (warnings do not); the error list then holds every diagnostic.
    pub fn compile(&self, file: SourceFile, variant: &str) -> Result<String, Vec<Diagnostic>> {
        self.compile_ir(file, variant)
            .map(|ir| emit::dockerfile::emit(&ir))
    }

    /// Like [`Compiler::compile`], but returns the IR (stages, instructions, and the
    /// source span of each instruction).
    pub fn compile_ir(
        &self,
        file: SourceFile,
        variant: &str,
    ) -> Result<ir::Dockerfile, Vec<Diagnostic>> {
        analysis::compile(&self.db, file, variant.to_string()).clone()
    }

    /// Formats a file canonically; `None` when it has syntax errors.
    pub fn format(&self, file: SourceFile) -> Option<String> {
        let parse = db::parse(&self.db, file);
        if !parse.errors.is_empty() {
            return None;
        }
        Some(fmt::format(file.text(&self.db), parse))
    }

    /// Renders diagnostics for a terminal (codespan-reporting).
    pub fn render(&self, diagnostics: &[Diagnostic], color: bool) -> String {
        diagnostics::render::to_terminal(&self.sources(diagnostics), diagnostics, color)
    }

    /// Renders diagnostics as a JSON array.
    pub fn render_json(&self, diagnostics: &[Diagnostic]) -> serde_json::Value {
        diagnostics::render::to_json(&self.sources(diagnostics), diagnostics)
    }

    /// Renders diagnostics as SARIF results; `locate` says where each file is
    /// (the driver knows the repository root).
    pub fn render_sarif(
        &self,
        diagnostics: &[Diagnostic],
        locate: &dyn Fn(&SourceInfo<'_>) -> diagnostics::render::Artifact,
    ) -> Vec<diagnostics::render::sarif::SarifResult> {
        diagnostics::render::sarif::results(&self.sources(diagnostics), diagnostics, locate)
    }

    /// Renders diagnostics as GitHub Actions workflow commands, one line each.
    pub fn render_github(
        &self,
        diagnostics: &[Diagnostic],
        locate: &dyn Fn(&SourceInfo<'_>) -> diagnostics::render::Artifact,
    ) -> String {
        diagnostics::render::github::commands(&self.sources(diagnostics), diagnostics, locate)
    }

    /// Renders diagnostics as GitLab Code Quality issues (fingerprinted when the
    /// report is whole: `diagnostics::render::gitlab::report`).
    pub fn render_gitlab(
        &self,
        diagnostics: &[Diagnostic],
        locate: &dyn Fn(&SourceInfo<'_>) -> diagnostics::render::Artifact,
    ) -> Vec<diagnostics::render::gitlab::Issue> {
        diagnostics::render::gitlab::issues(&self.sources(diagnostics), diagnostics, locate)
    }

    /// The files `diagnostics` point into (labels and fixes), looked up by id:
    /// rendering one file's diagnostics must not list every file of the
    /// workspace (`check` renders each file's diagnostics on their own, so
    /// listing them all made a batch of N files cost N² lookups, even with no
    /// diagnostic at all).
    fn sources(&self, diagnostics: &[Diagnostic]) -> Vec<SourceInfo<'_>> {
        let mut ids: Vec<span::FileId> = diagnostics.iter().flat_map(Diagnostic::files).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.db.file_by_id(id))
            .map(|f| SourceInfo {
                id: f.id(&self.db),
                path: f.path(&self.db),
                text: f.text(&self.db),
                stdlib: self.is_stdlib_module(f),
            })
            .collect()
    }

    /// Whether a file is the stdlib module its path names (`std/NAME.wbuild`
    /// loaded as `import "NAME"`), not a user's file under a `std/` directory.
    fn is_stdlib_module(&self, file: SourceFile) -> bool {
        let path = file.path(&self.db);
        let Some(name) = path
            .strip_prefix("std/")
            .and_then(|p| p.strip_suffix(".wbuild"))
        else {
            return false;
        };
        let files = db::Db::workspace(&self.db).files(&self.db);
        files.get(&format!("std:{name}")) == Some(&file)
    }

    /// Adds (or updates) many user files, given as `(path, text)`, in order: the
    /// same as calling [`Compiler::add_file`] on each, but the workspace input is
    /// written once, so adding N files costs O(N) instead of O(N²).
    pub fn add_files<P: AsRef<str>, T: Into<String>>(
        &mut self,
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Vec<SourceFile> {
        let files = files.into_iter().map(|(path, text)| {
            let path = path.as_ref();
            (resolve::root_key(path), path.to_string(), text.into())
        });
        self.db.set_files(files, Durability::LOW)
    }

    /// Parses the files on every core, so that later queries find them parsed.
    pub fn parse_all(&self, files: &[SourceFile]) {
        self.for_each_parallel(files, |db, file| {
            db::parse(db, file);
        });
    }

    /// Resolves every variant of `files` on every core (so that later per-file
    /// questions, like [`Compiler::wanted_context_files`], are answered from memos).
    pub fn evaluate_all(&self, files: &[SourceFile]) {
        self.for_each_parallel(files, |db, file| {
            variants::evaluate(db, file);
        });
    }

    /// The diagnostics of each file, in the order of `files`: the same as calling
    /// [`Compiler::check`] on each, but the files are checked on every core.
    pub fn check_all(&self, files: &[SourceFile]) -> Vec<Vec<Diagnostic>> {
        self.for_each_parallel(files, |db, file| {
            analysis::diagnostics(db, file);
        });
        // Every result is memoised now; collecting them in order keeps the output
        // deterministic.
        files.iter().map(|&file| self.check(file)).collect()
    }

    /// Runs `work` on every file, spread over the available cores. Each worker
    /// thread holds its own handle on the database (salsa shares the memos and
    /// computes a query needed by several threads once); the handles are dropped
    /// before this returns, so the next edit does not block.
    fn for_each_parallel(&self, files: &[SourceFile], work: fn(&Database, SourceFile)) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Small batches balance uneven files; tiny inputs are not worth a thread.
        const BATCH: usize = 32;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = cores.min(files.len().div_ceil(BATCH));
        if threads <= 1 {
            for &file in files {
                work(&self.db, file);
            }
            return;
        }
        let next = AtomicUsize::new(0);
        let run = |db: &Database| loop {
            let start = next.fetch_add(BATCH, Ordering::Relaxed);
            if start >= files.len() {
                break;
            }
            for &file in &files[start..files.len().min(start + BATCH)] {
                work(db, file);
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads {
                let db = self.db.clone();
                let run = &run;
                scope.spawn(move || run(&db));
            }
            run(&self.db);
        });
    }

    /// The database, for tools (the language server) that run queries directly.
    pub fn db(&self) -> &Database {
        &self.db
    }
}
