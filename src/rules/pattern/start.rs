//! Where a pattern's matches can start, worked out from its syntax, so a search can skip to those
//! places instead of running the regex over every byte.
//!
//! A pattern such as the shouting rule's capitals (`\p{Lu}(?:…\p{Lu}|\p{M}){2,}`) begins with a big
//! character class, so the regex engine finds no literal to look for first and walks its
//! automaton over the whole text: a sixth of a long draft's lint. Yet a match can only start at
//! a capital followed by another capital, an apostrophe or a mark, which ordinary prose has a
//! few times per thousand bytes. `StartFilter` knows each possible first byte and, for each, the
//! bytes that may come second; the search tries the regex (anchored) only where both fit.

use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind};

use crate::text::swar::{self, HIGH};

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bytes([u64; 4]);

impl Bytes {
    fn range(lo: u8, hi: u8) -> Bytes {
        let mut set = Bytes::default();
        for (i, word) in set.0.iter_mut().enumerate() {
            // The part of lo..=hi in bytes 64 * i .. 64 * i + 63, as bit positions.
            let (first, last) = (64 * i, 64 * i + 63);
            let (lo, hi) = (usize::from(lo).max(first), usize::from(hi).min(last));
            if lo <= hi {
                let width = hi - lo + 1;
                let bits = if width == 64 {
                    u64::MAX
                } else {
                    (1 << width) - 1
                };
                *word = bits << (lo - first);
            }
        }
        set
    }

    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn union(&mut self, other: &Bytes) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    /// The bytes in the set, in order.
    fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    (64 * i as u32 + bit) as u8
                })
            })
        })
    }

    /// The set as maximal runs of consecutive bytes.
    fn runs(&self) -> Vec<(u8, u8)> {
        let mut runs: Vec<(u8, u8)> = Vec::new();
        for b in self.iter() {
            match runs.last_mut() {
                Some((_, hi)) if usize::from(*hi) + 1 == usize::from(b) => *hi = b,
                _ => runs.push((b, b)),
            }
        }
        runs
    }
}

/// What the analysis knows of the matches of one part of a pattern; every set may hold more
/// than can really occur, never less.
#[derive(Debug, Clone)]
struct Starts {
    /// Can it match the empty string?
    empty: bool,
    /// First bytes of its non-empty matches.
    first: Bytes,
    /// First (and only) bytes of its one-byte matches.
    one: Bytes,
    /// For each first byte of its longer matches, the bytes that may come second.
    next: Box<[Bytes; 256]>,
}

/// The state of one pattern's analysis (`Starts::of`).
struct Walk<'h> {
    /// How many more parts it may look at.
    budget: usize,
    /// The Unicode classes met so far, and what each can start with.
    classes: Vec<(&'h ClassUnicode, Starts)>,
}

/// Past this many parts of a pattern the analysis gives up (a huge alternation): no filter.
const MAX_NODES: usize = 1024;

impl Starts {
    fn nothing() -> Starts {
        Starts {
            empty: false,
            first: Bytes::default(),
            one: Bytes::default(),
            next: Box::new([Bytes::default(); 256]),
        }
    }

    fn empty() -> Starts {
        Starts {
            empty: true,
            ..Starts::nothing()
        }
    }

    /// Note that any byte of `firsts` may be followed by any of `seconds`.
    /// The characters `lo..=hi` (scalar values) as one-character matches: their UTF-8 lead
    /// bytes, and after each lead the second bytes it takes. Worked out from the encoding, not
    /// sequence by sequence (`Utf8Sequences`): `\p{Lu}` is hundreds of ranges, and walking their
    /// sequences was most of the shouting rule's start-up. Characters that share a lead byte
    /// are consecutive, and among them the second byte rises with the character, so each lead
    /// takes one range of second bytes.
    fn add_chars(&mut self, lo: u32, hi: u32) {
        // Surrogates are no characters (a class never holds one; a range may span them).
        if lo <= 0xDFFF && hi >= 0xD800 {
            if lo < 0xD800 {
                self.add_chars(lo, 0xD7FF);
            }
            if hi > 0xDFFF {
                self.add_chars(0xE000, hi);
            }
            return;
        }
        if lo < 0x80 {
            // One byte each: whole matches on their own.
            let ascii = Bytes::range(lo as u8, hi.min(0x7F) as u8);
            self.first.union(&ascii);
            self.one.union(&ascii);
            if hi < 0x80 {
                return;
            }
        }
        let mut c = lo.max(0x80);
        while c <= hi {
            // The lead byte, the last character with that lead, and the second byte's shift.
            let (lead, last, shift) = match c {
                ..0x800 => (0xC0 | (c >> 6), c | 0x3F, 0),
                0x800..0x1_0000 => (0xE0 | (c >> 12), c | 0xFFF, 6),
                _ => (0xF0 | (c >> 18), c | 0x3_FFFF, 12),
            };
            let end = hi.min(last);
            let second = |c: u32| (0x80 | ((c >> shift) & 0x3F)) as u8;
            let lead = Bytes::range(lead as u8, lead as u8);
            self.first.union(&lead);
            self.add_pairs(&lead, &Bytes::range(second(c), second(end)));
            c = end + 1;
        }
    }

    fn add_pairs(&mut self, firsts: &Bytes, seconds: &Bytes) {
        if seconds.is_empty() {
            return;
        }
        for b in firsts.iter() {
            self.next[usize::from(b)].union(seconds);
        }
    }

    /// Everything `other` may do, `self` may do too.
    fn absorb(&mut self, other: &Starts) {
        self.empty |= other.empty;
        self.first.union(&other.first);
        self.one.union(&other.one);
        for (mine, theirs) in self.next.iter_mut().zip(other.next.iter()) {
            mine.union(theirs);
        }
    }

    fn of<'h>(hir: &'h Hir, walk: &mut Walk<'h>) -> Option<Starts> {
        walk.budget = walk.budget.checked_sub(1)?;
        let starts = match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Starts::empty(),
            HirKind::Literal(literal) => match *literal.0 {
                [] => Starts::empty(),
                [b, ..] => {
                    let mut starts = Starts::nothing();
                    starts.first = Bytes::range(b, b);
                    match literal.0.get(1) {
                        None => starts.one = starts.first,
                        Some(&n) => starts.add_pairs(&Bytes::range(b, b), &Bytes::range(n, n)),
                    }
                    starts
                }
            },
            HirKind::Class(Class::Bytes(class)) => {
                let mut starts = Starts::nothing();
                for r in class.ranges() {
                    starts.first.union(&Bytes::range(r.start(), r.end()));
                }
                starts.one = starts.first;
                starts
            }
            HirKind::Class(Class::Unicode(class)) => {
                // A class met before (`\p{Lu}` twice in one pattern) is not walked again: a
                // big class is most of a pattern's analysis.
                if let Some((_, known)) = walk.classes.iter().find(|(c, _)| *c == class) {
                    return Some(known.clone());
                }
                let mut starts = Starts::nothing();
                for r in class.ranges() {
                    starts.add_chars(u32::from(r.start()), u32::from(r.end()));
                }
                walk.classes.push((class, starts.clone()));
                starts
            }
            HirKind::Capture(capture) => Starts::of(&capture.sub, walk)?,
            HirKind::Repetition(rep) => {
                let mut sub = Starts::of(&rep.sub, walk)?;
                if rep.max == Some(0) {
                    Starts::empty()
                } else {
                    if rep.max != Some(1) {
                        // Two turns in a row: a one-byte turn, then any turn's first byte.
                        let (one, first) = (sub.one, sub.first);
                        sub.add_pairs(&one, &first);
                    }
                    sub.empty |= rep.min == 0;
                    sub
                }
            }
            HirKind::Concat(parts) => {
                let mut acc = Starts::empty();
                for part in parts {
                    acc = acc.then(Starts::of(part, walk)?);
                }
                acc
            }
            HirKind::Alternation(alternatives) => {
                let mut acc = Starts::nothing();
                for alternative in alternatives {
                    acc.absorb(&Starts::of(alternative, walk)?);
                }
                acc
            }
        };
        Some(starts)
    }

    /// `self` followed by `next`.
    fn then(mut self, next: Starts) -> Starts {
        let (one, next_first) = (self.one, next.first);
        self.add_pairs(&one, &next_first);
        if !next.empty {
            self.one = Bytes::default();
        }
        if self.empty {
            self.absorb(&next);
            self.empty = next.empty;
        }
        self
    }
}

/// The places a pattern's matches can start (see the module's documentation).
#[derive(Debug, Clone)]
pub struct StartFilter {
    /// For each first byte, the bytes that may follow it.
    next: Box<[Bytes; 256]>,
    /// First bytes that are a whole match on their own: any byte (or none) may follow.
    one: Bytes,
    /// ASCII runs (lo..=hi) of the first bytes of longer matches, of the bytes that may follow
    /// one of those, and of `one`: tested eight bytes at a time.
    pair_firsts: Vec<(u8, u8)>,
    seconds: Vec<(u8, u8)>,
    ones: Vec<(u8, u8)>,
}

/// Bytes of ordinary lowercase prose: a pattern that can start on one of these would be tried
/// nearly everywhere, and the regex's own walk over the text is quicker then.
const PROSE: &[u8] = b" abcdefghijklmnopqrstuvwxyz";

/// At most this many ASCII runs in each set tested eight bytes at a time.
const MAX_RUNS: usize = 4;

/// The high bit of each byte of `word` (all ASCII) that lies in one of `runs`.
fn in_runs(word: u64, runs: &[(u8, u8)]) -> u64 {
    runs.iter()
        .fold(0, |hits, &(lo, hi)| hits | swar::in_range(word, lo, hi))
}

/// The ASCII part of `set` as runs, or `None` when it takes more than `MAX_RUNS`.
fn ascii_runs(set: &Bytes) -> Option<Vec<(u8, u8)>> {
    let runs: Vec<(u8, u8)> = set
        .runs()
        .into_iter()
        .filter(|&(lo, _)| lo < 0x80)
        .map(|(lo, hi)| (lo, hi.min(0x7F)))
        .collect();
    (runs.len() <= MAX_RUNS).then_some(runs)
}

impl StartFilter {
    /// The filter for `hir`, or `None` when it would not pay: the pattern can match the empty
    /// string; or it begins with literals, which the regex engine looks for itself, faster; or
    /// it can start inside ordinary prose (two lowercase letters or spaces in a row); or its
    /// bytes are too scattered to test eight at a time.
    pub fn of(hir: &Hir) -> Option<StartFilter> {
        let mut walk = Walk {
            budget: MAX_NODES,
            classes: Vec::new(),
        };
        let starts = Starts::of(hir, &mut walk)?;
        if starts.empty || starts.first.is_empty() {
            return None;
        }
        if regex_syntax::hir::literal::Extractor::new()
            .extract(hir)
            .is_finite()
        {
            return None;
        }
        let mut pair_firsts = Bytes::default();
        let mut seconds = Bytes::default();
        for (b, then) in starts.next.iter().enumerate() {
            if !then.is_empty() {
                pair_firsts.union(&Bytes::range(b as u8, b as u8));
                seconds.union(then);
            }
        }
        let prose_start = PROSE.iter().any(|&a| {
            starts.one.contains(a)
                || PROSE
                    .iter()
                    .any(|&b| starts.next[usize::from(a)].contains(b))
        });
        if prose_start {
            return None;
        }
        Some(StartFilter {
            pair_firsts: ascii_runs(&pair_firsts)?,
            seconds: ascii_runs(&seconds)?,
            ones: ascii_runs(&starts.one)?,
            next: starts.next,
            one: starts.one,
        })
    }

    /// Could a match start at `hay[at]`? (`at` is in `hay`.)
    pub fn may_start(&self, hay: &[u8], at: usize) -> bool {
        let b = hay[at];
        self.one.contains(b)
            || hay
                .get(at + 1)
                .is_some_and(|&n| self.next[usize::from(b)].contains(n))
    }

    /// The first place from `from` on where a match could start (`may_start`), if any. Eight
    /// places at a time: where those bytes and the one after them are ASCII, the run tests
    /// rule most places out at once (each left is checked); elsewhere each place is checked.
    pub fn next_start(&self, hay: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        while at + 9 <= hay.len() {
            let word = u64::from_le_bytes(hay[at..at + 8].try_into().unwrap_or_default());
            let after = u64::from_le_bytes(hay[at + 1..at + 9].try_into().unwrap_or_default());
            let mut maybe = if (word | after) & HIGH == 0 {
                (in_runs(word, &self.pair_firsts) & in_runs(after, &self.seconds))
                    | in_runs(word, &self.ones)
            } else {
                HIGH
            };
            while maybe != 0 {
                let i = at + maybe.trailing_zeros() as usize / 8;
                if self.may_start(hay, i) {
                    return Some(i);
                }
                maybe &= maybe - 1;
            }
            at += 8;
        }
        (at..hay.len()).find(|&i| self.may_start(hay, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Starts::add_chars` gives what walking the class's UTF-8 sequences gives.
    #[test]
    fn chars_start_as_their_utf8_sequences_do() {
        use regex_syntax::utf8::Utf8Sequences;
        let mut ranges: Vec<(char, char)> = Vec::new();
        for class in [
            r"\p{Lu}",
            r"\p{M}",
            r"\w",
            r"[^a]",
            r"\p{Han}",
            r"[\x{7F}-\x{800}]",
        ] {
            let hir = regex_syntax::Parser::new().parse(class).unwrap();
            let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
                panic!("{class} is a class")
            };
            ranges.extend(class.ranges().iter().map(|r| (r.start(), r.end())));
        }
        // Edges of each encoding length, and ranges across the surrogates.
        for (lo, hi) in [
            (0x0, 0x7F),
            (0x7F, 0x80),
            (0x7FF, 0x800),
            (0xFFF, 0x1000),
            (0xD7FF, 0xE000),
            (0xD000, 0xE100),
            (0xFFFF, 0x1_0000),
            (0x3_FFFF, 0x4_0001),
            (0x10_FFFF, 0x10_FFFF),
            (0x0, 0x10_FFFF),
            (0x41, 0x5A),
            (0xC0, 0xDE),
        ] {
            ranges.push((char::from_u32(lo).unwrap(), char::from_u32(hi).unwrap()));
        }
        for (lo, hi) in ranges {
            let mut fast = Starts::nothing();
            fast.add_chars(u32::from(lo), u32::from(hi));
            let mut slow = Starts::nothing();
            for seq in Utf8Sequences::new(lo, hi) {
                let seq = seq.as_slice();
                let lead = Bytes::range(seq[0].start, seq[0].end);
                slow.first.union(&lead);
                match seq.get(1) {
                    None => slow.one.union(&lead),
                    Some(next) => slow.add_pairs(&lead, &Bytes::range(next.start, next.end)),
                }
            }
            let at = format!("{:X}..={:X}", u32::from(lo), u32::from(hi));
            assert_eq!(fast.first, slow.first, "{at}");
            assert_eq!(fast.one, slow.one, "{at}");
            assert!(fast.next[..] == slow.next[..], "{at}");
        }
    }

    fn filter(pattern: &str) -> Option<StartFilter> {
        StartFilter::of(&regex_syntax::parse(pattern).unwrap())
    }

    /// A range set holds exactly its bytes, and iterates them in order.
    #[test]
    fn byte_ranges_hold_their_bytes() {
        for lo in 0..=255u8 {
            for hi in lo..=255u8 {
                let set = Bytes::range(lo, hi);
                assert!(set.iter().eq(lo..=hi), "{lo}..={hi}");
                assert!((0..=255u8).all(|b| set.contains(b) == (lo..=hi).contains(&b)));
            }
        }
    }

    #[test]
    fn capitals_and_stacked_marks_get_a_filter() {
        // The shouting rule's capitals, plainly and as shipped (`rules/shouting.toml`).
        for pattern in [
            r"\p{Lu}(?:\p{Lu}|\p{M}|[\x27’]\p{Lu}){2,}",
            r"\p{Lu}(?:[\x27’]?\p{Lu}|\p{M}){2,}",
        ] {
            let caps = filter(pattern).unwrap();
            let starts = |text: &str| {
                let hay = text.as_bytes();
                (0..hay.len())
                    .filter(|&i| caps.may_start(hay, i))
                    .collect::<Vec<_>>()
            };
            assert_eq!(starts("I said NO"), [7]);
            // Every capital with a capital (or an apostrophe) after it.
            assert_eq!(starts("I'M DONE"), [0, 4, 5, 6]);
            assert_eq!(starts("ÉTÉ"), [0, 2, 3]);
            assert!(starts("i miss you, Sam. Are you ok?").is_empty());
        }
        // Stacked marks begin with one of four literals: the regex engine looks for those itself.
        assert!(filter(r"[!?！？]{3,}").is_none());
    }

    /// A pattern built from `atoms`, each maybe repeated, in groups that may be alternatives.
    fn pattern() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atom = proptest::sample::select(
            &[
                "A",
                "B",
                "Z'",
                "É",
                "!",
                "?",
                "'",
                "’",
                r"\p{Lu}",
                "[A-Z]",
                "[!?！？]",
                r"\p{M}",
                "[’']",
                r"\d",
                "[É-Ü]",
                "ab",
                r"\b",
                "(?m:^)",
                r"\s",
                "é",
            ][..],
        );
        let quantifier =
            proptest::sample::select(&["", "", "?", "*", "+", "{2,}", "{1,3}", "{0}"][..]);
        let part = (atom, quantifier).prop_map(|(a, q)| format!("(?:{a}){q}"));
        let branch = proptest::collection::vec(part, 1..4).prop_map(|p| p.concat());
        proptest::collection::vec(branch, 1..3).prop_map(|b| b.join("|"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048, failure_persistence: None, ..Default::default()
        })]

        /// The eight-at-a-time search stops at every place `may_start` allows, and only there.
        #[test]
        fn next_start_skips_only_what_may_start_rules_out(
            pattern in pattern(),
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "A", "B", "Z", "a", "b", "É", "!", "'", "’", " ", "1", "A1", "Z'", "\u{301}",
                ][..]),
                0..60,
            ),
        ) {
            let Ok(hir) = regex_syntax::parse(&pattern) else { return Ok(()) };
            let Some(filter) = StartFilter::of(&hir) else { return Ok(()) };
            let hay = parts.concat().into_bytes();
            let want: Vec<usize> = (0..hay.len()).filter(|&i| filter.may_start(&hay, i)).collect();
            let mut got = Vec::new();
            let mut at = 0;
            while let Some(i) = filter.next_start(&hay, at) {
                got.push(i);
                at = i + 1;
            }
            proptest::prop_assert_eq!(got, want, "{}", pattern);
        }

        /// Wherever the filter says a match may start is the only place one starts: trying the
        /// pattern (anchored, forward only) only there finds exactly what running a
        /// `meta::Regex` over the text finds. So does trying its ASCII twin first (as a built-in
        /// pattern is), on text of ASCII and non-ASCII alike.
        #[test]
        fn filtered_searches_find_what_the_regex_finds(
            pattern in pattern(),
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "A", "B", "Z", "a", "b", "É", "é", "Ü", "!", "?", "！", "'", "’", " ", "\n",
                    "\u{301}", "1", "ab", "I'M", "ÉTÉ", "😭",
                ][..]),
                0..40,
            ),
        ) {
            let Ok(hir) = regex_syntax::parse(&pattern) else { return Ok(()) };
            let Some(filter) = StartFilter::of(&hir) else { return Ok(()) };
            let regex = regex_automata::meta::Regex::new(&pattern).unwrap();
            let text = parts.concat();
            let want: Vec<_> = regex.find_iter(&text).map(|m| m.range()).collect();
            for builtin in [false, true] {
                let anchored = super::super::AnchoredAt::new(&hir, filter.clone(), builtin).unwrap();
                proptest::prop_assert_eq!(anchored.matches(&text), &want[..], "{}", pattern);
                // Again, with the lazy DFA's cache from the first search.
                proptest::prop_assert_eq!(anchored.matches(&text), &want[..], "{}", pattern);
            }
        }
    }

    /// A pattern of more than `MAX_NODES` parts gets no filter (the analysis stops there),
    /// one of fewer does.
    #[test]
    fn huge_patterns_get_none() {
        let alternatives = |n: usize| {
            (0..n)
                .map(|i| format!(r"\p{{Lu}}{i}"))
                .collect::<Vec<_>>()
                .join("|")
        };
        assert!(filter(&alternatives(10)).is_some());
        assert!(filter(&alternatives(MAX_NODES)).is_none());
    }

    #[test]
    fn patterns_that_start_in_prose_or_match_nothing_get_none() {
        for pattern in [
            r"\w+ing",
            r"[a-z]{3}",
            r"(?i)sorry",
            r"x?",
            r"\b",
            r"a*b*",
            r".",
        ] {
            assert!(filter(pattern).is_none(), "{pattern}");
        }
    }
}
