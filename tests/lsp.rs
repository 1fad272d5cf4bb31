//! `exlint lsp` over real stdio: the binary is started and spoken to as an editor would.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
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
