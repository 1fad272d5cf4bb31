//! Reading input: bytes → a `Draft` (or a `Conversation`, for chat exports). UTF-8 only; a BOM
//! is skipped but kept in the source so spans still point into the bytes as read. Draft headers
//! (front matter, email headers) are split off the body the same way: kept in the source, not
//! linted.
//!
//! One file per format: `front_matter`, `email`, `whatsapp`, `telegram`, `exlint_json` (with the
//! span-keeping JSON reader in `json`).

pub mod email;
pub mod exlint_json;
pub mod front_matter;
pub mod json;
pub mod telegram;
pub mod whatsapp;

use std::fmt;
use std::ops::Range;

use crate::context::Context;
use crate::conversation::Conversation;
use crate::draft::{ColumnUnit, Draft, LineIndex};
use crate::time::SendAt;

/// Why some input could not become a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The bytes are not UTF-8. `offset` is the first bad byte; line and column (1-based, in
    /// chars) locate it in the valid text before it.
    InvalidUtf8 {
        path: String,
        offset: usize,
        line: usize,
        column: usize,
    },
    /// The file could not be read.
    Io { path: String, message: String },
    /// A header or an export that says something we cannot read. `line` is 1-based.
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    /// The input is larger than the maximum input size (`limit` bytes); `export`: the limit of
    /// a chat export, which the start of the input showed it to be.
    TooLarge {
        path: String,
        limit: u64,
        export: bool,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::InvalidUtf8 {
                path,
                offset,
                line,
                column,
            } => write!(
                f,
                "{path}: not valid UTF-8 at byte {offset} (line {line}, column {column}); exlint reads UTF-8 text only"
            ),
            InputError::Io { path, message } => write!(f, "{path}: {message}"),
            InputError::Syntax {
                path,
                line,
                message,
            } => write!(f, "{path}:{line}: {message}"),
            InputError::TooLarge {
                path,
                limit,
                export,
            } => write!(
                f,
                "{path}: larger than the maximum input size of {}{}; raise it with --max-input-size or `max-input-size` in exlint.toml",
                describe_size(*limit),
                if *export { " for a chat export" } else { "" }
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// A format parser's error before it knows the file's name: a byte offset and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    pub fn new(offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            message: message.into(),
        }
    }

    fn into_input_error(self, path: &str, source: &str) -> InputError {
        InputError::Syntax {
            path: path.to_owned(),
            line: line_number(source, self.offset),
            message: self.message,
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_number(source: &str, offset: usize) -> usize {
    LineIndex::new(source).line_of(offset) + 1
}

/// Which kind of header a draft had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// `---` / `key: value` lines / `---`
    FrontMatter,
    /// RFC 5322 header fields, then a blank line.
    Email,
}

/// A draft's own header: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub kind: HeaderKind,
    /// The whole header, delimiters and the blank line included.
    pub span: Range<usize>,
    /// `send-at:` or `Date:`, with where its value is written.
    pub send_at: Option<(SendAt, Range<usize>)>,
    /// `to:` or `To:`.
    pub to: Option<String>,
}

/// What a file turned out to be.
#[derive(Debug)]
pub enum Input {
    Draft(Box<Draft>),
    Conversation(Conversation),
}

const BOM: &str = "\u{feff}";

/// The largest draft read by default: 16 MiB. A draft is a few KB; past this it is almost
/// certainly the wrong file, and reading it would only cost memory and time.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 16 * 1024 * 1024;

/// The largest chat export read by default: 256 MiB. Years of a busy chat's text export run to
/// tens of MB; reviewing one takes about 2.5 to 3 times its size in memory.
pub const DEFAULT_MAX_EXPORT_SIZE: u64 = 256 * 1024 * 1024;

/// The largest `max-input-size` allowed: 2 GiB. The normalized view counts a text's distinct
/// spellings, their readings and words in 32 bits, and there are never many more of them than
/// the text has bytes, so a text up to 2 GiB always fits; larger ones have never been tested.
/// Ten years of a busy chat is a few hundred MB.
pub const MAX_INPUT_SIZE_LIMIT: u64 = 2 << 30;

/// How much of an input is read before deciding whether it is a chat export (and so which limit
/// holds): the start of a JSON export names its `messages` within this, and a WhatsApp export's
/// first line is a timestamp.
pub const PEEK: usize = 64 * 1024;

/// The largest inputs read: a draft, and a chat export (told apart by how the input starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimits {
    pub draft: u64,
    pub export: u64,
}

impl SizeLimits {
    /// 16 MiB for a draft, 256 MiB for a chat export.
    pub const DEFAULT: SizeLimits = SizeLimits {
        draft: DEFAULT_MAX_INPUT_SIZE,
        export: DEFAULT_MAX_EXPORT_SIZE,
    };

    /// How much of an input decides which limit holds: `PEEK` bytes, or one more than the
    /// smaller limit (an input longer than that is too large either way).
    fn peek(self) -> u64 {
        (PEEK as u64).min(self.draft.min(self.export).saturating_add(1))
    }

    /// The limit for the input that starts with `head` (the first `peek` bytes count), and
    /// whether it is an export's.
    fn for_input(self, head: &[u8]) -> (u64, bool) {
        let head = &head[..head
            .len()
            .min(usize::try_from(self.peek()).unwrap_or(usize::MAX))];
        let export = self.export != self.draft && starts_like_export(head);
        (if export { self.export } else { self.draft }, export)
    }

    /// One limit for every input: what a `max-input-size` the user set means.
    pub fn both(limit: u64) -> SizeLimits {
        SizeLimits {
            draft: limit,
            export: limit,
        }
    }
}

/// Does an input that starts with `prefix` (any number of bytes, maybe cut inside a character)
/// look like a chat export that [`load`] reads as a conversation?
pub fn starts_like_export(prefix: &[u8]) -> bool {
    let valid = match std::str::from_utf8(prefix) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or(""),
    };
    let text = valid.strip_prefix(BOM).unwrap_or(valid);
    json::looks_like_export(text) || whatsapp::detect(text)
}

/// A size as people write it: `16MiB`, `500 KB`, `2g`, `1048576` (bytes). Units are powers of
/// 1024 whether or not they say "i".
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let bad = || format!("`{text}` is not a size like 16MiB, 500KB or 1048576 (bytes)");
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(bad()),
    };
    let size = number.checked_mul(1 << shift).ok_or_else(bad)?;
    check_input_size(size, text)
}

/// `size` (written `shown`) as a maximum input size: at least 1 byte, at most
/// [`MAX_INPUT_SIZE_LIMIT`].
pub fn check_input_size(size: u64, shown: &str) -> Result<u64, String> {
    match size {
        0 => Err(format!(
            "`{shown}`: the maximum input size must be at least 1 byte"
        )),
        n if n > MAX_INPUT_SIZE_LIMIT => Err(format!(
            "`{shown}`: the maximum input size can be at most {}",
            describe_size(MAX_INPUT_SIZE_LIMIT)
        )),
        n => Ok(n),
    }
}

/// A size for people: "16 MiB" when it is a whole number of a unit, else bytes.
pub fn describe_size(n: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n % (1 << shift) == 0 {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// Read all of `reader` up to its limit: a chat export may be as big as `limits.export`, anything
/// else `limits.draft` (the first 64 KiB decide which). A longer input is
/// [`InputError::TooLarge`] after reading at most one byte past its limit, however long it
/// really is. `len`, when known (a regular file's size), refuses a file over its limit after
/// only a peek at its start, and sizes the buffer exactly.
pub fn read_limited(
    mut reader: impl std::io::Read,
    limits: SizeLimits,
    len: Option<u64>,
    path: &str,
) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let io_error = |e: std::io::Error| InputError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let too_large = |limit, export| InputError::TooLarge {
        path: path.to_owned(),
        limit,
        export,
    };
    let peek = limits.peek();
    // A file's size is known and within both limits: room for all of it and the read that finds
    // its end, so a draft is one read and one empty read. Past a limit, room for the peek only:
    // a file far too big costs next to nothing.
    let mut bytes = Vec::new();
    if let Some(n) = len {
        let room = if n <= limits.draft.min(limits.export) {
            n
        } else {
            peek
        };
        // Only a hint, as below.
        let _ = bytes.try_reserve_exact(usize::try_from(room.saturating_add(1)).unwrap_or(0));
    }
    (&mut reader)
        .take(peek)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    // Fewer bytes than asked for: the reader is at its end already.
    let at_end = (bytes.len() as u64) < peek;
    let (limit, export) = limits.for_input(&bytes);
    let read = bytes.len() as u64;
    if read > limit || len.is_some_and(|n| n > limit) {
        return Err(too_large(limit, export));
    }
    if at_end {
        return Ok(bytes);
    }
    if let Some(n) = len {
        // One byte more than the rest, so the read that finds the end needs no new buffer.
        let rest = n.saturating_sub(read).saturating_add(1);
        // Only a hint: if it cannot be had at once, reading grows the buffer as it goes.
        let _ = bytes.try_reserve_exact(usize::try_from(rest).unwrap_or(usize::MAX));
    }
    reader
        .take((limit - read).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit, export));
    }
    Ok(bytes)
}

/// What [`read_limited`] makes of an input already read whole: the same bytes, or the same
/// [`InputError::TooLarge`].
pub fn within_limits(
    bytes: Vec<u8>,
    limits: SizeLimits,
    path: &str,
) -> Result<Vec<u8>, InputError> {
    let (limit, export) = limits.for_input(&bytes);
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_owned(),
            limit,
            export,
        });
    }
    Ok(bytes)
}

fn decode(bytes: Vec<u8>, path: &str) -> Result<String, InputError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The prefix is valid by definition, so this cannot fail; be defensive anyway.
            let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
            let pos = LineIndex::new(valid).line_col(offset, ColumnUnit::Char);
            Err(InputError::InvalidUtf8 {
                path: path.to_owned(),
                offset,
                line: pos.line + 1,
                column: pos.col + 1,
            })
        }
    }
}

fn bom_len(source: &str) -> usize {
    if source.starts_with(BOM) {
        BOM.len()
    } else {
        0
    }
}

/// Turn raw bytes into a draft. `path` is only used in errors. Front matter or email headers are
/// split off the body; chat exports are not recognised here (see [`load`]).
pub fn read(bytes: Vec<u8>, path: &str) -> Result<Draft, InputError> {
    let source = decode(bytes, path)?;
    draft_from(source, path)
}

fn draft_from(source: String, path: &str) -> Result<Draft, InputError> {
    let start = bom_len(&source);
    let header = match front_matter::parse(&source, start) {
        Ok(Some(h)) => Some(h),
        Ok(None) => email::parse(&source, start).map_err(|e| e.into_input_error(path, &source))?,
        Err(e) => return Err(e.into_input_error(path, &source)),
    };
    let body_start = header.as_ref().map_or(start, |h| h.span.end);
    let end = source.len();
    Ok(Draft::with_body(source, body_start..end).with_header(header))
}

/// Read a file of any kind: a chat export (WhatsApp, Telegram JSON, exlint JSON; told apart by
/// content) becomes a `Conversation`, anything else a `Draft`. Local times in exports are read in
/// `context.timezone`; WhatsApp dates follow `context.date_order` when the file does not decide.
pub fn load(bytes: Vec<u8>, path: &str, context: &Context) -> Result<Input, InputError> {
    let source = decode(bytes, path)?;
    let start = bom_len(&source);
    let text = &source[start..];
    if json::looks_like_export(text) {
        let parsed = json::parse(&source, start).map_err(|e| e.into_input_error(path, &source))?;
        let conversation = if exlint_json::is_exlint(&parsed) {
            exlint_json::convert(&source, &parsed, context)
        } else {
            telegram::convert(&source, &parsed, context)
        };
        return conversation
            .map(Input::Conversation)
            .map_err(|e| e.into_input_error(path, &source));
    }
    if whatsapp::detect(text) {
        let layout = whatsapp::read_layout(&source, context)
            .map_err(|e| e.into_input_error(path, &source))?;
        return Ok(Input::Conversation(Conversation::whatsapp(source, layout)));
    }
    draft_from(source, path).map(|d| Input::Draft(Box::new(d)))
}

/// Lines of `source` from `from`: (start, end without the line break, start of the next line).
pub(crate) fn lines_from(source: &str, from: usize) -> LineSpans<'_> {
    LineSpans {
        bytes: source.as_bytes(),
        pos: from,
    }
}

/// The iterator of [`lines_from`], named so a reader can keep one in a struct.
#[derive(Debug, Clone)]
pub(crate) struct LineSpans<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for LineSpans<'_> {
    type Item = (usize, usize, usize);

    fn next(&mut self) -> Option<(usize, usize, usize)> {
        let bytes = self.bytes;
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |i| start + i);
        let mut next = end;
        if next < bytes.len() {
            next += 1;
            if bytes[end] == b'\r' && next < bytes.len() && bytes[next] == b'\n' {
                next += 1;
            }
        }
        self.pos = next;
        Some((start, end, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_offset_and_position() {
        let err = read(b"ok\nab\xffcd".to_vec(), "d.txt").unwrap_err();
        assert_eq!(
            err,
            InputError::InvalidUtf8 {
                path: "d.txt".into(),
                offset: 5,
                line: 2,
                column: 3
            }
        );
        assert!(err.to_string().contains("byte 5"));
    }

    #[test]
    fn bom_is_skipped_but_spans_stay_in_the_bytes() {
        let draft = read("\u{feff}hi there".as_bytes().to_vec(), "-").unwrap();
        assert_eq!(draft.body(), "hi there");
        assert_eq!(draft.body_span(), 3..11);
        assert_eq!(draft.words()[0], 3..5);
    }

    #[test]
    fn truncated_multibyte_char_is_an_error() {
        let mut bytes = "héllo 😀".as_bytes().to_vec();
        bytes.pop();
        assert!(matches!(
            read(bytes, "-"),
            Err(InputError::InvalidUtf8 { offset: 7, .. })
        ));
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("16MiB"), Ok(DEFAULT_MAX_INPUT_SIZE));
        assert_eq!(parse_size(" 500 kb "), Ok(500 * 1024));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2147483648"), Ok(MAX_INPUT_SIZE_LIMIT));
        assert_eq!(
            parse_size("3GiB"),
            Err("`3GiB`: the maximum input size can be at most 2 GiB".into())
        );
        assert!(parse_size("2147483649").is_err());
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        for bad in [
            "",
            "MiB",
            "-1",
            "1.5MB",
            "12 parsecs",
            "0",
            "99999999999999999999GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(describe_size(DEFAULT_MAX_INPUT_SIZE), "16 MiB");
        assert_eq!(describe_size(1536), "1536 bytes");
        assert_eq!(describe_size(3 << 10), "3 KiB");
    }

    #[test]
    fn reading_stops_past_the_limit() {
        let one = |n| SizeLimits::both(n);
        assert_eq!(
            read_limited(&b"12345"[..], one(5), None, "d").unwrap(),
            b"12345"
        );
        let err = read_limited(std::io::repeat(b'x'), one(1 << 20), None, "big.txt").unwrap_err();
        assert_eq!(
            err,
            InputError::TooLarge {
                path: "big.txt".into(),
                limit: 1 << 20,
                export: false,
            }
        );
        assert!(
            err.to_string()
                .starts_with("big.txt: larger than the maximum input size of 1 MiB;")
        );
        // A size known in advance is refused before reading on, and allowed when it fits.
        let err = read_limited(&b"12345"[..], one(3), Some(1 << 40), "d").unwrap_err();
        assert!(matches!(err, InputError::TooLarge { limit: 3, .. }));
        assert_eq!(
            read_limited(&b"12345"[..], one(5), Some(5), "d").unwrap(),
            b"12345"
        );
    }

    /// A file whose size is known and within both limits is read into one buffer of its size
    /// (and the byte that finds its end): no growing by copying, and no fresh pages touched
    /// for the copies. Past a limit, only the peek gets room.
    #[test]
    fn a_known_size_within_the_limits_is_read_into_one_buffer() {
        /// A reader that keeps the room offered to its first read.
        struct Counted<'a>(&'a [u8], Option<usize>);
        impl std::io::Read for Counted<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.1.get_or_insert(buf.len());
                self.0.read(buf)
            }
        }
        let text = "i miss you\n".repeat(20_000);
        assert!(text.len() > PEEK);
        let mut reader = Counted(text.as_bytes(), None);
        let read = read_limited(
            &mut reader,
            SizeLimits::DEFAULT,
            Some(text.len() as u64),
            "d.txt",
        )
        .unwrap();
        assert_eq!(read, text.as_bytes());
        assert_eq!(read.capacity(), text.len() + 1);
        // Reading starts into the room made (an empty buffer starts with a 32-byte probe).
        assert!(reader.1 >= Some(8 * 1024), "{:?}", reader.1);
        // A size past the draft limit (the export limit is higher): room for the peek first.
        let limits = SizeLimits {
            draft: 100_000,
            export: 1 << 20,
        };
        let read = read_limited(text.as_bytes(), limits, Some(text.len() as u64), "d.txt");
        assert!(matches!(read, Err(InputError::TooLarge { .. })));
    }

    /// An input read ahead of its limits and checked afterwards meets the same fate as one
    /// read within them: drafts and exports, at, under and over each limit.
    #[test]
    fn checking_after_reading_is_reading_within_the_limits() {
        let chat = "28/11/2026, 14:02 - Sam: hi\n";
        let limit_sets = [
            SizeLimits {
                draft: 100,
                export: 1000,
            },
            SizeLimits::both(100),
            SizeLimits::both(PEEK as u64 + 50),
            SizeLimits::DEFAULT,
        ];
        for limits in limit_sets {
            for start in ["", chat, "{\"messages\": []}\n"] {
                for len in [
                    0,
                    1,
                    99,
                    100,
                    101,
                    999,
                    1000,
                    1001,
                    PEEK,
                    PEEK + 50,
                    PEEK + 51,
                ] {
                    let mut text = start.to_owned();
                    text.push_str(&"a".repeat(len.saturating_sub(start.len())));
                    let bytes = text.into_bytes();
                    assert_eq!(
                        within_limits(bytes.clone(), limits, "d.txt"),
                        read_limited(&bytes[..], limits, Some(bytes.len() as u64), "d.txt"),
                        "{limits:?}, {start:?}, {len} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn a_chat_export_has_its_own_limit() {
        let limits = SizeLimits {
            draft: 100,
            export: 1000,
        };
        let chat = "28/11/2026, 14:02 - Sam: hi\n".repeat(20); // 560 bytes
        let read = |text: &str| read_limited(text.as_bytes(), limits, None, "c.txt");
        assert_eq!(read(&chat).unwrap().len(), chat.len());
        let draft = "hi ".repeat(100);
        assert!(matches!(
            read(&draft),
            Err(InputError::TooLarge {
                limit: 100,
                export: false,
                ..
            })
        ));
        let err = read(&chat.repeat(2)).unwrap_err();
        assert!(matches!(
            err,
            InputError::TooLarge {
                limit: 1000,
                export: true,
                ..
            }
        ));
        assert!(
            err.to_string()
                .contains("maximum input size of 1000 bytes for a chat export"),
            "{err}"
        );
        let json = format!(r#"{{"messages": [{}]}}"#, " ".repeat(300));
        assert_eq!(read(&json).unwrap().len(), json.len());
        assert!(starts_like_export(
            "\u{feff}[28/11/2026, 14:02:09] Sam: hi".as_bytes()
        ));
        assert!(!starts_like_export(b"hey, 28/11/2026, 14:02 - Sam: hi"));
        // Cut inside a character: the valid start still decides.
        let cut = "28/11/2026, 14:02 - Sam: h\u{e9}".as_bytes();
        assert!(starts_like_export(&cut[..cut.len() - 1]));
    }

    #[test]
    fn lines_end_at_lf_crlf_and_cr() {
        let s = "a\nbb\r\nc\rd";
        let lines: Vec<&str> = lines_from(s, 0).map(|(a, b, _)| &s[a..b]).collect();
        assert_eq!(lines, ["a", "bb", "c", "d"]);
        let s = "a\n\nb";
        let lines: Vec<&str> = lines_from(s, 0).map(|(a, b, _)| &s[a..b]).collect();
        assert_eq!(lines, ["a", "", "b"]);
    }

    #[test]
    fn load_tells_drafts_from_exports() {
        let cx = Context::default();
        let draft = load(b"hey, how are you?".to_vec(), "d.txt", &cx).unwrap();
        assert!(matches!(draft, Input::Draft(_)));
        let chat = "28/11/2026, 14:02 - Sam: hi\n28/11/2026, 14:03 - Alex: hey\n";
        let Input::Conversation(c) = load(chat.as_bytes().to_vec(), "c.txt", &cx).unwrap() else {
            panic!("not a conversation");
        };
        assert_eq!(c.messages().count(), 2);
        let json = r#"{"me": "Sam", "messages": [{"from": "Sam", "at": "2026-11-28T14:00", "text": "hi"}]}"#;
        assert!(matches!(
            load(json.as_bytes().to_vec(), "t.json", &cx).unwrap(),
            Input::Conversation(_)
        ));
        // A draft that merely starts with a brace is still a draft.
        let draft = load(b"{sigh} ok, fine".to_vec(), "d.txt", &cx).unwrap();
        assert!(matches!(draft, Input::Draft(_)));
    }
}
