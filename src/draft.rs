//! The draft as read, its body, its send time and a `LineIndex`; words, sentences, paragraphs and
//! the normalized view are computed on first use and cached.

use std::ops::Range;
use std::sync::OnceLock;

use crate::conversation::ThreadFacts;
use crate::input::Header;
use crate::lexicon::Lexicon;
use crate::text::{self, NormalizedView};
use crate::time::SendAt;

/// A message draft. `source` is the whole input exactly as read (BOM and headers included) so every
/// span points into the user's bytes; `body` is the part that gets linted. The `LineIndex` holds
/// the source, so a big input (a conversation export) is in memory once.
#[derive(Debug)]
pub struct Draft {
    body: Range<usize>,
    send_time: Option<jiff::Zoned>,
    /// Where the send time is written in `source` (a `send-at:` value, a chat timestamp), so the
    /// time rules can point at it.
    time_span: Option<Range<usize>>,
    /// Front matter or email headers, when the draft had them (they are outside `body`).
    header: Option<Header>,
    /// What the conversation around this message says, when there is one.
    thread: Option<ThreadFacts>,
    lines: LineIndex,
    words: OnceLock<Vec<Range<usize>>>,
    /// The words in compact runs (`WordRuns`): for a long body, as its pieces found them. Joined
    /// into `words` only when something asks for the list itself; the rules only count.
    word_runs: OnceLock<WordRuns>,
    sentences: OnceLock<Vec<Range<usize>>>,
    questions: OnceLock<Vec<Range<usize>>>,
    paragraphs: OnceLock<Vec<Range<usize>>>,
    normalized: OnceLock<NormalizedView>,
}

impl Draft {
    /// A draft whose body is all of `source`.
    pub fn new(source: impl Into<String>) -> Draft {
        let source = source.into();
        let body = 0..source.len();
        Draft::with_body(source, body)
    }

    /// A draft where only `body` (a char-boundary range of `source`) is linted.
    pub fn with_body(source: String, body: Range<usize>) -> Draft {
        debug_assert!(source.is_char_boundary(body.start) && source.is_char_boundary(body.end));
        let lines = LineIndex::from_string(source);
        Draft {
            body,
            send_time: None,
            time_span: None,
            header: None,
            thread: None,
            lines,
            words: OnceLock::new(),
            word_runs: OnceLock::new(),
            sentences: OnceLock::new(),
            questions: OnceLock::new(),
            paragraphs: OnceLock::new(),
            normalized: OnceLock::new(),
        }
    }

    pub fn with_send_time(mut self, at: Option<jiff::Zoned>) -> Draft {
        self.send_time = at;
        self
    }

    /// Record where the send time is written in the source.
    pub fn with_time_span(mut self, span: Option<Range<usize>>) -> Draft {
        self.time_span = span;
        self
    }

    pub fn with_header(mut self, header: Option<Header>) -> Draft {
        self.header = header;
        self
    }

    pub fn with_thread(mut self, thread: Option<ThreadFacts>) -> Draft {
        self.thread = thread;
        self
    }

    /// Settle the send time, in this order: `at` (the `--at` flag), the draft's own header
    /// (`send-at:` or an email `Date:`), then `now`. The result is shown in `now`'s zone, and when
    /// it came from the header the time rules point at the header's value.
    pub fn resolve_send_time(
        self,
        at: Option<&jiff::Zoned>,
        now: &jiff::Zoned,
    ) -> Result<Draft, String> {
        let tz = now.time_zone().clone();
        if let Some(at) = at {
            return Ok(self
                .with_send_time(Some(at.with_time_zone(tz)))
                .with_time_span(None));
        }
        let written: Option<(SendAt, Range<usize>)> =
            self.header.as_ref().and_then(|h| h.send_at.clone());
        match written {
            Some((send_at, span)) => {
                let t = send_at.resolve(now)?;
                Ok(self
                    .with_send_time(Some(t.with_time_zone(tz)))
                    .with_time_span(Some(span)))
            }
            None => Ok(self.with_send_time(Some(now.clone())).with_time_span(None)),
        }
    }

    pub fn time_span(&self) -> Option<Range<usize>> {
        self.time_span.clone()
    }

    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    pub fn thread(&self) -> Option<&ThreadFacts> {
        self.thread.as_ref()
    }

    pub fn source(&self) -> &str {
        &self.lines.text
    }

    pub fn body_span(&self) -> Range<usize> {
        self.body.clone()
    }

    pub fn body(&self) -> &str {
        &self.source()[self.body.clone()]
    }

    pub fn send_time(&self) -> Option<&jiff::Zoned> {
        self.send_time.as_ref()
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.lines
    }

    /// The text of a span of `source`.
    pub fn slice(&self, span: Range<usize>) -> &str {
        &self.source()[span]
    }

    /// Word spans (UAX #29 words containing a letter or digit).
    pub fn words(&self) -> &[Range<usize>] {
        self.words.get_or_init(|| match self.word_runs.get() {
            Some(runs) => runs
                .iter()
                .flat_map(|(at, run)| {
                    run.iter()
                        .map(move |w| w.start as usize + at..w.end as usize + at)
                })
                .collect(),
            None => text::words(self.body(), self.body.start),
        })
    }

    /// The words in runs, each a source offset and spans from it (`WordRuns`): for a long body
    /// linted in pieces, the pieces' own lists, with no list of all the words built; else
    /// `words()` made compact.
    pub fn word_runs(&self) -> &WordRuns {
        self.word_runs.get_or_init(|| {
            compact_words(
                self.source(),
                self.words().iter().cloned(),
                self.words().len(),
            )
        })
    }

    /// Sentence spans, trimmed of surrounding whitespace.
    pub fn sentences(&self) -> &[Range<usize>] {
        self.sentences
            .get_or_init(|| text::sentences(self.body(), self.body.start))
    }

    /// The sentences that are questions (`text::is_question`).
    pub fn questions(&self) -> &[Range<usize>] {
        self.questions
            .get_or_init(|| text::questions(self.source(), self.sentences()))
    }

    /// Paragraph spans: runs of text separated by blank lines, trimmed.
    pub fn paragraphs(&self) -> &[Range<usize>] {
        self.paragraphs
            .get_or_init(|| text::paragraphs(self.body(), self.body.start))
    }

    /// Compute words, sentences, questions and paragraphs on `threads` threads, in `parts` cut at
    /// blank lines: the same results as computing them whole, sooner for a long draft. There
    /// are several parts per thread (`parts_for`) and each thread takes the next part left, so a
    /// thread slowed by a busy machine or a dense stretch of text holds no other up.
    ///
    /// Each thread keeps one normalized view, rebuilt over each part it takes (spellings it has
    /// seen are not normalized again), and one `S`, its own state for `also`. The view is handed
    /// to `also` with the part's range in the body (the phrase walk: no phrase crosses a blank
    /// line; line-local pattern rules: no match crosses a line break); no view of the whole text
    /// is ever held. `also`'s results come back in order, each with the source offset of its
    /// part (they are in offsets from the part's start).
    ///
    /// `alongside` (work that needs only the text) runs once, on the first thread to find no
    /// part left, so it fills the time that thread would otherwise wait for the others; its
    /// result comes back too. `None` when the parts are already computed or the body has no
    /// place to cut: then `alongside` has not run.
    pub fn prepare_in_pieces<S: Default, T: Send, U: Send>(
        &self,
        lexicon: &Lexicon,
        threads: usize,
        parts: Parts,
        also: impl Fn(&mut S, &NormalizedView, Range<usize>) -> T + Sync,
        alongside: impl FnOnce() -> U + Send,
    ) -> Option<(Vec<(usize, T)>, U)> {
        if self.is_prepared() {
            return None;
        }
        let body = self.body();
        let cuts = match parts {
            Parts::Even(parts) => text::blank_line_cuts(body, parts),
            Parts::Tapered => text::tapered_cuts(body, threads, TAPER_MIN, PIECE_TARGET),
        };
        if cuts.len() <= 2 {
            return None;
        }
        let threads = threads.clamp(1, cuts.len() - 1);
        let job = std::sync::Mutex::new(Some(alongside));
        let done = std::sync::Mutex::new(None);
        let indices: Vec<usize> = (0..cuts.len() - 1).collect();
        let mut parts: Vec<Piece<T>> = crate::par::map_with(
            &indices,
            &indices,
            threads,
            // Each thread's view has room for the spellings of its share of the text.
            || {
                (
                    NormalizedView::with_room_for(body.len() / threads),
                    S::default(),
                )
            },
            |(view, state), &i| {
                let (from, to) = (cuts[i], cuts[i + 1]);
                Piece::compute_in(view, &body[from..to], lexicon, |v| also(state, v, from..to))
            },
            // No part left: drop the view, then claim `alongside` if no thread has yet.
            |(view, _)| {
                drop(view);
                // A poisoned lock means `alongside` panicked on another thread: that panic is
                // re-raised when the thread is joined.
                let claimed = job.lock().ok().and_then(|mut job| job.take());
                if let Some(alongside) = claimed {
                    let result = alongside();
                    if let Ok(mut done) = done.lock() {
                        *done = Some(result);
                    }
                }
            },
        );
        // The words stay in their pieces' lists: tens of megabytes not copied.
        let base = self.body.start;
        let runs = cuts
            .iter()
            .zip(&mut parts)
            .flat_map(|(&cut, p)| {
                let runs = std::mem::take(&mut p.words);
                runs.into_iter()
                    .map(move |(at, run)| (base + cut + at, run))
            })
            .collect();
        self.set_pieces_on(
            threads,
            &cuts,
            &parts.iter().collect::<Vec<_>>(),
            Some(runs),
        );
        let found = cuts
            .iter()
            .zip(parts)
            .map(|(&cut, p)| (base + cut, p.found))
            .collect();
        // Every part has finished, so one of the threads ran `alongside`.
        let alongside = done.lock().ok().and_then(|mut done| done.take())?;
        Some((found, alongside))
    }

    /// Whether words, sentences, paragraphs or the view are computed already.
    pub fn is_prepared(&self) -> bool {
        self.normalized.get().is_some()
            || self.words.get().is_some()
            || self.word_runs.get().is_some()
    }

    /// Set the draft's words, sentences, questions and paragraphs from the pieces of its body,
    /// cut at `cuts` (body offsets, `0` first and the body's length last, as
    /// `text::blank_line_cuts` gives them), in order. Does nothing when they are set already.
    pub fn set_pieces<T>(&self, cuts: &[usize], pieces: &[&Piece<T>]) {
        self.set_pieces_on(1, cuts, pieces, None);
    }

    /// `set_pieces`, copying on `threads` threads: the lists of a long draft run to tens of
    /// megabytes, and their first writes fault in every page. The words are kept as runs, not
    /// joined: `word_runs` (the pieces' own, taken out of them), else copies of the pieces'.
    fn set_pieces_on<T>(
        &self,
        threads: usize,
        cuts: &[usize],
        pieces: &[&Piece<T>],
        word_runs: Option<WordRuns>,
    ) {
        debug_assert_eq!(cuts.len(), pieces.len() + 1);
        if self.is_prepared() {
            return;
        }
        let base = self.body.start;
        let parts: [PartOf<T>; 3] = [|p| &p.sentences, |p| &p.questions, |p| &p.paragraphs];
        let lens = parts.map(|part| pieces.iter().map(|p| part(p).len()).sum::<usize>());
        let mut lists: [Vec<Range<usize>>; 3] = lens.map(Vec::with_capacity);
        {
            // One copy job per piece and list: where its spans go, the spans, and their shift.
            let mut jobs: Vec<Job<'_>> = Vec::with_capacity(parts.len() * pieces.len());
            for ((list, part), len) in lists.iter_mut().zip(parts).zip(lens) {
                let mut spare = &mut list.spare_capacity_mut()[..len];
                for (&cut, piece) in cuts.iter().zip(pieces) {
                    let from = part(piece);
                    let (to, rest) = std::mem::take(&mut spare).split_at_mut(from.len());
                    spare = rest;
                    jobs.push((to, from, base + cut));
                }
            }
            run_split(&mut jobs, threads);
        }
        for (list, len) in lists.iter_mut().zip(lens) {
            // SAFETY: the jobs cut the first `len` slots of the list's spare capacity into one
            // slice per piece, each exactly as long as the piece's own list, and `run_split` has
            // written every slot of every job's slice: those `len` slots are initialized.
            unsafe { list.set_len(len) };
        }
        let [sentences, questions, paragraphs] = lists;
        let word_runs =
            word_runs.unwrap_or_else(|| join_word_runs(self.source(), base, cuts, pieces));
        let _ = self.word_runs.set(word_runs);
        let _ = self.sentences.set(sentences);
        let _ = self.questions.set(questions);
        let _ = self.paragraphs.set(paragraphs);
    }

    /// The normalized view for matching. The first lexicon asked for wins; a `RuleSet` always
    /// passes its own.
    pub fn normalized(&self, lexicon: &Lexicon) -> &NormalizedView {
        self.normalized.get_or_init(|| {
            NormalizedView::build_on(self.body(), self.body.start, self.words(), lexicon)
        })
    }
}

/// Word spans in runs, 8 bytes a word where a list of spans takes 16: each run is an offset and
/// spans as `u32` offsets from it (add it to both ends). A long draft's words are its longest
/// list (a 10 MB text has 1.7 million).
pub type WordRuns = Vec<(usize, Vec<Range<u32>>)>;

/// `words` (`count` of them), spans of `text` in order, as `WordRuns` of the same offsets: one
/// run unless the text is over 4 GiB. A single word over 4 GiB (only a library caller could
/// pass one) is kept cut at a char boundary, so every span still slices `text`.
pub fn compact_words(
    text: &str,
    words: impl IntoIterator<Item = Range<usize>>,
    count: usize,
) -> WordRuns {
    const MAX: usize = u32::MAX as usize;
    let mut runs: WordRuns = Vec::new();
    for w in words {
        match runs.last_mut() {
            Some((at, list)) if w.end - *at <= MAX => {
                list.push((w.start - *at) as u32..(w.end - *at) as u32);
            }
            // The first run, or one past 4 GiB from the last one's start.
            _ => {
                let end = match w.end - w.start {
                    len if len <= MAX => w.end,
                    _ => floor_char_boundary(text, w.start + MAX),
                };
                let mut list = Vec::with_capacity(count);
                list.push(0..(end - w.start) as u32);
                runs.push((w.start, list));
            }
        }
    }
    runs
}

/// `compact_words` of a list: a text under 4 GiB (every piece of a long draft) is one run, made
/// in one pass with no test per word.
fn compact_word_list(text: &str, words: &[Range<usize>]) -> WordRuns {
    match words.first() {
        Some(first) if text.len() <= u32::MAX as usize => {
            let at = first.start;
            let list = words
                .iter()
                .map(|w| (w.start - at) as u32..(w.end - at) as u32)
                .collect();
            vec![(at, list)]
        }
        Some(_) => compact_words(text, words.iter().cloned(), words.len()),
        None => Vec::new(),
    }
}

/// The pieces' words (kept by a `LintCache`, so copied) as the fewest runs of the body's
/// `text`: one list, as one copy, unless the body is over 4 GiB.
fn join_word_runs<T>(text: &str, base: usize, cuts: &[usize], pieces: &[&Piece<T>]) -> WordRuns {
    let count = pieces
        .iter()
        .flat_map(|p| p.words.iter().map(|(_, run)| run.len()))
        .sum();
    let words = cuts.iter().zip(pieces).flat_map(|(&cut, piece)| {
        piece.words.iter().flat_map(move |(at, run)| {
            let at = base + cut + at;
            run.iter()
                .map(move |w| at + w.start as usize..at + w.end as usize)
        })
    });
    compact_words(text, words, count)
}

/// Which of a piece's lists (its sentences…).
type PartOf<T> = fn(&Piece<T>) -> &[Range<usize>];

/// A copy of one piece's spans into its place in a joined list, shifted to source offsets.
type Job<'a> = (
    &'a mut [std::mem::MaybeUninit<Range<usize>>],
    &'a [Range<usize>],
    usize,
);

/// Run `jobs` on up to `threads` threads (this one included), cut into runs of about the same
/// number of spans. Every slot of every job's target is written.
fn run_split(jobs: &mut [Job<'_>], threads: usize) {
    fn copy(jobs: &mut [Job<'_>]) {
        for (to, from, at) in jobs {
            debug_assert_eq!(to.len(), from.len());
            for (slot, r) in to.iter_mut().zip(from.iter()) {
                slot.write(r.start + *at..r.end + *at);
            }
        }
    }
    let total: usize = jobs.iter().map(|j| j.1.len()).sum();
    let share = total.div_ceil(threads.max(1)).max(1);
    let mut runs = Vec::with_capacity(threads.max(1));
    let mut rest = jobs;
    while !rest.is_empty() {
        let (mut n, mut spans) = (0, 0);
        while n < rest.len() && (n == 0 || spans < share) {
            spans += rest[n].1.len();
            n += 1;
        }
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        runs.push(run);
    }
    // Each thread takes runs until none is left; the calling thread takes part, so every run is
    // copied before this returns.
    let threads = threads.min(runs.len());
    let queue = std::sync::Mutex::new(runs);
    crate::par::broadcast(threads, &|| {
        loop {
            let run = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            match run {
                Some(run) => copy(run),
                None => break,
            }
        }
    });
}

/// One piece of a body cut at blank lines (`text::blank_line_cuts`): its words, sentences,
/// questions and paragraphs, in byte offsets from the piece's first byte, and what a check found
/// in its normalized view (built by `compute`, or rebuilt over the piece by `compute_in`, and not
/// kept). Nothing crosses a blank line, so the
/// pieces of a body, shifted to their places, are the body's own parts (`Draft::set_pieces`),
/// and a piece whose text did not change need not be computed again (an editor's keystroke).
#[derive(Debug, Clone)]
pub struct Piece<T> {
    pub words: WordRuns,
    pub sentences: Vec<Range<usize>>,
    /// The sentences that are questions.
    pub questions: Vec<Range<usize>>,
    pub paragraphs: Vec<Range<usize>>,
    pub found: T,
}

impl<T> Piece<T> {
    pub fn compute(
        text: &str,
        lexicon: &Lexicon,
        also: impl FnOnce(&NormalizedView) -> T,
    ) -> Piece<T> {
        Piece::compute_in(&mut NormalizedView::default(), text, lexicon, also)
    }

    /// `compute`, rebuilding `view` (`NormalizedView::rebuild_on`) for the piece's text.
    pub fn compute_in(
        view: &mut NormalizedView,
        text: &str,
        lexicon: &Lexicon,
        also: impl FnOnce(&NormalizedView) -> T,
    ) -> Piece<T> {
        // Found as `u32` spans and kept as they are (a text under 4 GiB, as every piece of a long
        // draft is): one list of half the size, not a list and a compact copy of it.
        let words = match text::words_u32(text) {
            Some(words) => {
                view.rebuild_on(text, 0, &words, lexicon);
                if words.is_empty() {
                    Vec::new()
                } else {
                    vec![(0, words)]
                }
            }
            None => {
                let words = text::words(text, 0);
                view.rebuild_on(text, 0, &words, lexicon);
                compact_word_list(text, &words)
            }
        };
        let found = also(view);
        let sentences = text::sentences(text, 0);
        Piece {
            words,
            questions: text::questions(text, &sentences),
            sentences,
            paragraphs: text::paragraphs(text, 0),
            found,
        }
    }
}

/// Parts under this size are not worth a thread's start-up and a join.
const PIECE_MIN: usize = 128 * 1024;

/// How many threads to lint a body of `len` bytes on (`Draft::prepare_in_pieces`): one per core,
/// with at least `PIECE_MIN` bytes each, so only long drafts (a book, a whole export pasted as a
/// draft) pay for threads.
pub fn threads_for(len: usize) -> usize {
    if len < 2 * PIECE_MIN {
        return 1;
    }
    crate::par::cores().min(len / PIECE_MIN).max(1)
}

/// A long body's parts are at most about this size: small enough that a part's tokens and spans
/// stay near the core.
const PIECE_TARGET: usize = 256 * 1024;

/// Its last parts are about this size (`text::tapered_cuts`): the first thread done waits for the
/// others at most about that long. With even parts of 140 KB, a 1 MB draft kept one of two cores
/// idle for up to a whole part; smaller parts all through cost each part's setup more often.
const TAPER_MIN: usize = 48 * 1024;

/// How a body is cut for `Draft::prepare_in_pieces`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// Into about this many parts of about the same size (`text::blank_line_cuts`); 1: whole.
    Even(usize),
    /// Into parts that shrink toward the end (`text::tapered_cuts`): from `PIECE_TARGET` down to
    /// `TAPER_MIN`.
    Tapered,
}

impl Parts {
    /// Whether the body is cut at all.
    pub fn cut(self) -> bool {
        self != Parts::Even(1) && self != Parts::Even(0)
    }
}

/// How to cut a body of `len` bytes for `threads` threads: whole when it is too short to share
/// out, else in tapered parts.
pub fn parts_for(len: usize, threads: usize) -> Parts {
    if threads < 2 && len < 2 * PIECE_MIN {
        Parts::Even(1)
    } else {
        Parts::Tapered
    }
}

/// Byte offsets ↔ line/column. Lines end at `\n`, `\r\n` or a lone `\r`.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; always starts with 0. Found on first use, so
    /// a run that reports no positions (`--quiet`, human output, which ariadne lays out) never
    /// pays for it: 16 bytes a line, serial, on a long export.
    starts: OnceLock<Vec<usize>>,
    len: usize,
    /// Kept so column conversions need no other argument.
    text: Box<str>,
}

/// A position: 0-based line and 0-based column in the unit asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// The unit a column is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// UTF-8 bytes (LSP `utf-8`).
    Byte,
    /// UTF-16 code units (LSP default).
    Utf16,
    /// Unicode scalar values (human and JSON output).
    Char,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex::from_string(text.to_owned())
    }

    /// [`LineIndex::new`] that keeps `text` instead of a copy of it.
    pub fn from_string(text: String) -> LineIndex {
        LineIndex {
            starts: OnceLock::new(),
            len: text.len(),
            text: text.into_boxed_str(),
        }
    }

    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            let mut starts = vec![0];
            let mut after_cr = usize::MAX;
            for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                // "\r\n" is one line end: its line starts after the '\n'.
                if bytes[i] == b'\n' && after_cr == i {
                    *starts.last_mut().expect("pushed at the '\\r'") = i + 1;
                } else {
                    starts.push(i + 1);
                }
                if bytes[i] == b'\r' {
                    after_cr = i + 1;
                }
            }
            starts
        })
    }

    pub fn line_count(&self) -> usize {
        self.starts().len()
    }

    /// The byte range of a 0-based line, without its line ending.
    pub fn line_span(&self, line: usize) -> Range<usize> {
        let starts = self.starts();
        let start = starts[line.min(starts.len() - 1)];
        let mut end = starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// The 0-based line holding `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.starts().partition_point(|&s| s <= offset) - 1
    }

    /// Byte offset → 0-based line and column in `unit`. Offsets inside a char round down.
    pub fn line_col(&self, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(&self.text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.starts()[line];
        let segment = &self.text[start..offset];
        let col = match unit {
            ColumnUnit::Byte => segment.len(),
            _ if segment.is_ascii() => segment.len(),
            ColumnUnit::Utf16 => segment.encode_utf16().count(),
            ColumnUnit::Char => segment.chars().count(),
        };
        LineCol { line, col }
    }

    /// 0-based line and column in `unit` → byte offset. A column past the end of the line clamps
    /// to the line's end; a column inside a char (a UTF-16 surrogate half) rounds down.
    pub fn offset(&self, pos: LineCol, unit: ColumnUnit) -> usize {
        if pos.line >= self.starts().len() {
            return self.len;
        }
        let span = self.line_span(pos.line);
        let line = &self.text[span.clone()];
        let mut counted = 0;
        for (i, c) in line.char_indices() {
            let width = match unit {
                ColumnUnit::Byte => c.len_utf8(),
                ColumnUnit::Utf16 => c.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if counted + width > pos.col {
                return span.start + i;
            }
            counted += width;
        }
        span.end
    }
}

/// The largest char boundary at or below `i`.
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_cr() {
        let idx = LineIndex::new("a\nb\r\nc\rd");
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_span(1), 2..3);
        assert_eq!(idx.line_span(2), 5..6);
        assert_eq!(
            idx.line_col(7, ColumnUnit::Char),
            LineCol { line: 3, col: 0 }
        );
    }

    #[test]
    fn words_are_kept_in_compact_runs() {
        let text = "one two  thrée, 4th\n\nfive";
        let words = text::words(text, 0);
        let runs = compact_words(text, words.iter().cloned(), words.len());
        assert_eq!(runs.len(), 1);
        // A list takes the one-run path, to the same runs.
        assert_eq!(compact_word_list(text, &words), runs);
        assert_eq!(compact_word_list(text, &words[2..]), {
            compact_words(text, words[2..].iter().cloned(), words.len() - 2)
        });
        assert!(compact_word_list(text, &[]).is_empty());
        let back: Vec<Range<usize>> = runs
            .iter()
            .flat_map(|(at, run)| {
                run.iter()
                    .map(move |w| w.start as usize + at..w.end as usize + at)
            })
            .collect();
        assert_eq!(back, words);
        // Spans more than 4 GiB from their run's first start a new run.
        let far = [
            0..3,
            4..7,
            (5 << 30)..(5 << 30) + 4,
            (5 << 30) + 5..(5 << 30) + 6,
            (9 << 30)..(9 << 30) + 2,
            (9 << 30) + 3..(9 << 30) + 5,
        ];
        let runs = compact_words("", far.iter().cloned(), far.len());
        let shape: Vec<(usize, Vec<Range<u32>>)> = runs;
        assert_eq!(
            shape,
            [
                (0, vec![0..3, 4..7]),
                (5 << 30, vec![0..4, 5..6]),
                (9 << 30, vec![0..2, 3..5])
            ]
        );
        // A draft's runs are its words, however it was linted.
        let draft = Draft::new(text);
        assert_eq!(
            draft.word_runs(),
            &compact_words(text, draft.words().iter().cloned(), draft.words().len())
        );
    }

    #[test]
    fn long_bodies_are_cut_in_tapered_parts() {
        const MB: usize = 1_000_000;
        assert_eq!(parts_for(100 * 1024, 1), Parts::Even(1));
        assert_eq!(parts_for(MB, 1), Parts::Tapered);
        assert_eq!(parts_for(MB, 2), Parts::Tapered);
        // Prose in paragraphs of 200 to 900 bytes.
        let mut text = String::new();
        let mut n = 0u64;
        while text.len() < 2 * MB {
            n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = 200 + (n >> 33) as usize % 700;
            text.push_str(&"word ".repeat(len / 5));
            text.push_str("\n\n");
        }
        for (len, threads) in [(MB, 2), (2 * MB, 2), (2 * MB, 4), (MB, 1)] {
            let body = &text[..len];
            let cuts = text::tapered_cuts(body, threads, TAPER_MIN, PIECE_TARGET);
            let sizes: Vec<usize> = cuts.windows(2).map(|w| w[1] - w[0]).collect();
            assert_eq!((cuts[0], cuts[cuts.len() - 1]), (0, len));
            assert!(
                cuts[1..cuts.len() - 1]
                    .iter()
                    .all(|&c| body[..c].ends_with("\n\n"))
            );
            let (last, rest) = sizes.split_last().unwrap();
            // Each part but the last between the bounds (a paragraph past them at most), and no
            // bigger than the one before; the last no bigger than the minimum and a paragraph.
            for (i, &size) in rest.iter().enumerate() {
                assert!(
                    (TAPER_MIN..=PIECE_TARGET + 1024).contains(&size),
                    "{len}: {sizes:?}"
                );
                assert!(i == 0 || size <= sizes[i - 1] + 1024, "{len}: {sizes:?}");
            }
            assert!(*last <= TAPER_MIN + 1024, "{len}: {sizes:?}");
            assert!(sizes.len() >= 2 * threads, "{len}: {sizes:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512, failure_persistence: None, ..Default::default()
        })]
        /// Line starts found with memchr are the ones a byte-by-byte walk finds.
        #[test]
        fn line_starts_match_a_byte_walk(text in "[a\r\n\u{e9}\u{2028}]{0,40}") {
            let bytes = text.as_bytes();
            let mut want = vec![0];
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                if matches!(bytes[i], b'\n' | b'\r') {
                    want.push(i + 1);
                }
                i += 1;
            }
            let idx = LineIndex::new(&text);
            proptest::prop_assert_eq!(idx.starts(), &want[..]);
        }
    }

    #[test]
    fn columns_in_every_unit() {
        // "😀" is 4 bytes, 2 UTF-16 units, 1 char; "é" is 2 bytes, 1 unit, 1 char.
        let text = "x😀é y";
        let idx = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(idx.line_col(y, ColumnUnit::Byte).col, 8);
        assert_eq!(idx.line_col(y, ColumnUnit::Utf16).col, 5);
        assert_eq!(idx.line_col(y, ColumnUnit::Char).col, 4);
        for unit in [ColumnUnit::Byte, ColumnUnit::Utf16, ColumnUnit::Char] {
            let pos = idx.line_col(y, unit);
            assert_eq!(idx.offset(pos, unit), y, "{unit:?}");
        }
    }

    #[test]
    fn offsets_inside_a_char_round_down() {
        let idx = LineIndex::new("😀a");
        assert_eq!(idx.line_col(2, ColumnUnit::Char).col, 0);
        // UTF-16 column 1 is the middle of the surrogate pair.
        assert_eq!(
            idx.offset(LineCol { line: 0, col: 1 }, ColumnUnit::Utf16),
            0
        );
        assert_eq!(
            idx.offset(LineCol { line: 0, col: 99 }, ColumnUnit::Char),
            5
        );
        assert_eq!(idx.offset(LineCol { line: 9, col: 0 }, ColumnUnit::Char), 5);
    }

    #[test]
    fn draft_parts_are_in_source_coordinates() {
        let source = "\u{feff}Hi there. How are you?\n\nSecond para.".to_string();
        let draft = Draft::with_body(
            source,
            3.."\u{feff}Hi there. How are you?\n\nSecond para.".len(),
        );
        let words: Vec<&str> = draft
            .words()
            .iter()
            .map(|w| draft.slice(w.clone()))
            .collect();
        assert_eq!(
            words,
            ["Hi", "there", "How", "are", "you", "Second", "para"]
        );
        let sentences: Vec<&str> = draft
            .sentences()
            .iter()
            .map(|s| draft.slice(s.clone()))
            .collect();
        assert_eq!(sentences, ["Hi there.", "How are you?", "Second para."]);
        assert_eq!(draft.paragraphs().len(), 2);
    }
}
