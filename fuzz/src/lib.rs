//! What every fuzz target does with its input, and the properties it checks. Shared by the
//! cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`, which
//! replays every saved crash input through the same functions in `cargo test`.
//!
//! Each function must never panic on any input; a panic (or a broken property, which panics) is a
//! bug in exlint.

use std::path::PathBuf;
use std::sync::OnceLock;

use exlint::check::{Run, check_bytes};
use exlint::conversation::Conversation;
use exlint::input::{self, email, exlint_json, front_matter, json, telegram, whatsapp};
use exlint::render::{self, FileResult, Outcome, Timing, human};
use exlint::{ColumnUnit, Context, Diagnostic, Draft, Lexicon, LineCol, RuleSet};

/// One fuzz target: bytes in, a panic if exlint misbehaves.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replayer.
pub const TARGETS: &[(&str, Target)] = &[
    ("draft", draft),
    ("headers", headers),
    ("whatsapp", whatsapp),
    ("telegram", telegram),
    ("exlint_json", exlint_json),
    ("config", config),
    ("rule_file", rule_file),
    ("lsp", lsp),
];

fn builtin() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::builtin()
            .expect("built-in rules compile")
            .with_context(Context {
                timezone: jiff::tz::TimeZone::get("Europe/Berlin").expect("bundled tz"),
                no_contact: exlint::NoContact {
                    since: Some(jiff::civil::date(2026, 11, 20)),
                    days: None,
                },
                me: Some("Sam".into()),
                date_order: None,
            })
    })
}

fn now() -> jiff::Zoned {
    "2026-11-28T02:13:00+01:00[Europe/Berlin]"
        .parse()
        .expect("a fixed now")
}

/// Spans in bounds, on char boundaries, sorted; suggestions too.
pub fn check_spans(source: &str, diagnostics: &[Diagnostic]) {
    let ok = |r: &std::ops::Range<usize>| {
        r.start <= r.end
            && r.end <= source.len()
            && source.is_char_boundary(r.start)
            && source.is_char_boundary(r.end)
    };
    for d in diagnostics {
        assert!(
            ok(&d.span),
            "span {:?} of [{}] out of {}",
            d.span,
            d.rule,
            source.len()
        );
        if let Some(s) = &d.suggestion {
            assert!(ok(&s.span), "suggestion span {:?} of [{}]", s.span, d.rule);
        }
    }
    let mut sorted = diagnostics.to_vec();
    Diagnostic::sort(&mut sorted);
    assert_eq!(sorted, diagnostics, "diagnostics are not sorted");
}

/// Every renderer over one linted draft; the JSON must parse.
pub fn render_all(draft: &Draft, diagnostics: &[Diagnostic], rules: &RuleSet) {
    let files = [FileResult {
        path: "fuzz.txt",
        outcome: Outcome::Linted { draft, diagnostics },
        timing: Timing::default(),
    }];
    let mut out = Vec::new();
    human::render(&mut out, &files, rules, human::Style { color: false }).expect("human");
    out.clear();
    render::line::render(&mut out, &files).expect("line");
    out.clear();
    render::json::render(&mut out, &files).expect("json");
    serde_json::from_slice::<serde_json::Value>(&out).expect("json output parses");
}

/// Byte offset → line/col → byte offset, in every unit, at every char boundary (and inside
/// chars, which round down).
pub fn check_line_index(draft: &Draft) {
    let text = draft.source();
    let index = draft.line_index();
    // Bounded so a huge input does not make one exec take seconds.
    for (offset, _) in text.char_indices().take(1024).chain([(text.len(), ' ')]) {
        for unit in [ColumnUnit::Byte, ColumnUnit::Utf16, ColumnUnit::Char] {
            let pos: LineCol = index.line_col(offset, unit);
            let back = index.offset(pos, unit);
            // A line ending is not on any line's text: an offset inside "\r\n" maps to the line's end.
            let line = index.line_span(pos.line);
            let expected = offset.min(line.end);
            assert_eq!(
                back, expected,
                "{unit:?} round trip of byte {offset} via {pos:?}"
            );
        }
    }
}

/// Raw bytes as a draft or export, through the same path the CLI takes, then lint and render.
pub fn draft(data: &[u8]) {
    let rules = builtin();
    let run = Run {
        rules,
        now: now(),
        at: None,
        thread: None,
        default_now: true,
        cache: None,
    };
    let Ok(checked) = check_bytes(data.to_vec(), "fuzz.txt", &run) else {
        return;
    };
    check_spans(checked.draft.source(), &checked.diagnostics);
    render_all(&checked.draft, &checked.diagnostics, rules);
    check_line_index(&checked.draft);
    if checked.conversation.is_none() {
        // Deterministic: the same bytes lint the same way twice.
        let again = check_bytes(data.to_vec(), "fuzz.txt", &run).expect("read once, read twice");
        assert_eq!(
            again.diagnostics, checked.diagnostics,
            "lint is not deterministic"
        );
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Front matter and email headers, at the start and after a BOM.
pub fn headers(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let starts = [0, if source.starts_with('\u{feff}') { 3 } else { 0 }];
    for start in starts {
        for header in [
            front_matter::parse(source, start),
            email::parse(source, start),
        ]
        .into_iter()
        .flatten()
        .flatten()
        {
            let span = header.span.clone();
            assert!(span.start <= span.end && span.end <= source.len());
            assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
            if let Some((_, at)) = &header.send_at {
                assert!(at.end <= source.len() && source.is_char_boundary(at.start));
                assert!(source.is_char_boundary(at.end));
            }
        }
    }
    if let Ok(draft) = input::read(data.to_vec(), "fuzz.txt") {
        let lints = builtin().check(&draft);
        check_spans(draft.source(), &lints);
    }
}

/// Lint a conversation as the writer and as every sender.
fn review(source: &str, conversation: &Conversation) {
    let rules = builtin();
    let mut names: Vec<String> = conversation
        .senders()
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.truncate(3);
    let _ = conversation.find_me(Some("Sam"), "fuzz");
    let _ = conversation.find_me(None, "fuzz");
    for (i, me) in names.iter().enumerate() {
        let (diagnostics, _) = conversation.review(rules, me);
        check_spans(source, &diagnostics);
        let _ = conversation.facts_for_next(me);
        if i == 0 {
            render_all(&Draft::new(source), &diagnostics, rules);
        }
    }
}

pub fn whatsapp(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let _ = whatsapp::detect(source);
    if let Ok(c) = whatsapp::parse(source, builtin().context()) {
        review(source, &c);
    }
}

pub fn telegram(data: &[u8]) {
    let Some(source) = text(data) else { return };
    if let Ok(node) = json::parse(source, 0) {
        if let Ok(c) = telegram::convert(source, &node, builtin().context()) {
            review(source, &c);
        }
    }
}

pub fn exlint_json(data: &[u8]) {
    let Some(source) = text(data) else { return };
    if let Ok(node) = json::parse(source, 0) {
        let _ = exlint_json::is_exlint(&node);
        if let Ok(c) = exlint_json::convert(source, &node, builtin().context()) {
            review(source, &c);
        }
    }
}

/// A private scratch folder for files the loaders must read from disk.
fn scratch() -> &'static PathBuf {
    thread_local! {
        // One per thread: the property tests call this from parallel test threads.
        static DIR: &'static PathBuf = {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("exlint-fuzz-{}-{k}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("scratch folder");
            Box::leak(Box::new(dir))
        };
    }
    DIR.with(|d| *d)
}

const SAMPLE: &str = "hey. we need to talk!!! pls answer me, i'm SO sorry 😭 u up?";

/// An `exlint.toml`, through discovery's reader, layering and resolution; then lint with it.
pub fn config(data: &[u8]) {
    let dir = scratch();
    let path = dir.join("exlint.toml");
    std::fs::write(&path, data).expect("write the config");
    let at = exlint::Locations {
        start_dir: dir.clone(),
        user_config_dir: None,
        cwd: Some(dir.clone()),
    };
    let mut config = exlint::Config::isolated(&at);
    if config.add_file(&path).is_err() {
        return;
    }
    let _ = config.profiles();
    if let Ok(resolved) = config.resolve() {
        let draft = Draft::new(SAMPLE);
        let lints = resolved.rules.check(&draft);
        check_spans(draft.source(), &lints);
    }
    // The same text as an ignore file.
    if let Ok(text) = String::from_utf8(data.to_vec()) {
        let _ = exlint::config::ignore::IgnoreList::parse(&exlint::error::TextFile {
            path: "fuzz/.exlintignore".into(),
            text,
        });
    }
}

/// A user rule file: compile it next to nothing else, run its examples, lint with it.
pub fn rule_file(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let Ok(set) = RuleSet::compile(
        Lexicon::builtin(),
        [("fuzz/rule.toml", "fuzz/rule", source)],
    ) else {
        return;
    };
    let _ = set.run_examples();
    for sample in [
        SAMPLE,
        "",
        "\u{feff}---\nsend-at: 02:13\n---\nwe NEED to talk 😀",
    ] {
        let draft = input::read(sample.as_bytes().to_vec(), "fuzz.txt").expect("sample reads");
        let lints = set.check(&draft);
        check_spans(draft.source(), &lints);
        render_all(&draft, &lints, &set);
    }
}

/// Raw client bytes through the LSP transport and server; every answer must serialize. The
/// first byte picks the chunk size, so headers and bodies arrive split in different places.
pub fn lsp(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 64) + 1;
    let (messages, errors) = exlint::lsp::replay(rest, chunk);
    for m in &messages {
        serde_json::to_string(m).expect("an answer serializes");
    }
    for e in &errors {
        serde_json::from_str::<serde_json::Value>(e).expect("an error answer is JSON");
    }
}
