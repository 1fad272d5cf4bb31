//! The `pattern` kind: regular expressions over the draft's own text (not the normalized view),
//! for things that live in the characters themselves — capitals, runs of "!!!".
//!
//! Regexes are compiled once at load, with size limits; the `regex` crate runs in linear time, so
//! a user's pattern cannot hang the linter. (A built-in pattern with non-ASCII in it is compiled
//! as its ASCII twin at load, and whole the first time a draft needs it: `AnchoredAt`.)

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex_automata::hybrid;
use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::Hir;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Applicability, Diagnostic, SharedText, Suggestion};
use crate::error::SourceError;

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill};

mod start;

use start::StartFilter;

/// Compiled-program limit for one pattern: generous for real rules, small enough that a
/// pathological one fails at load instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PatternSpec {
    #[allow(dead_code)]
    kind: String,
    patterns: Vec<PatternEntry>,
    /// Matches whose text is one of these (case-insensitive) never fire: acronyms, pet names.
    #[serde(default)]
    allow: Vec<String>,
    /// Join matches separated only by spaces and non-lowercase text into one finding
    /// ("I MISS YOU SO MUCH" is one shout, not four).
    #[serde(default)]
    merge_adjacent: bool,
}

/// What `[rules.<id>]` in a config may change: more words that may match without firing. They
/// are added to the rule's own list (nobody wants to copy the built-in acronyms to add one).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PatternSettings {
    allow: Option<Vec<String>>,
}

impl Configurable for PatternSpec {
    type Settings = PatternSettings;
    const SETTINGS: &'static [&'static str] = &["allow"];

    fn configure(&mut self, s: PatternSettings) {
        self.allow.extend(s.allow.unwrap_or_default());
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PatternEntry {
    regex: Spanned<String>,
    /// Keep only matches that start and end at word edges, as if the regex were wrapped in
    /// `\b…\b`. Checked in code: a Unicode `\b` inside the regex would force the slow engine
    /// on any text with an emoji or accent in it.
    #[serde(default)]
    whole_words: bool,
    message: Option<String>,
    help: Option<String>,
    fix: Option<Fix>,
}

/// A mechanical rewrite of the matched text, offered as a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fix {
    /// "PLEASE ANSWER" → "please answer"
    Lowercase,
    /// "!!!" → "!", "?!?!" → "?"
    FirstChar,
    /// Remove the matched text.
    Delete,
}

impl Fix {
    fn apply(self, text: &str) -> String {
        match self {
            Fix::Lowercase => text.to_lowercase(),
            Fix::FirstChar => text.chars().next().map(String::from).unwrap_or_default(),
            Fix::Delete => String::new(),
        }
    }
}

#[derive(Debug)]
pub struct PatternCheck {
    entries: Vec<Compiled>,
    allow: HashSet<String>,
    merge_adjacent: bool,
    /// No entry can match a line break or test for the very start or end of the text, so
    /// matches found in pieces cut just after a line break are the matches of the whole
    /// (`find_spans`).
    line_local: bool,
}

/// Each entry's matches (after the whole-word and allow filters, before merging), as body
/// offsets.
pub type Spans = Vec<Vec<Range<usize>>>;

#[derive(Debug)]
struct Compiled {
    engine: Engine,
    whole_words: bool,
    message: Option<String>,
    help: Option<SharedText>,
    fix: Option<Fix>,
}

impl PatternCheck {
    pub fn compile(spec: PatternSpec, cx: &mut CompileCx<'_>) -> Result<PatternCheck, SourceError> {
        let mut entries = Vec::with_capacity(spec.patterns.len());
        let mut line_local = true;
        for entry in spec.patterns {
            let span = entry.regex.span();
            let invalid = |e: String| cx.error(span.clone(), format!("invalid regex: {e}"));
            // Parsed once, as `meta::Regex` parses (the default syntax, UTF-8 only).
            let hir = regex_syntax::Parser::new()
                .parse(entry.regex.get_ref())
                .map_err(|e| invalid(last_error_line(e.to_string())))?;
            line_local &= is_line_local(&hir);
            let engine =
                match StartFilter::of(&hir).and_then(|f| AnchoredAt::new(&hir, f, cx.builtin)) {
                    // A filter only exists for a pattern that cannot match empty text.
                    Some(anchored) => Engine::Filtered(Box::new(anchored)),
                    None => {
                        let regex = meta::Builder::new()
                            .configure(meta_config())
                            .syntax(syntax::Config::new().utf8(true))
                            .build_from_hir(&hir)
                            .map_err(|e| invalid(regex_error(&e)))?;
                        if regex.is_match("") {
                            return Err(cx.error(
                                span,
                                "this regex matches empty text, so it would fire everywhere",
                            ));
                        }
                        Engine::Whole(regex)
                    }
                };
            entries.push(Compiled {
                engine,
                whole_words: entry.whole_words,
                message: entry.message,
                help: entry.help.map(SharedText::from),
                fix: entry.fix,
            });
        }
        Ok(PatternCheck {
            entries,
            allow: spec.allow.iter().map(|a| a.to_lowercase()).collect(),
            merge_adjacent: spec.merge_adjacent,
            line_local,
        })
    }

    /// Whether `find_spans` may search a body in pieces that each start just after a line break.
    pub fn line_local(&self) -> bool {
        self.line_local
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let body = cx.draft.body();
        let spans = self.find_spans(body, 0..body.len());
        self.report(meta, body, cx.draft.body_span().start, spans, out);
    }

    /// The matches that start in `range` of `body`. When the rule is `line_local` and `range`
    /// starts at the body's start or just after a line break, the matches of consecutive
    /// ranges, joined, are the matches of the whole body: no match can cross a line break, and
    /// the assertions a line-local regex may use (word boundaries, line starts and ends) see
    /// a line break where the piece has no text, which they treat alike.
    pub fn find_spans(&self, body: &str, range: Range<usize>) -> Spans {
        let piece = &body[range.clone()];
        let last = range.end == body.len();
        let entry_spans = |entry: &Compiled| {
            let matches: Box<dyn Iterator<Item = Range<usize>>> = match &entry.engine {
                Engine::Filtered(anchored) => Box::new(anchored.matches(piece).into_iter()),
                Engine::Whole(regex) => Box::new(regex.find_iter(piece).map(|m| m.range())),
            };
            matches
                // An empty match at the piece's end is the next piece's first.
                .filter(|m| last || m.start < piece.len())
                .map(|m| range.start + m.start..range.start + m.end)
                .filter(|r| !entry.whole_words || at_word_edges(body, r.clone()))
                .filter(|r| !self.allow.contains(&body[r.clone()].to_lowercase()))
                .collect()
        };
        self.entries.iter().map(entry_spans).collect()
    }

    /// Findings for the matches `find_spans` found in `body` (joined across pieces, in order).
    pub fn report(
        &self,
        meta: &RuleMeta,
        body: &str,
        base: usize,
        spans: Spans,
        out: &mut Vec<Diagnostic>,
    ) {
        // Room for every finding at once: a long draft makes thousands (the shouting report).
        out.reserve(spans.iter().map(Vec::len).sum());
        for (entry, mut spans) in self.entries.iter().zip(spans) {
            if self.merge_adjacent {
                spans = merge_adjacent(body, spans);
            }
            for r in spans {
                let text = &body[r.clone()];
                let span = base + r.start..base + r.end;
                out.push(Diagnostic {
                    rule: meta.id.clone(),
                    severity: meta.severity,
                    message: fill(
                        entry.message.as_deref().unwrap_or(&meta.message),
                        &[("match", text)],
                    ),
                    help: entry.help.clone().unwrap_or_else(|| meta.help.clone()),
                    suggestion: entry.fix.map(|fix| {
                        Box::new(Suggestion {
                            span: span.clone(),
                            replacement: fix.apply(text),
                            applicability: Applicability::MaybeIncorrect,
                        })
                    }),
                    span,
                });
            }
        }
    }
}

/// How a pattern is searched.
#[derive(Debug)]
enum Engine {
    /// Over the whole text: the regex engine picks its own strategy (a literal prefilter where
    /// the pattern has one, as `[!?！？]{3,}` does).
    Whole(Regex),
    /// Only where a match may start (`StartFilter`).
    Filtered(Box<AnchoredAt>),
}

/// What `regex::RegexBuilder` builds, with our size limits.
fn meta_config() -> meta::Config {
    meta::Config::new()
        // No fully built DFA: determinizing one forwards and backwards was about half of a small
        // pattern's compile (`[!?！？]{3,}`: 0.54M of 1.1M instructions, at every start), and
        // the lazy DFA it would replace builds the few states a draft needs as the search goes.
        .dfa(false)
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(true)
        .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
        .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
}

/// A pattern tried, anchored, only where its `StartFilter` says a match may start. An anchored
/// search needs only a forward automaton: one NFA and a lazy DFA over it, set up as in
/// `meta::Regex`, which would also build a reverse NFA, a one-pass DFA and a backtracker that
/// an anchored search never uses. The PikeVM answers a search the lazy DFA gives up on (a Unicode
/// `\b` beside non-ASCII text, or a cache cleared too often), as `meta::Regex` falls back.
///
/// A built-in pattern with non-ASCII in it (the shouting rule's `\p{Lu}`, its curly apostrophe)
/// is first tried as its ASCII twin (`ascii_twin`), by a lazy DFA that stops at the first
/// non-ASCII byte it would read: where it finishes, only ASCII was read, and on ASCII the twin
/// and the pattern are the same. Where it stops, the pattern's own automaton answers, built on
/// first need: compiling `\p{Lu}`'s hundreds of ranges was the costliest start-up job, and most
/// drafts never need it. A user's pattern is built whole at once, so one too big is reported when
/// the rule is loaded.
#[derive(Debug)]
struct AnchoredAt {
    filter: StartFilter,
    /// The lazy DFA of the ASCII twin, when it is built first.
    ascii: Option<hybrid::dfa::DFA>,
    /// The pattern's own automaton: set at once, or on first need when `ascii` is there (then
    /// `hir` keeps the pattern for it). `None` inside if it cannot be built.
    full: OnceLock<Option<Automaton>>,
    hir: Option<Hir>,
    /// Caches of earlier searches, kept for the next (each `matches` call takes one): the lazy
    /// DFA's states stay built from one piece, draft or keystroke to the next.
    caches: Mutex<Vec<AnchoredCache>>,
}

/// A lazy DFA, and the PikeVM over the same NFA for what the DFA gives up on.
#[derive(Debug)]
struct Automaton {
    dfa: hybrid::dfa::DFA,
    pikevm: PikeVM,
}

#[derive(Debug, Default)]
struct AnchoredCache {
    ascii: Option<hybrid::dfa::Cache>,
    dfa: Option<hybrid::dfa::Cache>,
    pikevm: Option<thompson::pikevm::Cache>,
}

/// The NFA of `hir` for an anchored forward search.
fn anchored_nfa(hir: &Hir) -> Option<thompson::NFA> {
    thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .shrink(false)
                .which_captures(thompson::WhichCaptures::Implicit),
        )
        .build_from_hir(hir)
        .ok()
}

/// A lazy DFA over `nfa`, set up as `meta::Regex` sets one up; with `ascii_only`, it stops
/// (an error) at the first non-ASCII byte it would read, before or inside the match.
fn lazy_dfa(nfa: thompson::NFA, ascii_only: bool) -> Option<hybrid::dfa::DFA> {
    let mut config = hybrid::dfa::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .unicode_word_boundary(true)
        .cache_capacity(REGEX_SIZE_LIMIT)
        .minimum_cache_clear_count(Some(3))
        .minimum_bytes_per_state(Some(10));
    if ascii_only {
        for byte in 0x80..=0xFF {
            config = config.quit(byte, true);
        }
    }
    hybrid::dfa::Builder::new()
        .configure(config)
        .build_from_nfa(nfa)
        .ok()
}

impl Automaton {
    fn new(hir: &Hir) -> Option<Automaton> {
        let nfa = anchored_nfa(hir)?;
        Some(Automaton {
            dfa: lazy_dfa(nfa.clone(), false)?,
            pikevm: PikeVM::new_from_nfa(nfa).ok()?,
        })
    }
}

/// The pattern `hir` as it reads ASCII text: every class cut to its ASCII part, and a literal
/// with a non-ASCII byte unmatchable. On text that is all ASCII, the twin matches exactly where
/// the pattern does. `None` when the pattern has nothing non-ASCII (the twin would be itself).
fn ascii_twin(hir: &Hir) -> Option<Hir> {
    use regex_syntax::hir::{
        Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, HirKind,
        Repetition,
    };
    fn cut(hir: &Hir, changed: &mut bool) -> Hir {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => hir.clone(),
            HirKind::Literal(literal) if literal.0.is_ascii() => hir.clone(),
            HirKind::Literal(_) => {
                *changed = true;
                Hir::fail()
            }
            HirKind::Class(Class::Unicode(class)) => {
                let mut ascii = ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7F')]);
                ascii.intersect(class);
                *changed |= ascii != *class;
                Hir::class(Class::Unicode(ascii))
            }
            HirKind::Class(Class::Bytes(class)) => {
                let mut ascii = ClassBytes::new([ClassBytesRange::new(0, 0x7F)]);
                ascii.intersect(class);
                *changed |= ascii != *class;
                Hir::class(Class::Bytes(ascii))
            }
            HirKind::Repetition(r) => Hir::repetition(Repetition {
                sub: Box::new(cut(&r.sub, changed)),
                ..r.clone()
            }),
            HirKind::Capture(c) => Hir::capture(Capture {
                sub: Box::new(cut(&c.sub, changed)),
                ..c.clone()
            }),
            HirKind::Concat(all) => Hir::concat(all.iter().map(|h| cut(h, changed)).collect()),
            HirKind::Alternation(all) => {
                Hir::alternation(all.iter().map(|h| cut(h, changed)).collect())
            }
        }
    }
    let mut changed = false;
    let twin = cut(hir, &mut changed);
    changed.then_some(twin)
}

impl AnchoredAt {
    /// `None` when an automaton cannot be built (too big): the caller builds a
    /// `meta::Regex`, which reports why. With `builtin` (a pattern of a rule file shipped in
    /// the binary, which the test suite builds whole), a pattern with non-ASCII in it gets its
    /// ASCII twin, and its own automaton waits until a search needs it.
    fn new(hir: &Hir, filter: StartFilter, builtin: bool) -> Option<AnchoredAt> {
        let twin = builtin
            .then(|| ascii_twin(hir))
            .flatten()
            .and_then(|twin| lazy_dfa(anchored_nfa(&twin)?, true));
        let full = OnceLock::new();
        if twin.is_none() {
            let _ = full.set(Some(Automaton::new(hir)?));
        }
        Some(AnchoredAt {
            filter,
            hir: twin.is_some().then(|| hir.clone()),
            ascii: twin,
            full,
            caches: Mutex::default(),
        })
    }

    /// The pattern's own automaton, built now if it is not yet.
    fn full(&self) -> Option<&Automaton> {
        self.full
            .get_or_init(|| self.hir.as_ref().and_then(Automaton::new))
            .as_ref()
    }

    /// The matches in `hay`, as `meta::Regex::find_iter` finds them: the leftmost-first match
    /// that starts at the first place where one starts is the one an anchored search there
    /// finds, and no match starts where the filter rules out.
    fn matches(&self, hay: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        // Most drafts have no place to try, and need no cache.
        let Some(first) = self.filter.next_start(hay.as_bytes(), 0) else {
            return out;
        };
        let taken = self
            .caches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut cache = taken.unwrap_or_default();
        let mut next = Some(first);
        while let Some(i) = next {
            let mut at = i + 1;
            if let Some(end) = self.end_at(&mut cache, hay, i) {
                out.push(i..end);
                at = at.max(end);
            }
            next = self.filter.next_start(hay.as_bytes(), at);
        }
        self.caches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cache);
        out
    }

    /// Where the match that starts at `hay[at]` ends, if one does.
    fn end_at(&self, cache: &mut AnchoredCache, hay: &str, at: usize) -> Option<usize> {
        let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
        if let Some(ascii) = &self.ascii {
            let dfa_cache = cache.ascii.get_or_insert_with(|| ascii.create_cache());
            if let Ok(found) = ascii.try_search_fwd(dfa_cache, &input) {
                return found.map(|m| m.offset());
            }
        }
        let full = self.full()?;
        let dfa_cache = cache.dfa.get_or_insert_with(|| full.dfa.create_cache());
        match full.dfa.try_search_fwd(dfa_cache, &input) {
            Ok(found) => found.map(|m| m.offset()),
            Err(_) => {
                let pikevm = cache
                    .pikevm
                    .get_or_insert_with(|| full.pikevm.create_cache());
                full.pikevm.find(pikevm, input).map(|m| m.end())
            }
        }
    }
}

/// Can no match of the pattern parsed as `hir` contain a line break or depend on where the text
/// starts or ends (`\A`, `\z`, `^` and `$` outside multi-line mode)?
fn is_line_local(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, Hir, HirKind, Look};
    fn may_match_newline(hir: &Hir) -> bool {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => false,
            HirKind::Literal(literal) => literal.0.contains(&b'\n'),
            HirKind::Class(Class::Unicode(class)) => class
                .ranges()
                .iter()
                .any(|r| r.start() <= '\n' && '\n' <= r.end()),
            HirKind::Class(Class::Bytes(class)) => class
                .ranges()
                .iter()
                .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
            HirKind::Repetition(repetition) => may_match_newline(&repetition.sub),
            HirKind::Capture(capture) => may_match_newline(&capture.sub),
            HirKind::Concat(all) | HirKind::Alternation(all) => all.iter().any(may_match_newline),
        }
    }
    let looks = hir.properties().look_set();
    !may_match_newline(hir) && !looks.contains(Look::Start) && !looks.contains(Look::End)
}

/// Does `range` start and end on a word boundary, as regex's Unicode `\b` defines one (a word
/// character on exactly one side)?
fn at_word_edges(text: &str, range: Range<usize>) -> bool {
    let word = |c: Option<char>| c.is_some_and(regex_syntax::is_word_character);
    let inside = &text[range.clone()];
    let edge = |outside: Option<char>, inner: Option<char>| word(outside) != word(inner);
    edge(
        text[..range.start].chars().next_back(),
        inside.chars().next(),
    ) && edge(text[range.end..].chars().next(), inside.chars().next_back())
}

/// Merge spans whose gap holds no lowercase letter and no line break, then grow each span over
/// neighbouring all-capital words too short to match on their own ("I", "ME", "SO").
fn merge_adjacent(text: &str, spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for r in spans {
        if let Some(last) = out.last_mut() {
            let gap = &text[last.end..r.start];
            if !gap
                .chars()
                .any(|c| c.is_lowercase() || c == '\n' || c == '\r')
            {
                last.end = r.end;
                continue;
            }
        }
        out.push(r);
    }
    for r in &mut out {
        while let Some(end) = caps_word_after(text, r.end) {
            r.end = end;
        }
        while let Some(start) = caps_word_before(text, r.start) {
            r.start = start;
        }
    }
    out
}

/// One or two capital letters ("I", "ME", "I'M"): too short to shout alone, part of a shout
/// next to one. Longer words either matched themselves or are allowed acronyms.
fn short_caps(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_uppercase()).count();
    (1..=2).contains(&letters)
}

fn is_caps_part(c: char) -> bool {
    c.is_uppercase() || matches!(c, '\'' | '’')
}

/// The end of an all-capital word that follows `at` after spaces, if there is one.
fn caps_word_after(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let word_start = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if word_start == 0 {
        return None;
    }
    let word = &rest[word_start..];
    let len: usize = word
        .chars()
        .take_while(|&c| is_caps_part(c))
        .map(char::len_utf8)
        .sum();
    let ends_clean = word[len..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    (short_caps(&word[..len]) && ends_clean).then_some(at + word_start + len)
}

/// The start of an all-capital word that precedes `at` before spaces, if there is one.
fn caps_word_before(text: &str, at: usize) -> Option<usize> {
    let before = &text[..at];
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.len() == before.len() {
        return None;
    }
    let len: usize = trimmed
        .chars()
        .rev()
        .take_while(|&c| is_caps_part(c))
        .map(char::len_utf8)
        .sum();
    let word = &trimmed[trimmed.len() - len..];
    let starts_clean = trimmed[..trimmed.len() - len]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric());
    (short_caps(word) && starts_clean).then_some(trimmed.len() - len)
}

/// A build error in one line: a syntax error's message is multi-line with its own caret; keep
/// the last, meaningful line.
fn regex_error(e: &meta::BuildError) -> String {
    if let Some(limit) = e.size_limit() {
        return format!("the pattern compiles to more than {limit} bytes; simplify it");
    }
    last_error_line(match e.syntax_error() {
        Some(syntax) => syntax.to_string(),
        None => e.to_string(),
    })
}

/// The `error: …` line of a syntax error's message (the whole text if it has none).
fn last_error_line(text: String) -> String {
    text.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .map(|l| l.trim_start_matches("error:").trim().to_owned())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSet;

    /// As `PatternCheck::compile` decides it: an unparsable pattern is not line-local.
    fn is_line_local(pattern: &str) -> bool {
        regex_syntax::Parser::new()
            .parse(pattern)
            .is_ok_and(|hir| super::is_line_local(&hir))
    }

    /// The built-in patterns' anchored searches, by rule.
    fn builtin_anchored(set: &RuleSet) -> Vec<(&str, &super::AnchoredAt)> {
        let mut out = Vec::new();
        for rule in &set.rules {
            if let super::super::Check::Pattern(check) = &rule.check {
                for entry in &check.entries {
                    if let super::Engine::Filtered(anchored) = &entry.engine {
                        out.push((&*rule.meta.id, &**anchored));
                    }
                }
            }
        }
        out
    }

    /// The twin's lazy DFA stops at a non-ASCII byte before the start too: a word boundary
    /// after "é" is not one, whatever the twin would make of the byte alone.
    #[test]
    fn ascii_twin_defers_to_the_pattern_after_non_ascii() {
        let pattern = r"\b\p{Lu}{2,}";
        let hir = regex_syntax::parse(pattern).unwrap();
        let filter = super::start::StartFilter::of(&hir).expect("a filter");
        let twin = super::AnchoredAt::new(&hir, filter, true).unwrap();
        assert!(twin.ascii.is_some());
        let regex = regex_automata::meta::Regex::new(pattern).unwrap();
        for text in ["éAB", "ÉAB x", "x AB", "AB", "’AB", "1AB"] {
            let want: Vec<_> = regex.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(twin.matches(text), want, "{text}");
        }
        // Anchored right after the "é", where the twin alone would see a boundary.
        let mut cache = super::AnchoredCache::default();
        assert_eq!(twin.end_at(&mut cache, "éAB", 2), None);
        assert_eq!(twin.end_at(&mut cache, "é AB", 3), Some(5));
    }

    /// A built-in pattern with non-ASCII in it waits to build its own automaton until a draft
    /// needs it: not for ASCII text, where its ASCII twin answers, but for capitals with
    /// accents. Each one builds when asked (the lazy build cannot fail at lint time).
    #[test]
    fn builtin_patterns_build_their_unicode_automaton_on_first_need() {
        let set = RuleSet::builtin().unwrap();
        let anchored = builtin_anchored(&set);
        let caps = anchored
            .iter()
            .find(|(id, a)| *id == "shouting" && a.ascii.is_some())
            .map(|(_, a)| *a)
            .expect("the shouting rule's capitals try their ASCII twin first");
        assert!(caps.full.get().is_none(), "built at start-up");
        assert_eq!(caps.matches("why WON'T you ANSWER"), [4..9, 14..20]);
        assert!(caps.full.get().is_none(), "built for ASCII text");
        // A curly apostrophe inside, accented capitals: the twin stops, the pattern answers.
        assert_eq!(caps.matches("WON’T ÉTÉ no"), [0..7, 8..13]);
        assert!(caps.full.get().is_some_and(Option::is_some));
        for (id, a) in anchored {
            assert!(a.full().is_some(), "{id}: its automaton does not build");
        }
    }

    #[test]
    fn line_local_patterns_are_told_apart() {
        for local in [
            r"\b\p{Lu}{3,}\b",
            r"[!?]{3,}",
            r"(?m)^hey\b",
            r"(?m)u up\??$",
            r"[^\n]+x",
            r"(?-u:\b)ok",
            r"a[ \t]",
        ] {
            assert!(is_line_local(local), "{local}");
        }
        // Can match a line break, or tests for the text's very start or end.
        for whole in [
            r"\s{2,}", r"a\s", r"[^x]+y", r"(?s)a.b", r"a\nb", r"^hey", r"bye$", r"\Ahi", r"x\z",
            r"(",
        ] {
            assert!(!is_line_local(whole), "{whole}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256, failure_persistence: None, ..Default::default()
        })]

        /// Pattern rules of both kinds find the same in a long text cut into pieces as whole:
        /// line-local ones are searched piece by piece, the others over the whole text.
        #[test]
        fn patterns_find_the_same_in_pieces(
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "hey", "HEY YOU", "u up?", "!!!", "?", " ", "\n", "\n\n", "\n\r\n", "é",
                    "😭", "ok", "bye", "\t",
                ][..]),
                0..40,
            ),
            pieces in 2usize..5,
            (pattern, local) in proptest::sample::select(&[
                (r"(?m)^hey\b", true),
                (r"(?m)u up\??$", true),
                (r"\b\p{Lu}{2,}", true),
                (r"\bok", true),
                (r"^hey", false),
                (r"\s{2,}", false),
                (r"bye$", false),
                (r"(?s)y.\s*h", false),
            ][..]),
        ) {
            let rule = format!(
                "severity = \"warning\"\nsummary = \"s\"\nmessage = \"{{match}}\"\nhelp = \"h\"\n\
                 guide = \"g\"\ndescription = \"d\"\n[check]\nkind = \"pattern\"\n\
                 merge-adjacent = true\n[[check.patterns]]\nregex = '{pattern}'\n"
            );
            let set = RuleSet::from_sources(&[("p", &rule)]).unwrap();
            let line_local = set.rules.iter().all(|r| match &r.check {
                crate::rules::Check::Pattern(c) => c.line_local(),
                _ => true,
            });
            proptest::prop_assert_eq!(line_local, local);
            let text: String = parts.concat();
            let whole = set.check_in_pieces(&crate::Draft::new(text.clone()), &set.context, 1);
            let cut = set.check_in_pieces(&crate::Draft::new(text), &set.context, pieces);
            proptest::prop_assert_eq!(cut, whole);
        }
    }

    /// The shouting rule's capitals regex, as shipped.
    fn shipped_capitals_regex() -> String {
        let (_, source) = crate::rules::registry::BUILTIN
            .iter()
            .find(|(id, _)| *id == "shouting")
            .unwrap();
        let file: toml::Table = toml::from_str(source).unwrap();
        file["check"]["patterns"][0]["regex"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512, failure_persistence: None, ..Default::default()
        })]

        /// The shipped capitals regex is spelled to compile quickly (one capital class per
        /// step); it finds exactly what the plain spelling finds.
        #[test]
        fn shipped_capitals_regex_finds_what_the_plain_one_finds(
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "A", "B", "É", "Ж", "Ω", "a", "é", "ж", "'", "’", "\u{301}", "\u{308}",
                    "ǅ", "ß", " ", "-", "!", "1", "😭", "\n",
                ][..]),
                0..24,
            ),
        ) {
            let text: String = parts.concat();
            let find = |re: &regex::Regex| -> Vec<std::ops::Range<usize>> {
                re.find_iter(&text).map(|m| m.range()).collect()
            };
            let shipped = regex::Regex::new(&shipped_capitals_regex()).unwrap();
            let plain = regex::Regex::new(r"\p{Lu}(?:\p{Lu}|\p{M}|[\x27’]\p{Lu}){2,}").unwrap();
            proptest::prop_assert_eq!(find(&shipped), find(&plain), "{:?}", text);
        }
    }

    const SHOUT: &str = r#"
severity = "warning"
summary = "shouting"
message = "“{match}” reads as shouting"
help = "write it in normal case"
guide = "step 1"
description = "x"
[check]
kind = "pattern"
allow = ["LOL", "OMG"]
merge-adjacent = true
[[check.patterns]]
regex = '\b\p{Lu}(?:\p{Lu}|[\x27’]\p{Lu}){2,}\b'
fix = "lowercase"
[[check.patterns]]
regex = '[!?]{3,}'
fix = "first-char"
message = "“{match}” turns up the volume"
"#;

    fn shouts(text: &str) -> Vec<(String, Option<String>)> {
        let set = RuleSet::from_sources(&[("shout", SHOUT)]).unwrap();
        let draft = crate::Draft::new(text);
        set.check(&draft)
            .into_iter()
            .map(|d| {
                (
                    text[d.span].to_string(),
                    d.suggestion.map(|s| s.replacement),
                )
            })
            .collect()
    }

    /// `whole-words` keeps exactly the matches `\b…\b` would, on ASCII and non-ASCII text.
    #[test]
    fn whole_words_behaves_like_word_boundaries() {
        let with = |regex: &str, whole: bool| {
            SHOUT.replace(
                r"regex = '\b\p{Lu}(?:\p{Lu}|[\x27’]\p{Lu}){2,}\b'",
                &format!("regex = '{regex}'\nwhole-words = {whole}"),
            )
        };
        let bounded = with(r"\b\p{Lu}(?:\p{Lu}|[\x27’]\p{Lu}){2,}\b", false);
        let checked = with(r"\p{Lu}(?:\p{Lu}|[\x27’]\p{Lu}){2,}", true);
        let unchecked = with(r"\p{Lu}(?:\p{Lu}|[\x27’]\p{Lu}){2,}", false);
        let run = |src: &str, text: &str| -> Vec<String> {
            let set = RuleSet::from_sources(&[("shout", src)]).unwrap();
            set.check(&crate::Draft::new(text))
                .into_iter()
                .map(|d| text[d.span].to_string())
                .collect()
        };
        for text in [
            "WHY would you DO that",
            "aBCDE and ABCd and xABC DEF",
            "ÉCOUTE-MOI 🥺 NAÏVE of me, ÇA suffit",
            "STOP_IT or DON'T, ABC1 vs 1ABC",
            "emoji 😭HELLO😭 and “QUOTED” caps",
        ] {
            assert_eq!(run(&bounded, text), run(&checked, text), "{text}");
        }
        assert_ne!(
            run(&unchecked, "aBCDE"),
            run(&checked, "aBCDE"),
            "the check must do something"
        );
    }

    #[test]
    fn caps_runs_merge_and_acronyms_pass() {
        assert_eq!(
            shouts("OMG I MISS YOU SO MUCH lol"),
            [(
                "I MISS YOU SO MUCH".to_string(),
                Some("i miss you so much".to_string())
            )]
        );
        assert!(shouts("LOL ok, see you at 5 PM").is_empty());
        assert_eq!(shouts("DON'T do that")[0].0, "DON'T");
        assert!(shouts("I'M fine, OK").is_empty());
    }

    #[test]
    fn punctuation_runs_collapse_to_one() {
        assert_eq!(
            shouts("why?!?! answer me"),
            [("?!?!".to_string(), Some("?".to_string()))]
        );
        assert!(shouts("really?! ok!!").is_empty());
    }

    #[test]
    fn invalid_regex_points_at_the_pattern() {
        let bad = SHOUT.replace("'[!?]{3,}'", "'[!?{3,}'");
        let err = RuleSet::from_sources(&[("shout", &bad)]).unwrap_err();
        assert!(err.message.contains("invalid regex"), "{err}");
        let (line, _) = err.line_col().unwrap();
        assert_eq!(
            bad.lines().nth(line - 1).unwrap().trim_start().get(..5),
            Some("regex")
        );
    }

    #[test]
    fn a_huge_regex_is_refused_at_load() {
        // Unicode \w repeated 1000×1000 compiles to far more than the size limit.
        let bad = SHOUT.replace("'[!?]{3,}'", r"'(\w{1000}){1000}'");
        let err = RuleSet::from_sources(&[("shout", &bad)]).unwrap_err();
        assert!(err.message.contains("compiles to more than"), "{err}");
        // Backreferences and look-around, which need a backtracking engine, are not regex syntax.
        for backtracking in [r"'(a)\1'", r"'a(?=b)'"] {
            let bad = SHOUT.replace("'[!?]{3,}'", backtracking);
            let err = RuleSet::from_sources(&[("shout", &bad)]).unwrap_err();
            assert!(err.message.contains("invalid regex"), "{err}");
        }
    }

    #[test]
    fn empty_matching_regex_is_rejected() {
        let bad = SHOUT.replace("'[!?]{3,}'", "'x*'");
        assert!(RuleSet::from_sources(&[("shout", &bad)]).is_err());
    }
}
