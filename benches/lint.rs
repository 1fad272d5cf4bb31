//! Throughput and latency of the linter core. Run with `cargo bench`; CI only checks that this
//! compiles (`cargo bench --no-run`). Inputs are built from the bundled fixtures (our own text),
//! repeated to size, or generated (a year of WhatsApp chat, `support/whatsapp_export.rs`), so the
//! numbers are reproducible on any machine.

use std::sync::LazyLock;

use divan::{Bencher, black_box};
use exlint::check::{Run, check_bytes};
use exlint::{Context, Draft, RuleSet, lint};

#[path = "support/whatsapp_export.rs"]
mod whatsapp_export;

/// The allocator the `exlint` binary uses, so the numbers are the binary's.
#[global_allocator]
static ALLOC: exlint::alloc::Allocator = exlint::alloc::Allocator;

fn main() {
    exlint::alloc::no_huge_pages();
    divan::main();
}

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().unwrap());

/// All fixture drafts joined by blank lines: realistic, varied, full of findings.
static FIXTURE_TEXT: LazyLock<String> = LazyLock::new(|| {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let mut out = String::new();
    for p in names {
        let text = std::fs::read_to_string(p).unwrap();
        out.push_str(text.trim_start_matches('\u{feff}'));
        out.push_str("\n\n");
    }
    out
});

/// `len` bytes of fixture text (cut at a char boundary).
fn text_of(len: usize) -> String {
    let mut out = String::with_capacity(len + FIXTURE_TEXT.len());
    while out.len() < len {
        out.push_str(&FIXTURE_TEXT);
    }
    let mut cut = len;
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    out.truncate(cut);
    out
}

#[divan::bench(sample_count = 20)]
fn build_default_ruleset() -> RuleSet {
    RuleSet::builtin().unwrap()
}

/// What one `exlint check` of one draft does in-process: build the default rule set, then lint a
/// line with words no rule knows ("yesterday": the first such word of five letters or more
/// builds the typo-repair table).
#[divan::bench(sample_count = 20)]
fn first_draft_of_a_run() -> usize {
    let rules = RuleSet::builtin().unwrap();
    let draft = Draft::new(black_box(
        "hey, i miss you so much. yesterday was wonderful",
    ));
    lint(&draft, &rules).len()
}

#[divan::bench]
fn lint_one_line(bencher: Bencher) {
    let rules = &*RULES;
    bencher.bench(|| {
        let draft = Draft::new(black_box("pls come back, i cant live w/o u 🥺"));
        lint(&draft, rules)
    });
}

#[divan::bench(args = [2 * 1024, 10 * 1024])]
fn lint_draft_of_bytes(bencher: Bencher, len: usize) {
    let rules = &*RULES;
    let text = text_of(len);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let draft = Draft::new(black_box(text.as_str()));
            lint(&draft, rules)
        });
}

/// The size of the comparison's 1 MB corpus, where exlint is measured against proselint: long
/// enough to be linted in parts on every core, short enough that each thread's first part (every
/// spelling new to its view) and the steps between the parts are a good share of the time.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn lint_1_mb(bencher: Bencher) {
    let rules = &*RULES;
    let text = text_of(1_000_000);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let draft = Draft::new(black_box(text.as_str()));
            lint(&draft, rules).len()
        });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn lint_10_mb(bencher: Bencher) {
    let rules = &*RULES;
    let text = text_of(10 * 1024 * 1024);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let draft = Draft::new(black_box(text.as_str()));
            lint(&draft, rules).len()
        });
}

/// A year of chat as a WhatsApp export (8 MiB: a busy year), reviewed as `exlint check
/// export.txt --me Sam` does: read, every message of mine linted at its own time, findings mapped
/// into the export. Printing is not included.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn review_1_year_export_8_mb(bencher: Bencher) {
    let rules = RuleSet::builtin().unwrap().with_context(Context {
        me: Some(whatsapp_export::ME.into()),
        ..Context::default()
    });
    let export = whatsapp_export::whatsapp_export(8 * 1024 * 1024, 1);
    let now: jiff::Zoned = "2026-01-15T12:00:00+00:00[UTC]".parse().unwrap();
    bencher
        .counter(divan::counter::BytesCount::new(export.len()))
        .with_inputs(|| export.clone().into_bytes())
        .bench_local_values(|bytes| {
            let run = Run {
                rules: &rules,
                now: now.clone(),
                at: None,
                thread: None,
                default_now: true,
                cache: None,
            };
            check_bytes(bytes, "export.txt", &run)
                .unwrap()
                .diagnostics
                .len()
        });
}
