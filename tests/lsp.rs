//! `exlint lsp` over real stdio: the binary is started and spoken to as an editor would.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use exlint::{ColumnUnit, RuleSet};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read but not yet asked for.
    queue: VecDeque<Value>,
    next_id: i64,
}

/// The environment every server gets: no real HOME or user config, a daytime clock in UTC, so
/// the time rules stay quiet unless a test asks for them.
const ENV: &[(&str, &str)] = &[
    ("HOME", "/nonexistent/exlint-lsp-home"),
    ("XDG_CONFIG_HOME", "/nonexistent/exlint-lsp-home/.config"),
    ("EXLINT_NOW", "2026-11-28T14:00:00+00:00"),
    ("TZ", "UTC"),
];

impl Client {
    fn start() -> Client {
        Client::start_with(&[])
    }

    /// Start with `env` on top of [`ENV`].
    fn start_with(env: &[(&str, &str)]) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_exlint"));
        command.env_remove("APPDATA");
        for (k, v) in ENV.iter().chain(env) {
            command.env(k, v);
        }
        let mut child = command
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start exlint lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            queue: VecDeque::new(),
            next_id: 0,
        }
    }

    fn initialize(capabilities: Value) -> (Client, Value) {
        Client::initialize_with(&[], json!({"capabilities": capabilities}))
    }

    /// Start with `env` and initialize with `params` (`processId` and `rootUri` default to null).
    fn initialize_with(env: &[(&str, &str)], params: Value) -> (Client, Value) {
        let mut client = Client::start_with(env);
        let mut all = json!({"processId": null, "rootUri": null, "capabilities": {}});
        for (k, v) in params.as_object().unwrap() {
            all[k] = v.clone();
        }
        let result = client.request("initialize", all);
        assert!(result["result"].is_object(), "{result}");
        client.notify("initialized", json!({}));
        (client, result["result"].clone())
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (the whole response object).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (queued or new) that matches.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.queue.iter().position(&wanted) {
            return self.queue.remove(i).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) => self.queue.push_back(m),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out; received meanwhile: {:#?}", self.queue)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server closed its output; received: {:#?}", self.queue)
                }
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, uri: &str, language_id: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// `shutdown`, `exit`, and the process's exit code.
    fn shut_down(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    fn exit_code(&mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed");
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length.expect("server sent a Content-Length")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("server sent JSON"))
}

/// `(rule, [start line, start char, end line, end char])` of published diagnostics.
fn found(diagnostics: &[Value]) -> Vec<(String, [u64; 4])> {
    diagnostics
        .iter()
        .map(|d| {
            let r = &d["range"];
            (
                d["code"].as_str().unwrap().to_owned(),
                [
                    r["start"]["line"].as_u64().unwrap(),
                    r["start"]["character"].as_u64().unwrap(),
                    r["end"]["line"].as_u64().unwrap(),
                    r["end"]["character"].as_u64().unwrap(),
                ],
            )
        })
        .collect()
}

fn pos(line: u64, character: u64) -> Value {
    json!({"line": line, "character": character})
}

fn range(a: (u64, u64), b: (u64, u64)) -> Value {
    json!({"start": pos(a.0, a.1), "end": pos(b.0, b.1)})
}

const URI: &str = "file:///tmp/exlint-lsp-test/draft.txt";

/// What an editor needs for the quick fixes to be versioned and to create files.
fn full_capabilities() -> Value {
    json!({
        "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}},
        "workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}
    })
}

#[test]
fn round_trip_open_change_fix_hover_ignore_shutdown() {
    let (mut c, init) = Client::initialize(full_capabilities());
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    assert_eq!(init["serverInfo"]["name"], "exlint");

    c.open(URI, "plaintext", "we need to talk. please come back");
    let d = c.diagnostics(URI, 1);
    assert_eq!(
        found(&d),
        [
            ("we-need-to-talk".into(), [0, 0, 0, 15]),
            ("begging".into(), [0, 17, 0, 33]),
        ]
    );
    assert!(d.iter().all(|d| d["source"] == "exlint"));
    assert_eq!(d[0]["severity"], 1);
    assert!(
        d[1]["message"].as_str().unwrap().contains("\nhelp: "),
        "help goes with the message: {}",
        d[1]["message"]
    );

    // Incremental: an emoji (two UTF-16 units) and a space before everything.
    c.change(
        URI,
        2,
        json!([{"range": range((0, 0), (0, 0)), "text": "😀 "}]),
    );
    assert_eq!(
        found(&c.diagnostics(URI, 2)),
        [
            ("we-need-to-talk".into(), [0, 3, 0, 18]),
            ("begging".into(), [0, 20, 0, 36]),
        ]
    );

    // Replace the plea (UTF-16 columns 20..36) with shouting, on a second line.
    c.change(
        URI,
        3,
        json!([{"range": range((0, 20), (0, 36)), "text": "ok\nTHAT IS SO FUNNY"}]),
    );
    let d = c.diagnostics(URI, 3);
    assert_eq!(
        found(&d),
        [
            ("we-need-to-talk".into(), [0, 3, 0, 18]),
            ("shouting".into(), [1, 0, 1, 16]),
        ]
    );

    // Code actions on the shouting: the fix (versioned), ignore, disable.
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": URI}, "range": range((1, 2), (1, 2)), "context": {"diagnostics": []}}),
    );
    let actions = r["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Replace “THAT IS SO FUNNY” with “that is so funny” (read it before sending)",
            "Ignore this `shouting` finding (this session)",
            "Disable rule `shouting` in exlint.toml",
        ]
    );
    let fix = &actions[0];
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["diagnostics"][0]["code"], "shouting");
    let doc_edit = &fix["edit"]["documentChanges"][0];
    assert_eq!(doc_edit["textDocument"]["version"], 3);
    assert_eq!(doc_edit["edits"][0]["range"], range((1, 0), (1, 16)));
    assert_eq!(doc_edit["edits"][0]["newText"], "that is so funny");

    // No exlint.toml above /tmp/exlint-lsp-test: the action creates one beside the draft.
    let ops = &actions[2]["edit"]["documentChanges"];
    assert_eq!(ops[0]["kind"], "create");
    assert_eq!(ops[0]["uri"], "file:///tmp/exlint-lsp-test/exlint.toml");
    assert_eq!(
        ops[1]["edits"][0]["newText"],
        "[rules.shouting]\nseverity = \"off\"\n"
    );

    // Hover on "need": the rule explained.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": pos(0, 6)}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert_eq!(h["result"]["contents"]["kind"], "markdown");
    assert!(text.starts_with("**we-need-to-talk** (error)"), "{text}");
    for part in [
        "Why it matters.",
        "What to write instead.",
        "From the guide: ",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert_eq!(h["result"]["range"], range((0, 3), (0, 18)));
    // Nothing there: null.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": pos(0, 1)}),
    );
    assert_eq!(h["result"], Value::Null);

    // Ignore the shouting for the session: re-published without it.
    let command = actions[1]["command"].clone();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": command["command"], "arguments": command["arguments"]}),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    assert_eq!(
        found(&c.diagnostics(URI, 3)),
        [("we-need-to-talk".into(), [0, 3, 0, 18])]
    );
    // ...and it stays ignored after an edit elsewhere.
    c.change(
        URI,
        4,
        json!([{"range": range((0, 0), (0, 2)), "text": ""}]),
    );
    assert_eq!(
        found(&c.diagnostics(URI, 4)),
        [("we-need-to-talk".into(), [0, 1, 0, 16])]
    );

    // Save re-publishes; close clears.
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(c.diagnostics(URI, 4).len(), 1);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": URI}}),
    );
    let m = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == URI
    });
    assert_eq!(m["params"]["diagnostics"], json!([]));

    assert_eq!(c.shut_down(), 0);
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let (mut c, init) =
        Client::initialize(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    // 😀 is 4 bytes, 話 3.
    c.open(URI, "plaintext", "😀話 we need to talk");
    assert_eq!(
        found(&c.diagnostics(URI, 1)),
        [("we-need-to-talk".into(), [0, 8, 0, 23])]
    );
    // Byte columns in changes too: delete the 3-byte 話.
    c.change(
        URI,
        2,
        json!([{"range": range((0, 4), (0, 7)), "text": ""}]),
    );
    assert_eq!(
        found(&c.diagnostics(URI, 2)),
        [("we-need-to-talk".into(), [0, 5, 0, 20])]
    );
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn neovims_older_offset_encoding_extension_is_honoured() {
    let (c, init) = Client::initialize(json!({"offsetEncoding": ["utf-8", "utf-16"]}));
    assert_eq!(init["offsetEncoding"], "utf-8");
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn plain_text_and_markdown_are_linted_other_languages_are_not() {
    let (mut c, _) = Client::initialize(json!({}));
    let docs = [
        ("file:///d/a.txt", "text"), // Neovim's name for .txt
        ("file:///d/b.md", "markdown"),
        ("file:///d/c.draft", ""), // no language id, but a .draft file
        ("untitled:Untitled-1", "plaintext"), // an unsaved buffer
    ];
    for (uri, lang) in docs {
        c.open(uri, lang, "# note\n\nwe need to talk");
        let d = c.diagnostics(uri, 1);
        assert_eq!(
            found(&d),
            [("we-need-to-talk".into(), [2, 0, 2, 15])],
            "{uri}"
        );
    }
    c.open("file:///d/main.rs", "rust", "// we need to talk");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///d/main.rs"}, "position": pos(0, 5)}),
    );
    assert_eq!(r["result"], Value::Null);
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn protocol_errors_are_answered_not_fatal() {
    let mut c = Client::start();
    // Before initialize.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002);
    let r = c.request("initialize", json!({"capabilities": "not an object"}));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert!(r["result"]["capabilities"].is_object(), "{r}");

    let r = c.request("textDocument/definition", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let r = c.request("textDocument/hover", json!({"nope": 1}));
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request("initialize", json!({"capabilities": {}}));
    assert_eq!(r["error"]["code"], -32600);
    // Unknown notifications and notifications with bad params are ignored.
    c.notify("$/unknown", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": 5}));

    // Garbage on the wire.
    c.send_raw(b"Content-Length: 9\r\n\r\n{\"jsonrpc");
    let e = c.wait_for(|m| m["error"]["code"] == -32700);
    assert_eq!(e["id"], Value::Null);
    c.send_raw(b"this is not a header at all\r\n\r\n");
    c.wait_for(|m| m["error"]["code"] == -32700);
    c.send_raw(b"Content-Length: 2\r\n\r\n[]");
    c.wait_for(|m| m["error"]["code"] == -32600);
    // Content-Length too short: the rest of the body is skipped, the next message is read.
    let body = r#"{"jsonrpc":"2.0","id":900,"method":"shutdown"}"#;
    c.send_raw(format!("Content-Length: 20\r\n\r\n{body}").as_bytes());
    c.wait_for(|m| m["error"]["code"] == -32700);
    // Content-Length too long, with nothing after it: answered after a pause, with the id.
    let body = r#"{"jsonrpc":"2.0","id":901,"method":"textDocument/hover","params":{}}"#;
    c.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len() + 10).as_bytes());
    let e = c.wait_for(|m| m["id"] == 901);
    assert_eq!(e["error"]["code"], -32700, "{e}");

    // Still serving.
    c.open(URI, "plaintext", "please come back");
    assert_eq!(found(&c.diagnostics(URI, 1)).len(), 1);
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32600, "after shutdown: {r}");
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 0);
}

#[test]
fn exit_without_shutdown_and_hanging_up_end_with_code_1() {
    let (mut c, _) = Client::initialize(json!({}));
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);

    let (mut c, _) = Client::initialize(json!({}));
    assert_eq!(c.exit_code(), 1, "stdin closed without exit");
}

#[test]
fn a_burst_of_changes_is_linted_once_and_never_published_stale() {
    let (mut c, _) = Client::initialize(json!({}));
    c.open(URI, "plaintext", "");
    c.diagnostics(URI, 1);
    let text = "hey. we need to talk. please come back";
    for (i, ch) in text.chars().enumerate() {
        c.change(
            URI,
            i as i64 + 2,
            json!([{"range": range((0, i as u64), (0, i as u64)), "text": ch.to_string()}]),
        );
    }
    let last = text.chars().count() as i64 + 1;
    let final_d = c.diagnostics(URI, last);
    assert_eq!(
        found(&final_d),
        [
            ("we-need-to-talk".into(), [0, 5, 0, 20]),
            ("begging".into(), [0, 22, 0, 38]),
        ]
    );
    // Every publish on the way carried a newer version than the one before.
    let versions: Vec<i64> = c
        .queue
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(c.shut_down(), 0);
}

/// A deterministic stand-in for typing: inserts and deletes at pseudo-random places.
struct Typist {
    state: u64,
}

impl Typist {
    fn next(&mut self, n: usize) -> usize {
        self.state = self
            .state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.state >> 33) as usize) % n.max(1)
    }
}

/// Line and UTF-16 column of a byte offset, computed independently of exlint's LineIndex.
fn utf16_position(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line as u64, before[start..].encode_utf16().count() as u64)
}

fn char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What the server should publish for `text`, computed with the library directly.
fn expected(text: &str) -> Vec<Value> {
    let rules = RuleSet::builtin().unwrap();
    let draft = exlint::input::read(text.as_bytes().to_vec(), "x").unwrap();
    exlint::lint(&draft, &rules)
        .iter()
        .map(|d| {
            serde_json::to_value(exlint::lsp::convert::diagnostic(
                draft.line_index(),
                d,
                ColumnUnit::Utf16,
            ))
            .unwrap()
        })
        .collect()
}

/// 10,000 rapid incremental changes to a 10 KB draft with emoji. Asserts only correctness (the
/// last publish matches the last text); prints the timings for the record.
#[test]
fn stress_ten_thousand_changes_on_a_10_kb_draft() {
    let line = "hey 😀 i was thinking about you. please come back, I MISS YOU!!! 話\n";
    let mut text = line.repeat(10_000 / line.len() + 1);
    let (mut c, _) = Client::initialize(json!({}));
    c.open(URI, "plaintext", &text);
    c.diagnostics(URI, 1);

    let mut typist = Typist { state: 7 };
    let alphabet: Vec<char> = "abc de😀f. 話\n".chars().collect();
    let mut frames = Vec::with_capacity(10_000);
    for version in 2..=10_001 {
        let at = char_boundary(&text, typist.next(text.len() + 1));
        let change = if typist.next(2) == 0 && at < text.len() {
            // Delete one char.
            let len = text[at..].chars().next().unwrap().len_utf8();
            let (a, b) = (utf16_position(&text, at), utf16_position(&text, at + len));
            text.replace_range(at..at + len, "");
            json!({"range": range(a, b), "text": ""})
        } else {
            let ch = alphabet[typist.next(alphabet.len())];
            let a = utf16_position(&text, at);
            text.insert(at, ch);
            json!({"range": range(a, a), "text": ch.to_string()})
        };
        let body = json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": URI, "version": version}, "contentChanges": [change]}})
        .to_string();
        frames.push(format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    }
    let wire: String = frames.concat();

    let start = Instant::now();
    c.send_raw(wire.as_bytes());
    let sent = start.elapsed();
    let published = c.diagnostics(URI, 10_001);
    let done = start.elapsed();
    let lints = c
        .queue
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .count()
        + 1;
    // And it still answers right away.
    let t = Instant::now();
    c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": pos(0, 0)}),
    );
    let hover = t.elapsed();
    eprintln!(
        "stress: 10,000 didChange on {} bytes ({} KB on the wire): written in {sent:?}, \
         final diagnostics after {done:?}, {lints} lints/publishes, hover after {hover:?}",
        text.len(),
        wire.len() / 1024
    );
    assert_eq!(
        published,
        expected(&text),
        "final publish matches final text"
    );
    assert_eq!(c.shut_down(), 0);
}

/// A 1 MB draft: first diagnostics, a hover, and one keystroke, timed for the record.
#[test]
fn a_one_megabyte_draft_still_answers() {
    let para = "we need to talk. I know it has been a while 😀 and the plants miss you. please \
                come back, I MISS YOU!!! the box with your things is in the hall.\n\n";
    let text = para.repeat(1_000_000 / para.len() + 1);
    let (mut c, _) = Client::initialize(json!({}));
    let t = Instant::now();
    c.open(URI, "plaintext", &text);
    let first = c.diagnostics(URI, 1);
    let open = t.elapsed();
    assert_eq!(first, expected(&text));

    let t = Instant::now();
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": URI}, "position": pos(0, 3)}),
    );
    let hover = t.elapsed();
    assert!(h["result"]["contents"]["value"].is_string(), "{h}");

    let t = Instant::now();
    c.change(
        URI,
        2,
        json!([{"range": range((0, 0), (0, 0)), "text": "x"}]),
    );
    let second = c.diagnostics(URI, 2);
    let keystroke = t.elapsed();
    assert_eq!(second, expected(&format!("x{text}")));
    eprintln!(
        "1 MB: {} bytes, {} findings; open→diagnostics {open:?}, hover {hover:?}, keystroke→diagnostics {keystroke:?}",
        text.len(),
        first.len()
    );
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn headerless_json_is_a_parse_error() {
    let (mut c, _) = Client::initialize(json!({}));
    c.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}\n");
    c.wait_for(|m| m["error"]["code"] == -32700);
    assert_eq!(c.exit_code(), 1);
}

// ---- Configuration: the folder's exlint.toml, the user's config, .exlintignore, send time ----

/// A throwaway world: `home/` (HOME, with `.config` as XDG_CONFIG_HOME) and `project/drafts/`.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("home/.config")).unwrap();
        std::fs::create_dir_all(root.join("project/drafts")).unwrap();
        World { _dir: dir, root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn uri(&self, rel: &str) -> String {
        exlint::lsp::convert::path_to_uri(&self.path(rel))
            .unwrap()
            .as_str()
            .to_owned()
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let home = self.path("home");
        vec![
            ("HOME", home.display().to_string()),
            (
                "XDG_CONFIG_HOME",
                home.join(".config").display().to_string(),
            ),
        ]
    }

    /// A server in this world, initialized with `params`, plus `env` on top.
    fn client(&self, env: &[(&str, &str)], params: Value) -> Client {
        let mine = self.env();
        let mut all: Vec<(&str, &str)> = mine.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(env);
        Client::initialize_with(&all, params).0
    }
}

/// The rule ids of published diagnostics.
fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

impl Client {
    /// What the editor's file watcher says after a config file changed on disk.
    fn changed_on_disk(&mut self, uri: &str) {
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": 2}]}),
        );
    }

    fn show_message(&mut self) -> Value {
        self.wait_for(|m| m["method"] == "window/showMessage")["params"].clone()
    }
}

/// Apply LSP text edits (UTF-16 positions) to a text.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let (line, ch) = (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        );
        let mut start = 0;
        for _ in 0..line {
            start += text[start..].find('\n').unwrap() + 1;
        }
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= ch || c == '\n' {
                return start + i;
            }
            units += c.len_utf16() as u64;
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (a, b, new) in spans {
        out.replace_range(a..b, new);
    }
    out
}

const PLEA: &str = "we need to talk. please come back. I MISS YOU";

#[test]
fn a_draft_is_linted_with_its_folders_config_and_the_user_config() {
    let w = World::new();
    w.write(
        "home/.config/exlint/config.toml",
        "[rules.shouting]\nseverity = \"off\"\n",
    );
    w.write(
        "project/exlint.toml",
        "[rules.begging]\nseverity = \"off\"\n",
    );
    let watching = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let mut c = w.client(&[], json!({ "capabilities": watching }));
    let r = c.wait_for(|m| m["method"] == "client/registerCapability");
    let watchers = &r["params"]["registrations"][0]["registerOptions"]["watchers"];
    assert_eq!(watchers[0]["globPattern"], "**/exlint.toml");
    assert_eq!(watchers[1]["globPattern"], "**/.exlintignore");

    let draft = w.uri("project/drafts/draft.txt");
    c.open(&draft, "plaintext", PLEA);
    assert_eq!(codes(&c.diagnostics(&draft, 1)), ["we-need-to-talk"]);
    // Outside the project: only the user's config applies.
    let other = w.uri("elsewhere/draft.txt");
    c.open(&other, "plaintext", PLEA);
    assert_eq!(
        codes(&c.diagnostics(&other, 1)),
        ["we-need-to-talk", "begging"]
    );

    // exlint.toml edited on disk: the drafts are linted again with the new config.
    w.write(
        "project/exlint.toml",
        "[rules.we-need-to-talk]\nseverity = \"off\"\n",
    );
    c.changed_on_disk(&w.uri("project/exlint.toml"));
    assert_eq!(codes(&c.diagnostics(&draft, 1)), ["begging"]);
    // Saving the user's config (open in the editor) counts too.
    w.write("home/.config/exlint/config.toml", "");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": w.uri("home/.config/exlint/config.toml")}}),
    );
    assert_eq!(codes(&c.diagnostics(&draft, 1)), ["begging", "shouting"]);
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn a_broken_exlint_toml_keeps_the_old_rules_and_says_why() {
    let w = World::new();
    w.write(
        "project/exlint.toml",
        "[rules.begging]\nseverity = \"off\"\n",
    );
    let mut c = w.client(&[], json!({}));
    let draft = w.uri("project/drafts/draft.txt");
    c.open(&draft, "plaintext", PLEA);
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "shouting"]
    );

    // The user breaks it in the editor and saves.
    let config = w.uri("project/exlint.toml");
    let broken = "[rules.begging]\nseverity = \"offf\"\n";
    w.write("project/exlint.toml", broken);
    c.open(&config, "toml", broken);
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config}}),
    );
    let m = c.show_message();
    assert_eq!(m["type"], 1, "an error: {m}");
    let text = m["message"].as_str().unwrap();
    assert!(
        text.contains("exlint.toml:2:12: severity must be one of"),
        "{text}"
    );
    assert!(text.contains("did you mean `off`?"), "{text}");
    assert!(text.contains("kept the previous rules"), "{text}");
    // The draft is still linted, with the rules it had.
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "shouting"]
    );
    // The error is shown on the file itself, at the bad value.
    let d = c.diagnostics(&config, 1);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"], range((1, 11), (1, 17)));
    assert_eq!(d[0]["severity"], 1);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `off`?"),
        "{}",
        d[0]["message"]
    );

    // Fixed: the error goes away and the new rules apply.
    let fixed = "[rules.begging]\nseverity = \"info\"\n";
    // On disk first, as an editor's save would have it before the server hears of it: otherwise
    // the server may re-read the still-broken file and report it once more.
    w.write("project/exlint.toml", fixed);
    c.change(&config, 2, json!([{"text": fixed}]));
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config}}),
    );
    let d = c.diagnostics(&draft, 1);
    assert_eq!(codes(&d), ["we-need-to-talk", "begging", "shouting"]);
    assert_eq!(d[1]["severity"], 3, "begging is info now");
    assert_eq!(c.diagnostics(&config, 2), Vec::<Value>::new());

    // A folder whose config is broken from the start gets the built-in rules, and the error.
    w.write("other/exlint.toml", "[rules\n");
    let second = w.uri("other/draft.txt");
    c.open(&second, "plaintext", PLEA);
    // Earlier reports about the project's config may still be queued; wait for this folder's.
    let m = c.wait_for(|m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("other/exlint.toml"))
    })["params"]
        .clone();
    let text = m["message"].as_str().unwrap();
    assert!(text.contains("other/exlint.toml:1:"), "{text}");
    assert!(text.contains("using the built-in rules"), "{text}");
    assert_eq!(
        codes(&c.diagnostics(&second, 1)),
        ["we-need-to-talk", "begging", "shouting"]
    );
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn send_time_while_typing_is_now_unless_the_settings_say_otherwise() {
    const PLAIN: &str = "hey, hope you're well";
    // Pinned by the editor to 02:13 (a local time, read in the writer's zone: UTC here).
    let (mut c, _) = Client::initialize_with(
        &[],
        json!({"initializationOptions": {"exlint": {"sendTime": "2026-11-28T02:13"}}}),
    );
    c.open(URI, "plaintext", PLAIN);
    let d = c.diagnostics(URI, 1);
    assert_eq!(codes(&d), ["late-night"]);
    assert!(
        d[0]["message"].as_str().unwrap().contains("02:13"),
        "{}",
        d[0]["message"]
    );
    // "off": no time rules while typing.
    let off = json!({"settings": {"exlint": {"sendTime": "off"}}});
    c.notify("workspace/didChangeConfiguration", off);
    assert_eq!(codes(&c.diagnostics(URI, 1)), Vec::<String>::new());
    // A bad value is refused, and the setting it had is kept.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"exlint": {"sendTime": "tonight"}}}),
    );
    let m = c.show_message();
    assert!(
        m["message"]
            .as_str()
            .unwrap()
            .starts_with("exlint.sendTime: "),
        "{m}"
    );
    assert_eq!(codes(&c.diagnostics(URI, 1)), Vec::<String>::new());
    assert_eq!(c.shut_down(), 0);

    // By default it is now: EXLINT_NOW pins the clock to 02:13.
    let (mut c, _) =
        Client::initialize_with(&[("EXLINT_NOW", "2026-11-28T02:13:00+00:00")], json!({}));
    c.open(URI, "plaintext", PLAIN);
    assert_eq!(codes(&c.diagnostics(URI, 1)), ["late-night"]);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"exlint": {"sendTime": "off"}}}),
    );
    assert_eq!(codes(&c.diagnostics(URI, 1)), Vec::<String>::new());
    // The section without sendTime: back to the default.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"exlint": {}}}),
    );
    assert_eq!(codes(&c.diagnostics(URI, 1)), ["late-night"]);
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn headers_are_split_off_and_their_send_time_honoured() {
    // A daytime clock; the header says 02:13, and wins even with sendTime off.
    let (mut c, _) = Client::initialize_with(
        &[],
        json!({"initializationOptions": {"exlint": {"sendTime": "off"}}}),
    );
    let text = "---\nsend-at: 2026-11-28T02:13\nto: Alex\n---\nplease come back\n";
    c.open(URI, "plaintext", text);
    assert_eq!(
        found(&c.diagnostics(URI, 1)),
        [
            ("late-night".into(), [1, 9, 1, 25]),
            ("begging".into(), [4, 0, 4, 16]),
        ]
    );

    // Email headers: the subject is not part of the message; the Date is the send time.
    let email = "file:///tmp/exlint-lsp-test/mail.txt";
    c.open(
        email,
        "plaintext",
        "From: Sam <sam@example.org>\nTo: Alex <alex@example.org>\nSubject: we need to talk\n\
         Date: Sat, 28 Nov 2026 10:30:00 +0000\n\nhey, hope you're well\n",
    );
    assert_eq!(c.diagnostics(email, 1), Vec::<Value>::new());

    // A header that does not parse is one diagnostic on its line, not silence.
    let typo = "file:///tmp/exlint-lsp-test/typo.txt";
    c.open(typo, "plaintext", "---\nsend_at: 02:13\n---\nhi\n");
    let d = c.diagnostics(typo, 1);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"], pos(1, 0));
    assert!(
        d[0]["message"].as_str().unwrap().contains("send-at"),
        "{}",
        d[0]["message"]
    );
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn a_chat_export_is_reviewed_like_exlint_check() {
    let w = World::new();
    w.write("project/exlint.toml", "[conversation]\nme = \"Sam\"\n");
    let chat = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/threads/whatsapp_android.txt"
    );
    let text = std::fs::read_to_string(chat).unwrap();
    let mut c = w.client(&[], json!({}));
    let uri = w.uri("project/chat.txt");
    c.open(&uri, "text", &text);
    let d = c.diagnostics(&uri, 1);
    let codes = codes(&d);
    // Each of Sam's messages at its own time: 23:41, 23:58, 23:59 and 02:14; the third in a row.
    assert_eq!(
        codes.iter().filter(|c| *c == "late-night").count(),
        4,
        "{codes:?}"
    );
    let double = d.iter().find(|d| d["code"] == "double-text").unwrap();
    assert_eq!(double["range"]["start"]["line"], 9, "“are you awake?”");
    assert_eq!(c.shut_down(), 0);
}

#[test]
fn findings_in_exlintignore_stay_hidden_in_the_editor() {
    let w = World::new();
    w.write("project/exlint.toml", "");
    w.write("project/drafts/draft.txt", PLEA);
    let out = Command::new(env!("CARGO_BIN_EXE_exlint"))
        .args(["ignore", "drafts/draft.txt", "--rule", "begging"])
        .current_dir(w.path("project"))
        .envs(w.env())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(w.read("project/.exlintignore").contains("please come back"));

    let mut c = w.client(&[], json!({}));
    let draft = w.uri("project/drafts/draft.txt");
    // Lines added above: the fingerprint still matches.
    c.open(&draft, "plaintext", &format!("hi.\n\n{PLEA}"));
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "shouting"]
    );
    // The ignore file emptied: the finding is back.
    w.write("project/.exlintignore", "");
    c.changed_on_disk(&w.uri("project/.exlintignore"));
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "begging", "shouting"]
    );
    assert_eq!(c.shut_down(), 0);
}

/// The "disable rule" quick fix for `rule` on the draft's first line, applied to disk as an
/// editor would; returns the config's new text.
fn apply_disable(c: &mut Client, w: &World, draft: &str, rule: &str, config: &str) -> String {
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": draft}, "range": range((0, 0), (0, 40)), "context": {"diagnostics": []}}),
    );
    let title = format!("Disable rule `{rule}` in exlint.toml");
    let action = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == title.as_str())
        .unwrap_or_else(|| panic!("no `{title}` in {r}"))
        .clone();
    let ops = action["edit"]["documentChanges"].as_array().unwrap();
    let old = if w.path(config).exists() {
        w.read(config)
    } else {
        assert_eq!(ops[0]["kind"], "create", "{ops:?}");
        assert_eq!(ops[0]["uri"], w.uri(config));
        String::new()
    };
    let edit = ops.last().unwrap();
    assert_eq!(edit["textDocument"]["uri"], w.uri(config));
    let new = apply_edits(&old, edit["edits"].as_array().unwrap());
    w.write(config, &new);
    c.changed_on_disk(&w.uri(config));
    new
}

#[test]
fn the_disable_rule_fix_writes_a_config_the_loader_accepts() {
    let w = World::new();
    w.write(
        "project/exlint.toml",
        "# my settings\n[rules.shouting] # loud\nseverity = \"info\" # calm\n",
    );
    let mut c = w.client(&[], json!({"capabilities": full_capabilities()}));
    let draft = w.uri("project/drafts/draft.txt");
    c.open(&draft, "plaintext", PLEA);
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "begging", "shouting"]
    );

    let new = apply_disable(&mut c, &w, &draft, "begging", "project/exlint.toml");
    assert!(
        new.starts_with("# my settings\n[rules.shouting] # loud\n"),
        "{new}"
    );
    // What `exlint check` reads from it.
    let at = exlint::Locations {
        start_dir: w.path("project/drafts"),
        user_config_dir: None,
        cwd: None,
    };
    let resolved = exlint::Config::discover(&at).unwrap().resolve().unwrap();
    let state = |id: &str| {
        resolved
            .rule_states
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .clone()
    };
    assert!(!state("begging").enabled.value, "{new}");
    assert_eq!(state("shouting").severity.value, exlint::Severity::Info);
    // ...and the server, told by the watcher.
    assert_eq!(
        codes(&c.diagnostics(&draft, 1)),
        ["we-need-to-talk", "shouting"]
    );

    // No exlint.toml anywhere above: the fix creates one beside the draft.
    let lone = w.uri("lone/draft.txt");
    c.open(&lone, "plaintext", PLEA);
    c.diagnostics(&lone, 1);
    apply_disable(&mut c, &w, &lone, "we-need-to-talk", "lone/exlint.toml");
    let at = exlint::Locations {
        start_dir: w.path("lone"),
        user_config_dir: None,
        cwd: None,
    };
    let resolved = exlint::Config::discover(&at).unwrap().resolve().unwrap();
    assert!(
        resolved.rules.get("we-need-to-talk").is_none(),
        "turned off"
    );
    assert_eq!(codes(&c.diagnostics(&lone, 1)), ["begging", "shouting"]);
    assert_eq!(c.shut_down(), 0);
}

/// The server keeps to small pages from its first allocation on (`exlint::alloc::no_huge_pages`,
/// called from `.init_array`): a short draft's lint gains nothing from 2 MiB pages, and each one
/// costs a 2 MiB zeroing. Called from `main` instead, it came after the Rust runtime's first
/// allocation, which had already put two huge pages in mimalloc's arena.
#[cfg(target_os = "linux")]
#[test]
fn no_huge_pages_from_the_first_allocation_on() {
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
    if thp.as_deref().map_or(true, |s| s.contains("[never]")) {
        eprintln!("skipped: transparent huge pages are off on this machine");
        return;
    }
    let (mut c, _) = Client::initialize(json!({}));
    c.open(URI, "plaintext", "we need to talk. please come back");
    assert!(!c.diagnostics(URI, 1).is_empty());
    let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", c.child.id())).unwrap();
    let huge = rollup
        .lines()
        .find_map(|l| l.strip_prefix("AnonHugePages:"))
        .map(|kb| {
            kb.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .unwrap()
        });
    assert_eq!(huge, Some(0), "{rollup}");
    assert_eq!(c.shut_down(), 0);
}
