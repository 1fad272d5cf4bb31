//! Segmentation (words, sentences, paragraphs) as byte spans, and the normalized view that phrase
//! matching runs on.

use std::ops::Range;

use rustc_hash::FxHashMap as HashMap;
use unicode_segmentation::UnicodeSegmentation;

use crate::lexicon::{ClauseRole, Lexicon};

/// Word spans (UAX #29 words that contain a letter or digit), offset by `base`.
///
/// The same spans as `unicode_word_indices`, faster. The text is cut where ASCII whitespace is
/// followed by another ASCII character: UAX #29 always breaks there, and no rule looks across it,
/// so each piece segments on its own. All-ASCII stretches of pieces (most of the text) go through
/// the few word rules that apply to ASCII (`ascii_words`); a piece with anything else goes to
/// unicode-segmentation whole, so a mark after a space or a run of ideographic spaces segments as
/// it would in the whole text. A property test holds the two equal on arbitrary text.
pub fn words(text: &str, base: usize) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    words_into(text, base, &mut out);
    out
}

/// `words(text, 0)` as `u32` spans, half the memory, or `None` for a text over 4 GiB. The pieces
/// of a long draft keep their words this way (`WordRuns`), so they are found this way and not
/// copied over.
pub fn words_u32(text: &str) -> Option<Vec<Range<u32>>> {
    u32::try_from(text.len()).ok()?;
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    words_into(text, 0, &mut out);
    Some(out)
}

/// A word's span as a list keeps it: `Range<usize>`, or `Range<u32>` for a text known to be
/// under 4 GiB (`words_u32`, and the pieces' `WordRuns`, which the metric rules count across).
pub trait WordSpan {
    /// The span from `start` to `end`, which the caller knows fit.
    fn new(start: usize, end: usize) -> Self;
    fn start(&self) -> usize;
    fn end(&self) -> usize;
}

impl WordSpan for Range<usize> {
    fn new(start: usize, end: usize) -> Self {
        start..end
    }
    fn start(&self) -> usize {
        self.start
    }
    fn end(&self) -> usize {
        self.end
    }
}

impl WordSpan for Range<u32> {
    fn new(start: usize, end: usize) -> Self {
        start as u32..end as u32
    }
    fn start(&self) -> usize {
        self.start as usize
    }
    fn end(&self) -> usize {
        self.end as usize
    }
}

/// `words`, appended to `out`.
fn words_into<W: WordSpan>(text: &str, base: usize, out: &mut Vec<W>) {
    let bytes = text.as_bytes();
    // A cut: ASCII whitespace, then an ASCII character that is not whitespace.
    let is_cut = |i: usize| {
        i > 0 && i < bytes.len() && bytes[i].is_ascii() && !is_ascii_space(bytes[i]) && {
            is_ascii_space(bytes[i - 1])
        }
    };
    let mut done = 0;
    while let Some(k) = first_non_ascii(&bytes[done..]) {
        let k = done + k;
        // The piece around the first non-ASCII byte: from the cut before it to the cut after.
        let from = (done + 1..=k).rev().find(|&i| is_cut(i)).unwrap_or(done);
        let to = (k + 1..bytes.len())
            .find(|&i| is_cut(i))
            .unwrap_or(bytes.len());
        ascii_words(&bytes[done..from], base + done, out);
        out.extend(
            text[from..to]
                .unicode_word_indices()
                .map(|(j, w)| W::new(base + from + j, base + from + j + w.len())),
        );
        done = to;
    }
    ascii_words(&bytes[done..], base + done, out);
}

/// Byte tests on eight bytes at once, in a `u64` ("SWAR"): each answer is the high bit of its
/// byte.
pub(crate) mod swar {
    pub const ONES: u64 = 0x0101_0101_0101_0101;
    pub const HIGH: u64 = 0x8080_8080_8080_8080;

    /// High bit set on each byte of `word` (all ASCII) that is at least `lo` (at most 0x80):
    /// adding 0x80 - lo carries into the high bit exactly then, and never into the next byte.
    /// Other bits are noise.
    pub fn at_least(word: u64, lo: u8) -> u64 {
        word + u64::from(0x80 - lo) * ONES
    }

    /// High bit set on each byte of `word` (all ASCII) in `lo..=hi` (both below 0x80), and
    /// nothing else.
    pub fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
        at_least(word, lo) & !at_least(word, hi + 1) & HIGH
    }
}

/// The position of the first byte that is not ASCII, eight bytes at a time.
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let high = word & swar::HIGH;
        if high != 0 {
            return Some(at + high.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    tail.iter().position(|b| !b.is_ascii()).map(|i| at + i)
}

/// Space, tab, line breaks, vertical tab and form feed: UAX #29 always breaks between one of
/// these and a following ASCII character that is not one of them.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// How UAX #29 word rules see an ASCII byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AsciiClass {
    Letter,
    Digit,
    /// `_` (ExtendNumLet): joins letters, digits and itself.
    Underscore,
    /// `:` (MidLetter): joins two letters.
    MidLetter,
    /// `,` `;` (MidNum): join two digits.
    MidNum,
    /// `.` `'` (MidNumLet, Single_Quote): join two letters or two digits.
    MidNumLet,
    Other,
}

/// `AsciiClass` of every byte (non-ASCII bytes never reach it).
static ASCII_CLASS: [AsciiClass; 256] = {
    let mut table = [AsciiClass::Other; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => AsciiClass::Letter,
            b'0'..=b'9' => AsciiClass::Digit,
            b'_' => AsciiClass::Underscore,
            b':' => AsciiClass::MidLetter,
            b',' | b';' => AsciiClass::MidNum,
            b'.' | b'\'' => AsciiClass::MidNumLet,
            _ => AsciiClass::Other,
        };
        b += 1;
    }
    table
};

fn ascii_class(b: u8) -> AsciiClass {
    ASCII_CLASS[b as usize]
}

/// UAX #29 words of all-ASCII text (rules WB3–WB13b restricted to ASCII; whitespace breaks),
/// keeping those with a letter or digit.
///
/// Word bytes (letters, digits, `_`) are found 64 at a time as a bit mask, and only the places
/// where the mask changes are visited: a run of word bytes goes on past one middle character
/// only between two letters (WB6/7) or two digits (WB11/12), and a word is a run so joined.
fn ascii_words<W: WordSpan>(piece: &[u8], base: usize, out: &mut Vec<W>) {
    use AsciiClass::*;
    let n = piece.len();
    // Does the run that ends just before `i` (a byte that is not a word byte) go on past it?
    // Most runs end at a space: the byte itself is looked at first.
    let joins = |i: usize| {
        let around = || (ascii_class(piece[i - 1]), ascii_class(piece[i + 1]));
        i + 1 < n
            && match ascii_class(piece[i]) {
                MidLetter => around() == (Letter, Letter),
                MidNum => around() == (Digit, Digit),
                MidNumLet => matches!(around(), (Letter, Letter) | (Digit, Digit)),
                _ => false,
            }
    };
    let mut emit = |start: usize, end: usize| {
        if piece[start..end].iter().any(|&b| b != b'_') {
            out.push(W::new(base + start, base + end));
        }
    };
    // The start of the word being read, if one is.
    let mut word: Option<usize> = None;
    // Whether the byte before the block is a word byte.
    let mut carry = 0u64;
    for (b, block) in piece.chunks(64).enumerate() {
        let mask = block_mask(block);
        // A bit where a byte is a word byte and the one before it is not, or the reverse.
        let mut changes = mask ^ ((mask << 1) | carry);
        carry = mask >> 63;
        while changes != 0 {
            let at = changes.trailing_zeros();
            changes &= changes - 1;
            let i = b * 64 + at as usize;
            if mask >> at & 1 == 1 {
                // A run starts; after a joining middle character it goes on the same word.
                word.get_or_insert(i);
            } else if let Some(start) = word {
                // A run ends before `i` (`i` may be `n`, past the last partial block's end).
                if !joins(i) {
                    emit(start, i);
                    word = None;
                }
            }
        }
    }
    if let Some(start) = word {
        emit(start, n);
    }
}

/// Bit `i` set when `block[i]` (ASCII, at most 64 bytes) is a letter, a digit or `_`.
fn block_mask(block: &[u8]) -> u64 {
    let mut mask = 0;
    let mut chunks = block.chunks_exact(8);
    for (k, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        mask |= u64::from(word_bits(word)) << (8 * k);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut word = [0u8; 8];
        word[..tail.len()].copy_from_slice(tail);
        mask |= u64::from(word_bits(u64::from_le_bytes(word))) << (8 * (block.len() / 8));
    }
    mask
}

/// One bit per byte of eight ASCII bytes: is it a letter, a digit or `_`? Each byte is compared
/// in place (no byte can carry into the next: all are below 0x80).
fn word_bits(x: u64) -> u8 {
    use swar::{HIGH, ONES, in_range};
    let lower = x | (0x20 * ONES);
    let letter = in_range(lower, b'a', b'z');
    let digit = in_range(x, b'0', b'9');
    let v = x ^ (u64::from(b'_') * ONES);
    let underscore = !(((v & !HIGH) + !HIGH) | v);
    let high = (letter | digit | underscore) & HIGH;
    // Gather the eight high bits into one byte.
    ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Where a long text can be cut into about `pieces` parts of similar size that segment, split
/// into sentences and paragraphs, normalize and match on their own: just after a blank line
/// ("\n\n" or "\n\r\n"). Nothing joins across a blank line: a word, a sentence, a paragraph,
/// a quotation and a phrase all end there. Returns the boundaries, `0` first and `text.len()`
/// last; a text with no blank line past the first cut stays whole.
pub fn blank_line_cuts(text: &str, pieces: usize) -> Vec<usize> {
    match text.len() / pieces.max(1) {
        0 => vec![0, text.len()],
        // Every part the same size: a taper whose bounds meet.
        step => tapered_cuts(text, 1, step, step),
    }
}

/// Where the first blank line ("\n\n" or "\n\r\n") at or after `from` ends.
fn after_blank_line(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr_iter(b'\n', &bytes[from..]).find_map(|i| match &bytes[from + i..] {
        [b'\n', b'\n', ..] => Some(from + i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(from + i + 3),
        _ => None,
    })
}

/// `blank_line_cuts`, in parts that shrink toward the end: each is about what is left over
/// `2 * threads`, between `min` and `max` bytes. Threads take the next part left as they finish,
/// so the last parts decide how long the first thread to finish waits for the others: small
/// last parts keep that wait short, and big early ones keep the parts few.
pub fn tapered_cuts(text: &str, threads: usize, min: usize, max: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut cuts = vec![0];
    let mut from = 0;
    while from < bytes.len() {
        let left = bytes.len() - from;
        let step = (left / (2 * threads.max(1))).clamp(min.max(1), max.max(min).max(1));
        let at = from + step;
        if at >= bytes.len() {
            break;
        }
        let Some(cut) = after_blank_line(bytes, at) else {
            break;
        };
        if cut >= bytes.len() {
            break;
        }
        cuts.push(cut);
        from = cut;
    }
    cuts.push(text.len());
    cuts
}

/// Sentence spans, trimmed of whitespace. A sentence ends at a line break, or at `.`, `!` or `?`
/// (runs included) followed by a space — whatever the case of the next word, since drafts are often
/// all lowercase. An ellipsis ends one only before a capital letter; "Dr." and friends never do.
/// Pieces with no letter or digit (a lone emoji) are not sentences.
pub fn sentences(text: &str, base: usize) -> Vec<Range<usize>> {
    // Room for a sentence every 24 bytes, about what short lines of prose hold: a long draft's
    // piece then fills one list, where doubling from empty left a trail of copies. Room not
    // filled is never touched.
    let mut out = Vec::with_capacity(text.len() / 24 + 1);
    let mut start = 0;
    let push = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
        let piece = &text[from..to];
        // Most sentences start with an ASCII letter or digit and end in an ASCII byte that is
        // not whitespace: nothing to trim (all other whitespace is more than one byte), and a
        // letter or digit is there.
        if let (Some(&first), Some(&last)) = (piece.as_bytes().first(), piece.as_bytes().last()) {
            let space = matches!(last, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
            if first.is_ascii_alphanumeric() && last.is_ascii() && !space {
                out.push(base + from..base + to);
                return;
            }
        }
        let t = trim_span(piece);
        if piece[t.clone()].chars().any(char::is_alphanumeric) {
            out.push(base + from + t.start..base + from + t.end);
        }
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Only line breaks and terminators matter: skip to the next ASCII one or non-ASCII char.
        match next_sentence_byte(&bytes[i..]) {
            Some(skip) => i += skip,
            None => break,
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let at = i;
        i += c.len_utf8();
        if c == '\n' || c == '\r' || c == '\u{2029}' {
            push(start, at, &mut out);
            start = i;
            continue;
        }
        if !is_terminator(c) {
            continue;
        }
        // Take the whole run of terminators and closing quotes/brackets.
        let mut end = i;
        let mut dots = usize::from(c == '.');
        let mut ellipsis = c == '…';
        let mut only_dots = c == '.' || c == '…';
        for d in text[end..].chars() {
            if is_terminator(d) || matches!(d, '"' | '\'' | '”' | '’' | ')' | ']') {
                dots += usize::from(d == '.');
                ellipsis |= d == '…';
                only_dots &= matches!(d, '.' | '…' | '"' | '\'' | '”' | '’' | ')' | ']');
                end += d.len_utf8();
            } else {
                break;
            }
        }
        i = end;
        let rest = &text[end..];
        let next = rest.trim_start_matches([' ', '\t']).chars().next();
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue; // "3.5", "e.g.x", "wait...what" stay inside
        }
        let pause = only_dots && (dots >= 2 || ellipsis);
        if pause && next.is_some_and(|n| !n.is_uppercase() && n != '\n' && n != '\r') {
            continue;
        }
        if only_dots && dots == 1 && !ellipsis && is_abbreviation(&text[start..at]) {
            continue;
        }
        push(start, end, &mut out);
        start = end;
    }
    push(start, text.len(), &mut out);
    out
}

/// The position of the first line break, `.`, `!`, `?` or non-ASCII lead byte, eight bytes at a
/// time.
fn next_sentence_byte(bytes: &[u8]) -> Option<usize> {
    use swar::{HIGH, ONES};
    // High bit of each byte that equals `c` (exact: no carry crosses a byte).
    let equal = |x: u64, c: u8| {
        let v = x ^ (u64::from(c) * ONES);
        !(((v & !HIGH) + !HIGH) | v) & HIGH
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A lead byte of a multi-byte character has its top two bits set.
        let lead = x & (x << 1) & HIGH;
        let hits = lead
            | equal(x, b'\n')
            | equal(x, b'\r')
            | equal(x, b'.')
            | equal(x, b'!')
            | equal(x, b'?');
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    tail.iter()
        .position(|&b| matches!(b, b'\n' | b'\r' | b'.' | b'!' | b'?') || b >= 0xC0)
        .map(|i| at + i)
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '！' | '？' | '。')
}

/// Does the text before a single "." end in a common abbreviation ("Dr", "e.g")?
fn is_abbreviation(before: &str) -> bool {
    const ABBREVIATIONS: [&str; 16] = [
        "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "jr", "sr", "prof", "approx",
        "no", "ft", "mt",
    ];
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    // Compared without lowercasing a copy (every sentence end with one "." comes here). All of
    // them are ASCII, and the only other character that lowercases to ASCII is the Kelvin sign
    // ("k"), which none of them has.
    ABBREVIATIONS.iter().any(|a| word.eq_ignore_ascii_case(a)) && !before.ends_with(' ')
}

/// Paragraph spans: runs of lines separated by one or more blank lines, trimmed.
pub fn paragraphs(text: &str, base: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut start = 0;
    // Lines, each with its one ending ("\r" and "\n" each end one): memchr finds the ends.
    let ends = memchr::memchr2_iter(b'\n', b'\r', text.as_bytes()).map(|i| i + 1);
    for end in ends.chain((!text.ends_with(['\n', '\r'])).then_some(text.len())) {
        let line = &text[start..end];
        let content = line.trim_end_matches(['\n', '\r']);
        // Only the first line of a paragraph needs its start trimmed; every line its end.
        let kept = content.trim_end();
        if kept.is_empty() {
            // A lone "\r" before "\n" is part of a CRLF ending, not a blank line.
            if !(line == "\n" && text[..start].ends_with('\r')) {
                if let Some(p) = current.take() {
                    out.push(p);
                }
            }
        } else {
            let span_end = base + start + kept.len();
            current = Some(match current {
                Some(p) => p.start..span_end,
                None => base + start + (kept.len() - kept.trim_start().len())..span_end,
            });
        }
        start = end;
    }
    out.extend(current);
    out
}

/// Is this sentence a question? Its closing punctuation (after the last letter or digit) has a
/// question mark: "you ok?? 😢" is, "why? because" is two sentences.
pub fn is_question(sentence: &str) -> bool {
    let tail = match sentence
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
    {
        Some((i, c)) => &sentence[i + c.len_utf8()..],
        None => sentence,
    };
    tail.contains(['?', '？', '¿'])
}

/// The spans of `sentences` (byte ranges of `text`) that are questions.
pub fn questions(text: &str, sentences: &[Range<usize>]) -> Vec<Range<usize>> {
    sentences
        .iter()
        .filter(|s| is_question(&text[(*s).clone()]))
        .cloned()
        .collect()
}

fn trim_span(s: &str) -> Range<usize> {
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len();
    if start >= end { 0..0 } else { start..end }
}

/// One token of the normalized view: a word as the user typed it (its source span) and the
/// canonical readings it may stand for ("ur" → "your" | "you are"), shared by every token spelled
/// the same way (its form).
///
/// Twelve bytes: a long draft's pieces hold tens of thousands each, and every page of them is a
/// fault to fill. Offsets are kept as `u32`, so a view covers the first 4 GiB of a source (inputs
/// are at most 2 GiB: `input::MAX_INPUT_SIZE_LIMIT`); the form shares a `u32` with the flags, so
/// a view has at most 2^29 forms (`MAX_FORMS`): 2 GiB cannot hold that many different words of
/// four bytes or more, and shorter ones run out first.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    start: u32,
    end: u32,
    /// Index of the token's form (`NormalizedView::form_of`) in the low 29 bits, the flags
    /// (`BREAK_BEFORE`, `PAUSE_BEFORE`, `QUOTED`) above.
    form_flags: u32,
}

const _: () = assert!(std::mem::size_of::<Token>() == 12);

const FLAG_SHIFT: u32 = 29;
/// A view's forms are numbered below this (see `Token`).
const MAX_FORMS: u32 = 1 << FLAG_SHIFT;
const BREAK_BEFORE: u32 = 1 << FLAG_SHIFT;
const PAUSE_BEFORE: u32 = 2 << FLAG_SHIFT;
const QUOTED: u32 = 4 << FLAG_SHIFT;

impl Token {
    /// Byte span of the user's own word in the source.
    pub fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// True when a sentence end (. ! ? ;), a line break or a blank line separates this token
    /// from the previous one: phrases never match across it.
    pub fn break_before(&self) -> bool {
        self.form_flags & BREAK_BEFORE != 0
    }

    /// True when a clause pause (a comma, a colon, a dash, brackets, an emoji) or a break
    /// separates this token from the previous one, or, in unpunctuated text, when this token
    /// opens a clause ("i") or an interjection ("lol") sits on either side: where `^`/`$`
    /// phrases may start or end.
    pub fn pause_before(&self) -> bool {
        self.form_flags & PAUSE_BEFORE != 0
    }

    /// True when the word sits inside quotation marks (“…”, "…", «…», „…“): the writer is
    /// quoting a song, a title or someone else, not saying it.
    pub fn quoted(&self) -> bool {
        self.form_flags & QUOTED != 0
    }

    fn form(&self) -> u32 {
        self.form_flags & (MAX_FORMS - 1)
    }

    fn flags(&self) -> u32 {
        self.form_flags & !(MAX_FORMS - 1)
    }
}

/// The readings of one spelling, computed once however often the text repeats it.
#[derive(Debug, Clone)]
struct Form {
    /// Range into `NormalizedView::readings`.
    readings: Range<u32>,
}

/// The draft as matching sees it: lowercase, one kind of apostrophe, text-speak and contractions
/// expanded, stretched letters shortened; every token keeps the span of the words it came from.
///
/// Natural text repeats its words, so readings belong to distinct spellings (forms), each
/// normalized once: a token is its span, its flags and the index of its form.
///
/// A view can be rebuilt over another text (`rebuild_on`), keeping the forms it has: a thread
/// that works through the pieces of a long draft normalizes each spelling once, not once a piece.
#[derive(Debug, Clone, Default)]
pub struct NormalizedView {
    tokens: Vec<Token>,
    forms: Vec<Form>,
    /// Each reading is a range into `words`.
    readings: Vec<Range<u32>>,
    /// Canonical words, each a range into `text`. Byte offsets, not `u32`: a form's readings can
    /// take up to four times its spelling's bytes ("goin" reads "goin" and "going", and
    /// lowercasing can lengthen a letter). The counts (forms, readings, words) grow no faster
    /// than the text's bytes: a form is a byte and a separator at least, with at most two
    /// one-word readings of its own, beside the lexicon's.
    words: Vec<Range<usize>>,
    text: String,
    /// Each spelling seen (case included) → its form.
    spellings: Spellings,
    /// Tells views apart (`id`): a fresh view gets a new one, a rebuilt view keeps its own.
    id: u64,
}

/// Spellings as typed → their form and clause role: short ones (most) by their bytes packed in
/// one or two machine words (`packed`), so a probe needs no second memory access.
#[derive(Debug, Clone, Default)]
struct Spellings {
    /// Up to eight bytes: nine spellings in ten of a text's words, in slots of 16 bytes.
    short: PackedMap<u64>,
    /// Nine to fifteen bytes, in slots of 24.
    mid: PackedMap<[u64; 2]>,
    long: HashMap<Box<str>, (u32, ClauseRole)>,
}

impl Spellings {
    /// Room for the spellings of about `words` words.
    fn with_capacity(words: usize) -> Spellings {
        // A table takes a quarter more slots than keys, rounded up to a power of two: just
        // under 12,288 keys fit 16,384 slots (a thread's share of a 1 MB text has about 10,000
        // short spellings and 3,000 longer ones).
        Spellings {
            short: PackedMap::with_capacity(words.min(12_287)),
            mid: PackedMap::with_capacity((words / 4).min(6_143)),
            long: HashMap::default(),
        }
    }

    fn prefetch(&self, key: &Packed) {
        match key {
            Packed::One(key) => self.short.prefetch(key),
            Packed::Two(key) => self.mid.prefetch(key),
        }
    }
}

/// A key of `PackedMap`: hashed to its slot, and never `EMPTY`.
trait SlotKey: Copy + Eq + std::fmt::Debug {
    /// Marks an empty slot.
    const EMPTY: Self;
    fn hash(&self) -> u64;
}

impl SlotKey for u64 {
    /// A packed spelling of up to eight bytes ends in a byte that is not 0 (`packed`).
    const EMPTY: u64 = 0;
    fn hash(&self) -> u64 {
        (self ^ self >> 29).wrapping_mul(0xD6E8_FEB8_6659_FD93)
    }
}

impl SlotKey for [u64; 2] {
    /// A packed spelling of two words holds its length, never 0.
    const EMPTY: [u64; 2] = [0, 0];
    fn hash(&self) -> u64 {
        (self[0].wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self[1]).wrapping_mul(0xD6E8_FEB8_6659_FD93)
    }
}

/// Packed spellings (`packed`) → form and clause role, in one open-addressed table (linear
/// probing, at most 3/4 full) whose slot for a key is known before it is looked up: tokenizing
/// prefetches the slot a word a few places ahead will need. A long text's rarer spellings come
/// round too seldom to stay in cache, and waiting on their slots was about half of tokenizing.
#[derive(Debug, Clone, Default)]
struct PackedMap<K> {
    slots: Vec<(K, u32, ClauseRole)>,
    /// `64 - log2(slots.len())`: a key's hash shifted right by this is its slot.
    shift: u32,
    len: usize,
}

impl<K: SlotKey> PackedMap<K> {
    /// Room for `n` keys before growing.
    fn with_capacity(n: usize) -> PackedMap<K> {
        let mut map = PackedMap {
            slots: Vec::new(),
            shift: 0,
            len: 0,
        };
        map.resize((n.max(6) * 4 / 3 + 1).next_power_of_two());
        map
    }

    fn slot(&self, key: &K) -> usize {
        (key.hash() >> self.shift) as usize
    }

    /// Ask for `key`'s slot to be brought into cache; no effect on what the map holds.
    fn prefetch(&self, key: &K) {
        #[cfg(target_arch = "x86_64")]
        if !self.slots.is_empty() {
            let slot = self.slots.as_ptr().wrapping_add(self.slot(key));
            // SAFETY: a prefetch is only a hint: it reads nothing the program sees and cannot
            // fault, whatever the address (this one is a slot of the table).
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// The value under `key`, made by `make` and kept if there is none.
    fn get_or_insert_with(
        &mut self,
        key: K,
        make: impl FnOnce() -> (u32, ClauseRole),
    ) -> (u32, ClauseRole) {
        debug_assert_ne!(key, K::EMPTY);
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize((self.slots.len() * 2).max(8));
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(&key);
        loop {
            let (k, form, role) = self.slots[i];
            if k == key {
                return (form, role);
            }
            if k == K::EMPTY {
                let (form, role) = make();
                self.slots[i] = (key, form, role);
                self.len += 1;
                return (form, role);
            }
            i = (i + 1) & mask;
        }
    }

    /// Move every key into a table of `size` slots (a power of two above the count).
    fn resize(&mut self, size: usize) {
        debug_assert!(size.is_power_of_two() && size > self.len);
        let old = std::mem::replace(
            &mut self.slots,
            vec![(K::EMPTY, 0, ClauseRole::Plain); size],
        );
        self.shift = 64 - size.trailing_zeros();
        let mask = size - 1;
        for entry in old.into_iter().filter(|e| e.0 != K::EMPTY) {
            let mut i = self.slot(&entry.0);
            while self.slots[i].0 != K::EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = entry;
        }
    }
}

impl NormalizedView {
    /// Build the view of `text`, whose first byte is at `base` in the source.
    pub fn build(text: &str, base: usize, lexicon: &Lexicon) -> NormalizedView {
        NormalizedView::build_on(text, base, &words(text, base), lexicon)
    }

    /// `build`, given the word spans of `text` (`words(text, base)`), so a draft segments its
    /// text once for both its words and its view.
    pub fn build_on(
        text: &str,
        base: usize,
        words: &[Range<usize>],
        lexicon: &Lexicon,
    ) -> NormalizedView {
        let mut view = NormalizedView::default();
        view.rebuild_on(text, base, words, lexicon);
        view
    }

    /// An empty view (`rebuild_on` makes it a text's) with room for the forms of about `bytes`
    /// bytes of text, in one piece or many: its lists then never grow by copying, which on a
    /// long draft's first piece both copied them over and over and touched fresh memory each
    /// time. Distinct spellings grow about as the square root of the text: about 15,000 in
    /// 500 KB of prose, 37,000 in 5 MB. The room asked for is half as much again; memory only
    /// reserved is never touched, and a text with more spellings grows the lists as usual.
    pub fn with_room_for(bytes: usize) -> NormalizedView {
        let forms = (32.0 * (bytes as f64).sqrt()) as usize;
        let forms = forms.min(bytes / 2).min(1 << 20);
        NormalizedView {
            forms: Vec::with_capacity(forms),
            readings: Vec::with_capacity(forms + forms / 16),
            words: Vec::with_capacity(forms + forms / 16),
            text: String::with_capacity(forms * 8),
            ..NormalizedView::default()
        }
    }

    /// Room in the lists of forms, readings and words (`with_room_for`), for what is worked out
    /// per form elsewhere (`phrase::Syms`) to reserve alike.
    pub fn room(&self) -> (usize, usize, usize) {
        (
            self.forms.capacity(),
            self.readings.capacity(),
            self.words.capacity(),
        )
    }

    /// Make this the view of another text, as `build_on` would, keeping the forms of the texts
    /// before it (so a spelling they had is not normalized again). `lexicon` must be the one the
    /// view was built with. Tokens are the new text's only; readings are the same as a fresh
    /// view's, though forms are numbered differently.
    pub fn rebuild_on<W: WordSpan>(
        &mut self,
        text: &str,
        base: usize,
        words: &[W],
        lexicon: &Lexicon,
    ) {
        if self.id == 0 {
            static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            self.id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.spellings = Spellings::with_capacity(words.len());
        }
        self.tokens.clear();
        self.tokenize(text, base, words, lexicon);
    }

    /// Which view this is: stays the same through `rebuild_on`, so what was worked out from its
    /// forms (they are only ever added to) can be kept and extended. 0 for an empty default view.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Append the tokens of `text` (its `words`), adding a form for each new spelling.
    fn tokenize<W: WordSpan>(&mut self, text: &str, base: usize, words: &[W], lexicon: &Lexicon) {
        let view = self;
        if view.tokens.is_empty() && view.tokens.capacity() < words.len() {
            // A fresh list, not a grown one: growing copies the old, cleared list's bytes over.
            view.tokens = Vec::with_capacity(words.len());
        } else {
            view.tokens.reserve(words.len());
        }
        let mut spellings = std::mem::take(&mut view.spellings);
        let mut raw = String::new();
        let mut scratch = Vec::new();
        let mut prev_end = 0;
        let mut after_interjection = false;
        let quotes = quoted_ranges(text);
        let mut next_quote = 0;
        let bytes = text.as_bytes();
        // At most two characters (a word is never empty).
        let short_word =
            |w: &Range<usize>| w.len() <= 2 || text[w.clone()].chars().nth(2).is_none();
        let mut pieces = words
            .iter()
            .map(|w| w.start() - base..w.end() - base)
            .enumerate()
            .peekable();
        // The spelling slots of the words a few places ahead are fetched while this one is
        // worked on; their keys are kept (by word, in `keys`) for when their turn comes.
        const AHEAD: usize = 24;
        let mut keys = [(usize::MAX, None); 32];
        let mut ahead = words.iter().enumerate().skip(AHEAD);
        while let Some((i, word)) = pieces.next() {
            if let Some((j, w)) = ahead.next() {
                let key = packed(bytes, w.start() - base, w.end() - base);
                if let Some(key) = &key {
                    spellings.prefetch(key);
                }
                keys[j % keys.len()] = (j, key);
            }
            let (start, mut end) = (word.start, word.end);
            let mut key = match keys[i % keys.len()] {
                (j, key) if j == i => key,
                _ => packed(bytes, start, end),
            };
            // "w/o", "b/c", "w/e": short words joined by a slash are one token.
            if bytes.get(end) == Some(&b'/') && short_word(&word) {
                if let Some((_, next)) =
                    pieces.next_if(|(_, next)| next.start == end + 1 && short_word(next))
                {
                    end = next.end;
                    key = packed(bytes, start, end);
                }
            }
            // Most words are apart by one space: no break, no pause.
            let plain_gap = start == prev_end + 1 && bytes[prev_end] == b' ';
            let between = || &text[prev_end..start];
            let break_before = !view.tokens.is_empty() && !plain_gap && is_break(between());
            let pause = !plain_gap && is_pause(between());
            prev_end = end;

            let mut add = || view.add_form(&text[start..end], lexicon, &mut raw, &mut scratch);
            let (form, role) = match key {
                Some(Packed::One(key)) => spellings.short.get_or_insert_with(key, &mut add),
                Some(Packed::Two(key)) => spellings.mid.get_or_insert_with(key, &mut add),
                None => match spellings.long.get(&text[start..end]) {
                    Some(known) => *known,
                    None => *spellings
                        .long
                        .entry(text[start..end].into())
                        .or_insert_with(add),
                },
            };
            // Texts often skip punctuation: a clause also starts at an opener ("take me back i
            // miss u") and on both sides of an interjection ("u up lol cant sleep").
            let unpunctuated_edge = role != ClauseRole::Plain || after_interjection;
            after_interjection = role == ClauseRole::Interjection;
            let pause_before =
                break_before || (!view.tokens.is_empty() && (unpunctuated_edge || pause));
            let quoted = {
                while next_quote < quotes.len() && quotes[next_quote].end <= start {
                    next_quote += 1;
                }
                quotes.get(next_quote).is_some_and(|q| q.start <= start)
            };
            let (Ok(span_start), Ok(span_end)) =
                (u32::try_from(base + start), u32::try_from(base + end))
            else {
                break; // past the 4 GiB a view covers (see `Token`)
            };
            if form >= MAX_FORMS {
                break; // past the forms a view numbers (see `Token`)
            }
            view.tokens.push(Token {
                start: span_start,
                end: span_end,
                form_flags: form
                    | (u32::from(break_before) * BREAK_BEFORE)
                    | (u32::from(pause_before) * PAUSE_BEFORE)
                    | (u32::from(quoted) * QUOTED),
            });
        }
        view.spellings = spellings;
    }

    /// Normalize one spelling and record its readings as a new form.
    fn add_form(
        &mut self,
        source: &str,
        lexicon: &Lexicon,
        raw: &mut String,
        scratch: &mut Vec<Vec<String>>,
    ) -> (u32, ClauseRole) {
        raw.clear();
        if source.is_ascii() {
            raw.push_str(source);
            raw.make_ascii_lowercase();
            if source.contains('`') {
                *raw = raw.replace('`', "'");
            }
        } else {
            for c in source.chars() {
                match c {
                    '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => raw.push('\''),
                    c => raw.extend(c.to_lowercase()),
                }
            }
        }
        // Most spellings read as themselves or as one table entry: those borrow, the rest
        // (stretched letters, a dropped g) go through `readings`.
        let first_reading = self.readings.len() as u32;
        let role = if let Some(role) = lexicon.as_itself(raw) {
            self.push_reading([raw.as_str()]);
            role
        } else {
            let table = lexicon.get(raw);
            if table.is_none() {
                lexicon.readings(raw, scratch);
            }
            let readings = table.map_or(&scratch[..], |alts| &alts[..]);
            for reading in readings {
                self.push_reading(reading.iter().map(String::as_str));
            }
            readings
                .first()
                .map_or(ClauseRole::Plain, |r| lexicon.clause_role(r))
        };
        self.forms.push(Form {
            readings: first_reading..self.readings.len() as u32,
        });
        (self.forms.len() as u32 - 1, role)
    }

    fn push_reading<'w>(&mut self, words: impl IntoIterator<Item = &'w str>) {
        let first_word = self.words.len() as u32;
        for w in words {
            let s = self.text.len();
            self.text.push_str(w);
            self.words.push(s..self.text.len());
        }
        self.readings.push(first_word..self.words.len() as u32);
    }

    /// Append the view of the text that follows this one after a blank line (see
    /// `blank_line_cuts`), as if both had been built as one: the first appended token starts a
    /// new sentence. Tests use it to show that views built in pieces are the whole view in parts
    /// (`Draft::prepare_in_pieces` walks each part's view on its own).
    #[cfg(test)]
    pub fn append_after_blank_line(&mut self, mut next: NormalizedView) {
        if let Some(first) = next.tokens.first_mut() {
            if !self.tokens.is_empty() {
                first.form_flags |= BREAK_BEFORE | PAUSE_BEFORE;
            }
        }
        let (forms, readings, words, text) = (
            self.forms.len() as u32,
            self.readings.len() as u32,
            self.words.len() as u32,
            self.text.len(),
        );
        self.tokens.extend(next.tokens.into_iter().map(|mut t| {
            t.form_flags = t.flags() | (t.form() + forms);
            t
        }));
        self.forms.extend(next.forms.into_iter().map(|mut f| {
            f.readings = f.readings.start + readings..f.readings.end + readings;
            f
        }));
        self.readings.extend(
            next.readings
                .into_iter()
                .map(|r| r.start + words..r.end + words),
        );
        self.words
            .extend(next.words.into_iter().map(|w| w.start + text..w.end + text));
        self.text.push_str(&next.text);
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// How many distinct forms (spellings) the tokens have.
    pub fn form_count(&self) -> usize {
        self.forms.len()
    }

    /// The form of token `i`: tokens with the same form have the same readings.
    pub fn form_of(&self, token: usize) -> usize {
        self.tokens[token].form() as usize
    }

    /// How many readings form `f` has.
    pub fn form_reading_count(&self, form: usize) -> usize {
        self.forms[form].readings.len()
    }

    /// The words of reading `r` of form `f`.
    pub fn form_reading(&self, form: usize, r: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        let reading = &self.readings[self.forms[form].readings.start as usize + r];
        self.words[reading.start as usize..reading.end as usize]
            .iter()
            .map(|w| &self.text[w.clone()])
    }

    /// How many readings token `i` has.
    pub fn reading_count(&self, token: usize) -> usize {
        self.form_reading_count(self.form_of(token))
    }

    /// The words of reading `r` of token `i`.
    pub fn reading(&self, token: usize, r: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.form_reading(self.form_of(token), r)
    }

    /// The first reading of every token, joined by spaces: what matching "sees". For debugging
    /// and tests.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for i in 0..self.tokens.len() {
            if i > 0 {
                out.push_str(if self.tokens[i].break_before() {
                    " | "
                } else {
                    " "
                });
            }
            let words: Vec<&str> = self.reading(i, 0).collect();
            out.push_str(&words.join(" "));
        }
        out
    }
}

/// `text[start..end]` as a hash key when it is at most 15 bytes: its bytes, zero-padded, in one
/// machine word (up to eight bytes) or two with its length in the last byte, so a probe compares
/// without a call or a second memory access. Read straight from the text when 16 bytes are there (no byte-wise copy to
/// stall the loads).
///
/// ASCII capitals are keyed as small letters: a form's readings are worked out from the
/// spelling lowercased, so "Love", "love" and "LOVE" can share one, and prose spells about one
/// word in seven both ways (a sentence's first word). Each is then normalized and resolved once.
#[inline(always)]
fn packed(text: &[u8], start: usize, end: usize) -> Option<Packed> {
    let len = end - start;
    if len > 15 {
        return None;
    }
    let (lo, hi) = match text.get(start..start + 16) {
        Some(window) => {
            let (lo, hi) = window.split_at(8);
            (
                u64::from_le_bytes(lo.try_into().ok()?),
                u64::from_le_bytes(hi.try_into().ok()?),
            )
        }
        None => {
            let mut key = [0u8; 16];
            key[..len].copy_from_slice(&text[start..end]);
            let (lo, hi) = key.split_at(8);
            (
                u64::from_le_bytes(lo.try_into().ok()?),
                u64::from_le_bytes(hi.try_into().ok()?),
            )
        }
    };
    // Keep the first `len` bytes.
    let keep = |word: u64, bytes: usize| match bytes {
        0 => 0,
        8.. => word,
        n => word & ((1u64 << (8 * n)) - 1),
    };
    // Up to eight bytes in one word, when the last is not 0 (a word's never is): the zeros
    // after it then tell the length.
    if (1..=8).contains(&len) && text[end - 1] != 0 {
        return Some(Packed::One(fold_capitals(keep(lo, len))));
    }
    Some(Packed::Two([
        fold_capitals(keep(lo, len.min(8))),
        fold_capitals(keep(hi, len.saturating_sub(8))) | (len as u64) << 56,
    ]))
}

/// A spelling of up to 15 bytes as a hash key (`packed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Packed {
    One(u64),
    Two([u64; 2]),
}

/// The bytes of `word` with ASCII capitals made small letters; other bytes (those of non-ASCII
/// characters too) as they are.
fn fold_capitals(word: u64) -> u64 {
    use swar::HIGH;
    // `in_range` wants bytes below 0x80: test the low seven bits, then keep ASCII bytes only.
    let capitals = swar::in_range(word & !HIGH, b'A', b'Z') & !word;
    word | capitals >> 2
}

/// Two views are equal when their tokens are: the same spans, flags and readings, however the
/// forms are numbered.
impl PartialEq for NormalizedView {
    fn eq(&self, other: &NormalizedView) -> bool {
        let same_token = |i: usize| {
            let (a, b) = (&self.tokens[i], &other.tokens[i]);
            a.span() == b.span()
                && a.flags() == b.flags()
                && self.reading_count(i) == other.reading_count(i)
                && (0..self.reading_count(i)).all(|r| self.reading(i, r).eq(other.reading(i, r)))
        };
        self.tokens.len() == other.tokens.len() && (0..self.tokens.len()).all(same_token)
    }
}

impl Eq for NormalizedView {}

/// Byte ranges (sorted, disjoint) between matching quotation marks within one paragraph. An
/// opening mark that is never closed quotes nothing: it is more likely a typo than a quotation.
pub fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Outside a quotation only an opening mark matters: `"` or the lead byte of “ „ «.
    while let Some(skip) = memchr::memchr3(b'"', 0xE2, 0xC2, &bytes[i..]) {
        i += skip;
        let c = text[i..].chars().next().unwrap_or('"');
        let close = match c {
            '“' => '”',
            '„' => '“',
            '«' => '»',
            // A straight quote opens only where a quotation can start (not inside a word: 5'10").
            '"' if !text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric) =>
            {
                '"'
            }
            _ => {
                i += c.len_utf8();
                continue;
            }
        };
        i += c.len_utf8();
        let from = i;
        // Inside one, only the closing mark and line breaks matter: a blank line (nothing but
        // whitespace between two line breaks) ends it, quoting nothing.
        let lead = close.encode_utf8(&mut [0; 4]).as_bytes()[0];
        let mut line_start = None;
        loop {
            let Some(skip) = memchr::memchr2(b'\n', lead, &bytes[i..]) else {
                return out; // never closed: more likely a typo than a quotation
            };
            i += skip;
            if bytes[i] == b'\n' {
                i += 1;
                if line_start.is_some_and(|l| text[l..i - 1].chars().all(char::is_whitespace)) {
                    break;
                }
                line_start = Some(i);
                continue;
            }
            let d = text[i..].chars().next().unwrap_or('\n');
            i += d.len_utf8();
            if d == close {
                out.push(from..i - d.len_utf8());
                break;
            }
        }
    }
    out
}

/// Does the text between two words hold a clause pause? Anything but spaces, apostrophes,
/// quotation marks, hyphens and slashes counts: commas, colons, dashes, brackets, emoji.
fn is_pause(between: &str) -> bool {
    between.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '\'' | '’' | '‘' | '"' | '“' | '”' | '-' | '/' | '\u{200d}' | '\u{fe0f}'
            )
    })
}

/// Does the text between two words end a clause for matching purposes? Sentence punctuation
/// (one dot, not an ellipsis) and line breaks do; commas, dashes, emoji and quotes do not.
fn is_break(between: &str) -> bool {
    if between.contains(['\n', '\r', '!', '?', ';', '！', '？', '。', '\u{2029}']) {
        return true;
    }
    // A single "." ends a sentence; "..." and "…" are a pause.
    let bytes = between.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'.' && (i == 0 || bytes[i - 1] != b'.') && bytes.get(i + 1).is_none_or(|&n| n != b'.')
    })
}

/// The first, char-by-char (or line-by-line) versions of the scanners that now skip ahead
/// bytewise: kept as test oracles, so the fast versions provably find the same spans.
#[cfg(test)]
mod oracle {
    use std::ops::Range;

    use super::{is_abbreviation, is_terminator, trim_span};

    pub fn sentences(text: &str, base: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        let push = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
            let piece = &text[from..to];
            let t = trim_span(piece);
            if piece[t.clone()].chars().any(char::is_alphanumeric) {
                out.push(base + from + t.start..base + from + t.end);
            }
        };
        let mut iter = text.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if c == '\n' || c == '\r' || c == '\u{2029}' {
                push(start, i, &mut out);
                start = i + c.len_utf8();
                continue;
            }
            if !is_terminator(c) {
                continue;
            }
            // Take the whole run of terminators and closing quotes/brackets.
            let mut end = i + c.len_utf8();
            let mut dots = usize::from(c == '.');
            let mut ellipsis = c == '…';
            let mut only_dots = c == '.' || c == '…';
            while let Some(&(j, d)) = iter.peek() {
                if is_terminator(d) || matches!(d, '"' | '\'' | '”' | '’' | ')' | ']') {
                    dots += usize::from(d == '.');
                    ellipsis |= d == '…';
                    only_dots &= matches!(d, '.' | '…' | '"' | '\'' | '”' | '’' | ')' | ']');
                    end = j + d.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            let rest = &text[end..];
            let next = rest.trim_start_matches([' ', '\t']).chars().next();
            if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
                continue; // "3.5", "e.g.x", "wait...what" stay inside
            }
            let pause = only_dots && (dots >= 2 || ellipsis);
            if pause && next.is_some_and(|n| !n.is_uppercase() && n != '\n' && n != '\r') {
                continue;
            }
            if only_dots && dots == 1 && !ellipsis && is_abbreviation(&text[start..i]) {
                continue;
            }
            push(start, end, &mut out);
            start = end;
        }
        push(start, text.len(), &mut out);
        out
    }

    pub fn paragraphs(text: &str, base: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut current: Option<Range<usize>> = None;
        let mut start = 0;
        for line in text.split_inclusive(['\n', '\r']) {
            let content = line.trim_end_matches(['\n', '\r']);
            let end = start + line.len();
            if content.trim().is_empty() {
                if !(line == "\n" && text[..start].ends_with('\r')) {
                    out.extend(current.take());
                }
            } else {
                let t = trim_span(content);
                let span = base + start + t.start..base + start + t.end;
                current = Some(match current {
                    Some(p) => p.start..span.end,
                    None => span,
                });
            }
            start = end;
        }
        out.extend(current);
        out
    }

    pub fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        // (closing char, byte offset just after the opening mark)
        let mut open: Option<(char, usize)> = None;
        let mut prev = '\n';
        let mut newlines = 0;
        for (i, c) in text.char_indices() {
            match c {
                '\n' => {
                    newlines += 1;
                    if newlines >= 2 {
                        open = None; // a blank line ends any open quotation
                    }
                }
                '\r' => {}
                c if !c.is_whitespace() => newlines = 0,
                _ => {}
            }
            match (open, c) {
                (Some((close, from)), c) if c == close => {
                    out.push(from..i);
                    open = None;
                }
                (None, '“') => open = Some(('”', i + c.len_utf8())),
                (None, '„') => open = Some(('“', i + c.len_utf8())),
                (None, '«') => open = Some(('»', i + c.len_utf8())),
                // A straight quote opens only where a quotation can start (not inside a word: 5'10").
                (None, '"') if !prev.is_alphanumeric() => open = Some(('"', i + 1)),
                _ => {}
            }
            prev = c;
        }
        out
    }
}

#[cfg(test)]
mod equivalence {
    use proptest::prelude::*;

    use super::*;

    /// Text dense in what the scanners decide on: quotes of every kind, terminators, line breaks
    /// (blank ones too), abbreviations, apostrophes and letters.
    fn scanner_text() -> impl Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "a", "Dr", "e.g", "I", "No", "3", "5", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\n \n",
            "\r", "\u{2029}", ".", "..", "…", "!", "?", "?!", "！", "。", "\"", "'", "“", "”", "„",
            "«", "»", "’", ")", "]", "é", "😭", "\u{a0}", "lol", "i", "ur", "w", "/", "o", "cant",
            "pleeease", "miss", "u", "\x0B", "\x0C", "\u{85}", "\u{3000}",
        ];
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|p| p.concat())
    }

    /// unicode-segmentation's words of `text`, whose first byte is at `base`: what `words` must
    /// give.
    fn uax29_words(text: &str, base: usize) -> Vec<Range<usize>> {
        text.unicode_word_indices()
            .map(|(i, w)| base + i..base + i + w.len())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn sentences_match_the_char_by_char_scanner(text in prop_oneof![scanner_text(), "\\PC{0,80}"]) {
            prop_assert_eq!(sentences(&text, 3), oracle::sentences(&text, 3));
        }

        /// The eight-at-once scan stops where the byte-by-byte one does.
        #[test]
        fn sentence_byte_scan_matches_bytewise(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let bytewise = bytes
                .iter()
                .position(|&b| matches!(b, b'\n' | b'\r' | b'.' | b'!' | b'?') || b >= 0xC0);
            prop_assert_eq!(next_sentence_byte(&bytes), bytewise);
        }

        /// Words of long ASCII text (runs across 64-byte blocks) are UAX #29's.
        #[test]
        fn long_ascii_words_are_uax29_words(text in "([a-z]{1,70}|[0-9_]{1,3}|[ .,:;'_\t\n!?-]){0,40}") {
            prop_assert_eq!(words(&text, 5), uax29_words(&text, 5));
        }

        /// Any ASCII, across several 64-byte blocks: the same words as UAX #29's.
        #[test]
        fn any_ascii_words_are_uax29_words(text in "[\\x00-\\x7f]{0,300}") {
            prop_assert_eq!(words(&text, 5), uax29_words(&text, 5));
        }

        /// `u32` spans are the same words, and build the same view.
        #[test]
        fn u32_words_are_the_words(text in prop_oneof![
            "([a-z]{1,70}|[0-9_]{1,3}|[ .,:;'_\t\n!?/-]){0,40}",
            "\\PC{0,120}",
        ]) {
            let wide = words(&text, 0);
            let narrow = words_u32(&text).unwrap();
            let widened: Vec<Range<usize>> =
                narrow.iter().map(|w| w.start as usize..w.end as usize).collect();
            prop_assert_eq!(&widened, &wide);
            let lex = crate::lexicon::Lexicon::builtin();
            let (mut a, mut b) = (NormalizedView::default(), NormalizedView::default());
            a.rebuild_on(&text, 0, &wide, &lex);
            b.rebuild_on(&text, 0, &narrow, &lex);
            prop_assert_eq!(format!("{:?}", a.tokens()), format!("{:?}", b.tokens()));
        }

        /// Abbreviations are told without lowercasing a copy, as they were with one.
        #[test]
        fn abbreviations_match_lowercased(
            word in prop_oneof![
                prop::sample::select(&["Dr", "DR", "dR", "E.G", "i.E", "Mrs", "APPROX", "\u{212A}", "\u{130}.e", "drs", "e.g.", "No"][..]).prop_map(str::to_owned),
                "\\PC{0,6}",
            ],
            lead in prop::sample::select(&["", "Hi ", "(", "said\t", "x "][..]),
        ) {
            let lowercased = |before: &str| {
                let w = before.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
                ["mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "jr", "sr", "prof", "approx", "no", "ft", "mt"]
                    .contains(&w.to_lowercase().as_str()) && !before.ends_with(' ')
            };
            let before = format!("{lead}{word}");
            prop_assert_eq!(is_abbreviation(&before), lowercased(&before), "{:?}", before);
        }

        /// The spelling table keeps what a map keeps, through growth and long probe runs
        /// (keys drawn from a small range collide in their slots).
        #[test]
        fn packed_map_is_a_map(keys in prop::collection::vec((1u64..40, 0u64..3), 0..300), start in 0usize..20) {
            // Keys of one word, as spellings of up to eight bytes are kept.
            let mut map = PackedMap::<u64>::with_capacity(start);
            let mut model = std::collections::HashMap::new();
            for (i, &(a, b)) in keys.iter().enumerate() {
                let key = a | b << 56;
                let next = (i as u32, ClauseRole::Opener);
                let got = map.get_or_insert_with(key, || next);
                prop_assert_eq!(got, *model.entry(key).or_insert(next));
                map.prefetch(&key);
            }
            prop_assert_eq!(map.len, model.len());
            for (key, value) in &model {
                prop_assert_eq!(map.get_or_insert_with(*key, || unreachable!()), *value);
            }
            // Keys of two words.
            let mut map = PackedMap::<[u64; 2]>::with_capacity(start);
            let mut model = std::collections::HashMap::new();
            for (i, &(a, b)) in keys.iter().enumerate() {
                let key = [a, b << 56 | 1];
                let next = (i as u32, ClauseRole::Opener);
                let got = map.get_or_insert_with(key, || next);
                let want = *model.entry(key).or_insert(next);
                prop_assert_eq!(got, want);
                map.prefetch(&key);
            }
            prop_assert_eq!(map.len, model.len());
            for (key, value) in &model {
                prop_assert_eq!(map.get_or_insert_with(*key, || unreachable!()), *value);
            }
        }

        /// The eight-bytes-at-once word byte test agrees with the class table (every ASCII
        /// byte at every position is in `every_ascii_byte_in_every_lane` below).
        #[test]
        fn word_bits_agree_with_the_class_table(bytes in prop::array::uniform8(0u8..0x80)) {
            let expected = bytes.iter().enumerate().fold(0u8, |m, (i, &b)| {
                let word = matches!(ascii_class(b), AsciiClass::Letter | AsciiClass::Digit | AsciiClass::Underscore);
                m | (u8::from(word) << i)
            });
            prop_assert_eq!(word_bits(u64::from_le_bytes(bytes)), expected);
        }

        /// A spelling packs to the same key wherever it sits (16 bytes read from the text, or
        /// copied at its end), and different spellings to different keys, but for the case of
        /// ASCII letters.
        #[test]
        fn spellings_pack_the_same_anywhere(text in "[a-cA-CzZ@\\[\\x00éÉ]{0,24}", a in 0usize..24, b in 0usize..24) {
            let bytes = text.as_bytes();
            let (a, b) = (a.min(bytes.len()), b.min(bytes.len()));
            let (start, end) = (a.min(b), a.max(b));
            let alone = bytes[start..end].to_vec();
            prop_assert_eq!(packed(bytes, start, end), packed(&alone, 0, alone.len()));
            for s2 in 0..bytes.len() {
                for e2 in s2..bytes.len().min(s2 + 15) {
                    if let (Some(k1), Some(k2)) = (packed(bytes, start, end), packed(bytes, s2, e2)) {
                        prop_assert_eq!(k1 == k2, bytes[start..end].eq_ignore_ascii_case(&bytes[s2..e2]));
                    }
                }
            }
        }

        #[test]
        fn paragraphs_match_the_line_by_line_scanner(text in prop_oneof![scanner_text(), "\\PC{0,80}", "[ a\\t\\n\\r\\u{a0}\\u{2029}]{0,40}"]) {
            prop_assert_eq!(paragraphs(&text, 3), oracle::paragraphs(&text, 3));
        }

        #[test]
        fn quotations_match_the_char_by_char_scanner(text in prop_oneof![scanner_text(), "\\PC{0,80}"]) {
            prop_assert_eq!(quoted_ranges(&text), oracle::quoted_ranges(&text));
        }

        /// Cut at blank lines, every part computed on its own and joined: the same as whole.
        #[test]
        fn pieces_cut_at_blank_lines_join_to_the_whole(text in scanner_text(), pieces in 2usize..6) {
            let cuts = blank_line_cuts(&text, pieces);
            prop_assert_eq!(cuts.first(), Some(&0));
            prop_assert_eq!(cuts.last(), Some(&text.len()));
            let lex = Lexicon::parse("lexicon.toml", include_str!("../rules/lexicon.toml")).unwrap();
            let (mut w, mut s, mut p, mut v) = (Vec::new(), Vec::new(), Vec::new(), NormalizedView::default());
            for c in cuts.windows(2) {
                let (part, base) = (&text[c[0]..c[1]], 9 + c[0]);
                prop_assert!(c[0] == 0 || text[..c[0]].ends_with('\n'));
                let words = words(part, base);
                v.append_after_blank_line(NormalizedView::build_on(part, base, &words, &lex));
                w.extend(words);
                s.extend(sentences(part, base));
                p.extend(paragraphs(part, base));
            }
            prop_assert_eq!(w, words(&text, 9));
            prop_assert_eq!(s, sentences(&text, 9));
            prop_assert_eq!(p, paragraphs(&text, 9));
            prop_assert_eq!(v, NormalizedView::build(&text, 9, &lex));
        }

        /// Spellings that differ only in the case of ASCII letters share a form (its readings
        /// come from the lowercase), others do not, and every token still reads as the word
        /// alone does.
        #[test]
        fn case_variants_share_a_form_and_read_as_themselves(
            parts in prop::collection::vec(prop::sample::select(&[
                "Miss", "MISS", "miss", "mIss", "Cant", "CANT", "cant", "Can`t", "can`t", "can't",
                "U", "u", "I", "i", "Dr", "dr", "Pleeease", "pleeease", "Ur", "ur", "Lol", "LOL",
                "Goin", "goin", "É", "é", "Straße", "STRASSE", "\u{212A}", "k", "Don’t", "DON’T",
            ][..]), 1..30),
        ) {
            let lex = Lexicon::parse("lexicon.toml", include_str!("../rules/lexicon.toml")).unwrap();
            let text = parts.join(" ");
            let view = NormalizedView::build(&text, 0, &lex);
            let spelling = |t: usize| &text[view.tokens()[t].span()];
            for t in 0..view.tokens().len() {
                let alone = NormalizedView::build(spelling(t), 0, &lex);
                prop_assert_eq!(alone.tokens().len(), 1);
                prop_assert_eq!(view.reading_count(t), alone.reading_count(0));
                for r in 0..view.reading_count(t) {
                    prop_assert!(view.reading(t, r).eq(alone.reading(0, r)), "{:?}", spelling(t));
                }
                for u in 0..t {
                    prop_assert_eq!(
                        view.form_of(t) == view.form_of(u),
                        spelling(t).eq_ignore_ascii_case(spelling(u)),
                        "{:?} {:?}", spelling(t), spelling(u)
                    );
                }
            }
        }

        /// A view rebuilt over one text after another (keeping the spellings it has seen) is
        /// each time the view built fresh for that text, and keeps its id.
        #[test]
        fn a_rebuilt_view_is_a_fresh_view(texts in proptest::collection::vec(scanner_text(), 1..5)) {
            let lex = Lexicon::parse("lexicon.toml", include_str!("../rules/lexicon.toml")).unwrap();
            let mut view = NormalizedView::default();
            let mut id = None;
            for (i, text) in texts.iter().enumerate() {
                view.rebuild_on(text, i, &words(text, i), &lex);
                prop_assert_eq!(&view, &NormalizedView::build(text, i, &lex));
                prop_assert_eq!(*id.get_or_insert(view.id()), view.id());
            }
            prop_assert_ne!(view.id(), NormalizedView::build("x", 0, &lex).id());
            // Room made ahead (`with_room_for`) changes nothing but the lists' capacity.
            let mut roomy = NormalizedView::with_room_for(texts.iter().map(String::len).sum());
            for (i, text) in texts.iter().enumerate() {
                roomy.rebuild_on(text, i, &words(text, i), &lex);
                prop_assert_eq!(&roomy, &NormalizedView::build(text, i, &lex));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Love", "love" and "LOVE" are one form, so are "Don’t" and "DON’T"; "É" and "é" (a case
    /// beyond ASCII) stay two, and "can't" and "can`t" (another apostrophe) stay two.
    #[test]
    fn spellings_in_any_ascii_case_are_one_form() {
        let lex = Lexicon::parse("lexicon.toml", include_str!("../rules/lexicon.toml")).unwrap();
        let view = NormalizedView::build("Love love LOVE Don’t DON’T É é can't", 0, &lex);
        let forms: Vec<usize> = (0..view.tokens().len()).map(|t| view.form_of(t)).collect();
        assert_eq!(forms, [0, 0, 0, 1, 1, 2, 3, 4]);
        assert_eq!(view.form_count(), 5);
        let reading = |t: usize| view.reading(t, 0).collect::<Vec<_>>().join(" ");
        assert_eq!(reading(2), "love");
        assert_eq!(reading(4), "do not");
    }

    /// A long draft's thread rebuilds one view piece after piece: with room made for its share
    /// of the text, the lists of forms, readings and words are never copied to grow.
    #[test]
    fn a_view_with_room_keeps_its_lists_in_place() {
        let lex = Lexicon::parse("lexicon.toml", include_str!("../rules/lexicon.toml")).unwrap();
        let pieces: Vec<String> = (0..4)
            .map(|p| {
                (0..2_000)
                    .map(|i| format!("word{} ", p * 2_000 + i))
                    .collect()
            })
            .collect();
        let bytes = pieces.iter().map(String::len).sum();
        let mut view = NormalizedView::with_room_for(bytes);
        let room = view.room();
        assert!(room.0 >= 8_000, "{room:?} for {bytes} bytes");
        for piece in &pieces {
            view.rebuild_on(piece, 0, &words(piece, 0), &lex);
        }
        assert_eq!(view.form_count(), 8_000);
        assert_eq!(view.room(), room);
    }

    #[test]
    fn every_ascii_byte_in_every_lane() {
        for b in 0..0x80u8 {
            let word = matches!(
                ascii_class(b),
                AsciiClass::Letter | AsciiClass::Digit | AsciiClass::Underscore
            );
            for lane in 0..8 {
                let mut bytes = [b' '; 8];
                bytes[lane] = b;
                let bits = word_bits(u64::from_le_bytes(bytes));
                assert_eq!(bits, u8::from(word) << lane, "byte {b:#x} in lane {lane}");
            }
        }
    }

    fn lex() -> Lexicon {
        Lexicon::parse(
            "t.toml",
            r#"[words]
pls = "please"
u = "you"
ur = ["your", "you are"]
"can't" = "can not"
cant = "can not"
"w/o" = "without"
bck = "back"
"#,
        )
        .unwrap()
    }

    #[test]
    fn normalizes_text_speak_and_keeps_source_spans() {
        let text = "Pls come BCK, i cant live w/o u";
        let view = NormalizedView::build(text, 10, &lex());
        assert_eq!(
            view.to_plain(),
            "please come back i can not live without you"
        );
        let w_o = &view.tokens()[6];
        assert_eq!(&text[w_o.span().start - 10..w_o.span().end - 10], "w/o");
        assert_eq!(view.reading_count(6), 1);
    }

    #[test]
    fn curly_apostrophes_and_stretched_letters() {
        let view = NormalizedView::build("I CAN’T, plsss", 0, &lex());
        assert_eq!(view.to_plain(), "i can not please");
        let view = NormalizedView::build("ur fault", 0, &lex());
        let readings: Vec<Vec<&str>> = (0..view.reading_count(0))
            .map(|r| view.reading(0, r).collect())
            .collect();
        assert_eq!(readings, vec![vec!["your"], vec!["you", "are"]]);
    }

    #[test]
    fn breaks_at_sentence_ends_not_at_pauses() {
        let view = NormalizedView::build("thank you. never\nmind... ok, 🥺 fine! yes", 0, &lex());
        assert_eq!(view.to_plain(), "thank you | never | mind ok fine | yes");
    }

    #[test]
    fn unpunctuated_clause_edges_are_pauses() {
        let lex = Lexicon::parse(
            "t.toml",
            r#"clause-openers = ["i"]
interjections = ["lol", "tbh"]
[words]
im = "i am"
tbh = "to be honest"
u = "you"
"#,
        )
        .unwrap();
        let pauses = |text: &str| -> Vec<bool> {
            NormalizedView::build(text, 0, &lex)
                .tokens()
                .iter()
                .map(|t| t.pause_before())
                .collect()
        };
        // "take me back | i miss u": an opener starts a clause, also through the lexicon.
        assert_eq!(
            pauses("take me back i miss u"),
            [false, false, false, true, false, false]
        );
        assert_eq!(pauses("come back im sad"), [false, false, true, false]);
        // An interjection is a clause edge on both sides.
        assert_eq!(
            pauses("u up lol cant sleep"),
            [false, false, true, true, false]
        );
        assert_eq!(pauses("tbh u up"), [false, true, false]);
        // Breaks are unaffected: they still come only from punctuation and line ends.
        let view = NormalizedView::build("take me back i miss u", 0, &lex);
        assert!(view.tokens().iter().all(|t| !t.break_before()));
    }

    #[test]
    fn pauses_are_marked() {
        let view = NormalizedView::build("hey, u up 🙈 pick-up: now", 0, &lex());
        let pauses: Vec<bool> = view.tokens().iter().map(|t| t.pause_before()).collect();
        assert_eq!(pauses, [false, true, false, true, false, true]);
    }

    #[test]
    fn emoji_and_odd_spacing_are_skipped() {
        let view = NormalizedView::build("  pls   🥺🥺  come\tback  ", 0, &lex());
        assert_eq!(view.to_plain(), "please come back");
    }

    #[test]
    fn sentence_and_paragraph_spans() {
        let text = "Hi. How are you?\r\n\r\nI'm ok 😀\nbye";
        let s: Vec<&str> = sentences(text, 0)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(s, ["Hi.", "How are you?", "I'm ok 😀", "bye"]);
        let all = |t: &'static str| -> Vec<&'static str> {
            sentences(t, 0).iter().map(|r| &t[r.clone()]).collect()
        };
        assert_eq!(
            all("hey. so. i saw it!! ok?"),
            ["hey.", "so.", "i saw it!!", "ok?"]
        );
        assert_eq!(
            all("i miss you... anyway. Dr. Who is on"),
            ["i miss you... anyway.", "Dr. Who is on"]
        );
        assert_eq!(
            all("wait... What? it costs 3.50 lol"),
            ["wait...", "What?", "it costs 3.50 lol"]
        );
        assert_eq!(
            all("“are you ok?” she said. 😢"),
            ["“are you ok?”", "she said."]
        );
        let p: Vec<&str> = paragraphs(text, 0)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(p, ["Hi. How are you?", "I'm ok 😀\nbye"]);
        let cr = "one\r\rtwo\rthree";
        let p: Vec<&str> = paragraphs(cr, 0).iter().map(|r| &cr[r.clone()]).collect();
        assert_eq!(p, ["one", "two\rthree"]);
    }

    #[test]
    fn quotations_are_marked() {
        let text = "she said “I’m begging you” and \"you up\" lol";
        let q: Vec<&str> = quoted_ranges(text)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(q, ["I’m begging you", "you up"]);
        let view = NormalizedView::build(text, 0, &lex());
        let quoted: Vec<bool> = view.tokens().iter().map(|t| t.quoted()).collect();
        assert_eq!(
            quoted,
            [false, false, true, true, true, false, true, true, false]
        );
        assert!(quoted_ranges("an “open quote never closes").is_empty());
        assert!(quoted_ranges("“one\n\nparagraph” later").is_empty());
        assert!(quoted_ranges("he is 5'10\" tall").is_empty());
    }

    #[test]
    fn questions() {
        assert!(is_question("you ok?? 😢"));
        assert!(is_question("really?!"));
        assert!(!is_question("ok."));
        assert!(!is_question("what? no"));
    }
}
