//! Reviewing a conversation export stays linear: in memory held at once, and in work (counted as
//! bytes allocated, which is deterministic, unlike time). The exports are generated (a year of
//! WhatsApp chat, `benches/support/whatsapp_export.rs`); the numbers are exact for a given build
//! of the rules, so the bounds leave room for the rules to change, not for a quadratic step.
//!
//! What this guards against, from experience: a LineIndex of the whole export built per message,
//! a copy of each message's text kept, the whole export's words scanned per finding (with an
//! ignore file), a list of every finding copied on the way out. Time is measured by the benchmark
//! (`cargo bench -- export`) and by hand (see README, Benchmarks), never here.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use exlint::check::{Run, check_bytes};
use exlint::config::ignore::IgnoreList;
use exlint::error::TextFile;
use exlint::{Context, RuleSet};

#[path = "../benches/support/whatsapp_export.rs"]
mod whatsapp_export;

/// The system allocator, counting: bytes live now, the most live at once since the last reset,
/// and bytes ever allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(live, Relaxed);
    TOTAL.fetch_add(by, Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; the counters are only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as resized in place (the allocator's business whether it moves).
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What reviewing one export cost: the most heap held at once beyond what was held before, and
/// all bytes allocated. The export's own bytes are counted: they are the input as read.
struct Cost {
    peak: usize,
    total: usize,
    findings: usize,
}

fn review(export: String, rules: &RuleSet, ignore: &IgnoreList) -> Cost {
    let now: jiff::Zoned = "2026-01-15T12:00:00+00:00[UTC]".parse().unwrap();
    let run = Run {
        rules,
        now,
        at: None,
        thread: None,
        default_now: true,
        cache: None,
    };
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let total_before = TOTAL.load(Relaxed);
    // The export was allocated before: its bytes are added by hand, as if read here.
    let size = export.len();
    let mut checked = check_bytes(export.into_bytes(), "chat.txt", &run).unwrap();
    ignore.retain(&checked.draft, &mut checked.diagnostics);
    let findings = checked.diagnostics.len();
    let (_, reviewed) = checked.conversation.unwrap();
    assert!(reviewed > 0);
    drop(checked);
    Cost {
        peak: PEAK.load(Relaxed) - before + size,
        total: TOTAL.load(Relaxed) - total_before + size,
        findings,
    }
}

#[test]
fn reviewing_an_export_is_linear_in_memory_and_work() {
    let rules = RuleSet::builtin().unwrap().with_context(Context {
        me: Some(whatsapp_export::ME.into()),
        ..Context::default()
    });
    // An entry that matches nothing still makes every finding be looked up.
    let ignore = IgnoreList::parse(&TextFile {
        path: ".exlintignore".into(),
        text: "[[ignore]]\nrule = \"begging\"\ntext = \"never written\"\n".into(),
    })
    .unwrap();
    // Compile what is compiled on first use (the timestamp patterns, the rules' regex caches),
    // so neither measured run pays for it.
    review(
        whatsapp_export::whatsapp_export(64 << 10, 2),
        &rules,
        &ignore,
    );
    let small_size = 256 << 10;
    let big_size = 1 << 20;
    let small = review(
        whatsapp_export::whatsapp_export(small_size, 1),
        &rules,
        &ignore,
    );
    let big = review(
        whatsapp_export::whatsapp_export(big_size, 1),
        &rules,
        &ignore,
    );
    // Past a small fixed cost, what grows with the export: per byte of it, held at once and
    // allocated in all.
    let extra = (big_size - small_size) as f64;
    let held = (big.peak as f64 - small.peak as f64) / extra;
    let fixed = small.peak as f64 - held * small_size as f64;
    let growth = big.total as f64 / small.total as f64;
    eprintln!(
        "256 KiB: peak {} B, allocated {} B, {} findings; 1 MiB: peak {} B, allocated {} B, {} \
         findings; held {held:.2} B per byte of export plus {fixed:.0} B; 4x the export \
         allocated {growth:.2}x as much",
        small.peak, small.total, small.findings, big.peak, big.total, big.findings,
    );
    // The generated exports are alike, so four times the text is about four times the findings.
    let scale = big.findings as f64 / small.findings as f64;
    assert!((3.5..4.5).contains(&scale), "{scale}");
    // Held at once: the export, its line starts and the findings (about 1.8 bytes a byte today).
    // Issue 8 asks for at most 3x on a 100 MB export, where the fixed part is nothing.
    assert!(held < 2.5, "{held:.2} bytes held per byte of export");
    // Work: four times the export, at most about four times the allocation (a quadratic step
    // makes it sixteen).
    assert!(
        growth < 4.6,
        "allocated {growth:.2}x as much for 4x the export"
    );
}
