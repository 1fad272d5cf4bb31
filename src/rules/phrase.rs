//! The `phrase` kind: lists of word sequences matched on the normalized view.
//!
//! Every phrase of every rule goes into one shared trie (`PhraseIndex`), so a draft is scanned once
//! for all phrase rules however many there are.
//!
//! Phrase syntax (the phrase goes through the same lexicon as the draft, so "can't", "cant" and
//! "cannot" are one spelling):
//! - words separated by spaces: `please come back`
//! - `(a|b c|)`: alternatives of word sequences, an empty one makes the group optional
//! - `...`: up to three words of any kind in between (`please ... come back`)
//! - `^` at the start: the match must open a clause; `$` at the end: it must close one (a sentence
//!   end, a line break, a comma, a dash, a colon, brackets or an emoji mark a clause edge, and so
//!   do, in unpunctuated text, the lexicon's clause openers and interjections: "take me back i
//!   miss u", "u up lol")
//!
//! Matches never cross a sentence end, and always start and end on whole tokens. A match made
//! only of quoted words does not count, nor one that overlaps a match of the rule's `except`
//! phrases (the look-alikes it must leave alone) without containing it whole.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::hash::Hasher;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Severity, SharedText};
use crate::lexicon::Lexicon;
use crate::text::NormalizedView;

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill};

mod snapshot;
pub use snapshot::{BUILTIN as BUILTIN_SNAPSHOT, encode as encode_snapshot};

/// The most words a `...` gap may skip.
pub const MAX_GAP: usize = 3;
/// A stop for runaway rule sets: far beyond any real one (the built-ins use a few thousand).
const MAX_NFA_NODES: usize = 2_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PhraseSpec {
    #[allow(dead_code)]
    kind: String,
    phrases: Vec<Spanned<String>>,
    /// Phrases that cancel a match they overlap: the look-alikes a rule must leave alone
    /// ("hopeless at", "can we talk about the ..."), including negated forms ("not begging").
    /// A match that contains a whole exception is more specific and stays.
    #[serde(default)]
    except: Vec<Spanned<String>>,
    #[serde(default)]
    group: Vec<GroupSpec>,
}

/// A phrase rule has nothing to tune besides its severity: its phrases are the rule. (To stop one
/// phrase firing, a config's `allow` list is the tool.)
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseSettings {}

impl Configurable for PhraseSpec {
    type Settings = PhraseSettings;
    const SETTINGS: &'static [&'static str] = &[];

    fn configure(&mut self, _: PhraseSettings) {}
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GroupSpec {
    severity: Severity,
    message: Option<String>,
    help: Option<String>,
    phrases: Vec<Spanned<String>>,
}

/// A phrase rule after compilation: its groups, each known to the shared index by an owner id.
#[derive(Debug)]
pub struct PhraseCheck {
    /// Owner ids in the shared index, one per group; group 0 is the top-level `phrases`.
    owners: Vec<u32>,
    /// Owner id of the `except` phrases, if any.
    except: Option<u32>,
    groups: Vec<Group>,
}

#[derive(Debug)]
struct Group {
    severity: Option<Severity>,
    message: Option<String>,
    help: Option<SharedText>,
}

impl PhraseCheck {
    pub fn compile(
        spec: PhraseSpec,
        cx: &mut CompileCx<'_>,
    ) -> Result<PhraseCheck, crate::error::SourceError> {
        let mut owners = Vec::new();
        let mut groups = Vec::new();
        let except = if spec.except.is_empty() {
            None
        } else {
            Some(cx.add_phrases(&spec.except)?)
        };
        owners.push(cx.add_phrases(&spec.phrases)?);
        groups.push(Group {
            severity: None,
            message: None,
            help: None,
        });
        for g in spec.group {
            owners.push(cx.add_phrases(&g.phrases)?);
            groups.push(Group {
                severity: Some(g.severity),
                message: g.message,
                help: g.help.map(SharedText::from),
            });
        }
        Ok(PhraseCheck {
            owners,
            except,
            groups,
        })
    }

    /// Renumber the owners it was given by `by` (see `CompileCx::add_phrases`).
    pub fn shift_owners(&mut self, by: u32) {
        for owner in self.owners.iter_mut().chain(&mut self.except) {
            *owner += by;
        }
    }

    pub fn owners(&self) -> &[u32] {
        &self.owners
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        // Overlapping matches of one rule become one finding: "please please come back" is one
        // plea, underlined once. The most severe group among them wins.
        let mut hits: Vec<(Range<usize>, usize)> = Vec::new();
        let exceptions = match self.except {
            Some(owner) => cx.phrase_matches(owner),
            None => &[],
        };
        for (g, &owner) in self.owners.iter().enumerate() {
            for m in cx.phrase_matches(owner) {
                // Words the writer is quoting (a song title, what someone else said) are not
                // the writer saying them.
                if m.quoted {
                    continue;
                }
                let m = &m.span;
                // A look-alike cancels the matches it overlaps, except a match that spells out
                // the whole look-alike and more: that longer phrase is the more specific one
                // ("useless at everything" still fires where "useless at" is an exception).
                if exceptions.iter().map(|e| &e.span).any(|e| {
                    e.start < m.end && m.start < e.end && !(m.start <= e.start && e.end <= m.end)
                }) {
                    continue;
                }
                hits.push((m.clone(), g));
            }
        }
        hits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut merged: Vec<(Range<usize>, usize)> = Vec::new();
        for (r, g) in hits {
            match merged.last_mut() {
                Some((last, lg)) if r.start < last.end => {
                    last.end = last.end.max(r.end);
                    if self.severity(meta, g) > self.severity(meta, *lg) {
                        *lg = g;
                    }
                }
                _ => merged.push((r, g)),
            }
        }
        for (span, g) in merged {
            let group = &self.groups[g];
            let text = cx.draft.slice(span.clone());
            out.push(Diagnostic {
                rule: meta.id.clone(),
                severity: self.severity(meta, g),
                message: fill(
                    group.message.as_deref().unwrap_or(&meta.message),
                    &[("match", text)],
                ),
                help: group.help.clone().unwrap_or_else(|| meta.help.clone()),
                span,
                suggestion: None,
            });
        }
    }

    fn severity(&self, meta: &RuleMeta, group: usize) -> Severity {
        self.groups[group].severity.unwrap_or(meta.severity)
    }
}

type Sym = u32;

/// What `PhraseIndex::check` found out about a phrase, for `PhraseIndex::insert_checked`.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    /// The words it adds toward the automaton's size bound (0 for a phrase the built-in
    /// snapshot was made from, which is known to fit).
    words: usize,
    /// Its text's hash (`fnv1a`), worked out once where it is checked, on the file's thread.
    hash: u64,
}

/// One piece of a parsed phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Word(String),
    Gap,
    /// Alternatives, each a sequence; an empty sequence makes the group optional.
    Alt(Vec<Vec<Item>>),
}

/// A parsed phrase: its items (not yet expanded) and its anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPhrase {
    items: Vec<Item>,
    anchored_start: bool,
    anchored_end: bool,
}

/// Parse phrase syntax. Words are normalized (and checked for gaps at the edges) when the phrase is
/// inserted into an index, through that index's lexicon.
pub fn parse_phrase(phrase: &str) -> Result<ParsedPhrase, String> {
    let mut text = phrase.trim();
    let anchored_start = text.starts_with('^');
    if anchored_start {
        text = text[1..].trim_start();
    }
    let anchored_end = text.ends_with('$');
    if anchored_end {
        text = text[..text.len() - 1].trim_end();
    }
    let tokens = lex(text)?;
    let mut pos = 0;
    let items = parse_seq(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err("unbalanced `)`".into());
    }
    Ok(ParsedPhrase {
        items,
        anchored_start,
        anchored_end,
    })
}

fn normalize_phrase_word(w: &str) -> String {
    w.chars()
        .flat_map(|c| match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => vec!['\''],
            c => c.to_lowercase().collect(),
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Lex {
    Word(String),
    Open,
    Bar,
    Close,
    Gap,
}

fn lex(text: &str) -> Result<Vec<Lex>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Lex>| {
        if !word.is_empty() {
            out.push(Lex::Word(std::mem::take(word)));
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' | '|' | ')' => {
                flush(&mut word, &mut out);
                out.push(match c {
                    '(' => Lex::Open,
                    '|' => Lex::Bar,
                    _ => Lex::Close,
                });
            }
            '.' if chars.peek() == Some(&'.') => {
                flush(&mut word, &mut out);
                let mut dots = 1;
                while chars.peek() == Some(&'.') {
                    chars.next();
                    dots += 1;
                }
                if dots != 3 {
                    return Err("a gap is written `...` (three dots)".into());
                }
                out.push(Lex::Gap);
            }
            '…' => {
                flush(&mut word, &mut out);
                out.push(Lex::Gap);
            }
            '^' | '$' => {
                return Err(format!(
                    "`{c}` is only allowed at the very start (`^`) or end (`$`)"
                ));
            }
            '-' => flush(&mut word, &mut out),
            // Punctuation inside a phrase is ignored, as it is in the draft ("you up?" = "you up").
            c if c.is_whitespace() || (!c.is_alphanumeric() && !matches!(c, '\'' | '’' | '/')) => {
                flush(&mut word, &mut out)
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

/// seq := item* ; item := WORD | GAP | '(' seq ('|' seq)* ')'
fn parse_seq(tokens: &[Lex], pos: &mut usize) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    while let Some(tok) = tokens.get(*pos) {
        match tok {
            Lex::Word(w) => {
                items.push(Item::Word(w.clone()));
                *pos += 1;
            }
            Lex::Gap => {
                items.push(Item::Gap);
                *pos += 1;
            }
            Lex::Open => {
                *pos += 1;
                let mut options = vec![parse_seq(tokens, pos)?];
                loop {
                    match tokens.get(*pos) {
                        Some(Lex::Bar) => {
                            *pos += 1;
                            options.push(parse_seq(tokens, pos)?);
                        }
                        Some(Lex::Close) => {
                            *pos += 1;
                            break;
                        }
                        _ => return Err("unclosed `(`".into()),
                    }
                }
                items.push(Item::Alt(options));
            }
            Lex::Bar | Lex::Close => break,
        }
    }
    Ok(items)
}

/// Where an insertion stands: a trie node, whether the last thing placed was a gap, and whether
/// any word has been placed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Frontier {
    node: u32,
    after_gap: bool,
    has_word: bool,
}

/// A polynomial hash of a string's bytes, so the hash of a string with one letter taken out
/// comes from its prefix and suffix hashes in two operations (`Deletions`):
/// `hash(a ++ b) = hash(a) * P^len(b) + hash(b)`.
const POLY: u64 = 0x0000_0100_0000_01b3;

fn poly_push(h: u64, b: u8) -> u64 {
    h.wrapping_mul(POLY).wrapping_add(u64::from(b) + 1)
}

/// Typo repair's candidates by hash (`PhraseIndex::deletions`): each hash leads to the last
/// symbol added under it, and each symbol to the one added before it. Flat, so building it (once
/// per run, for nearly every draft: any unknown word of five letters asks) is a few thousand
/// inserts into a map sized up front, not an allocation per hash.
#[derive(Debug)]
struct TypoTable {
    /// Hash → its last entry.
    last: HashMap<u64, u32>,
    /// Each entry: a symbol, and the entry before it under the same hash (or `NO_EDGE`).
    entries: Vec<(Sym, u32)>,
    /// One bit per slot of hashes (`TypoTable::slot`), set where a hash in `last` falls. Nearly
    /// every hash asked about is in no phrase word (a long draft asks about each letter of each
    /// unknown word), and a clear bit says so from a few kilobytes that stay in cache, without
    /// a probe into the map.
    seen: Vec<u64>,
    /// `64 - log2(slots)`: a mixed hash shifted right by this is its slot.
    shift: u32,
}

impl TypoTable {
    fn with_capacity(n: usize) -> TypoTable {
        // About sixteen slots per hash: one hash asked about in sixteen gets past the bits.
        let slots = (n * 16).next_power_of_two().max(64);
        TypoTable {
            last: HashMap::with_capacity_and_hasher(n, Default::default()),
            entries: Vec::with_capacity(n),
            seen: vec![0; slots / 64],
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// The slot of hash `h`: its top bits after a multiply, which mixes in every bit of it (the
    /// polynomial hash's low bits depend on few of the word's).
    fn slot(&self, h: u64) -> usize {
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Add `sym` under hash `h`. A symbol may be there twice ("too" loses either "o"): the
    /// reader keeps each candidate once.
    fn add(&mut self, h: u64, sym: Sym) {
        let slot = self.slot(h);
        self.seen[slot / 64] |= 1 << (slot % 64);
        let before = self
            .last
            .insert(h, self.entries.len() as u32)
            .unwrap_or(NO_EDGE);
        self.entries.push((sym, before));
    }

    /// The symbols under hash `h`.
    fn get(&self, h: u64) -> impl Iterator<Item = Sym> + '_ {
        let slot = self.slot(h);
        let mut at = if self.seen[slot / 64] >> (slot % 64) & 1 == 0 {
            NO_EDGE
        } else {
            self.last.get(&h).copied().unwrap_or(NO_EDGE)
        };
        std::iter::from_fn(move || {
            let &(sym, before) = self.entries.get(at as usize)?;
            at = before;
            Some(sym)
        })
    }
}

/// The hashes of a word with each one of its letters taken out, in order.
struct Deletions {
    /// `suffix[i]`: hash of `bytes[i..]`; `power[k]`: `POLY^k`.
    suffix: Vec<u64>,
    power: Vec<u64>,
}

impl Deletions {
    fn new() -> Deletions {
        Deletions {
            suffix: Vec::new(),
            power: Vec::new(),
        }
    }

    fn of<'a>(&'a mut self, word: &'a str) -> impl Iterator<Item = u64> + 'a {
        let bytes = word.as_bytes();
        let n = bytes.len();
        self.power.clear();
        self.power.push(1);
        for k in 1..=n {
            let last = self.power[k - 1];
            self.power.push(last.wrapping_mul(POLY));
        }
        // hash(b ++ rest) = (b + 1) * P^len(rest) + hash(rest).
        self.suffix.clear();
        self.suffix.resize(n + 1, 0);
        for i in (0..n).rev() {
            self.suffix[i] = (u64::from(bytes[i]) + 1)
                .wrapping_mul(self.power[n - 1 - i])
                .wrapping_add(self.suffix[i + 1]);
        }
        let (suffix, power) = (&self.suffix, &self.power);
        let mut prefix = 0u64;
        let mut at = 0;
        word.char_indices().map(move |(i, c)| {
            while at < i {
                prefix = poly_push(prefix, bytes[at]);
                at += 1;
            }
            let j = i + c.len_utf8();
            prefix.wrapping_mul(power[n - j]).wrapping_add(suffix[j])
        })
    }
}

fn poly_hash(word: &str) -> u64 {
    word.bytes().fold(0, poly_push)
}

/// Is `b` one typo away from `a`: one letter missing, extra or wrong, or two neighbouring
/// letters swapped (optimal string alignment distance 1)? Linear, no table.
fn is_one_typo(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        one_edit(a.as_bytes(), b.as_bytes())
    } else {
        one_edit(
            &a.chars().collect::<Vec<_>>(),
            &b.chars().collect::<Vec<_>>(),
        )
    }
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    let suffix = short[prefix..]
        .iter()
        .rev()
        .zip(long[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    // What is left between the common prefix and suffix must be one edit.
    let (s, l) = (
        &short[prefix..short.len() - suffix],
        &long[prefix..long.len() - suffix],
    );
    match (s.len(), l.len()) {
        (0, 1) | (1, 1) => true,
        (2, 2) => s[0] == l[1] && s[1] == l[0],
        _ => false,
    }
}

/// One match: which owner (a rule's phrase group) and which tokens (`start..end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseMatch {
    pub owner: u32,
    pub tokens: Range<usize>,
}

impl PhraseMatch {
    fn key(&self) -> (u32, usize, usize) {
        (self.owner, self.tokens.start, self.tokens.end)
    }
}

impl Ord for PhraseMatch {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for PhraseMatch {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// All phrases of all rules in one automaton over interned canonical words.
///
/// Phrases are first added to an NFA that is linear in the size of the phrase text (each word of
/// the phrase is one node, however many alternatives lead to it); `finish` then turns it into a
/// DFA by subset construction. Matching walks the DFA: one hash lookup per word, whatever the
/// number of rules.
#[derive(Debug, Default)]
pub struct PhraseIndex {
    symbols: HashMap<String, Sym>,
    /// Each symbol's word, indexed by symbol.
    spelled: Vec<Box<str>>,
    nfa: Nfa,
    /// The DFA, built (or loaded) by `finish`.
    dfa: Dfa,
    /// Typo repair, by hash (`poly_hash`): every phrase word under its own hash, and every
    /// phrase word of `MIN_FUZZY_CHARS`+ letters also under the hash of each of its one-letter
    /// deletions ("myself" under "yself", "mself", …). Candidates are checked with
    /// `is_one_typo`, so a collision costs a check, never a wrong repair. Built the first time
    /// a draft needs it.
    deletions: OnceLock<TypoTable>,
    /// Phrases waiting for `finish`, as written, with their owners.
    pending: Vec<(Box<str>, u32)>,
    /// Words placed so far (a cheap bound on the automaton's size).
    pending_words: usize,
    /// Names the automaton the pending phrases make: a hash of the lexicon and of every phrase
    /// with its owner, in order. A snapshot built from the same inputs carries the same key.
    key: u64,
    /// True when `finish` loaded the automaton from a snapshot instead of building it.
    from_snapshot: bool,
    /// The hashes of the phrases the automaton was made from, sorted (what a snapshot records).
    phrase_hashes: Vec<u64>,
}

/// A phrase automaton read from a snapshot, waiting for the `PhraseIndex::finish_loaded` that
/// checks it was made from the same phrases.
pub struct Snapshot(PhraseIndex);

impl Snapshot {
    /// Read a snapshot (`encode_snapshot`); `None` when the bytes are not a well-formed one.
    /// Its tables stay where they lie in `bytes` when they can (`snapshot::decode_static`).
    pub fn load(bytes: &'static [u8]) -> Option<Snapshot> {
        snapshot::decode_static(bytes).map(Snapshot)
    }
}

/// The DFA in flat tables. State `s`'s word edges are `states[s].edges..states[s + 1].edges` of
/// `syms` (sorted) and `targets`, and its outputs `states[s].outputs..states[s + 1].outputs` of
/// `outputs`; a last sentinel state closes both. What a walk reads about a state is in one small
/// record. The built-in snapshot's tables are used where they lie in the binary (`Table`):
/// loading it copies nothing, and their pages come from the file, not fresh memory.
#[derive(Debug)]
struct Dfa {
    states: Table<State>,
    syms: Table<Sym>,
    targets: Table<u32>,
    /// Per state, in order: each output's owner, with `NEEDS_END` set when the match must end a
    /// clause.
    outputs: Table<u32>,
    /// The two roots' edges as dense rows indexed by symbol (`NO_EDGE` where there is none):
    /// every token of a draft starts a walk at a root, and most roots have thousands of edges.
    roots: [Vec<u32>; 2],
}

/// A table of the DFA: built here, or borrowed from the built-in snapshot.
type Table<T> = Cow<'static, [T]>;

/// Three `u32`s, no padding: the built-in snapshot's records are read in place (`snapshot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
struct State {
    /// Where the state's word edges start in `Dfa::syms`.
    edges: u32,
    /// Where its outputs start in `Dfa::outputs`.
    outputs: u32,
    /// The state reached after a `...` gap, or `NO_EDGE`.
    gap: u32,
}

const NO_EDGE: u32 = u32::MAX;
/// Marks an output (`Dfa::outputs`) whose match must end a clause; the rest is its owner.
const NEEDS_END: u32 = 1 << 31;

impl Default for Dfa {
    /// The two roots, with nothing leaving them.
    fn default() -> Dfa {
        let none = State {
            edges: 0,
            outputs: 0,
            gap: NO_EDGE,
        };
        Dfa {
            states: Cow::Owned(vec![none; 3]),
            syms: Cow::Owned(Vec::new()),
            targets: Cow::Owned(Vec::new()),
            outputs: Cow::Owned(Vec::new()),
            roots: [Vec::new(), Vec::new()],
        }
    }
}

impl Dfa {
    /// An empty DFA to fill state by state (`push_state`, then `finish`).
    fn with_capacity(states: usize, edges: usize, outputs: usize) -> Dfa {
        Dfa {
            states: Cow::Owned(Vec::with_capacity(states + 1)),
            syms: Cow::Owned(Vec::with_capacity(edges)),
            targets: Cow::Owned(Vec::with_capacity(edges)),
            outputs: Cow::Owned(Vec::with_capacity(outputs)),
            roots: [Vec::new(), Vec::new()],
        }
    }

    /// Add the next state: its gap target, its word edges `(symbol, target)` (sorted by symbol,
    /// no repeats) and its outputs (owners below `NEEDS_END`).
    fn push_state(
        &mut self,
        gap: Option<u32>,
        edges: impl IntoIterator<Item = (Sym, u32)>,
        outputs: impl IntoIterator<Item = (u32, bool)>,
    ) {
        let (states, syms, targets) = (
            self.states.to_mut(),
            self.syms.to_mut(),
            self.targets.to_mut(),
        );
        let state = states.len();
        states.push(State {
            edges: syms.len() as u32,
            outputs: self.outputs.len() as u32,
            gap: gap.unwrap_or(NO_EDGE),
        });
        let first = syms.len();
        for (sym, target) in edges {
            syms.push(sym);
            targets.push(target);
        }
        if let Some(row) = self.roots.get_mut(state) {
            for (&sym, &target) in syms[first..].iter().zip(&targets[first..]) {
                if row.len() <= sym as usize {
                    row.resize(sym as usize + 1, NO_EDGE);
                }
                row[sym as usize] = target;
            }
        }
        self.outputs
            .to_mut()
            .extend(outputs.into_iter().map(|(owner, needs_end)| {
                debug_assert!(owner < NEEDS_END);
                owner | if needs_end { NEEDS_END } else { 0 }
            }));
    }

    /// From whole tables: `states` with the sentinel last, each state's edges sorted by symbol.
    fn from_parts(
        states: Table<State>,
        syms: Table<Sym>,
        targets: Table<u32>,
        outputs: Table<u32>,
    ) -> Dfa {
        let mut dfa = Dfa {
            states,
            syms,
            targets,
            outputs,
            roots: [Vec::new(), Vec::new()],
        };
        for root in [ROOT, ANCHORED_ROOT] {
            let mut row = Vec::new();
            for (sym, target) in dfa.edges(root) {
                if row.len() <= sym as usize {
                    row.resize(sym as usize + 1, NO_EDGE);
                }
                row[sym as usize] = target;
            }
            dfa.roots[root as usize] = row;
        }
        dfa
    }

    /// Close the last state (the sentinel).
    fn finish(&mut self) {
        let state = State {
            edges: self.syms.len() as u32,
            outputs: self.outputs.len() as u32,
            gap: NO_EDGE,
        };
        self.states.to_mut().push(state);
    }

    /// How many states (the sentinel aside).
    fn state_count(&self) -> usize {
        self.states.len() - 1
    }

    fn get(&self, state: u32, sym: Sym) -> Option<u32> {
        let s = state as usize;
        if let Some(row) = self.roots.get(s) {
            return row.get(sym as usize).copied().filter(|&t| t != NO_EDGE);
        }
        let (lo, hi) = (
            self.states[s].edges as usize,
            self.states[s + 1].edges as usize,
        );
        let at = self.syms[lo..hi].binary_search(&sym).ok()?;
        Some(self.targets[lo + at])
    }

    /// Does any word edge leave `state`?
    fn has_words(&self, state: u32) -> bool {
        let s = state as usize;
        self.states[s + 1].edges > self.states[s].edges
    }

    /// A state with no outputs and no gap: a walk that reaches it finds nothing unless a word
    /// edge takes it further.
    fn is_plain(&self, state: u32) -> bool {
        self.outputs(state).len() == 0 && self.gap(state).is_none()
    }

    /// The symbols of a non-root state's word edges.
    fn edge_syms(&self, state: u32) -> &[Sym] {
        let s = state as usize;
        &self.syms[self.states[s].edges as usize..self.states[s + 1].edges as usize]
    }

    fn gap(&self, state: u32) -> Option<u32> {
        Some(self.states[state as usize].gap).filter(|&g| g != NO_EDGE)
    }

    /// State `s`'s outputs: (owner, must end a clause).
    fn outputs(&self, state: u32) -> impl ExactSizeIterator<Item = (u32, bool)> + '_ {
        let s = state as usize;
        let range = self.states[s].outputs as usize..self.states[s + 1].outputs as usize;
        self.outputs[range]
            .iter()
            .map(|&o| (o & !NEEDS_END, o & NEEDS_END != 0))
    }

    fn edge_count(&self) -> usize {
        self.syms.len()
    }

    /// State `s`'s word edges as `(symbol, target)`, sorted.
    fn edges(&self, state: u32) -> impl Iterator<Item = (Sym, u32)> + '_ {
        let s = state as usize;
        let range = self.states[s].edges as usize..self.states[s + 1].edges as usize;
        self.syms[range.clone()]
            .iter()
            .copied()
            .zip(self.targets[range].iter().copied())
    }
}

/// FNV-1a (64 bit): the same hash on every machine and in every build, for fingerprints.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(FNV_OFFSET)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_on(self.0, bytes);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, on from hash `h`; `const`, so an embedded file's hash is worked out when
/// the binary is built.
const fn fnv1a_on(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// The FNV-1a hash of `bytes` (as `Fnv` hashes them).
pub const fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_on(FNV_OFFSET, bytes)
}

/// Check where `...` and optional groups sit, without building anything: the same errors
/// `place` would give, so a bad phrase is reported when it is added.
fn check_shape(items: &[Item]) -> Result<usize, String> {
    // (after a gap, has a word) for every way through the phrase so far.
    fn walk(
        items: &[Item],
        mut frontier: Vec<(bool, bool)>,
        words: &mut usize,
    ) -> Result<Vec<(bool, bool)>, String> {
        for item in items {
            frontier = match item {
                Item::Gap => {
                    for &(after_gap, has_word) in &frontier {
                        if !has_word {
                            return Err("`...` must sit between words".into());
                        }
                        if after_gap {
                            return Err("two `...` in a row".into());
                        }
                    }
                    vec![(true, true)]
                }
                Item::Word(_) => {
                    *words += 1;
                    vec![(false, true)]
                }
                Item::Alt(options) => {
                    let mut next = Vec::new();
                    for option in options {
                        next.extend(walk(option, frontier.clone(), words)?);
                    }
                    next.sort_unstable();
                    next.dedup();
                    next
                }
            };
        }
        Ok(frontier)
    }
    let mut words = 0;
    for (after_gap, has_word) in walk(items, vec![(false, false)], &mut words)? {
        if !has_word {
            return Err(
                "a phrase needs at least one word (an optional group cannot stand alone)".into(),
            );
        }
        if after_gap {
            return Err("`...` must sit between words".into());
        }
    }
    Ok(words)
}

/// The phrase NFA: word edges may lead to several nodes; no epsilon edges.
#[derive(Debug, Default)]
struct Nfa {
    words: Vec<Vec<(Sym, u32)>>,
    gaps: Vec<Vec<u32>>,
    outputs: Vec<Vec<(u32, bool)>>,
}

impl Nfa {
    fn with_roots() -> Nfa {
        let mut nfa = Nfa::default();
        nfa.node(); // ROOT
        nfa.node(); // ANCHORED_ROOT
        nfa
    }

    fn node(&mut self) -> u32 {
        self.words.push(Vec::new());
        self.gaps.push(Vec::new());
        self.outputs.push(Vec::new());
        (self.words.len() - 1) as u32
    }
}

/// Words shorter than this are never repaired: too many real words are one letter apart.
pub const MIN_FUZZY_CHARS: usize = 5;

/// Words this long or shorter (in bytes), all ASCII, are repaired on the fast path
/// (`PhraseIndex::repair_ascii`).
const REPAIR_FAST_MAX: usize = 32;

const ROOT: u32 = 0;
const ANCHORED_ROOT: u32 = 1;

impl PhraseIndex {
    pub fn new() -> PhraseIndex {
        PhraseIndex {
            nfa: Nfa::with_roots(),
            ..PhraseIndex::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.dfa.edge_count() == 0
    }

    /// Size of the automaton: (DFA states, DFA word edges, distinct words).
    pub fn stats(&self) -> (usize, usize, usize) {
        (
            self.dfa.state_count(),
            self.dfa.edge_count(),
            self.symbols.len(),
        )
    }

    /// Call once all phrases are in: builds the DFA, or loads it from the built-in snapshot when
    /// the phrases and lexicon are exactly the ones it was made from (the default rules).
    pub fn finish(&mut self, lexicon: &Lexicon) -> Result<(), String> {
        self.finish_with(lexicon, Some(BUILTIN_SNAPSHOT))
    }

    /// `finish`, with the snapshot to try first (`None`: always build).
    pub fn finish_with(
        &mut self,
        lexicon: &Lexicon,
        snapshot: Option<&'static [u8]>,
    ) -> Result<(), String> {
        // Decoded only when made from these phrases: other rule sets skip it at once.
        let loaded = snapshot
            .filter(|bytes| snapshot::key(bytes) == Some(self.key))
            .and_then(Snapshot::load);
        self.finish_loaded(lexicon, loaded)
    }

    /// `finish`, with a snapshot already loaded (`Snapshot::load`, which can run while the rule
    /// files compile): used if it was made from exactly these phrases and lexicon, else the
    /// automaton is built.
    pub fn finish_loaded(
        &mut self,
        lexicon: &Lexicon,
        loaded: Option<Snapshot>,
    ) -> Result<(), String> {
        if let Some(Snapshot(loaded)) = loaded.filter(|l| l.0.key == self.key) {
            *self = loaded;
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let mut scratch = Vec::new();
        for (text, owner) in &pending {
            let phrase = parse_phrase(text)?;
            self.place_phrase(&phrase, *owner, lexicon, &mut scratch)?;
        }
        self.determinize();
        self.nfa = Nfa::default();
        self.phrase_hashes = pending
            .iter()
            .map(|(text, _)| fnv1a(text.as_bytes()))
            .collect();
        self.phrase_hashes.sort_unstable();
        self.phrase_hashes.dedup();
        Ok(())
    }

    /// True when `finish` took the automaton from a snapshot.
    pub fn from_snapshot(&self) -> bool {
        self.from_snapshot
    }

    /// The typo-repair table, built on first use.
    fn deletions(&self) -> &TypoTable {
        self.deletions.get_or_init(|| {
            let mut table = TypoTable::with_capacity(self.spelled.len() * 6);
            let mut deletions = Deletions::new();
            for (sym, word) in self.spelled.iter().enumerate() {
                let sym = sym as Sym;
                table.add(poly_hash(word), sym);
                if word.chars().count() < MIN_FUZZY_CHARS || !word.chars().all(char::is_alphabetic)
                {
                    continue;
                }
                for d in deletions.of(word) {
                    table.add(d, sym);
                }
            }
            table
        })
    }

    /// Subset construction. DFA state 0 is {ROOT}, state 1 is {ANCHORED_ROOT}.
    fn determinize(&mut self) {
        let nfa = &self.nfa;
        let mut ids: HashMap<Vec<u32>, u32> = HashMap::default();
        let mut sets: Vec<Vec<u32>> = vec![vec![ROOT], vec![ANCHORED_ROOT]];
        ids.insert(vec![ROOT], 0);
        ids.insert(vec![ANCHORED_ROOT], 1);
        let mut dfa = Dfa::with_capacity(0, 0, 0);
        let mut intern = |set: Vec<u32>, sets: &mut Vec<Vec<u32>>| -> u32 {
            if let Some(&id) = ids.get(&set) {
                return id;
            }
            let id = sets.len() as u32;
            ids.insert(set.clone(), id);
            sets.push(set);
            id
        };
        let mut state = 0;
        let mut edges = Vec::new();
        while state < sets.len() {
            let members = sets[state].clone();
            let mut by_sym: Vec<(Sym, u32)> = members
                .iter()
                .flat_map(|&n| nfa.words[n as usize].iter().copied())
                .collect();
            by_sym.sort_unstable();
            by_sym.dedup();
            edges.clear();
            let mut i = 0;
            while i < by_sym.len() {
                let sym = by_sym[i].0;
                let mut target = Vec::new();
                while i < by_sym.len() && by_sym[i].0 == sym {
                    target.push(by_sym[i].1);
                    i += 1;
                }
                edges.push((sym, intern(target, &mut sets)));
            }
            let mut gaps: Vec<u32> = members
                .iter()
                .flat_map(|&n| nfa.gaps[n as usize].iter().copied())
                .collect();
            gaps.sort_unstable();
            gaps.dedup();
            let gap = (!gaps.is_empty()).then(|| intern(gaps, &mut sets));
            let mut outs: Vec<(u32, bool)> = members
                .iter()
                .flat_map(|&n| nfa.outputs[n as usize].iter().copied())
                .collect();
            outs.sort_unstable();
            outs.dedup();
            dfa.push_state(gap, edges.iter().copied(), outs);
            state += 1;
        }
        dfa.finish();
        self.dfa = dfa;
    }

    /// Add a phrase for `owner`, normalizing its words through `lexicon`. The NFA grows by one node
    /// per word of the phrase, never by listing every combination of its alternatives.
    pub fn insert(&mut self, text: &str, owner: u32, lexicon: &Lexicon) -> Result<(), String> {
        let checked = PhraseIndex::check(text)?;
        self.insert_checked(text, checked, owner, lexicon)
    }

    /// Check one phrase on its own (no index needed, so rule files can be checked on several
    /// threads): what `insert_checked` needs of it, or what is wrong.
    pub fn check(text: &str) -> Result<Checked, String> {
        let hash = fnv1a(text.as_bytes());
        // A phrase the built-in snapshot was made from is known to be well-formed: skip the check
        // (parsing every built-in phrase is a large part of start-up). Others are checked now, so
        // an error points at the phrase; the automaton is built (or loaded) by `finish`.
        let words = if snapshot::known_phrase(hash) {
            0
        } else {
            check_shape(&parse_phrase(text)?.items)?
        };
        Ok(Checked { words, hash })
    }

    /// `insert` a phrase that `check` passed. The text is moved in, not copied.
    pub fn insert_checked(
        &mut self,
        text: impl Into<Box<str>>,
        checked: Checked,
        owner: u32,
        lexicon: &Lexicon,
    ) -> Result<(), String> {
        let Checked { words, hash } = checked;
        self.pending_words += words;
        if self.pending_words > MAX_NFA_NODES {
            return Err(format!(
                "the rules add up to more than {MAX_NFA_NODES} phrase words; split them up"
            ));
        }
        let mut h = Fnv(self.key);
        h.write_u64(lexicon.fingerprint());
        h.write_u64(hash);
        h.write_u32(owner);
        self.key = h.finish();
        self.pending.push((text.into(), owner));
        Ok(())
    }

    /// Place one phrase in the NFA.
    fn place_phrase(
        &mut self,
        phrase: &ParsedPhrase,
        owner: u32,
        lexicon: &Lexicon,
        scratch: &mut Vec<Vec<String>>,
    ) -> Result<(), String> {
        let root = if phrase.anchored_start {
            ANCHORED_ROOT
        } else {
            ROOT
        };
        let start = vec![Frontier {
            node: root,
            after_gap: false,
            has_word: false,
        }];
        let end = self.place(&phrase.items, start, lexicon, scratch)?;
        for f in end {
            let out = (owner, phrase.anchored_end);
            let outputs = &mut self.nfa.outputs[f.node as usize];
            if !outputs.contains(&out) {
                outputs.push(out);
            }
        }
        Ok(())
    }

    fn place(
        &mut self,
        items: &[Item],
        mut frontier: Vec<Frontier>,
        lexicon: &Lexicon,
        scratch: &mut Vec<Vec<String>>,
    ) -> Result<Vec<Frontier>, String> {
        for item in items {
            let next = match item {
                Item::Gap => {
                    let target = self.nfa.node();
                    for f in &frontier {
                        if !f.has_word {
                            return Err("`...` must sit between words".into());
                        }
                        if f.after_gap {
                            return Err("two `...` in a row".into());
                        }
                        self.nfa.gaps[f.node as usize].push(target);
                    }
                    vec![Frontier {
                        node: target,
                        after_gap: true,
                        has_word: true,
                    }]
                }
                Item::Word(w) => {
                    lexicon.readings(&normalize_phrase_word(w), scratch);
                    let readings = std::mem::take(scratch);
                    // Every reading of the word, from every node of the frontier, ends in one
                    // node: what follows is shared, not copied per alternative.
                    let target = self.nfa.node();
                    for reading in &readings {
                        let syms: Vec<Sym> = reading.iter().map(|w| self.symbol(w)).collect();
                        let Some((&last, init)) = syms.split_last() else {
                            continue;
                        };
                        let mut at: Vec<u32> = frontier.iter().map(|f| f.node).collect();
                        for &sym in init {
                            let mid = self.nfa.node();
                            for &n in &at {
                                self.nfa.words[n as usize].push((sym, mid));
                            }
                            at = vec![mid];
                        }
                        for &n in &at {
                            self.nfa.words[n as usize].push((last, target));
                        }
                    }
                    *scratch = readings;
                    vec![Frontier {
                        node: target,
                        after_gap: false,
                        has_word: true,
                    }]
                }
                Item::Alt(options) => {
                    let mut next = Vec::new();
                    for option in options {
                        next.extend(self.place(option, frontier.clone(), lexicon, scratch)?);
                    }
                    next.sort_unstable();
                    next.dedup();
                    next
                }
            };
            if self.nfa.words.len() > MAX_NFA_NODES {
                return Err(format!(
                    "the rules add up to more than {MAX_NFA_NODES} phrase words; split them up"
                ));
            }
            frontier = next;
        }
        Ok(frontier)
    }

    fn symbol(&mut self, word: &str) -> Sym {
        match self.symbols.get(word) {
            Some(&s) => s,
            None => {
                let s = self.symbols.len() as Sym;
                self.symbols.insert(word.to_owned(), s);
                self.spelled.push(word.into());
                s
            }
        }
    }

    /// A draft word no phrase uses: if exactly one phrase word is one typo away from it (a letter
    /// missing, extra, wrong, or two letters swapped: "myslef", "anymor", "anwser"), that word.
    fn repair(&self, word: &str, deletions: &mut Deletions) -> Option<Sym> {
        if word.len() <= REPAIR_FAST_MAX && word.is_ascii() {
            return self.repair_ascii(word);
        }
        self.repair_any(word, deletions)
    }

    /// `repair` for any word: each one-letter deletion hashed in turn, the candidates listed.
    fn repair_any(&self, word: &str, deletions: &mut Deletions) -> Option<Sym> {
        let len = word.chars().count();
        if len < MIN_FUZZY_CHARS || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let mut found: Vec<Sym> = Vec::new();
        let table = self.deletions();
        // A letter missing (the word is a deletion of a phrase word), then, for each one-letter
        // deletion of the word: a letter extra (it is a phrase word) or a letter wrong or two
        // swapped (it is a deletion of one too). The table holds both kinds under one hash.
        let hashes = std::iter::once(poly_hash(word)).chain(deletions.of(word));
        for sym in hashes.flat_map(|h| table.get(h)) {
            if !found.contains(&sym) {
                found.push(sym);
            }
        }
        let close: Vec<Sym> = found
            .into_iter()
            .filter(|&s| is_one_typo(word, &self.spelled[s as usize]))
            .collect();
        match close.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// `repair` for an ASCII word of at most `REPAIR_FAST_MAX` bytes, the usual kind: the same
    /// answer, from one pass of prefix hashes on the stack and no list of candidates. It is asked
    /// about nearly every distinct word of a long draft, and the general path was a fifth of the
    /// phrase search there.
    fn repair_ascii(&self, word: &str) -> Option<Sym> {
        let bytes = word.as_bytes();
        let n = bytes.len();
        if n < MIN_FUZZY_CHARS || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let table = self.deletions();
        // `prefix[i]`: the hash of the first `i` letters.
        let mut prefix = [0u64; REPAIR_FAST_MAX + 1];
        for (i, &b) in bytes.iter().enumerate() {
            prefix[i + 1] = poly_push(prefix[i], b);
        }
        let whole = prefix[n];
        // The one phrase word within a typo, if there is exactly one. A candidate can turn up
        // under several hashes; a second, different close one means no answer.
        let mut close: Option<Sym> = None;
        let mut consider = |h: u64| -> bool {
            for sym in table.get(h) {
                if close == Some(sym) || !is_one_typo(word, &self.spelled[sym as usize]) {
                    continue;
                }
                if close.is_some() {
                    return false;
                }
                close = Some(sym);
            }
            true
        };
        if !consider(whole) {
            return None;
        }
        // Without letter `i`: prefix[i] · P^(n-1-i) + hash(letters after i), where the hash of
        // the letters after `i` is whole - prefix[i+1] · P^(n-1-i).
        let mut power = 1u64;
        for i in (0..n).rev() {
            let h = prefix[i]
                .wrapping_mul(power)
                .wrapping_add(whole.wrapping_sub(prefix[i + 1].wrapping_mul(power)));
            if !consider(h) {
                return None;
            }
            power = power.wrapping_mul(POLY);
        }
        close
    }

    /// Every match in the view, sorted and without duplicates.
    pub fn find(&self, view: &NormalizedView) -> Vec<PhraseMatch> {
        self.find_with(view, &mut Resolved::default())
    }

    /// `find`, keeping in `resolved` the symbols of the view's forms: a view rebuilt over the
    /// next text (`NormalizedView::rebuild_on`) keeps its forms, so only the new ones are looked
    /// up. `resolved` starts over when given another view.
    pub fn find_with(&self, view: &NormalizedView, resolved: &mut Resolved) -> Vec<PhraseMatch> {
        self.find_in(view, resolved, true)
    }

    /// `find_with`; `skip` lets the next token rule out a walk before it starts
    /// (`Syms::may_go_on`), which tests turn off to show it changes nothing.
    fn find_in(
        &self,
        view: &NormalizedView,
        resolved: &mut Resolved,
        skip: bool,
    ) -> Vec<PhraseMatch> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        // Intern the view's words once: a word no phrase uses can never match.
        if resolved.view != view.id() || resolved.syms.forms.len() > view.form_count() {
            *resolved = Resolved {
                view: view.id(),
                syms: Syms::default(),
            };
        }
        resolved.syms.extend(self, view);
        let syms = &resolved.syms;
        for (t, token) in view.tokens().iter().enumerate() {
            let starts = syms.starts[view.form_of(t)];
            if starts == 0 {
                continue;
            }
            let walker = Walker {
                index: self,
                syms,
                view,
                start: t,
            };
            let form = view.form_of(t);
            let may_go_on = |root| !skip || syms.may_go_on(view, root, form, t);
            if starts & 1 != 0 && may_go_on(0) {
                walker.token(ROOT, t, &mut out);
            }
            if starts & 2 != 0 && (t == 0 || token.pause_before()) && may_go_on(1) {
                walker.token(ANCHORED_ROOT, t, &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The phrase symbols of a view's forms, kept between `PhraseIndex::find_with` calls on the same
/// view (`NormalizedView::id`) as it is rebuilt over one text after another.
#[derive(Default)]
pub struct Resolved {
    view: u64,
    syms: Syms,
}

/// The symbols of every reading of every form (distinct spelling) of the view, flattened.
#[derive(Default)]
struct Syms {
    /// Per form: range into `readings`.
    forms: Vec<Range<u32>>,
    /// Per form: can a walk start on it? Bit 0: from `ROOT`, bit 1: from `ANCHORED_ROOT`. Most
    /// words start no phrase, and their tokens are skipped without a walk.
    starts: Vec<u8>,
    /// Per form: its symbol when it has one reading of one word (most do), else `SEVERAL`.
    single: Vec<Sym>,
    /// Per symbol that starts a form's walk, for a walk from `ROOT` and from `ANCHORED_ROOT`
    /// that has read just that word: the symbols (`sym_bit`) one of which the next token must
    /// start with for the walk to find anything (`u64::MAX`: no such test). Most walks start on
    /// a common word ("the", "and") and end at the next one; this tells so without walking.
    /// Worked out per symbol, not per form: most forms start no walk.
    follow: Vec<Option<[u64; 2]>>,
    /// Per form: the symbols its readings start with (`sym_bit`); `u64::MAX` when a reading is
    /// empty (a walk goes straight through it to the token after).
    first: Vec<u64>,
    /// Per reading: range into `words`.
    readings: Vec<Range<u32>>,
    words: Vec<Sym>,
}

const UNKNOWN: Sym = Sym::MAX;

/// A symbol's bit in a 64-bit set of symbols (many share one: a set can only rule out).
fn sym_bit(sym: Sym) -> u64 {
    1 << (sym % 64)
}
/// Marks a form with more than one reading or word (`Syms::single`).
const SEVERAL: Sym = Sym::MAX - 1;

impl Syms {
    /// Resolve the forms of `view` past those already resolved (a view only ever gains forms).
    fn extend(&mut self, index: &PhraseIndex, view: &NormalizedView) {
        let (from, n) = (self.forms.len(), view.form_count());
        let new = n.saturating_sub(from);
        if new == 0 {
            return;
        }
        let syms = self;
        // As much room as the view has (`NormalizedView::with_room_for`): a long draft's pieces
        // add forms piece by piece, and growing by copying touched fresh memory each time.
        let (form_room, reading_room, word_room) = view.room();
        let forms = form_room.max(n) - from;
        syms.forms.reserve(forms);
        syms.starts.reserve(forms);
        syms.single.reserve(forms);
        syms.first.reserve(forms);
        syms.readings
            .reserve(reading_room.saturating_sub(syms.readings.len()).max(new));
        syms.words.reserve(
            word_room
                .saturating_sub(syms.words.len())
                .max(new + new / 4),
        );
        // Each word is looked up as it comes. Forms share few words now that spellings in any
        // case share a form (`NormalizedView`): a map to look each up once cost more than the
        // lookups it saved, and a fresh one for each piece of a long draft.
        let mut deletions = Deletions::new();
        for f in from..n {
            let first = syms.readings.len() as u32;
            for r in 0..view.form_reading_count(f) {
                let w0 = syms.words.len() as u32;
                for word in view.form_reading(f, r) {
                    let sym = index
                        .symbols
                        .get(word)
                        .copied()
                        .or_else(|| index.repair(word, &mut deletions))
                        .unwrap_or(UNKNOWN);
                    syms.words.push(sym);
                }
                syms.readings.push(w0..syms.words.len() as u32);
            }
            syms.forms.push(first..syms.readings.len() as u32);
            let mut starts = 0;
            for r in &syms.readings[first as usize..] {
                match syms.words.get(r.start as usize) {
                    // An empty reading consumes nothing: let the walker decide.
                    _ if r.is_empty() => starts = 0b11,
                    Some(&sym) if sym != UNKNOWN => {
                        for (bit, root) in [(1, ROOT), (2, ANCHORED_ROOT)] {
                            if index.dfa.get(root, sym).is_some() {
                                starts |= bit;
                            }
                        }
                    }
                    _ => {}
                }
            }
            syms.starts.push(starts);
            let single = match &syms.readings[first as usize..] {
                [one] if one.len() == 1 => syms.words[one.start as usize],
                _ => SEVERAL,
            };
            syms.single.push(single);
            // After a single word, a walk that has found nothing yet and cannot skip a gap
            // goes on only through one of its state's word edges.
            if starts != 0 && single != SEVERAL {
                if syms.follow.is_empty() {
                    syms.follow = vec![None; index.spelled.len()];
                }
                if let Some(slot @ None) = syms.follow.get_mut(single as usize) {
                    let after = |root: u32| match index.dfa.get(root, single) {
                        Some(state) if index.dfa.is_plain(state) => index
                            .dfa
                            .edge_syms(state)
                            .iter()
                            .fold(0, |m, &s| m | sym_bit(s)),
                        _ => u64::MAX,
                    };
                    *slot = Some([after(ROOT), after(ANCHORED_ROOT)]);
                }
            }
            let firsts = syms.readings[first as usize..].iter().map(|r| {
                match syms.words.get(r.start as usize) {
                    _ if r.is_empty() => u64::MAX,
                    Some(&UNKNOWN) | None => 0,
                    Some(&sym) => sym_bit(sym),
                }
            });
            syms.first.push(firsts.fold(0, |m, b| m | b));
        }
    }

    /// Can a walk that starts at `root` on token `t` (of form `form`) find anything, as far as
    /// the next token's first symbols tell?
    fn may_go_on(&self, view: &NormalizedView, root: usize, form: usize, t: usize) -> bool {
        let next = match self.follow.get(self.single[form] as usize) {
            Some(Some(follow)) => follow[root],
            _ => u64::MAX,
        };
        next == u64::MAX
            || (t + 1 < view.tokens().len() && next & self.first[view.form_of(t + 1)] != 0)
    }

    fn readings(&self, form: usize) -> impl Iterator<Item = &[Sym]> {
        let r = &self.forms[form];
        self.readings[r.start as usize..r.end as usize]
            .iter()
            .map(|w| &self.words[w.start as usize..w.end as usize])
    }
}

struct Walker<'a> {
    index: &'a PhraseIndex,
    syms: &'a Syms,
    view: &'a NormalizedView,
    start: usize,
}

impl Walker<'_> {
    /// About to consume token `t` whole, from `node`.
    fn token(&self, node: u32, t: usize, out: &mut Vec<PhraseMatch>) {
        let tokens = self.view.tokens();
        if t >= tokens.len() || (t > self.start && tokens[t].break_before()) {
            return;
        }
        let form = self.view.form_of(t);
        match self.syms.single[form] {
            SEVERAL => {
                for words in self.syms.readings(form) {
                    self.words(node, t, words, out);
                }
            }
            one => self.words(node, t, &[one], out),
        }
    }

    /// Inside token `t`, `rest` of its reading still to consume.
    fn words(&self, node: u32, t: usize, rest: &[Sym], out: &mut Vec<PhraseMatch>) {
        let idx = self.index;
        let Some((&first, tail)) = rest.split_first() else {
            // Token `t` is consumed: report what ends here, then go on.
            let tokens = self.view.tokens();
            let closes = t + 1 == tokens.len() || tokens[t + 1].pause_before();
            for (owner, needs_end) in idx.dfa.outputs(node) {
                if !needs_end || closes {
                    out.push(PhraseMatch {
                        owner,
                        tokens: self.start..t + 1,
                    });
                }
            }
            if idx.dfa.has_words(node) {
                self.token(node, t + 1, out);
            }
            if let Some(g) = idx.dfa.gap(node) {
                self.after_gap(g, t + 1, out);
            }
            return;
        };
        if first != UNKNOWN {
            if let Some(child) = idx.dfa.get(node, first) {
                self.words(child, t, tail, out);
            }
        }
    }

    /// After a gap: skip 0..=MAX_GAP whole tokens, never across a sentence end.
    fn after_gap(&self, node: u32, from: usize, out: &mut Vec<PhraseMatch>) {
        let tokens = self.view.tokens();
        for skip in 0..=MAX_GAP {
            let t = from + skip;
            if t >= tokens.len() {
                return;
            }
            self.token(node, t, out);
            if t + 1 < tokens.len() && tokens[t + 1].break_before() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::parse(
            "t.toml",
            r#"[words]
pls = "please"
u = "you"
ur = ["your", "you are"]
"can't" = "can not"
cant = "can not"
cannot = "can not"
"w/o" = "without"
bck = "back"
r = "are"
"#,
        )
        .unwrap()
    }

    /// The source text of every match of `phrases` in `text`.
    fn find(phrases: &[&str], text: &str) -> Vec<String> {
        let lex = lexicon();
        let mut index = PhraseIndex::new();
        for (i, p) in phrases.iter().enumerate() {
            index.insert(p, i as u32, &lex).unwrap();
        }
        index.finish(&lex).unwrap();
        let view = NormalizedView::build(text, 0, &lex);
        index
            .find(&view)
            .into_iter()
            .map(|m| {
                let t = view.tokens();
                text[t[m.tokens.start].span().start..t[m.tokens.end - 1].span().end].to_string()
            })
            .collect()
    }

    /// The symbols worked out per form get as much room as the view has for its forms
    /// (`NormalizedView::with_room_for`): a view rebuilt piece after piece adds forms each time,
    /// and the lists are not copied to grow.
    /// Every hash in the typo table gets past its bits, and most hashes not in it do not: they
    /// are answered without a probe into the map.
    #[test]
    fn typo_table_bits_pass_its_hashes_and_stop_most_others() {
        let set = crate::rules::RuleSet::builtin().unwrap();
        let table = set.phrases.deletions();
        let passes = |h: u64| {
            let slot = table.slot(h);
            table.seen[slot / 64] >> (slot % 64) & 1 == 1
        };
        assert!(
            table.last.len() > 1000,
            "the built-in phrases fill the table"
        );
        assert!(table.last.keys().all(|&h| passes(h)));
        let mut deletions = Deletions::new();
        let (mut asked, mut passed) = (0, 0);
        for word in [
            "yesterday",
            "wonderful",
            "kitchen",
            "umbrella",
            "tomorrow",
            "sandwich",
        ] {
            for h in deletions.of(word) {
                asked += 1;
                passed += usize::from(passes(h) && !table.last.contains_key(&h));
            }
        }
        let mut h = 0x1234_5678_9abc_def0_u64;
        for _ in 0..10_000 {
            h = h.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            asked += 1;
            passed += usize::from(passes(h) && !table.last.contains_key(&h));
        }
        assert!(
            passed * 10 < asked,
            "{passed} of {asked} absent hashes got past the bits"
        );
    }

    /// What may follow a word is worked out once per word that starts a walk, not for every
    /// spelling of the draft: thousands of forms, a handful of entries.
    #[test]
    fn follow_sets_are_kept_per_starting_word() {
        let lex = lexicon();
        let mut index = PhraseIndex::new();
        index.insert("pls come back", 0, &lex).unwrap();
        index.insert("i miss you", 1, &lex).unwrap();
        index.finish(&lex).unwrap();
        let mut text: String = (0..3_000).map(|i| format!("w{i} ")).collect();
        text.push_str("please come back. I miss u. i MISS you. plz come");
        let mut view = NormalizedView::default();
        view.rebuild_on(&text, 0, &crate::text::words(&text, 0), &lex);
        let mut resolved = Resolved::default();
        let found = index.find_with(&view, &mut resolved);
        assert_eq!(found.len(), 3);
        let syms = &resolved.syms;
        assert!(syms.forms.len() > 3_000);
        // "please" and "i": the only words a walk starts on.
        let kept: Vec<&str> = (0..syms.follow.len())
            .filter(|&s| syms.follow[s].is_some())
            .map(|s| &*index.spelled[s])
            .collect();
        assert_eq!(kept, ["please", "i"]);
    }

    #[test]
    fn kept_symbols_take_the_views_room() {
        let lex = lexicon();
        let mut index = PhraseIndex::new();
        index.insert("pls come back", 0, &lex).unwrap();
        index.finish(&lex).unwrap();
        let pieces: Vec<String> = (0..3)
            .map(|p| (0..1_000).map(|i| format!("w{} ", p * 1_000 + i)).collect())
            .collect();
        let mut view = NormalizedView::with_room_for(pieces.iter().map(String::len).sum());
        let mut resolved = Resolved::default();
        let mut room = None;
        for piece in &pieces {
            view.rebuild_on(piece, 0, &crate::text::words(piece, 0), &lex);
            assert!(index.find_with(&view, &mut resolved).is_empty());
            let syms = &resolved.syms;
            let now = (
                syms.forms.capacity(),
                syms.first.capacity(),
                syms.readings.capacity(),
                syms.words.capacity(),
            );
            assert!(now.0 >= view.room().0 && now.2 >= view.room().1 && now.3 >= view.room().2);
            assert_eq!(*room.get_or_insert(now), now);
        }
        assert_eq!(resolved.syms.forms.len(), 3_000);
    }

    /// Symbols kept across calls serve a view rebuilt over one text after another, and start
    /// over for another view: every call finds what a fresh `find` does.
    #[test]
    fn kept_symbols_follow_their_view() {
        let lex = lexicon();
        let mut index = PhraseIndex::new();
        for (i, p) in ["pls come back", "i miss you", "ur the best"]
            .iter()
            .enumerate()
        {
            index.insert(p, i as u32, &lex).unwrap();
        }
        index.finish(&lex).unwrap();
        let texts = [
            "hey. i miss u",
            "Pls come bck!! ur the best",
            "i mis you, pls come back",
            "nothing here",
        ];
        let mut resolved = Resolved::default();
        let mut kept = NormalizedView::default();
        for (i, text) in texts.iter().enumerate() {
            kept.rebuild_on(text, 0, &crate::text::words(text, 0), &lex);
            let fresh = NormalizedView::build(text, 0, &lex);
            let want = index.find(&fresh);
            assert_eq!(index.find_with(&kept, &mut resolved), want, "{text}");
            // Another view in between: the kept symbols must not be read as its own.
            let other = NormalizedView::build(texts[(i + 1) % texts.len()], 0, &lex);
            assert_eq!(
                index.find_with(&other, &mut resolved),
                index.find(&other),
                "{text}"
            );
            assert_eq!(index.find_with(&kept, &mut resolved), want, "{text}");
        }
    }

    #[test]
    fn matches_text_speak_through_the_lexicon() {
        assert_eq!(
            find(&["i can't live without you"], "omg i cant live w/o u!!"),
            ["i cant live w/o u"]
        );
        assert_eq!(
            find(&["please come back"], "PLS come bck 🥺"),
            ["PLS come bck"]
        );
        assert_eq!(
            find(&["please come back"], "Please, come… back"),
            ["Please, come… back"]
        );
    }

    #[test]
    fn whole_words_only_and_never_across_sentences() {
        assert!(find(&["sorry"], "sorryful").is_empty());
        assert!(find(&["you never"], "thank you. never mind").is_empty());
        assert!(find(&["you never"], "thank you\nnever mind").is_empty());
        assert_eq!(find(&["you never"], "you never listen"), ["you never"]);
    }

    #[test]
    fn alternatives_and_optional_groups() {
        let p = ["(take|have) me back", "please (just|) call"];
        assert_eq!(find(&p, "have me back"), ["have me back"]);
        assert_eq!(find(&p, "please call"), ["please call"]);
        assert_eq!(find(&p, "please just call"), ["please just call"]);
        assert!(find(&p, "please maybe call").is_empty());
    }

    #[test]
    fn gaps_skip_up_to_three_words() {
        let p = ["please ... come back"];
        assert_eq!(find(&p, "please come back"), ["please come back"]);
        assert_eq!(find(&p, "please just come back"), ["please just come back"]);
        // Both starts match; the rule merges overlapping matches into one finding.
        assert_eq!(
            find(&p, "pls pls just come bck"),
            ["pls pls just come bck", "pls just come bck"]
        );
        assert!(find(&p, "please one two three four come back").is_empty());
        assert!(find(&p, "please. come back").is_empty());
    }

    #[test]
    fn anchors_tie_a_phrase_to_sentence_edges() {
        let p = ["^ (are|) you up $"];
        assert_eq!(find(&p, "r u up?"), ["r u up"]);
        assert_eq!(find(&p, "hey. you up"), ["you up"]);
        assert_eq!(find(&p, "hey, r u up, cant sleep"), ["r u up"]);
        assert_eq!(find(&p, "u up 🙈 lol"), ["u up"]);
        assert!(find(&p, "i can pick you up at 5").is_empty());
        assert!(find(&p, "are you up for coffee").is_empty());
    }

    #[test]
    fn anchors_also_hold_at_unpunctuated_clause_edges() {
        let lex = Lexicon::parse(
            "t.toml",
            r#"clause-openers = ["i"]
interjections = ["lol"]
[words]
u = "you"
"can't" = "can not"
cant = "can not"
"#,
        )
        .unwrap();
        let mut index = PhraseIndex::new();
        for (i, p) in ["^ (take|have) me back $", "^ (are|) you up $"]
            .iter()
            .enumerate()
        {
            index.insert(p, i as u32, &lex).unwrap();
        }
        index.finish(&lex).unwrap();
        let found = |text: &str| -> Vec<String> {
            let view = NormalizedView::build(text, 0, &lex);
            index
                .find(&view)
                .into_iter()
                .map(|m| {
                    let t = view.tokens();
                    text[t[m.tokens.start].span().start..t[m.tokens.end - 1].span().end].to_string()
                })
                .collect()
        };
        assert_eq!(found("take me back i miss u"), ["take me back"]);
        assert_eq!(found("u up lol cant sleep"), ["u up"]);
        assert_eq!(found("lol u up"), ["u up"]);
        assert!(found("take me back to the 90s").is_empty());
        assert!(found("are you up for a call").is_empty());
    }

    #[test]
    fn ambiguous_words_match_any_reading() {
        assert_eq!(
            find(&["you are so selfish"], "ur so selfish"),
            ["ur so selfish"]
        );
        assert_eq!(find(&["your fault"], "its ur fault"), ["ur fault"]);
    }

    #[test]
    fn one_typo_in_a_long_word_is_forgiven() {
        let p = [
            "i hate myself",
            "answer me",
            "i do not want to live anymore",
        ];
        assert_eq!(find(&p, "i hate myslef"), ["i hate myslef"]);
        assert_eq!(find(&p, "anwser me"), ["anwser me"]);
        assert_eq!(
            find(&p, "i do not want to live anymor"),
            ["i do not want to live anymor"]
        );
        assert_eq!(find(&p, "answerr me"), ["answerr me"]);
        // A letter extra repairs to any phrase word, short ones too; swapped letters count once.
        assert_eq!(find(&["i miss you"], "i misss you"), ["i misss you"]);
        assert_eq!(find(&["i love you"], "i lovve you"), ["i lovve you"]);
        assert_eq!(find(&["please answer"], "please asnwer"), ["please asnwer"]);
        // Two phrase words one typo away: ambiguous, not repaired.
        assert!(find(&["stayed home", "stoyed here"], "styyed home").is_empty());
        assert_eq!(find(&["stayed home"], "styyed home"), ["styyed home"]);
        // Short words and two typos are not repaired.
        assert!(find(&["i hate myself"], "i hat myself").is_empty());
        assert!(find(&p, "i hate mslef").is_empty());
        assert!(is_one_typo("anwser", "answer"));
        // "goodbye" is under the hash of "godbye" twice (either "o" taken out): still one
        // candidate.
        assert_eq!(find(&["say goodbye"], "say godbye"), ["say godbye"]);
        assert_eq!(typo_distance("abc", "cab"), 2);
        assert!(!is_one_typo("abc", "cab"));
    }

    /// Edit distance where swapping two neighbouring letters is one edit (optimal string
    /// alignment), by the full table: the oracle for `is_one_typo`.
    /// An index of `words`, each a phrase of its own.
    fn index_of_words(words: &std::collections::BTreeSet<String>) -> PhraseIndex {
        let lex = lexicon();
        let mut index = PhraseIndex::new();
        for (i, w) in words.iter().enumerate() {
            index.insert(w, i as u32, &lex).unwrap();
        }
        index.finish(&lex).unwrap();
        index
    }

    /// What `repair` must answer, by counting: the one phrase word (as the index spells it:
    /// the lexicon shortens "ééé" to "éé") one typo from `word`, if exactly one can be reached:
    /// any, for a word with a letter extra; only those of `MIN_FUZZY_CHARS`+ letters otherwise.
    fn repair_by_brute_force(index: &PhraseIndex, word: &str) -> Option<Sym> {
        let len = |w: &str| w.chars().count();
        let close: Vec<Sym> = (0..index.spelled.len() as Sym)
            .filter(|&s| {
                let w = &index.spelled[s as usize];
                typo_distance(word, w) == 1
                    && (len(w) >= MIN_FUZZY_CHARS || len(word) == len(w) + 1)
            })
            .collect();
        match close.as_slice() {
            [one] if len(word) >= MIN_FUZZY_CHARS => Some(*one),
            _ => None,
        }
    }

    fn typo_distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    /// Every one-letter slip of every word of the built-in phrases (a letter dropped, doubled,
    /// swapped with the next or changed) is repaired alike on the fast path and the general one.
    #[test]
    fn ascii_repair_matches_the_general_path_on_builtin_words() {
        let set = crate::rules::RuleSet::builtin().unwrap();
        let index = &set.phrases;
        let mut variants = 0;
        for word in index
            .spelled
            .iter()
            .filter(|w| w.is_ascii() && w.len() >= 4)
        {
            let b = word.as_bytes();
            let mut slips: Vec<Vec<u8>> = Vec::new();
            for i in 0..b.len() {
                slips.push([&b[..i], &b[i + 1..]].concat());
                slips.push([&b[..=i], &b[i..]].concat());
                slips.push([&b[..i], b"e", &b[i + 1..]].concat());
                if i + 1 < b.len() {
                    let mut swapped = b.to_vec();
                    swapped.swap(i, i + 1);
                    slips.push(swapped);
                }
            }
            for slip in slips {
                let slip = String::from_utf8(slip).unwrap();
                assert_eq!(
                    index.repair(&slip, &mut Deletions::new()),
                    index.repair_any(&slip, &mut Deletions::new()),
                    "{slip:?} (from {word:?})"
                );
                variants += 1;
            }
        }
        assert!(variants > 10_000, "only {variants} variants");
    }

    proptest::proptest! {
        /// Ruling walks out by the next token's first symbols finds what walking from every
        /// start does: phrases with gaps, anchors, several readings ("ur"), an empty-reading
        /// word and typos, over texts of the same words.
        #[test]
        fn skipping_walks_finds_the_same(
            words in proptest::collection::vec(
                proptest::sample::select(&[
                    "please", "pls", "come", "back", "bck", "i", "miss", "u", "ur", "the",
                    "best", "so", ".", "\n", "lol",
                ][..]),
                0..30,
            ),
        ) {
            let lex = lexicon();
            let mut index = PhraseIndex::new();
            let phrases = [
                "please", "come ... back", "^ i miss you", "you are the best", "miss you so",
                "the best $", "so ... please",
            ];
            for (i, p) in phrases.iter().enumerate() {
                index.insert(p, i as u32, &lex).unwrap();
            }
            index.finish(&lex).unwrap();
            let text = words.join(" ");
            let view = NormalizedView::build(&text, 0, &lex);
            let all = index.find_in(&view, &mut Resolved::default(), false);
            proptest::prop_assert_eq!(index.find(&view), all);
        }

        /// Repair finds the phrase word one typo away when there is exactly one it can reach:
        /// any, for a word with a letter extra; only those of `MIN_FUZZY_CHARS`+ letters
        /// otherwise (their deletions are the ones in the table).
        #[test]
        fn repair_finds_the_one_word_a_typo_away(
            vocab in proptest::collection::btree_set("[abé]{3,7}", 1..12),
            word in "[abé]{5,8}",
        ) {
            let index = index_of_words(&vocab);
            let repaired = index.repair(&word, &mut Deletions::new());
            proptest::prop_assert_eq!(repaired, repair_by_brute_force(&index, &word));
        }

        /// ASCII words take the fast path (`repair_ascii`); it answers as the general one does,
        /// and as the brute-force count of close words says.
        #[test]
        fn ascii_repair_matches_the_general_path(
            vocab in proptest::collection::btree_set("[abc]{3,7}", 1..16),
            word in "[abc]{3,9}",
        ) {
            let index = index_of_words(&vocab);
            let fast = index.repair(&word, &mut Deletions::new());
            proptest::prop_assert_eq!(fast, index.repair_any(&word, &mut Deletions::new()));
            proptest::prop_assert_eq!(fast, repair_by_brute_force(&index, &word));
        }

        #[test]
        fn one_typo_is_distance_one(a in "[abé]{0,7}", b in "[abé]{0,7}") {
            proptest::prop_assert_eq!(is_one_typo(&a, &b), typo_distance(&a, &b) == 1);
        }

        /// The hash of each one-letter deletion, from prefix and suffix hashes, is the hash of
        /// the word with that letter taken out.
        #[test]
        fn deletion_hashes_are_hashes_of_deletions(word in "\\PC{0,12}") {
            let expected: Vec<u64> = word
                .char_indices()
                .map(|(i, c)| poly_hash(&format!("{}{}", &word[..i], &word[i + c.len_utf8()..])))
                .collect();
            let mut deletions = Deletions::new();
            proptest::prop_assert_eq!(deletions.of(&word).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn bad_syntax_is_an_error() {
        let lex = lexicon();
        for bad in [
            "(a|b",
            "a)",
            "... a",
            "a ...",
            "a .. b",
            "a $ b",
            "",
            "a ... ... b",
            "(a|)",
            "(a|) ... b",
        ] {
            let result = PhraseIndex::new().insert(bad, 0, &lex);
            assert!(result.is_err(), "{bad:?}");
        }
    }
}
