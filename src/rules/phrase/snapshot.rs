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
//! length + UTF-8 bytes each), then the automaton as flat arrays, so loading it is a conversion
//! and a few range checks, not a record-by-record read: the state count S; where each state's
//! edges start (S + 1 u32s, the last the edge count); where its outputs start (S + 1); each
//! state's gap target or u32::MAX (S); the output count O, each output's owner (O u32s) and
//! needs-end byte (O bytes); the edge count E, each edge's symbol (E u32s, sorted within a
//! state) and target (E u32s).

use super::{Dfa, PhraseIndex, State, Sym};
use std::sync::OnceLock;

/// The snapshot for the built-in rules.
pub const BUILTIN: &[u8] = include_bytes!("default_phrases.bin");

const MAGIC: &[u8; 8] = b"EXLPHR02";
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
    let (mut edges, mut outputs) = (0, 0);
    let mut edge_starts = Vec::with_capacity(states as usize + 1);
    let mut output_starts = Vec::with_capacity(states as usize + 1);
    for state in 0..states {
        edge_starts.push(edges);
        output_starts.push(outputs);
        edges += dfa.edges(state).count();
        outputs += dfa.outputs(state).len();
    }
    edge_starts.push(edges);
    output_starts.push(outputs);
    for n in edge_starts.into_iter().chain(output_starts) {
        u32s(&mut out, n);
    }
    for state in 0..states {
        out.extend_from_slice(&dfa.gap(state).unwrap_or(NONE).to_le_bytes());
    }
    u32s(&mut out, outputs);
    for state in 0..states {
        for &(owner, _) in dfa.outputs(state) {
            out.extend_from_slice(&owner.to_le_bytes());
        }
    }
    for state in 0..states {
        out.extend(
            dfa.outputs(state)
                .iter()
                .map(|&(_, needs_end)| u8::from(needs_end)),
        );
    }
    u32s(&mut out, edges);
    for state in 0..states {
        for (sym, _) in dfa.edges(state) {
            out.extend_from_slice(&sym.to_le_bytes());
        }
    }
    for state in 0..states {
        for (_, to) in dfa.edges(state) {
            out.extend_from_slice(&to.to_le_bytes());
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
    index.symbols.reserve(symbols.min(bytes.len()));
    for sym in 0..symbols {
        let len = r.u32()? as usize;
        let word = std::str::from_utf8(r.take(len)?).ok()?;
        index.symbols.insert(word.to_owned(), sym as Sym);
        index.spelled.push(word.into());
    }
    let states = r.u32()? as usize;
    if states < 2 {
        return None;
    }
    let edge_starts = r.u32s(states + 1)?;
    let output_starts = r.u32s(states + 1)?;
    let gaps = r.u32s(states)?;
    let output_count = r.u32()? as usize;
    let owners = r.u32s(output_count)?;
    let needs_end = r.take(output_count)?;
    let edge_count = r.u32()? as usize;
    let syms = r.u32s(edge_count)?;
    let targets = r.u32s(edge_count)?;
    if !r.bytes.is_empty() {
        return None;
    }
    // Every index in range, so no lookup can go out of bounds; each state's edges sorted by
    // symbol without repeats, as `Dfa::get` searches them.
    let starts_ok = |starts: &[u32], total: usize| {
        starts[0] == 0
            && starts.windows(2).all(|w| w[0] <= w[1])
            && starts[states] as usize == total
    };
    let below = |values: &[u32], n: usize| values.iter().all(|&v| (v as usize) < n);
    if !starts_ok(&edge_starts, edge_count)
        || !starts_ok(&output_starts, output_count)
        || !gaps.iter().all(|&g| g == NONE || (g as usize) < states)
        || !below(&syms, symbols)
        || !below(&targets, states)
        || !edge_starts.windows(2).all(|w| {
            syms[w[0] as usize..w[1] as usize]
                .windows(2)
                .all(|p| p[0] < p[1])
        })
    {
        return None;
    }
    let records = (0..=states)
        .map(|s| State {
            edges: edge_starts[s],
            outputs: output_starts[s],
            gap: gaps.get(s).copied().unwrap_or(NONE),
        })
        .collect();
    let outputs = owners
        .into_iter()
        .zip(needs_end.iter().map(|&b| b != 0))
        .collect();
    index.dfa = Dfa::from_parts(records, syms, targets, outputs);
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

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// `n` u32s (the bytes are there before anything is allocated).
    fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
        let raw = self.take(n.checked_mul(4)?)?;
        Some(
            raw.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
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
