//! Property tests: whatever the input, exlint does not panic, its spans point at real text, its
//! output is deterministic and parseable, and positions convert both ways.
//!
//! Bounded so the debug suite stays fast: 96 cases per property by default (set PROPTEST_CASES to
//! run more), inputs of at most a few hundred chars. The two whose every case compiles a whole rule
//! set (a config, an LSP session) or reviews whole chats run a quarter of that; the fuzzers cover
//! them at length. The fuzzers in `fuzz/` go deeper; their saved
//! crash inputs replay in `tests/fuzz_regressions.rs`.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use std::sync::OnceLock;

use exlint::{ColumnUnit, Draft, LineCol, LineIndex, RuleSet};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(96);
    Config {
        cases,
        // A failure is shrunk, but not for long.
        max_shrink_iters: 2048,
        failure_persistence: None,
        ..Config::default()
    }
}

/// For properties whose every case is expensive in a debug build.
fn heavy() -> Config {
    let base = cases();
    Config {
        cases: (base.cases / 4).max(8),
        ..base
    }
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().unwrap())
}

/// Text-speak words from the lexicon: the words the normalized view rewrites.
fn lexicon_words() -> Vec<String> {
    let text = include_str!("../rules/lexicon.toml");
    let table: toml::Table = toml::from_str(text).unwrap();
    let mut words: Vec<String> = table
        .values()
        .filter_map(|v| v.as_table())
        .flat_map(|t| t.keys().cloned())
        .collect();
    words.sort();
    words
}

/// Pieces that make the rules and the text layer work: phrases, quotes, apostrophes, emoji, CJK,
/// combining marks, every line ending, shouting and punctuation runs, header starts.
const PIECES: &[&str] = &[
    "we need to talk",
    "please",
    "pls",
    "sorry",
    "I'm sorry",
    "one more chance",
    "are you up",
    "u up?",
    "i miss you",
    "I",
    "YOU",
    "NEVER",
    "LOL",
    "!!!",
    "???",
    "?!",
    "...",
    "…",
    ".",
    ",",
    "“",
    "”",
    "\"",
    "'",
    "’",
    "‘",
    "can’t",
    "don't",
    "😭",
    "❤️",
    "👍🏽",
    "👨‍👩‍👧",
    "🇩🇪",
    "你好",
    "ありがとう",
    "한국어",
    "e\u{301}",
    "a\u{308}\u{332}",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "\t",
    " ",
    "  ",
    "---\n",
    "send-at: 02:13\n",
    "To: Sam\n",
    "Date: Sat, 28 Nov 2026 02:13:00 +0100\n",
    "Content-Length: 5\r\n\r\n",
    "{",
    "}",
    "[",
    "]",
    "0",
    "12:30",
    "28/11/2026, 14:02 - Sam: ",
    "\u{0}",
];

fn piece() -> impl Strategy<Value = String> {
    let words = lexicon_words();
    prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(str::to_owned),
        3 => prop::sample::select(words),
        2 => any::<char>().prop_map(String::from),
        1 => "[a-zA-Z]{1,8}",
    ]
}

/// A draft-like string of up to 40 pieces.
fn drafty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (piece(), prop::sample::select(&["", " ", " ", "\n"][..])),
        0..40,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(p, s)| [p, s.to_owned()])
            .collect()
    })
}

/// Any Unicode at all, or the interesting alphabet.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![drafty(), "\\PC{0,200}", any::<String>()]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        drafty().prop_map(String::into_bytes),
        // Valid text with a few bytes flipped.
        (
            drafty(),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)
        )
            .prop_map(|(s, flips)| {
                let mut b = s.into_bytes();
                if !b.is_empty() {
                    for (i, v) in flips {
                        let at = i.index(b.len());
                        b[at] = v;
                    }
                }
                b
            }),
    ]
}

proptest! {
    #![proptest_config(cases())]

    /// lint never panics; spans are in bounds, on char boundaries, sorted; lint twice → same.
    #[test]
    fn lint_spans_are_sound_and_deterministic(text in any_text()) {
        let draft = Draft::new(text.clone());
        let first = exlint::lint(&draft, rules());
        harness::check_spans(&text, &first);
        let again = exlint::lint(&Draft::new(text), rules());
        prop_assert_eq!(first, again);
    }

    /// Every renderer accepts every result, and the JSON always parses.
    #[test]
    fn renderers_never_panic_and_json_parses(text in any_text()) {
        let draft = Draft::new(text);
        let diagnostics = exlint::lint(&draft, rules());
        harness::render_all(&draft, &diagnostics, rules());
    }

    /// Raw bytes through the CLI's path (headers, exports, drafts), lint and render.
    #[test]
    fn arbitrary_bytes_read_lint_and_render(data in bytes()) {
        harness::draft(&data);
    }

    /// Front matter and email headers: split off cleanly or rejected, never a panic.
    #[test]
    fn headers_never_panic(head in drafty(), body in drafty()) {
        for start in ["---\n", "\u{feff}---\n", "From: a\nTo: Sam\n", "send-at: ", ""] {
            let text = format!("{start}{head}\n---\n{body}");
            harness::headers(text.as_bytes());
            harness::draft(text.as_bytes());
        }
    }

    /// Byte offset ↔ line/column round-trips in UTF-8 bytes, UTF-16 units and chars.
    #[test]
    fn line_index_round_trips(text in any_text()) {
        let index = LineIndex::new(&text);
        for offset in text.char_indices().map(|(i, _)| i).chain([text.len()]) {
            for unit in [ColumnUnit::Byte, ColumnUnit::Utf16, ColumnUnit::Char] {
                let pos = index.line_col(offset, unit);
                let back = index.offset(pos, unit);
                let line = index.line_span(pos.line);
                prop_assert!(line.start <= offset, "{:?} of {} is on a later line", unit, offset);
                // Offsets inside a line break convert to the end of the line's text.
                prop_assert_eq!(back, offset.min(line.end), "{:?} of {} via {:?}", unit, offset, pos);
            }
        }
        // Positions past the end clamp instead of panicking.
        for unit in [ColumnUnit::Byte, ColumnUnit::Utf16, ColumnUnit::Char] {
            let far = index.offset(LineCol { line: usize::MAX, col: usize::MAX }, unit);
            prop_assert_eq!(far, text.len());
            let _ = index.line_col(usize::MAX, unit);
        }
    }
}

proptest! {
    #![proptest_config(heavy())]

    /// Chat exports of every format, well formed or not.
    #[test]
    fn conversation_parsers_never_panic(lines in prop::collection::vec(drafty(), 0..8), json in "\\PC{0,120}") {
      let wa: String = lines.iter().map(|l| format!("28/11/2026, 14:0{} - Sam: {l}\n", l.len() % 10)).collect();
        harness::whatsapp(wa.as_bytes());
        let texts: Vec<serde_json::Value> = lines.iter().enumerate().map(|(i, l)| serde_json::json!({
            "from": if i % 2 == 0 { "Sam" } else { "Alex" }, "at": "2026-11-28T14:00", "text": l,
        })).collect();
        let ex = serde_json::json!({"me": "Sam", "messages": texts}).to_string();
        harness::exlint_json(ex.as_bytes());
        let tg = serde_json::json!({"name": "Alex", "type": "personal_chat", "messages": lines.iter().map(|l| serde_json::json!({
            "id": 1, "type": "message", "date": "2026-11-28T14:00:00", "from": "Sam", "text": [l, {"type": "bold", "text": l}],
        })).collect::<Vec<_>>()}).to_string();
        harness::telegram(tg.as_bytes());
        let cut = |s: &str, at: usize| s[..exlint::draft::floor_char_boundary(s, at)].to_owned();
        for broken in [json, cut(&ex, ex.len() / 2), cut(&tg, tg.len() * 2 / 3)] {
            harness::telegram(broken.as_bytes());
            harness::exlint_json(broken.as_bytes());
            harness::whatsapp(broken.as_bytes());
        }
    }

    /// Config and rule files: any text is loaded or rejected with an error, never a panic.
    #[test]
    fn config_and_rule_files_never_panic(text in any_text(), key in prop::sample::select(&[
        "fail-on", "select", "allow", "rule-dirs", "timezone", "[no-contact]\nsince", "[rules.too-long]\nmax-words",
        "[rules.begging]\nseverity", "[profile.x]\nfail-on", "max-input-size",
    ][..]), value in prop::sample::select(&["\"error\"", "[\"x\"]", "3", "-1", "\"\"", "2026-11-20", "{}", "\"Mars/Olympus\"", "99999999999999999999"][..])) {
      harness::config(text.as_bytes());
        harness::config(format!("{key} = {value}\n").as_bytes());
        harness::rule_file(text.as_bytes());
        let rule = format!("severity = \"error\"\nmessage = \"m {{match}}\"\nhelp = \"h\"\nguide = \"g\"\ndescription = \"d\"\n[check]\nkind = \"pattern\"\npatterns = [{:?}]\n", text);
        harness::rule_file(rule.as_bytes());
    }

    /// The LSP transport and server on random client bytes.
    #[test]
    fn lsp_message_loop_never_panics(text in drafty(), chunk in 1u8..64, garbage in prop::collection::vec(any::<u8>(), 0..40)) {
      let open = serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///tmp/d.txt", "languageId": "text", "version": 1, "text": text}}}).to_string();
        let change = serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": "file:///tmp/d.txt", "version": 2},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 3}, "end": {"line": 2, "character": 1}}, "text": "😀\r\n"}]}}).to_string();
        let hover = r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/d.txt"},"position":{"line":0,"character":5}}}"#;
        let actions = r#"{"jsonrpc":"2.0","id":3,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/d.txt"},"range":{"start":{"line":0,"character":0},"end":{"line":9,"character":99}},"context":{"diagnostics":[]}}}"#;
        let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
        let mut input = vec![chunk];
        for body in [init, r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#, open.as_str(), change.as_str(), hover, actions] {
            input.extend_from_slice(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
            input.extend_from_slice(&garbage);
        }
        harness::lsp(&input);
    }
}

/// Characters where UAX #29 word rules decide something: ASCII letters, digits, `_`, the middle
/// characters (`'` `.` `:` `,` `;`), every kind of whitespace, and the non-ASCII characters that
/// attach to or join around them (combining marks, ZWJ, format characters, curly apostrophes,
/// Hebrew and Katakana letters, regional indicators, emoji, no-break and ideographic spaces).
fn segmentation_alphabet() -> impl Strategy<Value = String> {
    const CHARS: &[char] = &[
        'a',
        'Z',
        'e',
        '0',
        '7',
        '_',
        '\'',
        '.',
        ':',
        ',',
        ';',
        '"',
        '-',
        '/',
        '!',
        '?',
        '@',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{b}',
        '\u{c}',
        '\u{301}',
        '\u{308}',
        '\u{200d}',
        '\u{200b}',
        '\u{ad}',
        '\u{fe0f}',
        '\u{2019}',
        '\u{2018}',
        '\u{2024}',
        '\u{b7}',
        'é',
        'ß',
        'א',
        'ב',
        'ア',
        'ー',
        '你',
        '\u{1f1e9}',
        '\u{1f1ea}',
        '😭',
        '👍',
        '\u{1f3fd}',
        '\u{a0}',
        '\u{3000}',
        '\u{2029}',
        '\u{85}',
        '\u{94d}',
        'क',
        '\u{93f}',
        '٣',
        '\u{ff0e}',
    ];
    prop::collection::vec(prop::sample::select(CHARS), 0..48)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(Config { cases: cases().cases * 8, ..cases() })]

    /// The fast word segmenter finds exactly the words unicode-segmentation finds.
    #[test]
    fn fast_word_segmentation_matches_uax29(text in prop_oneof![segmentation_alphabet(), any_text()]) {
        use unicode_segmentation::UnicodeSegmentation;
        let expected: Vec<_> = text
            .unicode_word_indices()
            .map(|(i, w)| 7 + i..7 + i + w.len())
            .collect();
        prop_assert_eq!(exlint::text::words(&text, 7), expected);
    }
}
