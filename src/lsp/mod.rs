//! `exlint lsp`: a synchronous language server. It lints the live buffer (not the file on disk)
//! on every change, publishes diagnostics with the document version they belong to, explains a
//! finding on hover, and offers quick fixes.
//!
//! One thread runs the server: it takes every message waiting on the connection, applies them in
//! order (a burst of `didChange` becomes one text), then lints each changed document once and
//! publishes. A request that needs a document's findings lints that document first, so an answer
//! never describes older text than the client has sent. The transport runs on its own threads
//! ([`transport`]), so reading never waits for linting.
//!
//! Each draft is linted like `exlint check` lints the file: with the configuration of its folder
//! ([`folders`]: the nearest `exlint.toml`, the user's config, `.exlintignore`, the writer's time
//! zone and context) and through [`crate::check::check_bytes`], so front matter and email headers
//! are split off, their `send-at:` is honoured, and a chat export is reviewed message by message.
//! While typing, the send time is "now" unless the editor's `sendTime` setting ([`settings`]) or
//! the draft's header says otherwise.

pub mod actions;
pub mod convert;
pub mod folders;
pub mod hover;
pub mod settings;
pub mod transport;

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    ExecuteCommandOptions, FileSystemWatcher, GlobPattern, HoverProviderCapability,
    InitializeParams, InitializeResult, LogMessageParams, MarkupKind, MessageType,
    PublishDiagnosticsParams, Registration, RegistrationParams, ResourceOperationKind, SaveOptions,
    ServerCapabilities, ServerInfo, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::{Deserialize, Serialize};

pub use transport::{IoThreads, connect, stdio};

use crate::check::{Run, check_bytes};
use crate::diagnostic::Diagnostic;
use crate::draft::{ColumnUnit, Draft, LineIndex};
use crate::error::SourceError;
use crate::rules::{LintCache, RuleSet};
use folders::{Folder, Folders, LoadError};
use settings::{Clock, SendTime};

/// The command behind "ignore this finding".
pub const IGNORE_COMMAND: &str = "exlint.ignoreFinding";

/// The config file the "disable rule" action writes to.
pub const CONFIG_FILE: &str = "exlint.toml";

/// Language ids exlint lints, as editors name plain text and markdown (Neovim says `text` for a
/// `.txt` buffer, the LSP standard says `plaintext`).
const LANGUAGE_IDS: &[&str] = &["plaintext", "text", "markdown", "draft", "exlint"];

/// File extensions exlint lints whatever the language id.
const EXTENSIONS: &[&str] = &["draft", "txt"];

/// What the binary knows from the environment: the server reads none itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// The user config folder (`$XDG_CONFIG_HOME/exlint`, …), as `exlint check` finds it.
    pub user_config_dir: Option<PathBuf>,
    /// The writer's time zone when no config names one: the system's.
    pub timezone: jiff::tz::TimeZone,
    /// "Now": the system clock, or pinned (`EXLINT_NOW`).
    pub clock: Clock,
}

impl Default for Options {
    /// No user config, UTC, the system clock: what a test or an embedding starts from.
    fn default() -> Options {
        Options {
            user_config_dir: None,
            timezone: jiff::tz::TimeZone::UTC,
            clock: Clock::System,
        }
    }
}

/// Run a server on a connection until `exit`, or until the client hangs up. True when the
/// session ended cleanly (`shutdown` before `exit`), which the binary turns into exit code 0.
pub fn run(connection: Connection, options: Options) -> bool {
    let Connection { sender, receiver } = connection;
    Server::new(sender, options).run(&receiver)
}

/// A whole session from raw client bytes, on this thread: frame them, run the server until
/// `exit` or the end of the input, and return everything it would write (its messages, then the
/// transport's error answers). For fuzzing and tests.
#[doc(hidden)]
pub fn replay(input: &[u8], chunk: usize) -> (Vec<Message>, Vec<String>) {
    let (messages, errors) = transport::frame_all(input, chunk);
    let (in_tx, in_rx) = crossbeam_channel::unbounded();
    for m in messages {
        let _ = in_tx.send(m);
    }
    drop(in_tx);
    let (out_tx, out_rx) = crossbeam_channel::unbounded();
    Server::new(out_tx, Options::default()).run(&in_rx);
    (out_rx.try_iter().collect(), errors)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for `initialize`.
    Starting,
    Running,
    /// `shutdown` was answered; only `exit` is left.
    ShutDown,
}

/// What the client can do, read once from `initialize`.
#[derive(Debug, Default, Clone)]
pub struct ClientSupport {
    pub markdown_hover: bool,
    /// `WorkspaceEdit.documentChanges` (versioned edits).
    pub document_changes: bool,
    /// `CreateFile` operations inside `documentChanges`.
    pub create_files: bool,
    pub watch_files: bool,
}

impl ClientSupport {
    fn from(caps: &ClientCapabilities) -> ClientSupport {
        let edit = caps
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref());
        ClientSupport {
            markdown_hover: caps
                .text_document
                .as_ref()
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                .is_some_and(|f| f.contains(&MarkupKind::Markdown)),
            document_changes: edit.and_then(|e| e.document_changes) == Some(true),
            create_files: edit
                .and_then(|e| e.resource_operations.as_ref())
                .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
            watch_files: caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                == Some(true),
        }
    }
}

/// An open document.
struct Document {
    version: i32,
    text: String,
    /// Whether exlint lints it (plain text, markdown, `*.txt`, `*.draft`). Other documents are
    /// only kept so an open `exlint.toml` is edited as the user sees it.
    linted: bool,
    /// The findings for the current text; `None` when the text changed since.
    result: Option<Linted>,
    /// The work of the last lint, piece by piece, for the next one.
    cache: LintCache,
}

/// A document as linted: the draft (whose line index converts positions), its visible findings,
/// and the folder setup whose rules found them.
pub struct Linted {
    pub draft: Draft,
    pub diagnostics: Vec<Diagnostic>,
    pub folder: Rc<Folder>,
    /// Why the document could not be linted (a header or an export that does not parse), shown
    /// as one diagnostic.
    pub problem: Option<lsp_types::Diagnostic>,
}

/// A finding the user asked to ignore for this session. Content findings are known by their
/// words, so the ignore survives edits elsewhere; shape findings (length, paragraphs, counts)
/// change span with every keystroke, so for them the rule is quieted in that document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ignore {
    pub uri: String,
    pub rule: String,
    /// The flagged words, lowercased with spaces collapsed; `None` for a whole-document quiet.
    pub text: Option<String>,
}

impl Ignore {
    pub fn of(uri: &Uri, rules: &RuleSet, draft: &Draft, d: &Diagnostic) -> Ignore {
        let by_words = rules
            .get(&d.rule)
            .is_none_or(|r| matches!(r.meta.kind, "phrase" | "pattern"));
        Ignore {
            uri: uri.as_str().to_owned(),
            rule: d.rule.to_string(),
            text: by_words.then(|| {
                draft
                    .slice(d.span.clone())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            }),
        }
    }
}

struct Server {
    sender: Sender<Message>,
    phase: Phase,
    unit: ColumnUnit,
    client: ClientSupport,
    options: Options,
    /// Workspace folders, for where a new `exlint.toml` goes.
    roots: Vec<PathBuf>,
    /// Each folder's configuration; set up by `initialize`.
    folders: Option<Folders>,
    send_time: SendTime,
    /// Errors in config files (by the file's URI), shown on the file while it is open.
    config_problems: BTreeMap<Uri, Vec<lsp_types::Diagnostic>>,
    /// Config files we published problems for, and the problems.
    config_published: BTreeMap<Uri, Vec<lsp_types::Diagnostic>>,
    docs: BTreeMap<Uri, Document>,
    ignored: HashSet<Ignore>,
    /// Requests cancelled while they were still queued.
    cancelled: HashSet<RequestId>,
    next_id: i32,
}

enum Flow {
    Continue,
    Exit,
}

impl Server {
    fn new(sender: Sender<Message>, options: Options) -> Server {
        Server {
            sender,
            phase: Phase::Starting,
            unit: ColumnUnit::Utf16,
            client: ClientSupport::default(),
            options,
            roots: Vec::new(),
            folders: None,
            send_time: SendTime::default(),
            config_problems: BTreeMap::new(),
            config_published: BTreeMap::new(),
            docs: BTreeMap::new(),
            ignored: HashSet::new(),
            cancelled: HashSet::new(),
            next_id: 0,
        }
    }

    fn run(mut self, receiver: &Receiver<Message>) -> bool {
        while let Ok(first) = receiver.recv() {
            // Everything already waiting is one batch: apply it all, lint once.
            let batch: Vec<Message> = std::iter::once(first).chain(receiver.try_iter()).collect();
            self.cancelled = batch
                .iter()
                .filter_map(|m| match m {
                    Message::Notification(n) if n.method == note::Cancel::METHOD => {
                        serde_json::from_value::<lsp_types::CancelParams>(n.params.clone())
                            .ok()
                            .map(|p| match p.id {
                                lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                                lsp_types::NumberOrString::String(s) => RequestId::from(s),
                            })
                    }
                    _ => None,
                })
                .collect();
            for message in batch {
                if let Flow::Exit = self.handle(message) {
                    return self.phase == Phase::ShutDown;
                }
            }
            if catch_unwind(AssertUnwindSafe(|| {
                self.publish_changed();
                self.publish_config_problems();
            }))
            .is_err()
            {
                self.log(
                    MessageType::ERROR,
                    "exlint failed while publishing diagnostics; this is a bug".into(),
                );
            }
        }
        // The client hung up without `exit`.
        false
    }

    fn handle(&mut self, message: Message) -> Flow {
        match message {
            Message::Request(request) => {
                let id = request.id.clone();
                let method = request.method.clone();
                // A bug in a handler must not take the session down: answer with an error.
                match catch_unwind(AssertUnwindSafe(|| self.on_request(request))) {
                    Ok(response) => self.send(response),
                    Err(_) => self.send(Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("exlint failed while answering `{method}`; this is a bug"),
                    )),
                }
                Flow::Continue
            }
            Message::Notification(n) if n.method == note::Exit::METHOD => Flow::Exit,
            Message::Notification(n) => {
                let method = n.method.clone();
                if catch_unwind(AssertUnwindSafe(|| self.on_notification(n))).is_err() {
                    self.log(
                        MessageType::ERROR,
                        format!("exlint failed while handling `{method}`; this is a bug"),
                    );
                }
                Flow::Continue
            }
            // Answers to our own requests (`client/registerCapability`): nothing to do.
            Message::Response(_) => Flow::Continue,
        }
    }

    fn on_request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let err =
            |code: ErrorCode, message: String| Response::new_err(id.clone(), code as i32, message);
        if self.cancelled.contains(&id) {
            return err(ErrorCode::RequestCanceled, "cancelled".into());
        }
        match (self.phase, request.method.as_str()) {
            (Phase::Starting, req::Initialize::METHOD) => match parse(&request) {
                Ok(params) => self.initialize(id, params, &request.params),
                Err(e) => e,
            },
            (Phase::Starting, _) => err(
                ErrorCode::ServerNotInitialized,
                "the server is not initialized yet".into(),
            ),
            (Phase::ShutDown, _) => err(
                ErrorCode::InvalidRequest,
                "the server is shut down; only `exit` is accepted".into(),
            ),
            (Phase::Running, req::Initialize::METHOD) => {
                err(ErrorCode::InvalidRequest, "already initialized".into())
            }
            (Phase::Running, req::Shutdown::METHOD) => {
                self.phase = Phase::ShutDown;
                Response::new_ok(id, ())
            }
            (Phase::Running, req::HoverRequest::METHOD) => match parse(&request) {
                Ok(params) => self.hover(id, params),
                Err(e) => e,
            },
            (Phase::Running, req::CodeActionRequest::METHOD) => match parse(&request) {
                Ok(params) => self.code_action(id, params),
                Err(e) => e,
            },
            (Phase::Running, req::ExecuteCommand::METHOD) => match parse(&request) {
                Ok(params) => self.execute_command(id, params),
                Err(e) => e,
            },
            (Phase::Running, method) => err(
                ErrorCode::MethodNotFound,
                format!("exlint does not handle `{method}`"),
            ),
        }
    }

    fn on_notification(&mut self, n: Notification) {
        if self.phase != Phase::Running {
            return;
        }
        match n.method.as_str() {
            note::Initialized::METHOD => self.register_watcher(),
            note::DidOpenTextDocument::METHOD => {
                if let Some(p) = self.params::<DidOpenTextDocumentParams>(n) {
                    let doc = p.text_document;
                    let linted = is_draft(&doc.uri, &doc.language_id);
                    // Show a config file's problems afresh in the new buffer.
                    self.config_published.remove(&doc.uri);
                    self.docs.insert(
                        doc.uri,
                        Document {
                            version: doc.version,
                            text: doc.text,
                            linted,
                            result: None,
                            cache: LintCache::default(),
                        },
                    );
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Some(p) = self.params::<DidChangeTextDocumentParams>(n) {
                    let unit = self.unit;
                    match self.docs.get_mut(&p.text_document.uri) {
                        Some(doc) => {
                            for change in p.content_changes {
                                convert::apply_change(&mut doc.text, change, unit);
                            }
                            doc.version = p.text_document.version;
                            doc.result = None;
                        }
                        None => self.log(
                            MessageType::WARNING,
                            format!(
                                "didChange for {} which was never opened; ignored",
                                p.text_document.uri.as_str()
                            ),
                        ),
                    }
                }
            }
            note::DidSaveTextDocument::METHOD => {
                if let Some(p) = self.params::<DidSaveTextDocumentParams>(n) {
                    if self.is_config(&p.text_document.uri) {
                        self.reload_rules();
                    }
                    if let Some(doc) = self.docs.get_mut(&p.text_document.uri) {
                        if let Some(text) = p.text {
                            doc.text = text;
                        }
                        doc.result = None;
                    }
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Some(p) = self.params::<DidCloseTextDocumentParams>(n) {
                    let uri = p.text_document.uri;
                    let shown_problems = self.config_published.remove(&uri).is_some();
                    if let Some(doc) = self.docs.remove(&uri) {
                        if doc.linted || shown_problems {
                            // Findings of a closed draft would only linger in the problem list.
                            self.publish(uri, Vec::new(), None);
                        }
                    }
                }
            }
            // A changed exlint.toml or .exlintignore: read the configs again.
            note::DidChangeWatchedFiles::METHOD => self.reload_rules(),
            note::DidChangeConfiguration::METHOD => {
                if let Some(p) = self.params::<lsp_types::DidChangeConfigurationParams>(n) {
                    self.apply_settings(&p.settings);
                }
                self.reload_rules();
            }
            _ => {}
        }
    }

    fn initialize(
        &mut self,
        id: RequestId,
        params: InitializeParams,
        raw: &serde_json::Value,
    ) -> Response {
        let caps = &params.capabilities;
        // LSP 3.17 `general.positionEncodings`, or clangd's older `offsetEncoding`, which
        // Neovim 0.8–0.9 send.
        let offered: Vec<String> = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .map(|v| v.iter().map(|e| e.as_str().to_owned()).collect())
            .unwrap_or_default();
        let legacy: Option<Vec<String>> = raw
            .pointer("/capabilities/offsetEncoding")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let all: Vec<&str> = offered
            .iter()
            .chain(legacy.iter().flatten())
            .map(String::as_str)
            .collect();
        self.unit = convert::negotiate(&all);
        self.client = ClientSupport::from(caps);
        self.roots = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| convert::uri_to_path(&f.uri))
            .collect();
        #[allow(deprecated)] // rootUri is what older clients send instead of workspaceFolders
        if self.roots.is_empty() {
            self.roots
                .extend(params.root_uri.as_ref().and_then(convert::uri_to_path));
        }

        match Folders::new(
            self.options.user_config_dir.clone(),
            self.options.timezone.clone(),
        ) {
            Ok(folders) => self.folders = Some(folders),
            Err(e) => {
                return Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("exlint could not load its rules: {e}"),
                );
            }
        }
        if let Some(options) = &params.initialization_options {
            self.apply_settings(options);
        }
        self.phase = Phase::Running;

        let encoding = convert::encoding_kind(self.unit);
        let result = InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.clone()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![IGNORE_COMMAND.to_owned()],
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "exlint".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
        };
        let mut result = serde_json::to_value(result).unwrap_or_default();
        if legacy.is_some() {
            result["offsetEncoding"] = serde_json::Value::String(encoding.as_str().to_owned());
        }
        Response::new_ok(id, result)
    }

    /// Take `sendTime` from the client's settings; a bad value is reported and the old one kept.
    fn apply_settings(&mut self, value: &serde_json::Value) {
        match settings::send_time(value) {
            None => {}
            Some(Ok(send_time)) => self.send_time = send_time,
            Some(Err(e)) => self.notify::<note::ShowMessage>(ShowMessageParams {
                typ: MessageType::ERROR,
                message: format!("{e} (kept the previous setting)"),
            }),
        }
    }

    /// Forget every folder's configuration and lint every draft again: the configs are read
    /// anew on the way (a folder whose config no longer loads keeps its previous rules).
    fn reload_rules(&mut self) {
        let Some(folders) = &mut self.folders else {
            return;
        };
        folders.reload();
        self.config_problems.clear();
        for doc in self.docs.values_mut() {
            doc.result = None;
        }
    }

    /// Whether a saved file is one the configuration is read from.
    fn is_config(&self, uri: &Uri) -> bool {
        let by_name = matches!(
            file_name(uri),
            Some(CONFIG_FILE | crate::config::IGNORE_FILE_NAME)
        );
        let user_file = self
            .options
            .user_config_dir
            .as_ref()
            .map(|d| d.join(crate::config::USER_FILE_NAME));
        by_name || (user_file.is_some() && convert::uri_to_path(uri) == user_file)
    }

    /// The folder whose configuration applies to a document: its own folder; for an unsaved
    /// buffer, the first workspace folder.
    fn dir_of(&self, uri: &Uri) -> Option<PathBuf> {
        match convert::uri_to_path(uri) {
            Some(path) => path.parent().map(Path::to_path_buf),
            None => self.roots.first().cloned(),
        }
    }

    /// The setup for drafts in `dir`, reporting a config that fails to load.
    fn folder(&mut self, dir: Option<&Path>) -> Option<Rc<Folder>> {
        let (folder, error) = self.folders.as_mut()?.get(dir);
        if let Some(e) = error {
            self.config_failed(dir, e);
        }
        Some(folder)
    }

    fn config_failed(&mut self, dir: Option<&Path>, e: LoadError) {
        let what = if e.kept_previous {
            "kept the previous rules"
        } else {
            "using the built-in rules"
        };
        let place = dir.map_or_else(String::new, |d| format!(" for drafts in {}", d.display()));
        self.notify::<note::ShowMessage>(ShowMessageParams {
            typ: MessageType::ERROR,
            message: format!("exlint: {}; {what}{place}", e.error),
        });
        // On the file itself, when we know which one (paths are shown absolute).
        let path = Path::new(&e.error.path);
        if let Some(uri) = path
            .is_absolute()
            .then(|| convert::path_to_uri(path))
            .flatten()
        {
            let d = source_error_diagnostic(&e.error, self.unit);
            self.config_problems.entry(uri).or_default().push(d);
        }
    }

    /// Publish config problems for open config files whose shown problems are out of date.
    fn publish_config_problems(&mut self) {
        // An open exlint.toml with no draft beside it still gets its problems found. (After the
        // drafts: an error they met is reported once, saying what their folders kept.)
        let dirs: Vec<PathBuf> = self
            .docs
            .keys()
            .filter(|uri| file_name(uri) == Some(CONFIG_FILE))
            .filter_map(|uri| Some(convert::uri_to_path(uri)?.parent()?.to_path_buf()))
            .collect();
        for dir in dirs {
            self.folder(Some(&dir));
        }
        let mut updates: Vec<(Uri, Vec<lsp_types::Diagnostic>, Option<i32>)> = Vec::new();
        for (uri, doc) in &self.docs {
            let wanted = self.config_problems.get(uri);
            let shown = self.config_published.get(uri);
            if wanted != shown && (wanted.is_some() || shown.is_some()) {
                let version = (!doc.linted).then_some(doc.version);
                updates.push((uri.clone(), wanted.cloned().unwrap_or_default(), version));
            }
        }
        for (uri, diagnostics, version) in updates {
            if diagnostics.is_empty() {
                self.config_published.remove(&uri);
            } else {
                self.config_published
                    .insert(uri.clone(), diagnostics.clone());
            }
            self.publish(uri, diagnostics, version);
        }
    }

    /// Ask the client to tell us when an exlint.toml or .exlintignore changes
    /// (`didChangeWatchedFiles`). The user's config file, outside the workspace, is reloaded when
    /// it is saved in the editor.
    fn register_watcher(&mut self) {
        if !self.client.watch_files {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: [CONFIG_FILE, crate::config::IGNORE_FILE_NAME]
                .into_iter()
                .map(|name| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(format!("**/{name}")),
                    kind: None,
                })
                .collect(),
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "exlint-config-watch".to_owned(),
                method: note::DidChangeWatchedFiles::METHOD.to_owned(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_id += 1;
        let request = Request::new(
            RequestId::from(format!("exlint-{}", self.next_id)),
            req::RegisterCapability::METHOD.to_owned(),
            params,
        );
        let _ = self.sender.send(request.into());
    }

    /// Lint a document if its text changed since its last lint, and publish the result.
    fn ensure_linted(&mut self, uri: &Uri) -> Option<&Linted> {
        let doc = self.docs.get(uri)?;
        if !doc.linted {
            return None;
        }
        if doc.result.is_none() {
            let folder = self.folder(self.dir_of(uri).as_deref())?;
            let doc = self.docs.get(uri)?;
            let linted = self.lint(uri, doc, folder);
            let version = doc.version;
            let index = linted.draft.line_index();
            let diagnostics = linted
                .problem
                .iter()
                .map(|p| serde_json::to_value(p).unwrap_or_default())
                .chain(
                    linted
                        .diagnostics
                        .iter()
                        .map(|d| convert::diagnostic_json(index, d, self.unit)),
                )
                .collect();
            self.publish_json(uri, diagnostics, Some(version));
            self.docs.get_mut(uri)?.result = Some(linted);
        }
        self.docs.get(uri)?.result.as_ref()
    }

    /// Lint and publish every document that changed.
    fn publish_changed(&mut self) {
        let changed: Vec<Uri> = self
            .docs
            .iter()
            .filter(|(_, d)| d.linted && d.result.is_none())
            .map(|(u, _)| u.clone())
            .collect();
        for uri in changed {
            self.ensure_linted(&uri);
        }
    }

    /// Lint a document as `exlint check` lints a file, with the folder's rules and ignore list,
    /// then drop the findings ignored for this session.
    fn lint(&self, uri: &Uri, doc: &Document, folder: Rc<Folder>) -> Linted {
        let rules = &folder.rules;
        let now = self.options.clock.now(folder.timezone());
        let (now, default_now) = match &self.send_time {
            SendTime::Now => (now, true),
            SendTime::Off => (now, false),
            // "Pretend it is then": the header's `HH:MM` is on that day too.
            SendTime::At(at) => match at.resolve(&now) {
                Ok(t) => (t.with_time_zone(folder.timezone().clone()), true),
                Err(_) => (now, true),
            },
        };
        let run = Run {
            rules,
            now,
            at: None,
            thread: None,
            default_now,
            cache: Some(&doc.cache),
        };
        let name = convert::uri_to_path(uri)
            .map_or_else(|| uri.as_str().to_owned(), |p| p.display().to_string());
        let checked = catch_unwind(AssertUnwindSafe(|| {
            check_bytes(doc.text.clone().into_bytes(), &name, &run)
        }));
        let checked = match checked {
            Ok(Ok(checked)) => checked,
            Ok(Err(message)) => {
                let draft = Draft::new(doc.text.clone());
                let problem = input_problem(&message, &name, draft.line_index(), self.unit);
                return Linted {
                    draft,
                    diagnostics: Vec::new(),
                    folder: folder.clone(),
                    problem: Some(problem),
                };
            }
            Err(_) => {
                self.log(
                    MessageType::ERROR,
                    format!(
                        "exlint failed while linting {}; this is a bug",
                        uri.as_str()
                    ),
                );
                return Linted {
                    draft: Draft::new(doc.text.clone()),
                    diagnostics: Vec::new(),
                    folder: folder.clone(),
                    problem: None,
                };
            }
        };
        let draft = checked.draft;
        let mut diagnostics = checked.diagnostics;
        folder.ignored.retain(&draft, &mut diagnostics);
        if !self.ignored.is_empty() {
            diagnostics.retain(|d| !self.ignored.contains(&Ignore::of(uri, rules, &draft, d)));
        }
        Linted {
            draft,
            diagnostics,
            folder: folder.clone(),
            problem: None,
        }
    }

    fn hover(&mut self, id: RequestId, params: lsp_types::HoverParams) -> Response {
        let uri = params.text_document_position_params.text_document.uri;
        let pos = params.text_document_position_params.position;
        let (unit, markdown) = (self.unit, self.client.markdown_hover);
        self.ensure_linted(&uri);
        let Some(linted) = self.docs.get(&uri).and_then(|d| d.result.as_ref()) else {
            return Response::new_ok(id, ());
        };
        let offset = convert::offset(linted.draft.line_index(), pos, unit);
        match hover::hover(&linted.folder.rules, linted, offset, unit, markdown) {
            Some(h) => Response::new_ok(id, h),
            None => Response::new_ok(id, ()),
        }
    }

    fn code_action(&mut self, id: RequestId, params: lsp_types::CodeActionParams) -> Response {
        if let Some(only) = &params.context.only {
            if !only.iter().any(actions::wants_quickfix) {
                return Response::new_ok(id, Vec::<()>::new());
            }
        }
        let uri = params.text_document.uri;
        self.ensure_linted(&uri);
        let config = actions::config_target(&uri, &self.roots, |u| {
            self.docs.get(u).map(|d| (d.text.clone(), d.version))
        });
        let Some(doc) = self.docs.get(&uri) else {
            return Response::new_ok(id, Vec::<()>::new());
        };
        let Some(linted) = doc.result.as_ref() else {
            return Response::new_ok(id, Vec::<()>::new());
        };
        let cx = actions::Cx {
            uri: &uri,
            version: doc.version,
            linted,
            rules: &linted.folder.rules,
            unit: self.unit,
            client: &self.client,
            config: config.as_ref(),
        };
        let span = convert::span(linted.draft.line_index(), params.range, self.unit);
        Response::new_ok(id, actions::code_actions(&cx, span))
    }

    fn execute_command(
        &mut self,
        id: RequestId,
        params: lsp_types::ExecuteCommandParams,
    ) -> Response {
        if params.command != IGNORE_COMMAND {
            return Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("unknown command `{}`", params.command),
            );
        }
        let ignore = params
            .arguments
            .into_iter()
            .next()
            .and_then(|a| serde_json::from_value::<Ignore>(a).ok());
        let Some(ignore) = ignore else {
            return Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("`{IGNORE_COMMAND}` takes one {{uri, rule, text}} argument"),
            );
        };
        for (uri, doc) in self.docs.iter_mut() {
            if uri.as_str() == ignore.uri {
                doc.result = None;
            }
        }
        self.ignored.insert(ignore);
        Response::new_ok(id, ())
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        self.notify::<note::PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }

    /// `publish`, with the diagnostics as JSON already (`convert::diagnostic_json`).
    fn publish_json(&self, uri: &Uri, diagnostics: Vec<serde_json::Value>, version: Option<i32>) {
        let mut params = serde_json::Map::new();
        params.insert("uri".to_owned(), uri.as_str().into());
        params.insert("diagnostics".to_owned(), diagnostics.into());
        if let Some(version) = version {
            params.insert("version".to_owned(), version.into());
        }
        let _ = self.sender.send(
            Notification {
                method: <note::PublishDiagnostics as note::Notification>::METHOD.to_owned(),
                params: params.into(),
            }
            .into(),
        );
    }

    fn params<P: serde::de::DeserializeOwned>(&self, n: Notification) -> Option<P> {
        match serde_json::from_value(n.params) {
            Ok(p) => Some(p),
            Err(e) => {
                self.log(
                    MessageType::WARNING,
                    format!("ignored `{}` with invalid params: {e}", n.method),
                );
                None
            }
        }
    }

    fn log(&self, typ: MessageType, message: String) {
        self.notify::<note::LogMessage>(LogMessageParams { typ, message });
    }

    fn notify<N: note::Notification>(&self, params: N::Params) {
        let _ = self
            .sender
            .send(Notification::new(N::METHOD.to_owned(), params).into());
    }

    fn send(&self, response: Response) {
        let _ = self.sender.send(response.into());
    }
}

/// Parse a request's params, or the `InvalidParams` answer.
fn parse<P: serde::de::DeserializeOwned>(request: &Request) -> Result<P, Response> {
    serde_json::from_value(request.params.clone()).map_err(|e| {
        Response::new_err(
            request.id.clone(),
            ErrorCode::InvalidParams as i32,
            format!("invalid params for `{}`: {e}", request.method),
        )
    })
}

/// Whether a document is a draft exlint should lint.
pub fn is_draft(uri: &Uri, language_id: &str) -> bool {
    let by_language = LANGUAGE_IDS
        .iter()
        .any(|id| id.eq_ignore_ascii_case(language_id));
    let path = uri.as_str().split(['?', '#']).next().unwrap_or("");
    let by_extension = path.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.ends_with('/') && EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    });
    by_language || by_extension
}

/// The last segment of a URI's path.
fn file_name(uri: &Uri) -> Option<&str> {
    let path = uri.as_str().split(['?', '#']).next()?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

/// A config or rule file error as a diagnostic on that file.
fn source_error_diagnostic(e: &SourceError, unit: ColumnUnit) -> lsp_types::Diagnostic {
    let range = match &e.span {
        Some(span) => convert::range(&LineIndex::new(&e.source), span.clone(), unit),
        None => lsp_types::Range::default(),
    };
    let mut message = e.message.clone();
    if let Some(hint) = &e.hint {
        message.push_str(&format!("\nhelp: {hint}"));
    }
    lsp_types::Diagnostic {
        range,
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        source: Some("exlint".to_owned()),
        message,
        ..lsp_types::Diagnostic::default()
    }
}

/// Why a document could not be read (`<name>:<line>: <message>` or `<name>: <message>`, as
/// `check_bytes` says it), as a diagnostic on that line.
fn input_problem(
    message: &str,
    name: &str,
    index: &LineIndex,
    unit: ColumnUnit,
) -> lsp_types::Diagnostic {
    let rest = message
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or(message);
    let (line, text) = match rest.split_once(':') {
        Some((n, text)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (n.parse::<usize>().unwrap_or(1), text)
        }
        _ => (1, rest),
    };
    let line = line
        .saturating_sub(1)
        .min(index.line_count().saturating_sub(1));
    let span = index.line_span(line);
    lsp_types::Diagnostic {
        range: convert::range(index, span, unit),
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        source: Some("exlint".to_owned()),
        message: format!("exlint could not read this: {}", text.trim()),
        ..lsp_types::Diagnostic::default()
    }
}
