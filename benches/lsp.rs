//! Editor latency: the language server re-linting a 10 KB draft after one keystroke, end to end
//! (the didChange goes in over the same in-memory connection an editor's stdio would feed, and
//! the clock stops when the diagnostics for that version come out). Run with `cargo bench`.

use std::thread::JoinHandle;

use divan::Bencher;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

/// The allocator the `exlint` binary uses, so the numbers are the binary's.
#[global_allocator]
static ALLOC: exlint::alloc::Allocator = exlint::alloc::Allocator;

fn main() {
    exlint::alloc::no_huge_pages();
    divan::main();
}

const URI: &str = "file:///bench/draft.txt";

/// About `len` bytes of draft text in our own words, on short lines like a long message.
fn draft_of(len: usize) -> String {
    const LINES: &[&str] = &[
        "hey, i know it's late but i keep thinking about us",
        "we need to talk about what happened at the party",
        "pls just come back, i can't do this without u 🥺",
        "i saw ur story last night and it hurt more than i thought",
        "I'm sorry, I'm so sorry, I'm really sorry for everything",
        "thanks for dropping off the box, the plant is doing fine",
        "why did you never listen to me?? why???",
        "anyway, hope work is going well and the new flat is nice",
    ];
    let mut out = String::new();
    let mut i = 0;
    while out.len() < len {
        out.push_str(LINES[i % LINES.len()]);
        out.push_str(if i % 5 == 4 { "\n\n" } else { "\n" });
        i += 1;
    }
    out
}

struct Session {
    client: Connection,
    server: Option<JoinHandle<bool>>,
    version: i32,
}

impl Session {
    fn start(text: &str) -> Session {
        let (client, server) = Connection::memory();
        let server =
            std::thread::spawn(move || exlint::lsp::run(server, exlint::lsp::Options::default()));
        let s = Session {
            client,
            server: Some(server),
            version: 1,
        };
        s.request(1, "initialize", json!({ "capabilities": {} }));
        s.notify("initialized", json!({}));
        s.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": URI, "languageId": "plaintext", "version": 1, "text": text } }),
        );
        s.wait_for_diagnostics();
        s
    }

    fn send(&self, message: Message) {
        self.client.sender.send(message).expect("server is running");
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Message::Notification(Notification::new(
            method.to_owned(),
            params,
        )));
    }

    fn request(&self, id: i32, method: &str, params: Value) {
        self.send(Message::Request(Request::new(
            RequestId::from(id),
            method.to_owned(),
            params,
        )));
        loop {
            if let Message::Response(r) = self.client.receiver.recv().expect("server answers") {
                if r.id == RequestId::from(id) {
                    return;
                }
            }
        }
    }

    /// Block until the diagnostics of the current version are published.
    fn wait_for_diagnostics(&self) -> usize {
        loop {
            let Message::Notification(n) = self.client.receiver.recv().expect("server publishes")
            else {
                continue;
            };
            if n.method == "textDocument/publishDiagnostics"
                && n.params["version"].as_i64() == Some(i64::from(self.version))
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }

    /// One keystroke: type a letter at the start of line 3, or delete it again, so the document
    /// keeps its size from one iteration to the next.
    fn keystroke(&mut self) -> usize {
        self.version += 1;
        let (end, text) = if self.version % 2 == 0 {
            (0, "x")
        } else {
            (1, "")
        };
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": self.version },
                "contentChanges": [{
                    "range": { "start": { "line": 2, "character": 0 }, "end": { "line": 2, "character": end } },
                    "text": text,
                }],
            }),
        );
        self.wait_for_diagnostics()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.request(99, "shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

#[divan::bench(sample_count = 100)]
fn relint_10_kb_after_one_edit(bencher: Bencher) {
    let text = draft_of(10 * 1024);
    let mut session = Session::start(&text);
    bencher.bench_local(|| session.keystroke());
}
