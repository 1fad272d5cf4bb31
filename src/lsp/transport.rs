//! The wire: `Content-Length` framed JSON-RPC over any byte stream (stdin/stdout in practice).
//!
//! `lsp_server::Connection::stdio()` stops reading at the first malformed message, which ends the
//! server. An editor can send garbage (a plugin bug, a wrong `Content-Length`, a stray `print`);
//! this transport answers it with a JSON-RPC error and keeps going:
//!
//! - a body that is not JSON → `-32700 Parse error` (id `null`);
//! - JSON that is not a request, response or notification → `-32600 Invalid Request`, with the
//!   message's id when it has one;
//! - bytes that are not a header → one `-32700` for the whole run, then resynchronise on the next
//!   `Content-Length:`;
//! - a `Content-Length` that is too short → the cut body is a parse error, the rest is skipped;
//! - a `Content-Length` that is too long → the body swallows the start of the next message; it is
//!   split off at the next `Content-Length:`, and the message is answered with an error. If no
//!   next message comes, the body is checked after [`SHORT_BODY_WAIT`] of silence, so a request
//!   with a wrong length gets an error instead of a hang.
//!
//! Messages that are well framed reach the server unchanged, in order, on `Connection::receiver`.

use std::io::{self, Read, Write};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, select, unbounded};
use lsp_server::{Connection, ErrorCode, Message};
use serde_json::Value;

/// How long a body shorter than its `Content-Length` may stay incomplete before it is judged.
pub const SHORT_BODY_WAIT: Duration = Duration::from_millis(500);

/// Larger bodies are refused (a 1 MB draft is about 1.1 MB of JSON).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// The transport's threads. Join them after the server returns so every answer is written.
pub struct IoThreads {
    framer: JoinHandle<()>,
    writer: JoinHandle<io::Result<()>>,
}

impl IoThreads {
    /// Wait until the last message is written. The thread blocked reading the input is not
    /// waited for: after `exit` nothing more is read, and the process ends with it.
    pub fn join(self) -> io::Result<()> {
        let _ = self.framer.join();
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the LSP writer thread panicked")))
    }
}

/// A connection over this process's stdin and stdout.
pub fn stdio() -> (Connection, IoThreads) {
    connect(io::stdin(), io::stdout())
}

/// A connection over any byte streams.
pub fn connect<R, W>(input: R, output: W) -> (Connection, IoThreads)
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let (chunk_tx, chunk_rx) = unbounded::<Vec<u8>>();
    let (in_tx, in_rx) = unbounded::<Message>();
    let (out_tx, out_rx) = unbounded::<Message>();
    let (raw_tx, raw_rx) = unbounded::<String>();

    // Detached: a blocking read cannot be interrupted, and the process exit ends it.
    let _reader = thread::Builder::new()
        .name("exlint-lsp-reader".into())
        .spawn(move || read_chunks(input, chunk_tx));
    let framer = thread::Builder::new()
        .name("exlint-lsp-framer".into())
        .spawn(move || Framer::new(chunk_rx, in_tx, raw_tx).run())
        .expect("spawn the LSP framer thread");
    let writer = thread::Builder::new()
        .name("exlint-lsp-writer".into())
        .spawn(move || write_messages(output, out_rx, raw_rx))
        .expect("spawn the LSP writer thread");
    (
        Connection {
            sender: out_tx,
            receiver: in_rx,
        },
        IoThreads { framer, writer },
    )
}

/// Frame a whole byte stream at once, without threads or waits: the messages the server would
/// receive, in order, and the error answers the transport would write. The input is fed in
/// `chunk`-byte pieces (at least 1) so split headers and bodies are exercised too. For fuzzing and
/// tests; [`connect`] is the real thing.
#[doc(hidden)]
pub fn frame_all(input: &[u8], chunk: usize) -> (Vec<Message>, Vec<String>) {
    let (chunk_tx, chunk_rx) = unbounded::<Vec<u8>>();
    let (in_tx, in_rx) = unbounded::<Message>();
    let (raw_tx, raw_rx) = unbounded::<String>();
    for piece in input.chunks(chunk.max(1)) {
        let _ = chunk_tx.send(piece.to_vec());
    }
    // A closed input: the framer never waits, so a short body is judged at once.
    drop(chunk_tx);
    Framer::new(chunk_rx, in_tx, raw_tx).run();
    (in_rx.try_iter().collect(), raw_rx.try_iter().collect())
}

fn read_chunks(mut input: impl Read, chunks: Sender<Vec<u8>>) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if chunks.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
    }
}

/// Write each message in its frame. Messages from the server come first; error answers from the
/// framer are interleaved as they arrive. Stops when the server hangs up.
fn write_messages(
    mut output: impl Write,
    messages: Receiver<Message>,
    raw: Receiver<String>,
) -> io::Result<()> {
    let mut raw_open = true;
    let mut result = Ok(());
    let mut write = |text: &str| {
        if result.is_ok() {
            result = write_frame(&mut output, text);
        }
    };
    loop {
        let text = if raw_open {
            select! {
                recv(messages) -> m => match m {
                    Ok(m) => encode(&m),
                    Err(_) => break,
                },
                recv(raw) -> r => match r {
                    Ok(r) => r,
                    Err(_) => {
                        raw_open = false;
                        continue;
                    }
                },
            }
        } else {
            match messages.recv() {
                Ok(m) => encode(&m),
                Err(_) => break,
            }
        };
        write(&text);
    }
    for text in raw.try_iter() {
        write(&text);
    }
    result
}

fn encode(message: &Message) -> String {
    #[derive(serde::Serialize)]
    struct JsonRpc<'a> {
        jsonrpc: &'static str,
        #[serde(flatten)]
        msg: &'a Message,
    }
    serde_json::to_string(&JsonRpc {
        jsonrpc: "2.0",
        msg: message,
    })
    .unwrap_or_else(|e| error_json(&Value::Null, ErrorCode::InternalError, &e.to_string()))
}

fn write_frame(output: &mut impl Write, text: &str) -> io::Result<()> {
    write!(output, "Content-Length: {}\r\n\r\n", text.len())?;
    output.write_all(text.as_bytes())?;
    output.flush()
}

/// A JSON-RPC error response as text; `id` may be `null`, which `lsp_server::Response` cannot say.
pub fn error_json(id: &Value, code: ErrorCode, message: &str) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
    .to_string()
}

/// What the framer found at the front of its buffer.
enum Frame {
    /// A header block and the length of the body that follows it.
    Header { header_len: usize, body_len: usize },
    /// A header block that names no usable length.
    BadHeader { header_len: usize, problem: String },
    /// Bytes that are not a header; skip this many (and say so).
    Garbage(usize),
    /// Blank lines between messages; skip them quietly.
    Blank(usize),
    /// Not enough bytes yet to tell.
    Incomplete,
}

struct Framer {
    chunks: Receiver<Vec<u8>>,
    messages: Sender<Message>,
    errors: Sender<String>,
    buf: Vec<u8>,
    input_open: bool,
    /// Set while skipping a run of garbage, so the run is reported once.
    in_garbage: bool,
}

impl Framer {
    fn new(chunks: Receiver<Vec<u8>>, messages: Sender<Message>, errors: Sender<String>) -> Self {
        Framer {
            chunks,
            messages,
            errors,
            buf: Vec::new(),
            input_open: true,
            in_garbage: false,
        }
    }

    fn run(mut self) {
        loop {
            match next_frame(&self.buf) {
                Frame::Incomplete => {
                    if !self.more(None) {
                        return;
                    }
                }
                Frame::Blank(n) => {
                    self.buf.drain(..n);
                }
                Frame::Garbage(n) => {
                    self.buf.drain(..n);
                    if !self.in_garbage {
                        self.in_garbage = true;
                        self.error(
                            &Value::Null,
                            ErrorCode::ParseError,
                            "input that is not an LSP message (expected a `Content-Length: N` header); skipped up to the next header",
                        );
                    }
                }
                Frame::BadHeader {
                    header_len,
                    problem,
                } => {
                    self.in_garbage = false;
                    self.buf.drain(..header_len);
                    self.error(&Value::Null, ErrorCode::ParseError, &problem);
                    // Whatever body follows has no known length: skip to the next header.
                    self.in_garbage = true;
                    let skip = find_content_length(&self.buf, 0).unwrap_or(self.buf.len());
                    self.buf.drain(..skip);
                }
                Frame::Header {
                    header_len,
                    body_len,
                } => {
                    self.in_garbage = false;
                    if !self.body(header_len, body_len) {
                        return;
                    }
                }
            }
        }
    }

    /// Handle one framed body; false when the server is gone or `exit` was passed on.
    fn body(&mut self, header_len: usize, body_len: usize) -> bool {
        let end = header_len + body_len;
        // Wait for the whole body; judge it early if it stops short and stays short.
        // Where to look for a following header next: each byte is scanned once.
        let mut scanned = header_len;
        while self.buf.len() < end {
            // A whole message followed by the next header, inside the declared length: the length
            // is too long. (A draft may contain the words "Content-Length:", but then what comes
            // before them is not a whole JSON value.)
            while let Some(next) = find_content_length(&self.buf, scanned) {
                scanned = next + 1;
                if complete_json(&self.buf[header_len..next]) {
                    let text = self.buf[header_len..next].to_vec();
                    self.buf.drain(..next);
                    self.wrong_length(&text, body_len);
                    return true;
                }
            }
            scanned = scanned.max(self.buf.len().saturating_sub(CONTENT_LENGTH.len() - 1));
            let wait = if complete_json(&self.buf[header_len..]) {
                Some(SHORT_BODY_WAIT)
            } else {
                None
            };
            if !self.more(wait) {
                if !self.input_open && self.buf.len() < end {
                    // The input ended inside the body: nothing left to answer to.
                    self.buf.clear();
                    return false;
                }
                if self.buf.len() < end {
                    let text = self.buf.split_off(header_len);
                    self.buf.clear();
                    self.wrong_length(&text, body_len);
                    return true;
                }
            }
        }
        let body: Vec<u8> = self.buf.drain(..end).skip(header_len).collect();
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => self.deliver(value),
            Err(e) => {
                if let Some(next) = find_content_length(&body, 0) {
                    // The next message's header is inside: give those bytes back so that message
                    // is still read.
                    let mut rest = body[next..].to_vec();
                    rest.append(&mut self.buf);
                    self.buf = rest;
                    if complete_json(&body[..next]) {
                        self.wrong_length(&body[..next], body_len);
                    } else {
                        self.error(
                            &Value::Null,
                            ErrorCode::ParseError,
                            &format!("message body is not valid JSON: {e}"),
                        );
                    }
                } else {
                    self.error(
                        &Value::Null,
                        ErrorCode::ParseError,
                        &format!("message body is not valid JSON: {e}"),
                    );
                }
                true
            }
        }
    }

    /// Answer a body whose `Content-Length` did not match it.
    fn wrong_length(&mut self, text: &[u8], declared: usize) {
        let trimmed = text.trim_ascii_end();
        let id = serde_json::from_slice::<Value>(trimmed)
            .ok()
            .and_then(|v| v.get("id").cloned())
            .unwrap_or(Value::Null);
        self.error(
            &id,
            ErrorCode::ParseError,
            &format!(
                "Content-Length says {declared} bytes but the message has {}; message ignored",
                trimmed.len()
            ),
        );
    }

    /// Pass a JSON value on as a message, or answer that it is not one.
    fn deliver(&mut self, value: Value) -> bool {
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        let invalid = |why: &str| (id.clone(), why.to_owned());
        let checked = match &value {
            Value::Object(map) => match map.get("method") {
                Some(Value::String(_)) | None => Ok(()),
                Some(_) => Err(invalid("`method` must be a string")),
            },
            Value::Array(_) => Err(invalid("batch messages are not part of LSP")),
            _ => Err(invalid("a message must be a JSON object")),
        };
        let message = checked.and_then(|()| {
            serde_json::from_value::<Message>(value).map_err(|e| {
                invalid(&format!(
                    "not a JSON-RPC request, response or notification: {e}"
                ))
            })
        });
        match message {
            Ok(message) => {
                let is_exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if self.messages.send(message).is_err() || is_exit {
                    return false;
                }
            }
            Err((id, why)) => self.error(&id, ErrorCode::InvalidRequest, &why),
        }
        true
    }

    fn error(&self, id: &Value, code: ErrorCode, message: &str) {
        let _ = self.errors.send(error_json(id, code, message));
    }

    /// Read more input. `wait` bounds the wait; false when nothing came (timeout or end of input).
    fn more(&mut self, wait: Option<Duration>) -> bool {
        if !self.input_open {
            return false;
        }
        let chunk = match wait {
            None => self
                .chunks
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) => self.chunks.recv_timeout(d),
        };
        match chunk {
            Ok(chunk) => {
                self.buf.extend_from_slice(&chunk);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.input_open = false;
                false
            }
        }
    }
}

/// Parse the header block at the front of `buf`.
fn next_frame(buf: &[u8]) -> Frame {
    // Blank lines between messages are harmless.
    let lead = buf
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    if lead > 0 {
        return Frame::Blank(lead);
    }
    let mut pos = 0;
    let mut length: Option<Result<usize, String>> = None;
    loop {
        let rest = &buf[pos..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            // A partial line: fine while it can still become a header.
            return if could_be_header(rest) {
                Frame::Incomplete
            } else {
                Frame::Garbage(garbage_len(buf))
            };
        };
        let line = rest[..nl].strip_suffix(b"\r").unwrap_or(&rest[..nl]);
        // Garbage glued to the front of a header ("…}Content-Length: 52"): skip to the header.
        if let Some(p) = find_content_length(line, 1) {
            return Frame::Garbage(pos + p);
        }
        pos += nl + 1;
        if line.is_empty() {
            return match length {
                Some(Ok(body_len)) => Frame::Header {
                    header_len: pos,
                    body_len,
                },
                Some(Err(problem)) => Frame::BadHeader {
                    header_len: pos,
                    problem,
                },
                None => Frame::BadHeader {
                    header_len: pos,
                    problem: "header block without a Content-Length".into(),
                },
            };
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Frame::Garbage(garbage_len(buf));
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if !is_header_name(name) {
            return Frame::Garbage(garbage_len(buf));
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let value = String::from_utf8_lossy(value);
            length = Some(match value.trim().parse::<usize>() {
                Ok(n) if n <= MAX_BODY => Ok(n),
                Ok(n) => Err(format!(
                    "Content-Length {n} is larger than the {MAX_BODY} bytes exlint accepts"
                )),
                Err(_) => Err(format!("Content-Length `{}` is not a number", value.trim())),
            });
        }
    }
}

fn is_header_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// Whether a partial line could still turn into `Name: value`.
fn could_be_header(partial: &[u8]) -> bool {
    match partial.iter().position(|&b| b == b':') {
        Some(colon) => is_header_name(&partial[..colon]),
        None => partial
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'\r'),
    }
}

/// How much of `buf` to skip as garbage: up to the next `Content-Length:`, or all
/// but a tail that could be the start of one.
fn garbage_len(buf: &[u8]) -> usize {
    find_content_length(buf, 1).unwrap_or_else(|| {
        let keep = CONTENT_LENGTH.len() - 1;
        buf.len().saturating_sub(keep).max(1)
    })
}

/// The position of the next `Content-Length:` (any case) at or after `from`.
fn find_content_length(buf: &[u8], from: usize) -> Option<usize> {
    if buf.len() < CONTENT_LENGTH.len() {
        return None;
    }
    (from..=buf.len() - CONTENT_LENGTH.len())
        .find(|&i| buf[i..i + CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Whether `bytes` hold one whole JSON value (and trailing whitespace), as a complete body would.
fn complete_json(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii();
    trimmed.first() == Some(&b'{')
        && trimmed.last() == Some(&b'}')
        && serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// Feed `input` through a transport; collect what reaches the server and what is answered.
    fn run(input: &[u8]) -> (Vec<Message>, Vec<Value>) {
        let (chunk_tx, chunk_rx) = unbounded();
        let (in_tx, in_rx) = unbounded();
        let (raw_tx, raw_rx) = unbounded();
        chunk_tx.send(input.to_vec()).unwrap();
        drop(chunk_tx);
        Framer::new(chunk_rx, in_tx, raw_tx).run();
        let errors = raw_rx
            .try_iter()
            .map(|s| serde_json::from_str(&s).unwrap())
            .collect();
        (in_rx.try_iter().collect(), errors)
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#;

    #[test]
    fn well_formed_messages_pass_through() {
        let input = format!("{}{}", frame(PING), frame(PING));
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn invalid_json_is_a_parse_error_and_reading_goes_on() {
        let input = format!("{}{}", frame("{not json"), frame(PING));
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0]["error"]["code"], -32700);
        assert_eq!(errors[0]["id"], Value::Null);
    }

    #[test]
    fn json_that_is_not_a_message_is_an_invalid_request_with_its_id() {
        let input = format!(
            "{}{}{}",
            frame(r#"{"jsonrpc":"2.0","id":3,"method":42}"#),
            frame("[1,2]"),
            frame(PING)
        );
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 1);
        assert_eq!(errors[0]["error"]["code"], -32600);
        assert_eq!(errors[0]["id"], 3);
        assert_eq!(errors[1]["error"]["code"], -32600);
    }

    #[test]
    fn garbage_between_messages_is_reported_once_and_skipped() {
        let input = format!(
            "hello there\nthis is not LSP\n{}GARBAGE{}",
            frame(PING),
            frame(PING)
        );
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e["error"]["code"] == -32700));
    }

    #[test]
    fn a_short_content_length_loses_only_that_message() {
        let input = format!(
            "Content-Length: 10\r\n\r\n{PING}{}",
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
        );
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 1, "{errors:?}");
        assert!(matches!(&msgs[0], Message::Notification(n) if n.method == "initialized"));
        assert!(!errors.is_empty());
    }

    #[test]
    fn a_long_content_length_is_answered_and_the_next_message_survives() {
        let input = format!(
            "Content-Length: {}\r\n\r\n{PING}{}",
            PING.len() + 20,
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
        );
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 1, "{errors:?}");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0]["id"], 7, "the answer names the request");
        assert!(
            errors[0]["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Content-Length")
        );
    }

    #[test]
    fn a_long_content_length_at_the_end_is_answered_after_a_pause() {
        let (chunk_tx, chunk_rx) = unbounded();
        let (in_tx, in_rx) = unbounded::<Message>();
        let (raw_tx, raw_rx) = unbounded();
        let framer = thread::spawn(move || Framer::new(chunk_rx, in_tx, raw_tx).run());
        let input = format!("Content-Length: {}\r\n\r\n{PING}", PING.len() + 5);
        chunk_tx.send(input.into_bytes()).unwrap();
        // The input stays open: the answer must come from the pause, not from the end.
        let answer: Value =
            serde_json::from_str(&raw_rx.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
        assert_eq!(answer["id"], 7);
        drop(chunk_tx);
        framer.join().unwrap();
        assert_eq!(in_rx.try_iter().count(), 0);
    }

    #[test]
    fn the_words_content_length_inside_a_message_are_just_text() {
        let body =
            r#"{"jsonrpc":"2.0","method":"x","params":{"text":"} Content-Length: 5\r\n\r\n{}"}}"#;
        let input = frame(body);
        let (chunk_tx, chunk_rx) = unbounded();
        let (in_tx, in_rx) = unbounded();
        let (raw_tx, raw_rx) = unbounded();
        // Delivered in small pieces, so the framer looks at partial bodies.
        for b in input.as_bytes().chunks(7) {
            chunk_tx.send(b.to_vec()).unwrap();
        }
        drop(chunk_tx);
        Framer::new(chunk_rx, in_tx, raw_tx).run();
        assert_eq!(raw_rx.try_iter().count(), 0);
        let msgs: Vec<Message> = in_rx.try_iter().collect();
        assert!(
            matches!(&msgs[..], [Message::Notification(n)] if n.params["text"].as_str().unwrap().contains("Content-Length: 5"))
        );
    }

    #[test]
    fn bad_header_values_are_errors() {
        let input = format!(
            "Content-Length: abc\r\n\r\n{PING}{}Content-Type: x\r\n\r\n{PING}{}",
            frame(PING),
            frame(PING)
        );
        let (msgs, errors) = run(input.as_bytes());
        assert_eq!(msgs.len(), 2);
        assert!(errors.len() >= 2, "{errors:?}");
    }

    #[test]
    fn messages_split_across_reads_are_joined() {
        let (chunk_tx, chunk_rx) = unbounded();
        let (in_tx, in_rx) = unbounded();
        let (raw_tx, _raw_rx) = unbounded();
        let input = frame(PING).repeat(3);
        for b in input.as_bytes().chunks(5) {
            chunk_tx.send(b.to_vec()).unwrap();
        }
        drop(chunk_tx);
        Framer::new(chunk_rx, in_tx, raw_tx).run();
        assert_eq!(in_rx.try_iter().count(), 3);
    }

    #[test]
    fn nothing_is_read_after_exit() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!("{}{}", frame(exit), frame(PING));
        let (msgs, _) = run(input.as_bytes());
        assert_eq!(msgs.len(), 1);
    }
}
