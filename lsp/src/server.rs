//! The server: one compiler database for the workspace, the documents the editor
//! has open over the files on disk, and the main loop. Requests are answered in
//! order on this thread, so an answer is always about the text of the last edit
//! the server received before the request (never a stale revision); every
//! request is answered, a panic in one is caught and answered with an error.

use crate::convert::{self, Lines};
use crate::stdlib_docs::StdlibDocs;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wbuild::db::Db;
use wbuild::span::Span;
use wbuild::{ide, Compiler, Diagnostic, SourceFile};

/// The command that returns a variant's Dockerfile (arguments: the document's
/// URI and the variant's name).
pub const DOCKERFILE_COMMAND: &str = "wbuild.dockerfile";

/// The editor-side command a code lens runs to show a variant's Dockerfile (the
/// VS Code extension registers it; it calls [`DOCKERFILE_COMMAND`]).
pub const SHOW_DOCKERFILE: &str = "wbuild.showDockerfile";

/// A main-loop turn slower than this is logged.
const SLOW_TURN: Duration = Duration::from_millis(100);

/// The most `.wbuild` files indexed at start (a workspace is one repository).
const MAX_WORKSPACE_FILES: usize = 20_000;

/// A clone is a snapshot for answering requests on the worker thread.
#[derive(Clone)]
pub struct Server {
    compiler: Compiler,
    /// Every user file in the database, by absolute path.
    files: BTreeMap<PathBuf, SourceFile>,
    /// The documents the editor has open (their text is the editor's).
    open: HashMap<PathBuf, i32>,
    /// The context files diagnostics were last published for.
    context_published: Vec<PathBuf>,
    stdlib: StdlibDocs,
}

pub fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_highlight_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), " ".into()]),
            ..Default::default()
        }),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands: vec![DOCKERFILE_COMMAND.to_string()],
            work_done_progress_options: Default::default(),
        }),
        inlay_hint_provider: Some(lsp::OneOf::Left(true)),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
        signature_help_provider: Some(lsp::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: lsp::SemanticTokensLegend {
                        token_types: TOKEN_TYPES.to_vec(),
                        token_modifiers: TOKEN_MODIFIERS.to_vec(),
                    },
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    range: Some(true),
                    ..Default::default()
                },
            ),
        ),
        diagnostic_provider: Some(lsp::DiagnosticServerCapabilities::Options(
            lsp::DiagnosticOptions {
                identifier: Some("wbuild".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// The semantic token legend, in `ide::TokenKind` order.
const TOKEN_TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::NAMESPACE,
    lsp::SemanticTokenType::TYPE,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::PROPERTY,
];
const TOKEN_MODIFIERS: &[lsp::SemanticTokenModifier] = &[
    lsp::SemanticTokenModifier::DECLARATION,
    lsp::SemanticTokenModifier::DEFAULT_LIBRARY,
];

/// Runs the server on `connection` until the client shuts it down.
pub fn run(connection: Connection) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let params = connection
        .initialize(capabilities)
        .map_err(|e| format!("initialize: {e}"))?;
    let params: lsp::InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("initialize params: {e}"))?;
    let roots = roots(&params);
    let mut server = Server::for_root(roots.first().map(PathBuf::as_path));
    let progress = params
        .capabilities
        .window
        .as_ref()
        .and_then(|w| w.work_done_progress)
        .unwrap_or(false);
    // Messages that arrive while the progress token is being created wait.
    let mut early = Vec::new();
    let token = if progress {
        start_progress(&connection, &mut early)
    } else {
        None
    };
    for root in &roots {
        server.index_workspace(root);
    }
    if let Some(token) = token {
        let message = format!("{} manifests", server.files.len());
        send(
            &connection,
            progress_notification(
                token,
                lsp::WorkDoneProgress::End(lsp::WorkDoneProgressEnd {
                    message: Some(message),
                }),
            ),
        );
    }
    // Files changed on disk (a branch switch, a generator) reach the server when
    // the client can watch them for it.
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    if watch {
        send(&connection, watch_request());
    }
    let worker = Worker::start(connection.sender.clone());
    for message in early {
        if server.handle(&connection, &worker, message)? {
            return Ok(());
        }
    }
    let result = server.main_loop(&connection, &worker);
    worker.stop();
    result
}

/// The thread that answers requests, one after the other, each from the
/// snapshot of the server taken when it arrived.
struct Worker {
    jobs: Option<std::sync::mpsc::Sender<(Server, Request)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn start(sender: crossbeam_channel::Sender<Message>) -> Worker {
        let (jobs, queue) = std::sync::mpsc::channel::<(Server, Request)>();
        let thread = std::thread::spawn(move || {
            for (snapshot, request) in queue {
                let response = snapshot.answer(request);
                // Dropped before the answer is sent: an edit waits for no answer.
                drop(snapshot);
                let _ = sender.send(Message::Response(response));
            }
        });
        Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    fn answer(&self, snapshot: Server, request: Request) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send((snapshot, request));
        }
    }

    fn stop(mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const PROGRESS_TOKEN: &str = "wbuild/indexing";

/// Asks the client to report changes to `.wbuild` files and to the dependency
/// manifests the rules read (its answer needs no waiting for).
fn watch_request() -> Message {
    let watchers = [
        "**/*.wbuild",
        "**/requirements*.txt",
        "**/package.json",
        "**/composer.json",
    ]
    .into_iter()
    .map(|glob| lsp::FileSystemWatcher {
        glob_pattern: lsp::GlobPattern::String(glob.to_string()),
        kind: None,
    })
    .collect();
    let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
    Message::Request(Request::new(
        lsp_server::RequestId::from("wbuild/watch".to_string()),
        lsp::request::RegisterCapability::METHOD.to_string(),
        lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "wbuild/watch".to_string(),
                method: lsp::notification::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        },
    ))
}

/// Asks the client for a progress token and begins "indexing" with it; the
/// messages received meanwhile are kept in `early`.
fn start_progress(connection: &Connection, early: &mut Vec<Message>) -> Option<lsp::ProgressToken> {
    let token = lsp::ProgressToken::String(PROGRESS_TOKEN.to_string());
    let id = lsp_server::RequestId::from(PROGRESS_TOKEN.to_string());
    send(
        connection,
        Message::Request(Request::new(
            id.clone(),
            lsp::request::WorkDoneProgressCreate::METHOD.to_string(),
            lsp::WorkDoneProgressCreateParams {
                token: token.clone(),
            },
        )),
    );
    for message in &connection.receiver {
        match message {
            Message::Response(response) if response.id == id => {
                if response.response_result.is_err() {
                    return None;
                }
                send(
                    connection,
                    progress_notification(
                        token.clone(),
                        lsp::WorkDoneProgress::Begin(lsp::WorkDoneProgressBegin {
                            title: "wbuild: indexing the workspace".to_string(),
                            ..Default::default()
                        }),
                    ),
                );
                return Some(token);
            }
            other => early.push(other),
        }
    }
    None
}

fn progress_notification(token: lsp::ProgressToken, value: lsp::WorkDoneProgress) -> Message {
    Message::Notification(Notification::new(
        lsp::notification::Progress::METHOD.to_string(),
        lsp::ProgressParams {
            token,
            value: lsp::ProgressParamsValue::WorkDone(value),
        },
    ))
}

#[allow(deprecated)] // root_uri: older clients (Neovim 0.7) send only that
fn roots(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| convert::path(&f.uri))
        .collect();
    if !folders.is_empty() {
        return folders;
    }
    params
        .root_uri
        .as_ref()
        .and_then(convert::path)
        .into_iter()
        .collect()
}

impl Server {
    /// A server with the embedded stdlib and the default policy.
    pub fn new() -> Server {
        Server::with_compiler(Compiler::new())
    }

    /// A server configured for the repository at `root` as `wbuildc check` is
    /// (the organisation's policy and stdlib, the repository's policy files), so
    /// that its diagnostics are the command line's. A configuration that cannot
    /// be read is logged, and the defaults are used.
    pub fn for_root(root: Option<&Path>) -> Server {
        let Some(root) = root else {
            return Server::new();
        };
        match wbuild::cli::configured_compiler(root) {
            Ok((compiler, problems)) => {
                if !problems.is_empty() {
                    eprintln!(
                        "wbuild-lsp: the configuration of {} has problems:\n{}",
                        root.display(),
                        compiler.render(&problems, false)
                    );
                }
                Server::with_compiler(compiler)
            }
            Err(why) => {
                eprintln!("wbuild-lsp: {why}; using the default configuration");
                Server::new()
            }
        }
    }

    fn with_compiler(compiler: Compiler) -> Server {
        let stdlib = StdlibDocs::materialise(&compiler);
        Server {
            compiler,
            files: BTreeMap::new(),
            open: HashMap::new(),
            context_published: Vec::new(),
            stdlib,
        }
    }

    /// Adds every `.wbuild` file under `root` (not following links, skipping
    /// hidden and build directories), so that references and renames see the
    /// whole workspace before its files are opened.
    pub fn index_workspace(&mut self, root: &Path) {
        let mut todo = vec![root.to_path_buf()];
        let mut found = Vec::new();
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    if !name.starts_with('.') && name != "target" && name != "node_modules" {
                        todo.push(entry.path());
                    }
                } else if kind.is_file() && name.ends_with(".wbuild") {
                    found.push(entry.path());
                }
                if found.len() >= MAX_WORKSPACE_FILES {
                    break;
                }
            }
        }
        found.sort();
        for path in found {
            if let Some(text) = read_manifest(&path) {
                self.set_text(&path, &text);
            }
        }
    }

    fn set_text(&mut self, path: &Path, text: &str) -> SourceFile {
        let file = self.compiler.add_file(&path.to_string_lossy(), text);
        self.files.insert(path.to_path_buf(), file);
        // The dependency manifests its rules read (requirements.txt, ...), from
        // the manifest's directory, as `wbuildc check` reads them.
        for wanted in self.compiler.wanted_context_files(file) {
            if let Some(text) = read_context(Path::new(&wanted), path.parent()) {
                self.compiler.add_context_file(&wanted, &text);
            }
        }
        file
    }

    fn main_loop(&mut self, connection: &Connection, worker: &Worker) -> Result<(), String> {
        for message in &connection.receiver {
            if self.handle(connection, worker, message)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// One turn of the loop; `true` when the client shut the server down.
    /// Requests are answered on the worker thread from a snapshot of the
    /// database, so that an edit never waits for an answer: the edit cancels the
    /// answers still being computed (ContentModified) instead of their being
    /// answered from the text before it.
    fn handle(
        &mut self,
        connection: &Connection,
        worker: &Worker,
        message: Message,
    ) -> Result<bool, String> {
        let started = Instant::now();
        let what = match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(true);
                }
                let method = request.method.clone();
                worker.answer(self.clone(), request);
                method
            }
            Message::Notification(notification) => {
                let method = notification.method.clone();
                // A panic handling a notification is logged; the server stays up.
                let published = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.notified(notification)
                }));
                match published {
                    Ok(published) => {
                        for n in published {
                            send(connection, Message::Notification(n));
                        }
                    }
                    Err(_) => eprintln!("wbuild-lsp: {method} panicked"),
                }
                method
            }
            Message::Response(_) => return Ok(false),
        };
        let took = started.elapsed();
        if took > SLOW_TURN {
            eprintln!("wbuild-lsp: {what} took {} ms", took.as_millis());
        }
        Ok(false)
    }

    /// The response to a request: its result, an error, or `null`; never nothing.
    pub fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        let method = request.method.clone();
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(request)));
        match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) if panic.is::<wbuild::Cancelled>() => Response::new_err(
                id,
                ErrorCode::ContentModified as i32,
                format!("{method}: the document changed while it was answered"),
            ),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                eprintln!("wbuild-lsp: {method} panicked: {why}");
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("internal error in {method} (logged)"),
                )
            }
        }
    }

    fn dispatch(&self, request: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        use lsp::request::{
            CodeActionRequest, CodeLensRequest, Completion, DocumentDiagnosticRequest,
            DocumentHighlightRequest, DocumentSymbolRequest, ExecuteCommand, FoldingRangeRequest,
            Formatting, GotoDefinition, HoverRequest, InlayHintRequest, PrepareRenameRequest,
            References, Rename, SemanticTokensFullRequest, SemanticTokensRangeRequest,
            SignatureHelpRequest, WorkspaceSymbolRequest,
        };
        let Request { method, params, .. } = request;
        let json = |value: Result<serde_json::Value, serde_json::Error>| {
            value.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        macro_rules! params {
            ($ty:ty) => {
                serde_json::from_value::<<$ty as lsp::request::Request>::Params>(params)
                    .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?
            };
        }
        match method.as_str() {
            HoverRequest::METHOD => {
                let p = params!(HoverRequest);
                json(serde_json::to_value(
                    self.hover(p.text_document_position_params),
                ))
            }
            GotoDefinition::METHOD => {
                let p = params!(GotoDefinition);
                json(serde_json::to_value(
                    self.definition(p.text_document_position_params),
                ))
            }
            References::METHOD => {
                let p = params!(References);
                json(serde_json::to_value(self.references(p)))
            }
            DocumentHighlightRequest::METHOD => {
                let p = params!(DocumentHighlightRequest);
                json(serde_json::to_value(
                    self.highlights(p.text_document_position_params),
                ))
            }
            PrepareRenameRequest::METHOD => {
                let p = params!(PrepareRenameRequest);
                json(serde_json::to_value(self.prepare_rename(p)?))
            }
            Rename::METHOD => {
                let p = params!(Rename);
                json(serde_json::to_value(self.rename(p)?))
            }
            Formatting::METHOD => {
                let p = params!(Formatting);
                json(serde_json::to_value(self.format(&p.text_document.uri)))
            }
            DocumentSymbolRequest::METHOD => {
                let p = params!(DocumentSymbolRequest);
                json(serde_json::to_value(self.symbols(&p.text_document.uri)))
            }
            Completion::METHOD => {
                let p = params!(Completion);
                json(serde_json::to_value(
                    self.completion(p.text_document_position),
                ))
            }
            CodeActionRequest::METHOD => {
                let p = params!(CodeActionRequest);
                json(serde_json::to_value(self.code_actions(p)))
            }
            ExecuteCommand::METHOD => {
                let p = params!(ExecuteCommand);
                json(serde_json::to_value(self.execute(p)?))
            }
            CodeLensRequest::METHOD => {
                let p = params!(CodeLensRequest);
                json(serde_json::to_value(self.lenses(&p.text_document.uri)))
            }
            InlayHintRequest::METHOD => {
                let p = params!(InlayHintRequest);
                json(serde_json::to_value(
                    self.inlay_hints(&p.text_document.uri, p.range),
                ))
            }
            FoldingRangeRequest::METHOD => {
                let p = params!(FoldingRangeRequest);
                json(serde_json::to_value(self.folding(&p.text_document.uri)))
            }
            SignatureHelpRequest::METHOD => {
                let p = params!(SignatureHelpRequest);
                json(serde_json::to_value(
                    self.signature(p.text_document_position_params),
                ))
            }
            WorkspaceSymbolRequest::METHOD => {
                let p = params!(WorkspaceSymbolRequest);
                json(serde_json::to_value(self.workspace_symbols(&p.query)))
            }
            SemanticTokensFullRequest::METHOD => {
                let p = params!(SemanticTokensFullRequest);
                json(serde_json::to_value(
                    self.tokens(&p.text_document.uri, None),
                ))
            }
            SemanticTokensRangeRequest::METHOD => {
                let p = params!(SemanticTokensRangeRequest);
                json(serde_json::to_value(
                    self.tokens(&p.text_document.uri, Some(p.range)),
                ))
            }
            DocumentDiagnosticRequest::METHOD => {
                let p = params!(DocumentDiagnosticRequest);
                json(serde_json::to_value(
                    self.pull_diagnostics(&p.text_document.uri),
                ))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("wbuild-lsp does not handle {method}"),
            )),
        }
    }

    /// Handles a notification; returns the notifications to send (diagnostics).
    pub fn notified(&mut self, notification: Notification) -> Vec<Notification> {
        use lsp::notification::{
            DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
            DidOpenTextDocument, DidSaveTextDocument,
        };
        let Notification { method, params } = notification;
        match method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(params) else {
                    return Vec::new();
                };
                let Some(path) = convert::path(&p.text_document.uri) else {
                    return Vec::new();
                };
                if self.stdlib.module_of(&path).is_some() {
                    return Vec::new();
                }
                self.open.insert(path.clone(), p.text_document.version);
                self.set_text(&path, &p.text_document.text);
                self.publish_open()
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(params)
                else {
                    return Vec::new();
                };
                let Some(path) = convert::path(&p.text_document.uri) else {
                    return Vec::new();
                };
                if !self.open.contains_key(&path) {
                    return Vec::new();
                }
                // Incremental synchronisation: each change replaces a range of
                // the text as the previous changes left it (no range: all of it).
                let Some(&file) = self.files.get(&path) else {
                    return Vec::new();
                };
                let mut text = file.text(self.compiler.db()).clone();
                for change in p.content_changes {
                    match change.range {
                        Some(range) => {
                            let span = Lines::new(&text).span(range);
                            let (start, end) = (span.start as usize, span.end as usize);
                            if text.is_char_boundary(start) && text.is_char_boundary(end) {
                                text.replace_range(start..end, &change.text);
                            }
                        }
                        None => text = change.text,
                    }
                }
                self.open.insert(path.clone(), p.text_document.version);
                self.set_text(&path, &text);
                self.publish_open()
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(params)
                else {
                    return Vec::new();
                };
                let Some(path) = convert::path(&p.text_document.uri) else {
                    return Vec::new();
                };
                self.open.remove(&path);
                // The file on disk is the workspace's again.
                match read_manifest(&path) {
                    Some(text) => {
                        self.set_text(&path, &text);
                    }
                    None => {
                        self.files.remove(&path);
                    }
                }
                let mut out = self.publish_open();
                out.push(publish(&p.text_document.uri, Vec::new(), None));
                out
            }
            DidSaveTextDocument::METHOD => self.publish_open(),
            DidChangeWatchedFiles::METHOD => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeWatchedFilesParams>(params)
                else {
                    return Vec::new();
                };
                for change in p.changes {
                    let Some(path) = convert::path(&change.uri) else {
                        continue;
                    };
                    if self.open.contains_key(&path) {
                        continue;
                    }
                    if !path.to_string_lossy().ends_with(".wbuild") {
                        // A dependency manifest the rules read: its new text (or
                        // none, when it is gone), if a manifest wanted it.
                        let key = path.to_string_lossy().into_owned();
                        let wanted = self
                            .compiler
                            .db()
                            .context()
                            .files(self.compiler.db())
                            .contains_key(&format!("ctx:{key}"));
                        if wanted {
                            let text = read_context(&path, path.parent()).unwrap_or_default();
                            self.compiler.add_context_file(&key, &text);
                        }
                        continue;
                    }
                    match read_manifest(&path) {
                        Some(text) => {
                            self.set_text(&path, &text);
                        }
                        None => {
                            self.files.remove(&path);
                        }
                    }
                }
                self.publish_open()
            }
            _ => Vec::new(),
        }
    }

    /// The diagnostics of every open document (an edit can change what its
    /// importers report).
    ///
    /// Diagnostics whose primary label is in a build-context file the rules read
    /// (`requirements.txt` for debian-first) are published for that file too, and
    /// cleared there when they are gone.
    fn publish_open(&mut self) -> Vec<Notification> {
        let mut open: Vec<(PathBuf, i32)> =
            self.open.iter().map(|(p, v)| (p.clone(), *v)).collect();
        open.sort();
        let mut out = Vec::new();
        let mut context: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for (path, version) in open {
            let Some(&file) = self.files.get(&path) else {
                continue;
            };
            if let Some(uri) = convert::uri(&path) {
                out.push(publish(&uri, self.diagnostics(file), Some(version)));
            }
            for (target, diagnostics) in self.context_diagnostics(file) {
                context.entry(target).or_default().extend(diagnostics);
            }
        }
        let stale: Vec<PathBuf> = self
            .context_published
            .iter()
            .filter(|p| !context.contains_key(*p))
            .cloned()
            .collect();
        for path in stale {
            if let Some(uri) = convert::uri(&path) {
                out.push(publish(&uri, Vec::new(), None));
            }
        }
        self.context_published = context.keys().cloned().collect();
        for (path, diagnostics) in context {
            if let Some(uri) = convert::uri(&path) {
                out.push(publish(&uri, diagnostics, None));
            }
        }
        out
    }

    /// The diagnostics of `file` whose primary label is in one of its build
    /// context's files, by that file's path.
    fn context_diagnostics(&self, file: SourceFile) -> BTreeMap<PathBuf, Vec<lsp::Diagnostic>> {
        let db = self.compiler.db();
        let mut out: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for d in self.checked(file) {
            let Some(target) = db.file_by_id(d.primary.file) else {
                continue;
            };
            let path = PathBuf::from(target.path(db));
            if target == file || self.files.contains_key(&path) || !path.is_absolute() {
                continue;
            }
            if path.to_string_lossy().ends_with(".wbuild") {
                continue;
            }
            out.entry(path).or_default().push(self.convert(target, &d));
        }
        out
    }

    /// What `wbuildc check` reports for a manifest: the compiler's diagnostics
    /// and the build context's (copy sources that are not there).
    fn checked(&self, file: SourceFile) -> Vec<Diagnostic> {
        let mut all = self.compiler.check(file);
        let path = PathBuf::from(file.path(self.compiler.db()));
        if let Some(context) = path.parent().filter(|_| self.files.contains_key(&path)) {
            all.extend(wbuild::cli::context_problems(&self.compiler, file, context));
            wbuild::diagnostics::sort(&mut all);
        }
        all
    }

    /// The diagnostics of a file, as the protocol's: those whose primary label
    /// is in it, secondary labels as related information.
    pub fn diagnostics(&self, file: SourceFile) -> Vec<lsp::Diagnostic> {
        let id = file.id(self.compiler.db());
        self.checked(file)
            .iter()
            .filter(|d| d.primary.file == id)
            .map(|d| self.convert(file, d))
            .collect()
    }

    /// One diagnostic of `file` (its primary label is there) in the protocol's
    /// terms: notes and help in the message, secondary labels as related
    /// information.
    fn convert(&self, file: SourceFile, d: &Diagnostic) -> lsp::Diagnostic {
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .secondary
            .iter()
            .filter_map(|label| {
                let location = self.location(db.file_by_id(label.file)?, label.span)?;
                Some(lsp::DiagnosticRelatedInformation {
                    location,
                    message: if label.message.is_empty() {
                        d.message.clone()
                    } else {
                        label.message.clone()
                    },
                })
            })
            .collect();
        let mut message = d.message.clone();
        for note in &d.notes {
            message.push_str(&format!("\n{note}"));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        lsp::Diagnostic {
            range: lines.range(d.primary.span),
            severity: Some(match d.severity {
                wbuild::Severity::Error => lsp::DiagnosticSeverity::ERROR,
                wbuild::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            }),
            code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
            source: Some("wbuild".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            // What has no effect (a duplicate package, copy or variable) is
            // shown faded by editors that support the tag.
            tags: (d.code == wbuild::Code::Duplicate)
                .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
            ..Default::default()
        }
    }

    /// Where a span of any file is, for the editor: a user file's own URI, or the
    /// stdlib module's read-only copy.
    fn location(&self, file: SourceFile, span: Span) -> Option<lsp::Location> {
        let db = self.compiler.db();
        let path = self.path_of(file)?;
        let uri = convert::uri(&path)?;
        Some(lsp::Location {
            uri,
            range: Lines::new(file.text(db)).range(span),
        })
    }

    fn path_of(&self, file: SourceFile) -> Option<PathBuf> {
        let db = self.compiler.db();
        let path = file.path(db);
        match path.strip_prefix("std/") {
            Some(module) => self.stdlib.path(module.trim_end_matches(".wbuild")),
            None => Some(PathBuf::from(path)),
        }
    }

    /// The file and its text lines of a document, user or stdlib.
    fn document(&self, uri: &lsp::Uri) -> Option<SourceFile> {
        let path = convert::path(uri)?;
        if let Some(module) = self.stdlib.module_of(&path) {
            return self.compiler.db().file_by_key(&format!("std:{module}"));
        }
        self.files.get(&path).copied()
    }

    fn at(&self, position: &lsp::TextDocumentPositionParams) -> Option<(SourceFile, u32)> {
        let file = self.document(&position.text_document.uri)?;
        let text = file.text(self.compiler.db());
        Some((file, Lines::new(text).offset(position.position)))
    }

    fn all_files(&self) -> Vec<SourceFile> {
        self.files.values().copied().collect()
    }

    fn hover(&self, position: lsp::TextDocumentPositionParams) -> Option<lsp::Hover> {
        let (file, offset) = self.at(&position)?;
        let db = self.compiler.db();
        let found = ide::hover(db, file, offset)?;
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: found.markdown,
            }),
            range: Some(Lines::new(file.text(db)).range(found.span)),
        })
    }

    fn definition(
        &self,
        position: lsp::TextDocumentPositionParams,
    ) -> Option<lsp::GotoDefinitionResponse> {
        let (file, offset) = self.at(&position)?;
        let target = ide::definition(self.compiler.db(), file, offset)?;
        let location = self.location(target.file, target.span)?;
        Some(lsp::GotoDefinitionResponse::Scalar(location))
    }

    fn references(&self, params: lsp::ReferenceParams) -> Option<Vec<lsp::Location>> {
        let (file, offset) = self.at(&params.text_document_position)?;
        let targets = ide::references(
            self.compiler.db(),
            &self.all_files(),
            file,
            offset,
            params.context.include_declaration,
        );
        Some(
            targets
                .into_iter()
                .filter_map(|t| self.location(t.file, t.span))
                .collect(),
        )
    }

    fn highlights(
        &self,
        position: lsp::TextDocumentPositionParams,
    ) -> Option<Vec<lsp::DocumentHighlight>> {
        let (file, offset) = self.at(&position)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        Some(
            ide::highlights(db, file, offset)
                .into_iter()
                .map(|span| lsp::DocumentHighlight {
                    range: lines.range(span),
                    kind: None,
                })
                .collect(),
        )
    }

    fn prepare_rename(
        &self,
        position: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>, (ErrorCode, String)> {
        let Some((file, offset)) = self.at(&position) else {
            return Ok(None);
        };
        let db = self.compiler.db();
        match ide::prepare_rename(db, file, offset) {
            Ok(span) => Ok(Some(lsp::PrepareRenameResponse::Range(
                Lines::new(file.text(db)).range(span),
            ))),
            Err(why) => Err((ErrorCode::RequestFailed, why)),
        }
    }

    // lsp_types::WorkspaceEdit keys its changes by `Uri`, which caches its parse
    // inside; nothing mutates a key here.
    #[allow(clippy::mutable_key_type)]
    fn rename(
        &self,
        params: lsp::RenameParams,
    ) -> Result<Option<lsp::WorkspaceEdit>, (ErrorCode, String)> {
        let Some((file, offset)) = self.at(&params.text_document_position) else {
            return Ok(None);
        };
        let edits = ide::rename(
            self.compiler.db(),
            &self.all_files(),
            file,
            offset,
            &params.new_name,
        )
        .map_err(|why| (ErrorCode::RequestFailed, why))?;
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for (target, new_text) in edits {
            if let Some(location) = self.location(target.file, target.span) {
                changes
                    .entry(location.uri)
                    .or_default()
                    .push(lsp::TextEdit {
                        range: location.range,
                        new_text,
                    });
            }
        }
        Ok(Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }))
    }

    /// `wbuildc fmt`'s output as one edit; nothing for a file with syntax errors.
    fn format(&self, uri: &lsp::Uri) -> Option<Vec<lsp::TextEdit>> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let formatted = self.compiler.format(file)?;
        let text = file.text(db);
        if formatted == *text {
            return Some(Vec::new());
        }
        let lines = Lines::new(text);
        Some(vec![lsp::TextEdit {
            range: lines.range(Span::new(0, text.len())),
            new_text: formatted,
        }])
    }

    #[allow(deprecated)] // DocumentSymbol::deprecated is a required field
    fn symbols(&self, uri: &lsp::Uri) -> Option<lsp::DocumentSymbolResponse> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        fn convert(lines: &Lines<'_>, symbol: ide::Symbol) -> lsp::DocumentSymbol {
            lsp::DocumentSymbol {
                name: symbol.name,
                detail: symbol.detail,
                kind: match symbol.kind {
                    ide::SymbolKind::Image => lsp::SymbolKind::PACKAGE,
                    ide::SymbolKind::Variant => lsp::SymbolKind::CLASS,
                    ide::SymbolKind::Preset => lsp::SymbolKind::FUNCTION,
                    ide::SymbolKind::Parameter => lsp::SymbolKind::VARIABLE,
                    ide::SymbolKind::Constant => lsp::SymbolKind::CONSTANT,
                    ide::SymbolKind::Import => lsp::SymbolKind::MODULE,
                },
                tags: None,
                deprecated: None,
                range: lines.range(symbol.span),
                selection_range: lines.range(symbol.selection),
                children: Some(
                    symbol
                        .children
                        .into_iter()
                        .map(|c| convert(lines, c))
                        .collect(),
                ),
            }
        }
        Some(lsp::DocumentSymbolResponse::Nested(
            ide::document_symbols(db, file)
                .into_iter()
                .map(|s| convert(&lines, s))
                .collect(),
        ))
    }

    fn completion(
        &self,
        position: lsp::TextDocumentPositionParams,
    ) -> Option<lsp::CompletionResponse> {
        let (file, offset) = self.at(&position)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        let items = ide::completions(db, file, offset)
            .into_iter()
            .map(|c| lsp::CompletionItem {
                kind: Some(match c.kind {
                    ide::CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                    ide::CompletionKind::Field => lsp::CompletionItemKind::FIELD,
                    ide::CompletionKind::Step => lsp::CompletionItemKind::KEYWORD,
                    ide::CompletionKind::Option => lsp::CompletionItemKind::PROPERTY,
                    ide::CompletionKind::Variant => lsp::CompletionItemKind::CLASS,
                    ide::CompletionKind::Preset => lsp::CompletionItemKind::FUNCTION,
                    ide::CompletionKind::Module => lsp::CompletionItemKind::MODULE,
                    ide::CompletionKind::Constant => lsp::CompletionItemKind::CONSTANT,
                    ide::CompletionKind::Parameter => lsp::CompletionItemKind::VARIABLE,
                    ide::CompletionKind::Constructor => lsp::CompletionItemKind::CONSTRUCTOR,
                }),
                detail: c.detail,
                text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                    range: lines.range(c.replaces),
                    new_text: c.label.clone(),
                })),
                label: c.label,
                ..Default::default()
            })
            .collect();
        Some(lsp::CompletionResponse::Array(items))
    }

    /// The compiler's fixes for the diagnostics in the range, as quick fixes.
    #[allow(clippy::mutable_key_type)] // as in `rename`
    fn code_actions(&self, params: lsp::CodeActionParams) -> Option<lsp::CodeActionResponse> {
        let file = self.document(&params.text_document.uri)?;
        let db = self.compiler.db();
        let id = file.id(db);
        let lines = Lines::new(file.text(db));
        let wanted = lines.span(params.range);
        let overlaps = |span: Span| span.start <= wanted.end && wanted.start <= span.end;
        let check = self.checked(file);
        let mut actions = Vec::new();
        for d in check
            .iter()
            .filter(|d| d.primary.file == id && overlaps(d.primary.span))
        {
            let exception = ide::record_exception(db, file, d);
            for fix in d.fix.iter().chain(exception.iter()) {
                let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
                for edit in &fix.edits {
                    let Some(target) = db.file_by_id(edit.file) else {
                        continue;
                    };
                    if let Some(location) = self.location(target, edit.span) {
                        changes
                            .entry(location.uri)
                            .or_default()
                            .push(lsp::TextEdit {
                                range: location.range,
                                new_text: edit.replacement.clone(),
                            });
                    }
                }
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: fix.title.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(self.diagnostics_like(file, d)),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(d.fix.as_ref() == Some(fix)),
                    ..Default::default()
                }));
            }
        }
        Some(actions)
    }

    fn diagnostics_like(&self, file: SourceFile, d: &Diagnostic) -> Vec<lsp::Diagnostic> {
        self.diagnostics(file)
            .into_iter()
            .filter(|l| {
                l.code == Some(lsp::NumberOrString::String(d.code.as_str().to_string()))
                    && l.message.starts_with(&d.message)
            })
            .take(1)
            .collect()
    }

    /// "Dockerfile" above each variant: the editor's command (the VS Code
    /// extension's `wbuild.showDockerfile`) with the document and the variant.
    fn lenses(&self, uri: &lsp::Uri) -> Option<Vec<lsp::CodeLens>> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        Some(
            ide::document_symbols(db, file)
                .into_iter()
                .filter(|s| s.kind == ide::SymbolKind::Variant)
                .map(|s| lsp::CodeLens {
                    range: lines.range(s.selection),
                    command: Some(lsp::Command {
                        title: "Dockerfile".to_string(),
                        command: SHOW_DOCKERFILE.to_string(),
                        arguments: Some(vec![
                            serde_json::Value::String(uri.as_str().to_string()),
                            serde_json::Value::String(s.name),
                        ]),
                    }),
                    data: None,
                })
                .collect(),
        )
    }

    fn inlay_hints(&self, uri: &lsp::Uri, range: lsp::Range) -> Option<Vec<lsp::InlayHint>> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        let wanted = lines.span(range);
        Some(
            ide::inlay_hints(db, file)
                .into_iter()
                .filter(|h| wanted.start <= h.offset && h.offset <= wanted.end)
                .map(|h| lsp::InlayHint {
                    position: lines.position(h.offset),
                    label: lsp::InlayHintLabel::String(h.label),
                    kind: None,
                    text_edits: None,
                    tooltip: Some(lsp::InlayHintTooltip::String(
                        "what this variant gets from what it extends".into(),
                    )),
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
                .collect(),
        )
    }

    fn folding(&self, uri: &lsp::Uri) -> Option<Vec<lsp::FoldingRange>> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        Some(
            ide::folding_ranges(db, file)
                .into_iter()
                .map(|span| {
                    let range = lines.range(span);
                    lsp::FoldingRange {
                        start_line: range.start.line,
                        end_line: range.end.line,
                        ..Default::default()
                    }
                })
                .filter(|r| r.end_line > r.start_line)
                .collect(),
        )
    }

    fn signature(&self, position: lsp::TextDocumentPositionParams) -> Option<lsp::SignatureHelp> {
        let (file, offset) = self.at(&position)?;
        let help = ide::signature_help(self.compiler.db(), file, offset)?;
        Some(lsp::SignatureHelp {
            signatures: vec![lsp::SignatureInformation {
                label: help.label,
                documentation: help.doc.map(|d| {
                    lsp::Documentation::MarkupContent(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: d,
                    })
                }),
                parameters: Some(
                    help.parameters
                        .into_iter()
                        .map(|p| lsp::ParameterInformation {
                            label: lsp::ParameterLabel::Simple(p),
                            documentation: None,
                        })
                        .collect(),
                ),
                active_parameter: help.active.map(|a| a as u32),
            }],
            active_signature: Some(0),
            active_parameter: help.active.map(|a| a as u32),
        })
    }

    #[allow(deprecated)] // SymbolInformation::deprecated is a required field
    fn workspace_symbols(&self, query: &str) -> Option<lsp::WorkspaceSymbolResponse> {
        let db = self.compiler.db();
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for &file in self.files.values() {
            for symbol in ide::document_symbols(db, file) {
                if !symbol.name.to_lowercase().contains(&query) {
                    continue;
                }
                let kind = match symbol.kind {
                    ide::SymbolKind::Variant => lsp::SymbolKind::CLASS,
                    ide::SymbolKind::Preset => lsp::SymbolKind::FUNCTION,
                    ide::SymbolKind::Constant => lsp::SymbolKind::CONSTANT,
                    ide::SymbolKind::Image => lsp::SymbolKind::PACKAGE,
                    _ => continue,
                };
                if let Some(location) = self.location(file, symbol.selection) {
                    out.push(lsp::SymbolInformation {
                        name: symbol.name,
                        kind,
                        tags: None,
                        deprecated: None,
                        location,
                        container_name: None,
                    });
                }
            }
        }
        Some(lsp::WorkspaceSymbolResponse::Flat(out))
    }

    fn tokens(&self, uri: &lsp::Uri, range: Option<lsp::Range>) -> Option<lsp::SemanticTokens> {
        let file = self.document(uri)?;
        let db = self.compiler.db();
        let lines = Lines::new(file.text(db));
        let wanted = range.map(|r| lines.span(r));
        let mut data = Vec::new();
        let (mut line, mut start) = (0, 0);
        for token in ide::semantic_tokens(db, file) {
            if wanted.is_some_and(|w| token.span.end < w.start || token.span.start > w.end) {
                continue;
            }
            let range = lines.range(token.span);
            // Tokens never span lines (names do not).
            if range.start.line != range.end.line {
                continue;
            }
            let delta_line = range.start.line - line;
            let delta_start = if delta_line == 0 {
                range.start.character - start
            } else {
                range.start.character
            };
            let modifiers = u32::from(token.declaration) | (u32::from(token.builtin) << 1);
            data.push(lsp::SemanticToken {
                delta_line,
                delta_start,
                length: range.end.character - range.start.character,
                token_type: token.kind as u32,
                token_modifiers_bitset: modifiers,
            });
            line = range.start.line;
            start = range.start.character;
        }
        Some(lsp::SemanticTokens {
            result_id: None,
            data,
        })
    }

    fn pull_diagnostics(&self, uri: &lsp::Uri) -> lsp::DocumentDiagnosticReportResult {
        let items = self
            .document(uri)
            .map(|file| self.diagnostics(file))
            .unwrap_or_default();
        lsp::DocumentDiagnosticReportResult::Report(lsp::DocumentDiagnosticReport::Full(
            lsp::RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            },
        ))
    }

    /// `wbuild.dockerfile URI VARIANT`: the Dockerfile CI would build, or the
    /// diagnostics that stop it.
    fn execute(
        &self,
        params: lsp::ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>, (ErrorCode, String)> {
        if params.command != DOCKERFILE_COMMAND {
            return Err((
                ErrorCode::InvalidParams,
                format!("unknown command {}", params.command),
            ));
        }
        let bad = || {
            (
                ErrorCode::InvalidParams,
                format!("{DOCKERFILE_COMMAND} takes a document URI and a variant name"),
            )
        };
        let uri: lsp::Uri = params
            .arguments
            .first()
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let variant = params
            .arguments
            .get(1)
            .and_then(|v| v.as_str())
            .ok_or_else(bad)?;
        let file = self
            .document(&uri)
            .ok_or((ErrorCode::InvalidParams, "unknown document".to_string()))?;
        match self.compiler.compile(file, variant) {
            Ok(dockerfile) => Ok(Some(serde_json::Value::String(dockerfile))),
            Err(diagnostics) => Err((
                ErrorCode::RequestFailed,
                self.compiler.render(&diagnostics, false),
            )),
        }
    }
}

impl Default for Server {
    fn default() -> Server {
        Server::new()
    }
}

fn publish(
    uri: &lsp::Uri,
    diagnostics: Vec<lsp::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        lsp::notification::PublishDiagnostics::METHOD.to_string(),
        lsp::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        },
    )
}

fn send(connection: &Connection, message: Message) {
    // The client went away: the receiver loop ends by itself.
    let _ = connection.sender.send(message);
}

/// A dependency manifest of a build context: a regular file inside the
/// manifest's directory (after links are resolved), of a bounded size.
fn read_context(path: &Path, context: Option<&Path>) -> Option<String> {
    let context = std::fs::canonicalize(context?).ok()?;
    let resolved = std::fs::canonicalize(path).ok()?;
    if !resolved.starts_with(&context) {
        return None;
    }
    read_manifest(&resolved)
}

/// A manifest from disk: a regular file within the size the parser accepts.
fn read_manifest(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > wbuild::syntax::MAX_FILE_BYTES as u64 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
