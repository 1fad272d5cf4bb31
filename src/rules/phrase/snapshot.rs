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

use super::{Dfa, PhraseIndex, State, Sym};
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
    let dfa = &index.dfa;
    let states = dfa.state_count() as u32;
    u32s(&mut out, states as usize);
    for state in 0..states {
        out.extend_from_slice(&dfa.gap(state).unwrap_or(NONE).to_le_bytes());
        out.push(u8::from(dfa.has_words(state)));
        u32s(&mut out, dfa.outputs(state).len());
        for &(owner, needs_end) in dfa.outputs(state) {
            out.extend_from_slice(&owner.to_le_bytes());
            out.push(u8::from(needs_end));
        }
    }
    u32s(&mut out, dfa.edge_count());
    for state in 0..states {
        for (sym, to) in dfa.edges(state) {
            for v in [state, sym, to] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
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
pub fn decode(bytes: &[u8]) -> Option<PhraseIndex> {
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
    for sym in 0..symbols {
        let len = r.u32()? as usize;
        let word = std::str::from_utf8(r.take(len)?).ok()?;
        index.symbols.insert(word.to_owned(), sym as Sym);
        index.spelled.push(word.into());
    }
    let states = r.u32()? as usize;
    let in_range = |v: u32, n: usize| (v as usize) < n;
    // The states' records first, then every edge, sorted by state and symbol: the records give
    // each state its outputs and gap, the edges (counted per state) where its edges start.
    let mut records = Vec::with_capacity(states.min(r.bytes.len() / 9) + 1);
    let mut has_words = Vec::with_capacity(records.capacity());
    let mut outputs = Vec::new();
    for _ in 0..states {
        let gap = r.u32()?;
        if gap != NONE && !in_range(gap, states) {
            return None;
        }
        has_words.push(r.u8()? != 0);
        records.push(State {
            edges: 0,
            outputs: outputs.len() as u32,
            gap,
        });
        let n = r.u32()? as usize;
        for _ in 0..n {
            outputs.push((r.u32()?, r.u8()? != 0));
        }
    }
    records.push(State {
        edges: 0,
        outputs: outputs.len() as u32,
        gap: NONE,
    });
    let count = r.u32()? as usize;
    let raw = r.take(count.checked_mul(12)?)?;
    let mut syms = Vec::with_capacity(count);
    let mut targets = Vec::with_capacity(count);
    let mut last = None;
    for e in raw.chunks_exact(12) {
        let word = |at: usize| u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]);
        let (state, sym, to) = (word(0), word(4), word(8));
        if !in_range(state, states) || !in_range(sym, symbols) || !in_range(to, states) {
            return None;
        }
        // Sorted and without repeats.
        if last.is_some_and(|last| last >= (state, sym)) {
            return None;
        }
        last = Some((state, sym));
        records[state as usize + 1].edges += 1;
        syms.push(sym);
        targets.push(to);
    }
    for s in 0..states {
        let n = records[s + 1].edges;
        if (n > 0) != has_words[s] {
            return None;
        }
        records[s + 1].edges = records[s].edges + n;
    }
    if !r.bytes.is_empty() || states < 2 {
        return None;
    }
    let dfa = Dfa::from_parts(records, syms, targets, outputs);
    index.dfa = dfa;
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
        // Edges out of order: refused.
        let edges_at = bytes.len() - 12 * index.dfa.edge_count();
        let mut swapped = bytes.clone();
        let (a, b) = (edges_at, edges_at + 12);
        let first: Vec<u8> = swapped[a..a + 12].to_vec();
        swapped.copy_within(b..b + 12, a);
        swapped[b..b + 12].copy_from_slice(&first);
        assert!(decode(&swapped).is_none());
    }
}
