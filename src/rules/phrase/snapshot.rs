//! The default rules' phrase automaton, built ahead of time.
//!
//! Building the automaton for the built-in rules (parsing ~700 phrases, expanding them through the
//! lexicon, subset construction) is most of a one-draft run's start-up. So the result is checked
//! in as `default_phrases.bin` and loaded instead whenever the phrases and lexicon are exactly the
//! ones it was made from: `PhraseIndex::key` hashes them, and the snapshot carries the key it was
//! built under. Any other rule set (a user's rule-dirs, changed settings) has another key and is
//! built as before, so a snapshot can only ever be skipped, never wrong for its inputs.
//!
//! A unit test rebuilds the automaton and fails when the file is stale; `EXLINT_BLESS=1 cargo
//! test --lib phrase_snapshot` rewrites it.
//!
//! Format (little-endian): magic, key (u64), the FNV-1a hashes of the phrases it was made from
//! (count, then u64s, sorted: such phrases are known to be well-formed), symbols (count, then
//! length + UTF-8 bytes each), zero bytes up to a multiple of four, then the automaton as flat
//! `u32` arrays: the state count S, each state's record (S + 1 of them, the last a sentinel: where
//! its edges start, where its outputs start, its gap target or u32::MAX); the output count O and
//! each output (its owner, the top bit set when the match must end a clause); the edge count E,
//! each edge's symbol (E u32s, sorted within a state) and target (E u32s).
//!
//! The arrays start four-aligned in a file that is embedded eight-aligned, so on a little-endian
//! machine the built-in snapshot's tables are used where they lie (`decode_static`): loading
//! copies nothing, and a release build does not check the built-in tables again (the tests do).
//! Elsewhere they are decoded into lists.

use super::{Dfa, PhraseIndex, State, Sym, Table};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Bytes at an address that is a multiple of eight.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

static EMBEDDED: &Aligned<[u8]> = &Aligned(*include_bytes!("default_phrases.bin"));

/// The snapshot for the built-in rules.
pub static BUILTIN: &[u8] = &EMBEDDED.0;

const MAGIC: &[u8; 8] = b"EXLPHR03";
const NONE: u32 = u32::MAX;

/// The automaton of `index` (finished), under `index.key`.
pub fn encode(index: &PhraseIndex) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&index.key.to_le_bytes());
    out.extend_from_slice(&(index.phrase_hashes.len() as u32).to_le_bytes());
    for &h in &index.phrase_hashes {
        out.extend_from_slice(&h.to_le_bytes());
    }
    let u32s = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
    u32s(&mut out, index.spelled.len());
    for word in &index.spelled {
        u32s(&mut out, word.len());
        out.extend_from_slice(word.as_bytes());
    }
    while out.len() % 4 != 0 {
        out.push(0);
    }
    let dfa = &index.dfa;
    u32s(&mut out, dfa.state_count());
    for state in dfa.states.iter() {
        for n in [state.edges, state.outputs, state.gap] {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    let all = |out: &mut Vec<u8>, table: &[u32]| {
        for n in table {
            out.extend_from_slice(&n.to_le_bytes());
        }
    };
    u32s(&mut out, dfa.outputs.len());
    all(&mut out, &dfa.outputs);
    // The edge count, then each edge's symbol and its target.
    u32s(&mut out, dfa.syms.len());
    all(&mut out, &dfa.syms);
    all(&mut out, &dfa.targets);
    out
}

/// The key a snapshot was made under, without reading the rest.
pub fn key(bytes: &[u8]) -> Option<u64> {
    let mut r = Reader { bytes };
    if r.take(8)? != MAGIC {
        return None;
    }
    r.u64()
}

/// The automaton in `bytes`, with the key it was made under, if they are a well-formed snapshot.
/// Its tables are copies.
#[cfg(test)]
pub fn decode(bytes: &[u8]) -> Option<PhraseIndex> {
    decode_with(bytes, |raw| Cow::Owned(u32s(raw)), true)
}

/// `decode`, with the tables left where they lie in `bytes` when this machine reads them as they
/// are (little-endian, four-aligned), else copied.
///
/// The built-in snapshot's tables are not checked again here (a tenth of a one-draft run's
/// instructions): the tests decode it with every check (`the_builtin_snapshot_is_read_in_place`),
/// and it cannot change after the build. Debug builds check it anyway.
pub fn decode_static(bytes: &'static [u8]) -> Option<PhraseIndex> {
    let check = cfg!(debug_assertions) || !std::ptr::eq(bytes, BUILTIN);
    decode_with(
        bytes,
        |raw| match in_place(raw) {
            Some(table) => Cow::Borrowed(table),
            None => Cow::Owned(u32s(raw)),
        },
        check,
    )
}

/// `raw` (a multiple of four bytes) as the `u32`s it holds, without copying, when this machine
/// is little-endian and `raw` is four-aligned.
fn in_place(raw: &[u8]) -> Option<&[u32]> {
    if cfg!(target_endian = "big") {
        return None;
    }
    // SAFETY: every bit pattern is a valid `u32`; `align_to` returns a middle part that is
    // aligned for `u32` and lies within `raw`, and an empty prefix and suffix mean it is all of
    // `raw`, read in this machine's (little-endian) byte order, as the snapshot is written.
    match unsafe { raw.align_to::<u32>() } {
        ([], table, []) => Some(table),
        _ => None,
    }
}

/// The `u32`s of `raw` (a multiple of four bytes), little-endian.
fn u32s(raw: &[u8]) -> Vec<u32> {
    raw.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// `decode`, each table made by `table` from its bytes; `check`: refuse tables whose indices
/// are out of range or whose edges are out of order (else such tables are trusted).
fn decode_with<'a>(
    bytes: &'a [u8],
    table: impl Fn(&'a [u8]) -> Table<u32>,
    check: bool,
) -> Option<PhraseIndex> {
    let mut r = Reader { bytes };
    if r.take(8)? != MAGIC {
        return None;
    }
    let key = r.u64()?;
    let phrases = r.u32()? as usize;
    let mut phrase_hashes = Vec::with_capacity(phrases.min(bytes.len() / 8));
    for _ in 0..phrases {
        phrase_hashes.push(r.u64()?);
    }
    let mut index = PhraseIndex {
        key,
        from_snapshot: true,
        phrase_hashes,
        ..PhraseIndex::default()
    };
    let symbols = r.u32()? as usize;
    index.spelled.reserve(symbols.min(bytes.len()));
    index.symbols.reserve(symbols.min(bytes.len()));
    for sym in 0..symbols {
        let len = r.u32()? as usize;
        let word = std::str::from_utf8(r.take(len)?).ok()?;
        index.symbols.insert(word.to_owned(), sym as Sym);
        index.spelled.push(word.into());
    }
    let padding = (4 - (bytes.len() - r.bytes.len()) % 4) % 4;
    if r.take(padding)?.iter().any(|&b| b != 0) {
        return None;
    }
    let states = r.u32()? as usize;
    if states < 2 {
        return None;
    }
    let records = table(r.take_u32s(states.checked_add(1)?.checked_mul(3)?)?);
    let output_count = r.u32()? as usize;
    let outputs = table(r.take_u32s(output_count)?);
    let edge_count = r.u32()? as usize;
    let syms = table(r.take_u32s(edge_count)?);
    let targets = table(r.take_u32s(edge_count)?);
    if !r.bytes.is_empty() {
        return None;
    }
    let records = records_of(records);
    // Every index in range, so no lookup can go out of bounds; each state's edges sorted by
    // symbol without repeats, as `Dfa::get` searches them.
    let starts_ok = |start: fn(&State) -> u32, total: usize| {
        records[0].edges == 0
            && start(&records[0]) == 0
            && records.windows(2).all(|w| start(&w[0]) <= start(&w[1]))
            && start(&records[states]) as usize == total
    };
    let below = |values: &[u32], n: usize| values.iter().all(|&v| (v as usize) < n);
    if check
        && (!starts_ok(|s| s.edges, edge_count)
            || !starts_ok(|s| s.outputs, output_count)
            || !records
                .iter()
                .all(|s| s.gap == NONE || (s.gap as usize) < states)
            || records[states].gap != NONE
            || !below(&syms, symbols)
            || !below(&targets, states)
            || !records.windows(2).all(|w| {
                syms[w[0].edges as usize..w[1].edges as usize]
                    .windows(2)
                    .all(|p| p[0] < p[1])
            }))
    {
        return None;
    }
    index.dfa = Dfa::from_parts(records, syms, targets, outputs);
    Some(index)
}

/// State records from their `u32`s (three each, a whole number of them): in place when the
/// `u32`s are borrowed.
fn records_of(table: Table<u32>) -> Table<State> {
    match table {
        // SAFETY: `State` is `repr(C)` with three `u32` fields and no padding, so it has the
        // size and alignment of `[u32; 3]` and every bit pattern is a valid one; `take_u32s`
        // cut a multiple of three `u32`s, so the records cover the slice exactly.
        Cow::Borrowed(words) => Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(words.as_ptr().cast::<State>(), words.len() / 3)
        }),
        Cow::Owned(words) => Cow::Owned(
            words
                .chunks_exact(3)
                .map(|w| State {
                    edges: w[0],
                    outputs: w[1],
                    gap: w[2],
                })
                .collect(),
        ),
    }
}

/// True when the built-in snapshot was made from a phrase with this hash.
pub fn known_phrase(hash: u64) -> bool {
    static KNOWN: OnceLock<Vec<u64>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            let mut r = Reader { bytes: BUILTIN };
            let read = |r: &mut Reader| -> Option<Vec<u64>> {
                if r.take(8)? != MAGIC {
                    return None;
                }
                r.u64()?;
                let n = r.u32()? as usize;
                let mut hashes = Vec::with_capacity(n.min(r.bytes.len() / 8));
                for _ in 0..n {
                    hashes.push(r.u64()?);
                }
                Some(hashes)
            };
            read(&mut r).unwrap_or_default()
        })
        .binary_search(&hash)
        .is_ok()
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// The bytes of `n` u32s.
    fn take_u32s(&mut self, n: usize) -> Option<&'a [u8]> {
        self.take(n.checked_mul(4)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;

    fn small() -> (PhraseIndex, Lexicon) {
        let lex = Lexicon::builtin();
        let mut index = PhraseIndex::new();
        let phrases = [
            "please come back",
            "come (back|home) ... please",
            "^ you up $",
            "i miss (you|us)",
        ];
        for (owner, p) in phrases.iter().enumerate() {
            index.insert(p, owner as u32, &lex).unwrap();
        }
        index.finish_with(&lex, None).unwrap();
        (index, lex)
    }

    #[test]
    fn a_snapshot_loads_back_to_the_same_automaton() {
        let (index, _) = small();
        let bytes = encode(&index);
        let loaded = decode(&bytes).expect("decodes");
        assert_eq!(loaded.key, index.key);
        assert_eq!(key(&bytes), Some(index.key));
        assert!(loaded.from_snapshot);
        assert_eq!(loaded.dfa.states, index.dfa.states);
        assert_eq!(loaded.dfa.outputs, index.dfa.outputs);
        assert_eq!(loaded.dfa.roots, index.dfa.roots);
        assert!(encode(&loaded) == bytes);
    }

    /// What lets `decode_static` skip its checks on the built-in snapshot.
    #[test]
    fn the_builtin_snapshot_is_read_in_place() {
        let index = decode_static(BUILTIN).expect("decodes");
        let dfa = &index.dfa;
        if cfg!(target_endian = "little") {
            assert!(matches!(dfa.states, Cow::Borrowed(_)));
            for table in [&dfa.syms, &dfa.targets, &dfa.outputs] {
                assert!(matches!(table, Cow::Borrowed(_)));
            }
        }
        // The same automaton, copied and with every check passed.
        let copied = decode(BUILTIN).expect("decodes");
        assert!(matches!(copied.dfa.states, Cow::Owned(_)));
        assert_eq!(copied.dfa.states, dfa.states);
        assert_eq!(copied.dfa.syms, dfa.syms);
        assert_eq!(copied.dfa.targets, dfa.targets);
        assert_eq!(copied.dfa.outputs, dfa.outputs);
        assert!(encode(&index) == BUILTIN);
    }

    #[test]
    fn a_damaged_snapshot_is_refused_not_trusted() {
        let (index, _) = small();
        let bytes = encode(&index);
        // Cut anywhere: refused.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        // One byte too many: refused.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        // Any single byte changed: refused or still a well-formed automaton, never a panic.
        for at in 16..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x5a;
            if let Some(loaded) = decode(&bad) {
                let n = loaded.dfa.state_count() as u32;
                for s in 0..n {
                    for (_, to) in loaded.dfa.edges(s) {
                        assert!(to < n);
                    }
                    assert!(loaded.dfa.gap(s).is_none_or(|g| g < n));
                }
            }
        }
        // A state's edges out of order: refused (the root's first two symbols swapped).
        assert!(index.dfa.edges(0).count() >= 2);
        let syms_at = bytes.len() - 8 * index.dfa.edge_count();
        let mut swapped = bytes.clone();
        let (a, b) = (syms_at, syms_at + 4);
        let first: Vec<u8> = swapped[a..a + 4].to_vec();
        swapped.copy_within(b..b + 4, a);
        swapped[b..b + 4].copy_from_slice(&first);
        assert!(decode(&swapped).is_none());
    }
}
