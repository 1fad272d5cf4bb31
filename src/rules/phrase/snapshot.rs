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
//! (count, then u64s, sorted: such phrases are known to be well-formed), symbols (count, then length + UTF-8 bytes each),
//! states (count; per state: gap target or u32::MAX, has-words byte, outputs count, then owner and
//! needs-end byte per output), edges (count; then state, symbol, target, sorted).

use super::{Edges, PhraseIndex, Sym};
use std::sync::OnceLock;

/// The snapshot for the built-in rules.
pub const BUILTIN: &[u8] = include_bytes!("default_phrases.bin");

const MAGIC: &[u8; 8] = b"EXLPHR01";
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
    u32s(&mut out, index.gap.len());
    for state in 0..index.gap.len() {
        out.extend_from_slice(&index.gap[state].unwrap_or(NONE).to_le_bytes());
        out.push(u8::from(index.has_words[state]));
        u32s(&mut out, index.outputs[state].len());
        for &(owner, needs_end) in &index.outputs[state] {
            out.extend_from_slice(&owner.to_le_bytes());
            out.push(u8::from(needs_end));
        }
    }
    u32s(&mut out, index.edges.len());
    for (state, sym, to) in index.edges.iter() {
        for v in [state, sym, to] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// The automaton in `bytes`, if they are a well-formed snapshot made under `key`.
pub fn decode(bytes: &[u8], key: u64) -> Option<PhraseIndex> {
    let mut r = Reader { bytes };
    if r.take(8)? != MAGIC || r.u64()? != key {
        return None;
    }
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
    for sym in 0..symbols {
        let len = r.u32()? as usize;
        let word = std::str::from_utf8(r.take(len)?).ok()?;
        index.symbols.insert(word.to_owned(), sym as Sym);
        index.spelled.push(word.into());
    }
    let states = r.u32()? as usize;
    let in_range = |v: u32, n: usize| (v as usize) < n;
    for _ in 0..states {
        let gap = r.u32()?;
        index.gap.push(match gap {
            NONE => None,
            g if in_range(g, states) => Some(g),
            _ => return None,
        });
        index.has_words.push(r.u8()? != 0);
        let n = r.u32()? as usize;
        let mut outputs = Vec::with_capacity(n.min(r.bytes.len() / 5));
        for _ in 0..n {
            outputs.push((r.u32()?, r.u8()? != 0));
        }
        index.outputs.push(outputs);
    }
    let count = r.u32()? as usize;
    let raw = r.take(count.checked_mul(12)?)?;
    let mut edges: Vec<(u32, Sym, u32)> = Vec::with_capacity(count);
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    for e in raw.chunks_exact(12) {
        let (state, sym, to) = (word(&e[0..4]), word(&e[4..8]), word(&e[8..12]));
        if !in_range(state, states) || !in_range(sym, symbols) || !in_range(to, states) {
            return None;
        }
        // Sorted and without repeats, as `Edges` needs.
        if edges
            .last()
            .is_some_and(|last| (last.0, last.1) >= (state, sym))
        {
            return None;
        }
        edges.push((state, sym, to));
    }
    index.edges = Edges::from_sorted(states, &edges);
    if !r.bytes.is_empty() || states < 2 {
        return None;
    }
    Some(index)
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

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}
