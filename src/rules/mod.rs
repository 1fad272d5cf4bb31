//! Rules as data: a rule file (TOML) names a *kind* and gives its settings; this module parses and
//! validates the file once, compiles it into a `Rule`, and runs a `RuleSet` over a `Draft`.
//!
//! Nothing in `check` can fail and nothing in it compiles a regex: all of that happens at load.

pub mod count;
pub mod metric;
pub mod no_contact;
pub mod pattern;
pub mod phrase;
pub mod registry;
pub mod send_window;
pub mod thread;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::context::{Context, NoContact};
use crate::conversation::{Message, SpanMap, ThreadFacts};
use crate::diagnostic::{Diagnostic, Severity, SharedText};
use crate::draft::{Draft, Piece};
use crate::error::{SourceError, TextFile, closest};
use crate::lexicon::Lexicon;
use crate::text::{self, NormalizedView};

use phrase::{PhraseIndex, PhraseMatch};
use rustc_hash::FxHashMap;

/// The rule kinds, by the name a rule file gives in `[check] kind = "..."`.
pub const KINDS: &[&str] = &[
    "phrase",
    "pattern",
    "metric",
    "count",
    "send-window",
    "no-contact",
    "thread",
];

/// Everything about a rule except how it checks: what `exlint rules` and `explain` show.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: SharedText,
    pub severity: Severity,
    pub summary: String,
    pub message: String,
    pub help: SharedText,
    pub guide: String,
    pub kind: &'static str,
    /// Its description and examples (`description`, `examples`).
    docs: Docs,
    /// Where the rule came from ("rules/begging.toml" for built-ins).
    pub path: String,
    /// The values the rule file gives its kind's settings (`warn-words = 50`), before any config.
    pub settings: Vec<(String, toml::Value)>,
}

impl RuleMeta {
    /// The rule file's `description` (Markdown).
    pub fn description(&self) -> &str {
        &self.docs.get().0
    }

    /// The rule file's `[[example]]`s, in file order.
    pub fn examples(&self) -> &[Example] {
        &self.docs.get().1
    }
}

/// A rule's description and examples. A user's rule file has them read with the rest of it; a
/// built-in rule reads them from its embedded file on first use (`exlint explain`, an editor's
/// hover, the examples' tests), so a lint's start-up never parses them: they are a quarter of
/// the built-in rules' TOML, and skipping them took a one-draft run from 17.7M to 15.5M
/// instructions.
#[derive(Debug, Clone)]
struct Docs(Arc<DocsState>);

#[derive(Debug)]
struct DocsState {
    /// A built-in rule's path and whole file, read on first use.
    later: Option<(String, &'static str)>,
    read: OnceLock<(String, Vec<Example>)>,
}

impl Docs {
    fn read(description: String, examples: Vec<Example>) -> Docs {
        Docs(Arc::new(DocsState {
            later: None,
            read: OnceLock::from((description, examples)),
        }))
    }

    fn later(path: &str, source: &'static str) -> Docs {
        Docs(Arc::new(DocsState {
            later: Some((path.to_owned(), source)),
            read: OnceLock::new(),
        }))
    }

    fn get(&self) -> &(String, Vec<Example>) {
        self.0.read.get_or_init(|| match &self.0.later {
            // A built-in file's docs always read (`builtin_docs_read_as_a_full_parse`).
            Some((path, source)) => read_docs(path, source).unwrap_or_default(),
            None => Default::default(),
        })
    }
}

/// The description and examples of a rule file, read on their own.
fn read_docs(path: &str, source: &str) -> Result<(String, Vec<Example>), SourceError> {
    #[derive(Deserialize)]
    struct DocsFile {
        description: String,
        #[serde(default)]
        example: Vec<Spanned<ExampleSpec>>,
    }
    let f: DocsFile =
        toml::from_str(source).map_err(|e| SourceError::from_toml(path, source, &e))?;
    Ok((f.description, examples_of(path, source, f.example)?))
}

/// A built-in rule file without its description and examples, for a lint's start-up (`Docs`):
/// the description's text becomes `""`, and the `[[example]]` tables at the file's end are cut.
/// `None` when the file is not laid out that way (the description a `"""` string at the start
/// of a line, the examples last): such a file is read whole.
fn without_docs(source: &str) -> Option<String> {
    let key = "\ndescription = \"\"\"";
    let start = source.find(key)? + 1;
    let text = start + key.len() - 1;
    let end = text + source[text..].find("\"\"\"")? + 3;
    let examples = match source.find("\n[[example]]") {
        Some(at) => {
            // Only examples from here on: no other table header.
            let other = source[at + 1..]
                .lines()
                .any(|l| l.starts_with('[') && l.trim_end() != "[[example]]");
            if other {
                return None;
            }
            at + 1
        }
        None => source.len(),
    };
    if end > examples {
        return None;
    }
    const EMPTY: &str = "description = \"\"";
    let mut out = String::with_capacity(start + EMPTY.len() + examples - end);
    out.push_str(&source[..start]);
    out.push_str(EMPTY);
    out.push_str(&source[end..examples]);
    Some(out)
}

/// One `[[example]]` of a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// True for `bad` (must fire), false for `good` (must not).
    pub bad: bool,
    pub text: String,
    /// For a bad example: the exact text that must be underlined.
    pub flagged: Option<String>,
    /// 1-based line of the `[[example]]` in the rule file.
    pub line: usize,
    /// The situation the example is sent in (`at`, `timezone`, `since`, `thread`), if any.
    pub setup: Option<ExampleSetup>,
}

/// The send time and context of an example, for the time and context rules. Examples never use
/// the machine's clock or zone: without `timezone` they are in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleSetup {
    pub at: Option<jiff::Zoned>,
    pub context: Context,
    pub thread: Option<ThreadFacts>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    check: Check,
}

#[derive(Debug)]
enum Check {
    Phrase(phrase::PhraseCheck),
    Pattern(pattern::PatternCheck),
    Metric(metric::MetricCheck),
    Count(count::CountCheck),
    SendWindow(send_window::SendWindowCheck),
    NoContact(no_contact::NoContactCheck),
    Thread(thread::ThreadCheck),
}

impl Check {
    /// Renumber the phrase owners a rule file was compiled with (from 0) by `by`, its place
    /// among the rule set's owners.
    fn shift_owners(&mut self, by: u32) {
        match self {
            Check::Phrase(c) => c.shift_owners(by),
            Check::Count(c) => c.shift_owners(by),
            Check::Pattern(_)
            | Check::Metric(_)
            | Check::SendWindow(_)
            | Check::NoContact(_)
            | Check::Thread(_) => {}
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile<C> {
    severity: Severity,
    summary: String,
    message: String,
    help: String,
    guide: String,
    description: String,
    check: Spanned<C>,
    #[serde(default)]
    example: Vec<Spanned<ExampleSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleSpec {
    bad: Option<String>,
    good: Option<String>,
    flagged: Option<String>,
    /// When the example is sent: a local date-time (in `timezone`) or RFC 3339.
    at: Option<String>,
    /// IANA zone the example is judged in (default UTC).
    timezone: Option<String>,
    /// The no-contact period's start, `YYYY-MM-DD`.
    since: Option<String>,
    /// The conversation before the example; `from = "me"` is the writer.
    thread: Option<Vec<ThreadEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreadEntry {
    from: String,
    at: Option<String>,
    #[serde(default)]
    text: String,
}

/// First pass over a rule file: just enough to know which kind's schema to read it with.
#[derive(Deserialize)]
struct Probe {
    check: Option<Spanned<ProbeCheck>>,
}

#[derive(Deserialize)]
struct ProbeCheck {
    kind: Option<Spanned<String>>,
}

/// A rule kind's spec that a config may tune: `[rules.<id>]` keys besides `severity`. Each kind
/// declares its settings as a typed struct, so a config is checked against the rule's kind with
/// the same rigour as a rule file.
pub trait Configurable {
    /// All fields optional, `deny_unknown_fields`, kebab-case.
    type Settings: DeserializeOwned;
    /// The keys of `Settings`, for "did you mean" hints and `exlint config`.
    const SETTINGS: &'static [&'static str];
    /// Apply settings on top of what the rule file says.
    fn configure(&mut self, settings: Self::Settings);
}

/// What a config says about one rule (`[rules.<id>]`, after all layers are merged).
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    /// Every finding of the rule gets this severity (its own escalations included).
    pub severity: Option<Severity>,
    /// Kind settings, one per key, each with the place it was written.
    pub settings: Vec<Setting>,
}

/// One `key = value` of a `[rules.<id>]` table and where it was written, so a bad one is reported
/// at its line and column in the config file.
#[derive(Debug, Clone)]
pub struct Setting {
    pub key: String,
    pub value: toml::Value,
    pub file: Arc<TextFile>,
    pub key_span: Range<usize>,
    pub value_span: Range<usize>,
}

/// Check a config's settings against a kind's schema, one key at a time so an error points at
/// the key (unknown) or its value (wrong type), then apply them all to the spec.
fn configure<S: Configurable>(
    spec: &mut S,
    id: &str,
    kind: &str,
    settings: &[Setting],
) -> Result<(), SourceError> {
    if settings.is_empty() {
        return Ok(());
    }
    let mut table = toml::Table::new();
    for s in settings {
        if !S::SETTINGS.contains(&s.key.as_str()) {
            let candidates = S::SETTINGS.iter().copied().chain(["severity"]);
            let hint = match closest(&s.key, candidates) {
                Some(near) => format!("did you mean `{near}`?"),
                None if S::SETTINGS.is_empty() => {
                    format!("`{id}` is a {kind} rule: `severity` is its only setting")
                }
                None => format!(
                    "the settings of `{id}` (a {kind} rule) are `severity`, `{}`",
                    S::SETTINGS.join("`, `")
                ),
            };
            return Err(s
                .file
                .error(
                    s.key_span.clone(),
                    format!("`{}` is not a setting of rule `{id}`", s.key),
                )
                .with_hint(hint));
        }
        let mut one = toml::Table::new();
        one.insert(s.key.clone(), s.value.clone());
        if let Err(e) = toml::Value::Table(one).try_into::<S::Settings>() {
            let detail = e.message().lines().next().unwrap_or("").to_owned();
            let detail = detail.replace("expected usize", "expected a whole number, 0 or more");
            return Err(s
                .file
                .error(s.value_span.clone(), format!("bad `{}`: {detail}", s.key)));
        }
        table.insert(s.key.clone(), s.value.clone());
    }
    let last = &settings[settings.len() - 1];
    let parsed: S::Settings = toml::Value::Table(table)
        .try_into()
        .map_err(|e| last.file.error(last.key_span.clone(), e.message().trim()))?;
    spec.configure(parsed);
    Ok(())
}

/// A rule file's own values for its kind's settings, by key.
type FileSettings = Vec<(String, toml::Value)>;

/// The values a rule file gives the settings a config may change, for `exlint config`.
fn file_settings(doc: &Spanned<toml::de::DeTable>, keys: &[&str]) -> FileSettings {
    let Some(check) = check_table(doc) else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|&key| {
            let value = check.get(key)?;
            let value =
                toml::Value::deserialize(toml::de::ValueDeserializer::from(value.clone())).ok()?;
            Some((key.to_owned(), value))
        })
        .collect()
}

/// The `[check]` table of a parsed rule file, if it has one.
fn check_table<'a, 'i>(
    doc: &'a Spanned<toml::de::DeTable<'i>>,
) -> Option<&'a toml::de::DeTable<'i>> {
    match doc.get_ref().get("check")?.get_ref() {
        toml::de::DeValue::Table(check) => Some(check),
        _ => None,
    }
}

/// `[check] kind` of a parsed rule file when it is there as a string: the usual case, read
/// without deserializing the file. `None` otherwise (`probe_kind` says what is wrong).
fn check_kind(doc: &Spanned<toml::de::DeTable>) -> Option<Spanned<String>> {
    let kind = check_table(doc)?.get("kind")?;
    match kind.get_ref() {
        toml::de::DeValue::String(name) => {
            Some(Spanned::new(kind.span(), name.as_ref().to_owned()))
        }
        _ => None,
    }
}

/// `[check] kind` read by deserializing (a copy of) the file, for the errors: no `[check]`
/// table, no `kind`, or either of the wrong type.
fn probe_kind(
    path: &str,
    source: &str,
    doc: &Spanned<toml::de::DeTable>,
) -> Result<Spanned<String>, SourceError> {
    let probe = Probe::deserialize(toml::de::Deserializer::from(doc.clone()))
        .map_err(|e| SourceError::from_toml(path, source, &e))?;
    let Some(check) = probe.check else {
        return Err(SourceError::whole(path, source, "missing `[check]` table"));
    };
    let span = check.span();
    check.into_inner().kind.ok_or_else(|| {
        SourceError::at(path, source, span, "`[check]` needs a `kind`")
            .with_hint(format!("one of: {}", KINDS.join(", ")))
    })
}

/// What a kind's `compile` may use: the rule file's phrases, and error helpers that
/// point into the rule file.
pub struct CompileCx<'a> {
    path: &'a str,
    source: &'a str,
    check_span: Range<usize>,
    phrases: &'a mut FilePhrases,
    /// The file is one shipped in the binary (`registry::embedded`), which the test suite
    /// compiles whole: what it asks for is known to build.
    builtin: bool,
}

/// The phrases of one rule file, checked, under owners numbered from 0 in the file: the rule
/// set adds them to its index in file order (`RuleSet::compile_with_snapshot`), so files can be
/// compiled on several threads and still number their owners as if one after another.
#[derive(Debug, Default)]
struct FilePhrases {
    /// (phrase, its span in the file, its owner in the file, the words it adds toward the
    /// automaton's size bound: `PhraseIndex::check`).
    list: Vec<(String, Range<usize>, u32, phrase::Checked)>,
    /// Owners handed out.
    owners: u32,
}

impl CompileCx<'_> {
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SourceError {
        SourceError::at(self.path, self.source, span, message)
    }

    /// An error about the `[check]` table as a whole.
    pub fn whole_check(&self, message: impl Into<String>) -> SourceError {
        self.error(self.check_span.clone(), message)
    }

    /// Add a list of phrases under a new owner id, checking each.
    pub fn add_phrases(&mut self, phrases: &[Spanned<String>]) -> Result<u32, SourceError> {
        let owner = self.phrases.owners;
        self.phrases.owners += 1;
        if phrases.is_empty() {
            return Err(self.whole_check("`phrases` is empty"));
        }
        for p in phrases {
            let checked = PhraseIndex::check(p.get_ref())
                .map_err(|e| self.error(p.span(), format!("bad phrase: {e}")))?;
            self.phrases
                .list
                .push((p.get_ref().clone(), p.span(), owner, checked));
        }
        Ok(owner)
    }
}

/// How `check_split` does the long work (segmenting, normalizing, the phrase walk).
enum Split<'c> {
    /// In `parts` on up to `threads` threads (`Parts::Even(1)`: whole, on this thread).
    Threads {
        threads: usize,
        parts: crate::draft::Parts,
    },
    /// Piece by piece at every blank line, through a cache.
    Cached(&'c LintCache),
}

/// What an editor keeps between re-lints of one document: for each piece of the text between
/// blank lines, its words, sentences, paragraphs and phrase matches, keyed by the piece's text.
/// A keystroke changes one piece; the others come from here. Holds only the pieces of the last
/// text linted, and starts afresh when another rule set uses it.
#[derive(Debug, Default)]
pub struct LintCache {
    inner: RefCell<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// The `RuleSet::id` the pieces were matched with.
    rules: u64,
    pieces: FxHashMap<Box<str>, Piece<Vec<Found>>>,
}

impl LintCache {
    /// Set the draft's parts from its pieces (cached or computed now) and return the phrase
    /// matches in source offsets. `None` when the draft's parts are computed already.
    fn prepare(&self, set: &RuleSet, draft: &Draft) -> Option<Vec<Found>> {
        if draft.is_prepared() {
            return None;
        }
        let mut inner = self.inner.borrow_mut();
        let mut old = std::mem::take(&mut inner.pieces);
        if inner.rules != set.id {
            old.clear();
            inner.rules = set.id;
        }
        let body = draft.body();
        // A cut at every blank line: an edit changes the fewest bytes of pieces.
        let cuts = text::blank_line_cuts(body, body.len());
        let mut fresh: FxHashMap<Box<str>, Piece<Vec<Found>>> = FxHashMap::default();
        for w in cuts.windows(2) {
            let piece = &body[w[0]..w[1]];
            if !fresh.contains_key(piece) {
                // A kept piece keeps its key too: no copy of unchanged text per keystroke.
                let (key, parts) = old.remove_entry(piece).unwrap_or_else(|| {
                    let parts = Piece::compute(piece, &set.lexicon, |v| set.find(v));
                    (piece.into(), parts)
                });
                fresh.insert(key, parts);
            }
        }
        let pieces: Vec<&Piece<Vec<Found>>> =
            cuts.windows(2).map(|w| &fresh[&body[w[0]..w[1]]]).collect();
        draft.set_pieces(&cuts, &pieces);
        let base = draft.body_span().start;
        let found = cuts
            .iter()
            .zip(&pieces)
            .flat_map(|(&cut, p)| p.found.iter().map(move |f| f.shifted(base + cut)))
            .collect();
        inner.pieces = fresh;
        Some(found)
    }

    /// How many pieces it holds (for tests).
    pub fn len(&self) -> usize {
        self.inner.borrow().pieces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a check sees while it runs: the draft, and the phrase matches (found once, lazily, for all
/// rules together).
pub struct Ctx<'a> {
    pub draft: &'a Draft,
    set: &'a RuleSet,
    context: &'a Context,
    matches: OnceLock<Vec<Found>>,
}

/// A phrase match as the checks use it: which owner, the source span from its first word to its
/// last, and whether every word of it sits inside a quotation. Resolved from token indices where
/// the view is at hand, so a draft linted in pieces never needs one view of the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub owner: u32,
    pub span: Range<usize>,
    pub quoted: bool,
}

impl Found {
    fn key(&self) -> (u32, usize, usize) {
        (self.owner, self.span.start, self.span.end)
    }

    fn shifted(&self, by: usize) -> Found {
        Found {
            owner: self.owner,
            span: self.span.start + by..self.span.end + by,
            quoted: self.quoted,
        }
    }

    /// Resolve the matches `find` returned for `view` (sorted by owner, then position: so is the
    /// result).
    fn resolve(view: &NormalizedView, matches: Vec<PhraseMatch>) -> Vec<Found> {
        let tokens = view.tokens();
        matches
            .into_iter()
            .map(|m| {
                let words = &tokens[m.tokens];
                Found {
                    owner: m.owner,
                    span: words[0].span().start..words[words.len() - 1].span().end,
                    quoted: words.iter().all(|t| t.quoted()),
                }
            })
            .collect()
    }
}

/// A pattern rule's findings, made alongside a long draft's pieces, waiting to be taken.
enum PatternDone {
    Found(Vec<Diagnostic>),
    /// Handed to the report already.
    Taken,
}

/// Each pattern rule's findings (in rule order), from its findings in consecutive pieces of a
/// body (per piece, `RuleSet::pattern_reports`), joined in order.
fn join_pattern_reports(per_piece: Vec<Vec<Vec<Diagnostic>>>) -> Vec<Vec<Diagnostic>> {
    let mut joined: Vec<Vec<Diagnostic>> = Vec::new();
    for piece in per_piece {
        for (r, found) in piece.into_iter().enumerate() {
            match joined.get_mut(r) {
                Some(all) => all.extend(found),
                None => joined.push(found),
            }
        }
    }
    joined
}

impl<'a> Ctx<'a> {
    /// The writer's situation: time zone, no-contact period, name.
    pub fn context(&self) -> &'a Context {
        self.context
    }

    /// The draft's send time on the writer's wall clock, if known.
    pub fn local_send_time(&self) -> Option<jiff::Zoned> {
        self.draft
            .send_time()
            .map(|t| t.with_time_zone(self.context.timezone.clone()))
    }

    /// The matches of one owner, in order of position.
    pub fn phrase_matches(&self, owner: u32) -> &[Found] {
        let all = self.matches.get_or_init(|| {
            let view = self.draft.normalized(&self.set.lexicon);
            Found::resolve(view, self.set.phrases.find(view))
        });
        let lo = all.partition_point(|m| m.owner < owner);
        let hi = all.partition_point(|m| m.owner <= owner);
        &all[lo..hi]
    }
}

/// Where a time rule points: at the send time as written (a `send-at:` value, a chat timestamp)
/// when there is one, else at the first line of the message.
pub fn time_rule_span(draft: &Draft) -> Range<usize> {
    draft.time_span().unwrap_or_else(|| first_line_span(draft))
}

/// The first non-blank line of the body, trimmed (the body itself when it is all blank).
pub fn first_line_span(draft: &Draft) -> Range<usize> {
    let body = draft.body_span();
    let text = draft.body();
    let mut offset = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let start = body.start + offset + (line.len() - line.trim_start().len());
            return start..start + trimmed.len();
        }
        offset += line.len();
    }
    body
}

/// Fill `{name}` placeholders. Unknown names are left as they are. Matched text is shown on one
/// line and shortened if long.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((close, vars.iter().find(|(k, _)| *k == &after[..close])?)));
        match value {
            Some((close, &(_, value))) => {
                push_one_line(&mut out, value, 60);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Push `text` onto `out` on one line (whitespace runs as one space, none at the ends), cut to
/// `max_chars` characters with an ellipsis when longer. Writes in place: a long lint fills tens
/// of thousands of messages.
fn push_one_line(out: &mut String, text: &str, max_chars: usize) {
    // Most values (a count, a word or two) are short, printable ASCII with single spaces inside:
    // already on one line.
    let bytes = text.as_bytes();
    let single_spaced = bytes.iter().all(|&b| b.is_ascii_graphic() || b == b' ')
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && !bytes.windows(2).any(|w| w == b"  ");
    if text.len() <= max_chars && single_spaced {
        out.push_str(text);
        return;
    }
    let start = out.len();
    let mut chars = 0;
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += word.chars().count();
        if chars > max_chars {
            break;
        }
    }
    if chars > max_chars {
        let keep = out[start..]
            .char_indices()
            .nth(max_chars.saturating_sub(1))
            .map_or(out.len(), |(i, _)| start + i);
        out.truncate(keep);
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
        out.push('…');
    }
}

/// A failing example, for the test suite and `exlint rules test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    pub path: String,
    pub line: usize,
    pub text: String,
    pub problem: String,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {}: {:?}",
            self.path, self.line, self.rule, self.problem, self.text
        )
    }
}

/// A compiled, ready-to-run set of rules sharing one lexicon and one phrase index.
#[derive(Debug)]
pub struct RuleSet {
    lexicon: Lexicon,
    rules: Vec<Rule>,
    phrases: PhraseIndex,
    context: Context,
    /// Rules whose every finding a config pinned to one severity.
    forced: HashMap<String, Severity>,
    /// A config's `allow` list, normalized: findings whose words read the same never fire.
    allow: Vec<String>,
    /// Tells rule sets apart for a `LintCache` (phrase matches depend on the lexicon and the
    /// phrases, fixed at compile time).
    id: u64,
}

impl RuleSet {
    /// The default rule pack, embedded in the binary.
    pub fn builtin() -> Result<RuleSet, SourceError> {
        let sources: Vec<(String, &str, &str)> = registry::BUILTIN
            .iter()
            .map(|(id, src)| (format!("rules/{id}.toml"), *id, *src))
            .collect();
        RuleSet::compile_configured(
            sources.iter().map(|(p, id, s)| (p.as_str(), *id, *s)),
            &BTreeMap::new(),
        )
    }

    /// Rules from `(id, toml)` pairs with the built-in lexicon (handy for tests and user rules).
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<RuleSet, SourceError> {
        let named: Vec<(String, &str, &str)> = sources
            .iter()
            .map(|(id, src)| (format!("{id}.toml"), *id, *src))
            .collect();
        RuleSet::compile_configured(
            named.iter().map(|(p, id, s)| (p.as_str(), *id, *s)),
            &BTreeMap::new(),
        )
    }

    /// Compile rule files `(path, id, source)` against a lexicon.
    pub fn compile<'s>(
        lexicon: Lexicon,
        files: impl IntoIterator<Item = (&'s str, &'s str, &'s str)>,
    ) -> Result<RuleSet, SourceError> {
        Self::compile_with_snapshot(
            Some(lexicon),
            files,
            &BTreeMap::new(),
            Some(phrase::BUILTIN_SNAPSHOT),
        )
    }

    /// Compile rule files against the built-in lexicon, with a config's say on each rule (keyed
    /// by rule id): its severity and its kind's settings, checked against the kind here, at load.
    pub fn compile_configured<'s>(
        files: impl IntoIterator<Item = (&'s str, &'s str, &'s str)>,
        configs: &BTreeMap<String, RuleConfig>,
    ) -> Result<RuleSet, SourceError> {
        Self::compile_with_snapshot(None, files, configs, Some(phrase::BUILTIN_SNAPSHOT))
    }

    /// Compile against `lexicon` (`None`: the built-in one, parsed alongside the rule files), with
    /// the phrase-automaton snapshot to try (`None`: always build).
    fn compile_with_snapshot<'s>(
        lexicon: Option<Lexicon>,
        files: impl IntoIterator<Item = (&'s str, &'s str, &'s str)>,
        configs: &BTreeMap<String, RuleConfig>,
        snapshot: Option<&'static [u8]>,
    ) -> Result<RuleSet, SourceError> {
        // Start-up is mostly independent jobs: each rule file (TOML, regexes), the built-in
        // lexicon, the snapshot. They are shared out over the cores; then, in file order, the
        // files' phrases go into the one index.
        enum Job<'a> {
            Lexicon,
            Snapshot(&'static [u8]),
            File(&'a str, &'a str, &'a str),
        }
        enum Done {
            Lexicon(Lexicon),
            Snapshot(Box<Option<phrase::Snapshot>>),
            File(Box<(Result<Rule, SourceError>, FilePhrases)>),
        }
        let settings = |id: &str| configs.get(id).map_or(&[][..], |c| &c.settings[..]);
        let files: Vec<(&str, &str, &str)> = files.into_iter().collect();
        let mut jobs = Vec::with_capacity(files.len() + 2);
        if lexicon.is_none() {
            jobs.push(Job::Lexicon);
        }
        // The snapshot is read before the phrases tell whether it fits, where a core would
        // otherwise wait; on one core, only once it is known to fit.
        let early = crate::par::cores() > 1;
        if early {
            jobs.extend(snapshot.map(Job::Snapshot));
        }
        jobs.extend(
            files
                .iter()
                .map(|&(path, id, source)| Job::File(path, id, source)),
        );
        let mut loaded = None;
        let mut lexicon = lexicon;
        let mut compiled = Vec::with_capacity(files.len());
        // Costliest first, in bytes of TOML to parse: a regex with a Unicode class (`\p{Lu}`)
        // compiles as slowly as tens of kilobytes of TOML parse, and the snapshot reads about
        // eight times faster than TOML. Only the order of work depends on it.
        let cost = |job: &Job<'_>| match *job {
            Job::Lexicon => crate::lexicon::BUILTIN_LEXICON.len(),
            Job::Snapshot(bytes) => bytes.len() / 8,
            Job::File(_, _, source) => {
                let classes = memchr::memmem::find_iter(source.as_bytes(), b"\\p{").count();
                source.len() + 64 * 1024 * classes
            }
        };
        for done in crate::par::map_costliest_first(&jobs, cost, |job| match *job {
            Job::Lexicon => Done::Lexicon(Lexicon::builtin()),
            Job::Snapshot(bytes) => Done::Snapshot(Box::new(phrase::Snapshot::load(bytes))),
            Job::File(path, id, source) => {
                Done::File(Box::new(compile_rule(path, id, source, settings(id))))
            }
        }) {
            match done {
                Done::Lexicon(l) => lexicon = Some(l),
                Done::Snapshot(s) => loaded = *s,
                Done::File(f) => compiled.push(*f),
            }
        }
        let lexicon = lexicon.unwrap_or_else(Lexicon::builtin);
        let mut phrases = PhraseIndex::new();
        let mut next_owner = 0;
        let mut rules: Vec<Rule> = Vec::with_capacity(files.len());
        let mut forced = HashMap::new();
        for (&(path, id, source), compiled) in files.iter().zip(compiled) {
            if rules.iter().any(|r| r.meta.id == id) {
                return Err(SourceError::whole(
                    path,
                    source,
                    format!("duplicate rule id `{id}`"),
                ));
            }
            // The phrases checked before any error in the file go first: a file-by-file compile
            // added each as it went, so crossing the size bound there is the first error.
            let (rule, file_phrases) = compiled;
            for (text, span, owner, checked) in file_phrases.list {
                phrases
                    .insert_checked(text, checked, next_owner + owner, &lexicon)
                    .map_err(|e| SourceError::at(path, source, span, format!("bad phrase: {e}")))?;
            }
            let mut rule = rule?;
            rule.check.shift_owners(next_owner);
            next_owner += file_phrases.owners;
            if let Some(severity) = configs.get(id).and_then(|c| c.severity) {
                rule.meta.severity = severity;
                forced.insert(id.to_owned(), severity);
            }
            rules.push(rule);
        }
        let finished = if early {
            phrases.finish_loaded(&lexicon, loaded)
        } else {
            phrases.finish_with(&lexicon, snapshot)
        };
        finished.map_err(|e| SourceError::whole("rules", "", e))?;
        Ok(RuleSet {
            lexicon,
            rules,
            phrases,
            context: Context::default(),
            forced,
            allow: Vec::new(),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    /// Keep only the rules a config leaves on.
    pub fn retain(&mut self, mut keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
        let rules = &self.rules;
        self.forced
            .retain(|id, _| rules.iter().any(|r| &r.meta.id == id));
    }

    /// Words that never fire, whatever rule would flag them: a finding whose words read the same
    /// (through the lexicon, so "pls" is "please") as an entry is dropped.
    pub fn set_allow<S: AsRef<str>>(&mut self, allow: impl IntoIterator<Item = S>) {
        self.allow = allow
            .into_iter()
            .map(|a| self.normalize(a.as_ref()))
            .filter(|a| !a.is_empty())
            .collect();
    }

    /// The words of a text as matching reads them, one reading each, space-separated.
    fn normalize(&self, text: &str) -> String {
        let view = NormalizedView::build(text, 0, &self.lexicon);
        (0..view.tokens().len())
            .flat_map(|i| view.reading(i, 0))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn is_allowed(&self, draft: &Draft, d: &Diagnostic) -> bool {
        !self.allow.is_empty()
            && self
                .allow
                .contains(&self.normalize(draft.slice(d.span.clone())))
    }

    /// Judge drafts in this situation (time zone, no-contact period, who "me" is). The default
    /// is UTC with nothing else known.
    pub fn with_context(mut self, context: Context) -> RuleSet {
        self.context = context;
        self
    }

    /// Like `with_context`, in place.
    pub fn set_context(&mut self, context: Context) {
        self.context = context;
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// Size of the shared phrase automaton: (nodes, word edges, distinct words).
    pub fn phrase_stats(&self) -> (usize, usize, usize) {
        self.phrases.stats()
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Run every rule over the draft. Pure and deterministic: diagnostics come back sorted.
    pub fn check(&self, draft: &Draft) -> Vec<Diagnostic> {
        self.check_in(draft, &self.context)
    }

    /// `check`, keeping each blank-line piece's work in `cache` and reusing what it holds for
    /// pieces whose text is unchanged: an editor re-linting after a keystroke redoes only the
    /// paragraph that changed. Finds exactly what `check` does.
    pub fn check_cached(&self, draft: &Draft, cache: &LintCache) -> Vec<Diagnostic> {
        self.check_split(draft, &self.context, Split::Cached(cache))
    }

    fn check_in(&self, draft: &Draft, context: &Context) -> Vec<Diagnostic> {
        let len = draft.body().len();
        let threads = crate::draft::threads_for(len);
        let parts = crate::draft::parts_for(len, threads);
        self.check_split(draft, context, Split::Threads { threads, parts })
    }

    /// `check_in`, doing the long work in `parts` pieces, on two threads when there are two or
    /// more (so a thread works through several pieces, as on a long draft).
    #[cfg(test)]
    fn check_in_pieces(&self, draft: &Draft, context: &Context, parts: usize) -> Vec<Diagnostic> {
        let threads = parts.min(2);
        let parts = crate::draft::Parts::Even(parts);
        self.check_split(draft, context, Split::Threads { threads, parts })
    }

    /// The phrase matches of one view, resolved to spans.
    fn find(&self, view: &NormalizedView) -> Vec<Found> {
        self.find_with(view, &mut phrase::Resolved::default())
    }

    /// `find`, keeping the symbols of the view's forms in `resolved` (`PhraseIndex::find_with`).
    fn find_with(&self, view: &NormalizedView, resolved: &mut phrase::Resolved) -> Vec<Found> {
        Found::resolve(view, self.phrases.find_with(view, resolved))
    }

    fn check_split(&self, draft: &Draft, context: &Context, split: Split<'_>) -> Vec<Diagnostic> {
        let cx = Ctx {
            draft,
            set: self,
            context,
            matches: OnceLock::new(),
        };
        // Pattern rules read only the text. On a long draft, line-local ones (the usual kind)
        // search each piece on its thread; the others run on whichever thread is done first.
        // Per rule: what was found for it while the pieces were worked on.
        let mut patterns: Vec<Option<Mutex<PatternDone>>> = Vec::new();
        let found = match split {
            Split::Threads { threads, parts } if parts.cut() => {
                let (body, base) = (draft.body(), draft.body_span().start);
                let in_pieces = self.rules.iter().all(|rule| match &rule.check {
                    Check::Pattern(c) => c.line_local(),
                    _ => true,
                });
                let piece_work =
                    |resolved: &mut phrase::Resolved, v: &NormalizedView, range: Range<usize>| {
                        let reports = in_pieces.then(|| self.pattern_reports(body, base, range));
                        (self.find_with(v, resolved), reports)
                    };
                let text_rules = move || (!in_pieces).then(|| self.check_patterns(body, base));
                draft
                    .prepare_in_pieces(&self.lexicon, threads, parts, piece_work, text_rules)
                    .map(|(parts, text_found)| {
                        let mut per_piece = Vec::with_capacity(parts.len());
                        let mut all =
                            Vec::with_capacity(parts.iter().map(|(_, (f, _))| f.len()).sum());
                        for (at, (found, reports)) in parts {
                            all.extend(found.into_iter().map(|f| f.shifted(at)));
                            per_piece.extend(reports);
                        }
                        let found = text_found.unwrap_or_else(|| join_pattern_reports(per_piece));
                        let mut done = found.into_iter().map(PatternDone::Found);
                        patterns = self
                            .rules
                            .iter()
                            .map(|rule| match &rule.check {
                                Check::Pattern(_) => done.next().map(Mutex::new),
                                _ => None,
                            })
                            .collect();
                        all
                    })
            }
            Split::Threads { .. } => None,
            Split::Cached(cache) => cache.prepare(self, draft),
        };
        let long = found.is_some() && !patterns.is_empty();
        if let Some(mut all) = found {
            all.sort_by_key(Found::key);
            let _ = cx.matches.set(all);
        }
        // Each rule's findings. On a long draft the rules run on every core: a few of them (the
        // paragraph and question counts, the shouting report) make thousands of findings each.
        let check_rule = |&i: &usize| {
            let rule = &self.rules[i];
            let mut found = Vec::new();
            match &rule.check {
                Check::Phrase(c) => c.check(&rule.meta, &cx, &mut found),
                Check::Pattern(c) => {
                    let done = patterns.get(i).and_then(|p| p.as_ref()).and_then(|p| {
                        p.lock()
                            .map(|mut d| std::mem::replace(&mut *d, PatternDone::Taken))
                            .ok()
                    });
                    match done {
                        Some(PatternDone::Found(done)) => found = done,
                        Some(PatternDone::Taken) | None => c.check(&rule.meta, &cx, &mut found),
                    }
                }
                Check::Metric(c) => c.check(&rule.meta, &cx, &mut found),
                Check::Count(c) => c.check(&rule.meta, &cx, &mut found),
                Check::SendWindow(c) => c.check(&rule.meta, &cx, &mut found),
                Check::NoContact(c) => c.check(&rule.meta, &cx, &mut found),
                Check::Thread(c) => c.check(&rule.meta, &cx, &mut found),
            }
            found
        };
        let indices: Vec<usize> = (0..self.rules.len()).collect();
        let per_rule = if long {
            crate::par::map(&indices, check_rule)
        } else {
            indices.iter().map(check_rule).collect()
        };
        // Phrase findings are weighed against each other (`drop_shadowed`); every other rule's
        // stay a list of their own, to be merged in order with one copy.
        let mut lists = Vec::with_capacity(per_rule.len() + 1);
        let mut phrases = Vec::new();
        for (rule, found) in self.rules.iter().zip(per_rule) {
            match rule.check {
                Check::Phrase(_) => phrases.extend(found),
                _ => lists.push(found),
            }
        }
        if !self.forced.is_empty() {
            for d in phrases.iter_mut().chain(lists.iter_mut().flatten()) {
                if let Some(&severity) = self.forced.get(&*d.rule) {
                    d.severity = severity;
                }
            }
        }
        // Allowed words go before shadowing, so an allowed finding hides nothing inside it.
        phrases.retain(|d| !self.is_allowed(draft, d));
        lists.push(drop_shadowed(phrases));
        for list in &mut lists {
            list.retain(|d| !self.is_allowed(draft, d));
            // Most rules find in order; checking costs no buffer, sorting does.
            if !Diagnostic::is_sorted(list) {
                Diagnostic::sort(list);
            }
        }
        Diagnostic::merge_sorted(lists)
    }

    /// Each pattern rule's findings (in rule order) for its matches that start in `range` of
    /// `body`, whose first byte is at `base` in the source. A long draft's pieces are reported
    /// on their own threads: a pattern rule's matches are merged only within a line, and no
    /// line crosses the blank line between two pieces.
    fn pattern_reports(
        &self,
        body: &str,
        base: usize,
        range: Range<usize>,
    ) -> Vec<Vec<Diagnostic>> {
        let report = |rule: &Rule| match &rule.check {
            Check::Pattern(c) => {
                let mut found = Vec::new();
                let spans = c.find_spans(body, range.clone());
                c.report(&rule.meta, body, base, spans, &mut found);
                Some(found)
            }
            _ => None,
        };
        self.rules.iter().filter_map(report).collect()
    }

    /// The findings of each pattern rule on a body starting at `base`, in rule order.
    fn check_patterns(&self, body: &str, base: usize) -> Vec<Vec<Diagnostic>> {
        self.pattern_reports(body, base, 0..body.len())
    }

    /// The earliest moment at or after the draft's send time when no time rule fires (the
    /// late-night window is over, the no-contact period is over, both): what a script should
    /// schedule the message for. `None` when the send time is unknown; the send time itself when
    /// nothing stands in the way. Found by stepping from one rule's end to the next until all
    /// are quiet, so windows and periods that meet or overlap combine correctly.
    pub fn send_after(&self, draft: &Draft) -> Option<jiff::Zoned> {
        let tz = self.context.timezone.clone();
        let mut t = draft.send_time()?.with_time_zone(tz);
        // Each step moves past the end of a window or a period; a handful is plenty.
        for _ in 0..64 {
            let next = self
                .rules
                .iter()
                .filter_map(|rule| match &rule.check {
                    Check::SendWindow(c) => c.quiet_from(&t),
                    Check::NoContact(c) => c.quiet_from(&t, draft, &self.context),
                    _ => None,
                })
                .max();
            match next {
                Some(n) if n > t => t = n,
                _ => return Some(t),
            }
        }
        Some(t)
    }

    /// Run every rule's examples; an empty result means they all hold.
    pub fn run_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            for ex in rule.meta.examples() {
                let mut draft = Draft::new(ex.text.clone());
                let default_context = Context::default();
                let mut context = &default_context;
                if let Some(setup) = &ex.setup {
                    draft = draft
                        .with_send_time(setup.at.clone())
                        .with_thread(setup.thread.clone());
                    context = &setup.context;
                }
                let found: Vec<Diagnostic> = self
                    .check_in(&draft, context)
                    .into_iter()
                    .filter(|d| d.rule == rule.meta.id)
                    .collect();
                let fail = |problem: String| ExampleFailure {
                    rule: rule.meta.id.to_string(),
                    path: rule.meta.path.clone(),
                    line: ex.line,
                    text: ex.text.clone(),
                    problem,
                };
                if ex.bad && found.is_empty() {
                    failures.push(fail("bad example did not fire".into()));
                } else if !ex.bad && !found.is_empty() {
                    let what: Vec<&str> =
                        found.iter().map(|d| draft.slice(d.span.clone())).collect();
                    failures.push(fail(format!("good example fired on {what:?}")));
                } else if let Some(flagged) = &ex.flagged {
                    if !found.iter().any(|d| draft.slice(d.span.clone()) == flagged) {
                        let what: Vec<&str> =
                            found.iter().map(|d| draft.slice(d.span.clone())).collect();
                        failures.push(fail(format!(
                            "expected {flagged:?} to be flagged, got {what:?}"
                        )));
                    }
                }
            }
        }
        failures
    }
}

/// Two content rules on the same words: when one finding's span lies inside another's and is
/// strictly less severe, it adds nothing the reader needs ("Answer me" as a pressure question
/// inside the ultimatum "Answer me or I'm coming over"), so it is dropped. Findings of equal
/// severity are both kept (self-harm inside an ultimatum must never disappear), and so are
/// findings that merely overlap.
fn drop_shadowed(mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    // Widest first, so a container is always seen before what it contains.
    found.sort_by(|a, b| {
        (a.span.start, std::cmp::Reverse(a.span.end))
            .cmp(&(b.span.start, std::cmp::Reverse(b.span.end)))
    });
    // A finding is shadowed by a kept one of another rule, of higher severity, that contains it.
    // Every kept finding starts at or before the current one (the sort), so it contains it when
    // it also ends at or after it: per severity, remembering the two furthest ends of two
    // different rules is enough. (Comparing with every kept finding was quadratic: a long draft
    // with thousands of phrase findings took seconds.)
    let mut reach: [Reach; 3] = Default::default();
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(found.len());
    for d in found {
        let shadowed = reach[severity_rank(d.severity) + 1..]
            .iter()
            .any(|r| r.contains(&d));
        if !shadowed {
            kept.push(d);
            let k = kept.last().expect("just pushed");
            reach[severity_rank(k.severity)].add(k.span.end, &k.rule);
        }
    }
    kept
}

fn severity_rank(s: Severity) -> usize {
    match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    }
}

/// The furthest end of any kept finding of one severity, and the furthest of a different rule.
#[derive(Default)]
struct Reach {
    best: Option<(usize, String)>,
    other: Option<(usize, String)>,
}

impl Reach {
    fn add(&mut self, end: usize, rule: &str) {
        match &mut self.best {
            Some((e, r)) if r == rule => *e = (*e).max(end),
            Some((e, _)) if end > *e => self.other = self.best.replace((end, rule.to_owned())),
            Some(_) => match &mut self.other {
                Some((e, r)) if r == rule => *e = (*e).max(end),
                Some((e, _)) if end <= *e => {}
                _ => self.other = Some((end, rule.to_owned())),
            },
            None => self.best = Some((end, rule.to_owned())),
        }
    }

    /// Does a kept finding of another rule reach past `d`'s end?
    fn contains(&self, d: &Diagnostic) -> bool {
        [&self.best, &self.other]
            .into_iter()
            .flatten()
            .any(|(end, rule)| *rule != d.rule && *end >= d.span.end)
    }
}

/// Compile one rule file with a config's settings for it: the rule, and its phrases for the rule
/// set's index (those checked before an error too, as a file-by-file compile would have added
/// them). Needs nothing from other files, so files compile on several threads.
fn compile_rule(
    path: &str,
    id: &str,
    source: &str,
    settings: &[Setting],
) -> (Result<Rule, SourceError>, FilePhrases) {
    let mut phrases = FilePhrases::default();
    let rule = match compile_rule_with(path, id, source, settings, &mut phrases) {
        Err(e) if !settings.is_empty() && e.path == path => {
            // A rule file that compiles on its own but not with the config's settings
            // (`warn-words` above `error-words`): the config is at fault, so point there.
            let alone = compile_rule_with(path, id, source, &[], &mut FilePhrases::default());
            if alone.is_err() {
                Err(e)
            } else {
                let last = &settings[settings.len() - 1];
                Err(last
                    .file
                    .error(
                        last.key_span.clone(),
                        format!(
                            "with these settings, rule `{id}` does not hold: {}",
                            e.message
                        ),
                    )
                    .with_hint(format!("the rule's own values are in {path}")))
            }
        }
        other => other,
    };
    (rule, phrases)
}

fn compile_rule_with(
    path: &str,
    id: &str,
    source: &str,
    settings: &[Setting],
    phrases: &mut FilePhrases,
) -> Result<Rule, SourceError> {
    // A built-in file is read without its description and examples (`Docs`), which are read
    // from the whole file on first use.
    let embedded = registry::embedded(source);
    let builtin = embedded.is_some();
    let trimmed = embedded.and_then(without_docs);
    let source = trimmed.as_deref().unwrap_or(source);
    let embedded = embedded.filter(|_| trimmed.is_some());
    // The file is parsed once, and its kind read from the parsed table; the kind's schema then
    // deserializes the table itself.
    let doc =
        toml::de::DeTable::parse(source).map_err(|e| SourceError::from_toml(path, source, &e))?;
    let kind = match check_kind(&doc) {
        Some(kind) => kind,
        None => probe_kind(path, source, &doc)?,
    };
    let (kind, file_meta, check, settings_in_file) = match kind.get_ref().as_str() {
        "phrase" => compile_kind::<phrase::PhraseSpec, _>(
            "phrase",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            phrase::PhraseCheck::compile,
            Check::Phrase,
        )?,
        "pattern" => compile_kind::<pattern::PatternSpec, _>(
            "pattern",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            pattern::PatternCheck::compile,
            Check::Pattern,
        )?,
        "metric" => compile_kind::<metric::MetricSpec, _>(
            "metric",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            metric::MetricCheck::compile,
            Check::Metric,
        )?,
        "count" => compile_kind::<count::CountSpec, _>(
            "count",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            count::CountCheck::compile,
            Check::Count,
        )?,
        "send-window" => compile_kind::<send_window::SendWindowSpec, _>(
            "send-window",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            send_window::SendWindowCheck::compile,
            Check::SendWindow,
        )?,
        "no-contact" => compile_kind::<no_contact::NoContactSpec, _>(
            "no-contact",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            no_contact::NoContactCheck::compile,
            Check::NoContact,
        )?,
        "thread" => compile_kind::<thread::ThreadSpec, _>(
            "thread",
            (path, id, source, doc, builtin),
            phrases,
            settings,
            thread::ThreadCheck::compile,
            Check::Thread,
        )?,
        other => {
            let mut err = SourceError::at(
                path,
                source,
                kind.span(),
                format!("unknown rule kind `{other}`"),
            );
            err.hint = Some(match closest(other, KINDS.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("the kinds are: {}", KINDS.join(", ")),
            });
            return Err(err);
        }
    };
    let FileMeta {
        severity,
        summary,
        message,
        help,
        guide,
        description,
        example,
    } = file_meta;
    let docs = match embedded {
        Some(whole) => Docs::later(path, whole),
        None => Docs::read(description, examples_of(path, source, example)?),
    };
    let rule = Rule {
        meta: RuleMeta {
            id: id.into(),
            severity,
            summary,
            message,
            help: help.into(),
            guide,
            kind,
            docs,
            path: path.to_owned(),
            settings: settings_in_file,
        },
        check,
    };
    Ok(rule)
}

/// A rule file's `[[example]]`s, checked and with their line numbers.
fn examples_of(
    path: &str,
    source: &str,
    example: Vec<Spanned<ExampleSpec>>,
) -> Result<Vec<Example>, SourceError> {
    let mut examples = Vec::with_capacity(example.len());
    // Lines are counted on from the previous example (they come in file order).
    let (mut counted_to, mut line) = (0, 1);
    for ex in example {
        let span = ex.span();
        let at = span.start.min(source.len());
        if at < counted_to {
            (counted_to, line) = (0, 1);
        }
        line += memchr::memchr_iter(b'\n', &source.as_bytes()[counted_to..at]).count();
        counted_to = at;
        let mut ex = ex.into_inner();
        let setup = example_setup(&ex, path, source, span.clone())?;
        let (bad, text) = match (ex.bad.take(), ex.good.take()) {
            (Some(t), None) => (true, t),
            (None, Some(t)) => (false, t),
            _ => {
                return Err(SourceError::at(
                    path,
                    source,
                    span,
                    "an example has exactly one of `bad` or `good`",
                ));
            }
        };
        if ex.flagged.is_some() && !bad {
            return Err(SourceError::at(
                path,
                source,
                span,
                "`flagged` only goes with a `bad` example",
            ));
        }
        if let Some(f) = &ex.flagged {
            if !text.contains(f.as_str()) {
                return Err(SourceError::at(
                    path,
                    source,
                    span,
                    format!("`flagged` text {f:?} is not in the example"),
                ));
            }
        }
        examples.push(Example {
            bad,
            text,
            flagged: ex.flagged,
            line,
            setup,
        });
    }
    Ok(examples)
}

/// Read an example's `at`, `timezone`, `since` and `thread` once, at load.
fn example_setup(
    ex: &ExampleSpec,
    path: &str,
    source: &str,
    span: Range<usize>,
) -> Result<Option<ExampleSetup>, SourceError> {
    if ex.at.is_none() && ex.timezone.is_none() && ex.since.is_none() && ex.thread.is_none() {
        return Ok(None);
    }
    let err = |message: String| SourceError::at(path, source, span.clone(), message);
    // Examples are judged with the time zone data built into exlint, not the machine's: the
    // same verdict everywhere, and no walk over the system's zoneinfo folder at every start.
    static BUNDLED: std::sync::LazyLock<jiff::tz::TimeZoneDatabase> =
        std::sync::LazyLock::new(jiff::tz::TimeZoneDatabase::bundled);
    let timezone = match &ex.timezone {
        Some(name) => BUNDLED.get(name).map_err(|_| {
            err(format!(
                "`timezone = {name:?}` is not an IANA time zone name"
            ))
        })?,
        None => jiff::tz::TimeZone::UTC,
    };
    // Examples have fixed dates: `now` and `HH:MM` would make them depend on the day they run.
    let epoch = jiff::Timestamp::UNIX_EPOCH.to_zoned(timezone.clone());
    let when = |text: &str, what: &str| -> Result<jiff::Zoned, SourceError> {
        match crate::time::SendAt::parse(text) {
            Ok(at @ (crate::time::SendAt::Local(_) | crate::time::SendAt::Exact(_))) => at
                .resolve(&epoch)
                .map(|t| t.with_time_zone(timezone.clone()))
                .map_err(|e| err(format!("{what}: {e}"))),
            Ok(_) => Err(err(format!("{what} needs a date: `{text}`"))),
            Err(e) => Err(err(format!("{what}: {e}"))),
        }
    };
    let at = ex.at.as_deref().map(|a| when(a, "`at`")).transpose()?;
    let since = match &ex.since {
        Some(s) => Some(
            s.parse::<jiff::civil::Date>()
                .map_err(|_| err(format!("`since = {s:?}` is not a date like \"2026-11-20\"")))?,
        ),
        None => None,
    };
    let thread = match &ex.thread {
        None => None,
        Some(entries) => {
            let mut messages = Vec::with_capacity(entries.len());
            for e in entries {
                let at =
                    e.at.as_deref()
                        .map(|a| when(a, "a thread message's `at`"))
                        .transpose()?;
                messages.push(Message {
                    from: e.from.clone(),
                    at,
                    line: 0,
                    draft_source: e.text.clone(),
                    body: 0..e.text.len(),
                    time_span: None,
                    map: SpanMap::default(),
                });
            }
            let conversation = crate::conversation::Conversation::new(
                crate::conversation::ExportFormat::Exlint,
                String::new(),
                Some("me".into()),
                messages,
            );
            Some(conversation.facts_for_next("me"))
        }
    };
    Ok(Some(ExampleSetup {
        at,
        context: Context {
            timezone,
            no_contact: NoContact { since, days: None },
            me: Some("me".into()),
            date_order: None,
        },
        thread,
    }))
}

struct FileMeta {
    severity: Severity,
    summary: String,
    message: String,
    help: String,
    guide: String,
    description: String,
    example: Vec<Spanned<ExampleSpec>>,
}

/// Read a rule file with one kind's schema, apply a config's settings to its `[check]`, and
/// compile the check: the same steps for every kind.
fn compile_kind<S: DeserializeOwned + Configurable, C>(
    kind: &'static str,
    (path, id, source, doc, builtin): (&str, &str, &str, Spanned<toml::de::DeTable>, bool),
    phrases: &mut FilePhrases,
    settings: &[Setting],
    compile: fn(S, &mut CompileCx<'_>) -> Result<C, SourceError>,
    wrap: fn(C) -> Check,
) -> Result<(&'static str, FileMeta, Check, FileSettings), SourceError> {
    let in_file = file_settings(&doc, S::SETTINGS);
    let f = RuleFile::<S>::deserialize(toml::de::Deserializer::from(doc))
        .map_err(|e| SourceError::from_toml(path, source, &e))?;
    let (meta, mut check) = split(f);
    configure(check.get_mut(), id, kind, settings)?;
    let mut cx = CompileCx {
        path,
        source,
        check_span: check.span(),
        phrases,
        builtin,
    };
    let compiled = compile(check.into_inner(), &mut cx)?;
    Ok((kind, meta, wrap(compiled), in_file))
}

fn split<C>(f: RuleFile<C>) -> (FileMeta, Spanned<C>) {
    (
        FileMeta {
            severity: f.severity,
            summary: f.summary,
            message: f.message,
            help: f.help,
            guide: f.guide,
            description: f.description,
            example: f.example,
        },
        f.check,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every corpus draft, joined into one long text: blank lines between most, a single line
    /// break between some (so not every draft starts a piece).
    fn corpus_as_one_text() -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut text = String::new();
        for part in ["dev", "test"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(part))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for file in files {
                let table: toml::Table =
                    toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
                for case in table["case"].as_array().unwrap() {
                    text.push_str(case["text"].as_str().unwrap());
                    text.push_str(if text.len() % 5 == 0 { "\n" } else { "\n\n" });
                }
            }
        }
        text
    }

    /// A built-in rule file is compiled without its description and examples, which are read
    /// from the embedded file on first use; what is read then, and everything compiled, is what
    /// a whole-file read (of a copy, which is not embedded) gives.
    #[test]
    fn builtin_docs_read_as_a_full_parse() {
        let set = RuleSet::builtin().unwrap();
        let copies: Vec<(String, String)> = registry::BUILTIN
            .iter()
            .map(|(id, src)| (format!("rules/{id}.toml"), (*src).to_owned()))
            .collect();
        let whole = RuleSet::compile_configured(
            copies
                .iter()
                .zip(registry::BUILTIN)
                .map(|((p, s), (id, _))| (p.as_str(), *id, s.as_str())),
            &BTreeMap::new(),
        )
        .unwrap();
        for ((rule, full), (id, source)) in
            set.rules().iter().zip(whole.rules()).zip(registry::BUILTIN)
        {
            assert!(
                without_docs(source).is_some(),
                "{id}: not laid out for a trimmed read"
            );
            assert!(
                registry::embedded(source).is_some() && registry::embedded(&copies[0].1).is_none()
            );
            let (m, f) = (&rule.meta, &full.meta);
            // Not read at start-up; read on first use.
            assert!(m.docs.0.read.get().is_none(), "{id}");
            assert!(f.docs.0.read.get().is_some(), "{id}");
            assert!(
                !m.description().is_empty() && !m.examples().is_empty(),
                "{id}"
            );
            assert_eq!(m.description(), f.description(), "{id}");
            assert_eq!(m.examples(), f.examples(), "{id}");
            assert_eq!(
                (
                    &m.id, m.severity, &m.summary, &m.message, &m.help, &m.guide, m.kind, &m.path
                ),
                (
                    &f.id, f.severity, &f.summary, &f.message, &f.help, &f.guide, f.kind, &f.path
                ),
            );
            assert_eq!(
                format!("{:?}", m.settings),
                format!("{:?}", f.settings),
                "{id}"
            );
        }
        assert!(set.run_examples().is_empty() && whole.run_examples().is_empty());
        // The two lint alike.
        let text = include_str!("../../fixtures/late_night_plea.txt");
        let draft = crate::Draft::new(text);
        assert_eq!(set.check(&draft), whole.check(&draft));
    }

    /// Files laid out otherwise are read whole.
    #[test]
    fn without_docs_needs_the_usual_layout() {
        let usual = "severity = \"error\"\ndescription = \"\"\"\nWhy.\n\"\"\"\n[check]\nkind = \"phrase\"\n\n[[example]]\nbad = \"x\"\n";
        assert_eq!(
            without_docs(usual).unwrap(),
            "severity = \"error\"\ndescription = \"\"\n[check]\nkind = \"phrase\"\n\n"
        );
        // An example before `[check]`, a one-line description, no description: read whole.
        for other in [
            "severity = \"error\"\ndescription = \"\"\"\nWhy.\n\"\"\"\n[[example]]\nbad = \"x\"\n[check]\n",
            "severity = \"error\"\ndescription = \"Why.\"\n[check]\n",
            "severity = \"error\"\n[check]\n",
        ] {
            assert_eq!(without_docs(other), None, "{other}");
        }
    }

    fn builtin_set() -> &'static RuleSet {
        static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        SET.get_or_init(|| RuleSet::builtin().unwrap())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256, failure_persistence: None, ..Default::default()
        })]

        /// Any text, cut into pieces at its blank lines, lints exactly as it does whole.
        #[test]
        fn any_text_lints_the_same_in_pieces(
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "please come back", "i miss u", "we need to talk", "“we need to talk”",
                    "ARE YOU UP", "sorry sorry sorry", "lol", "why??", "i", "…", ".", "\n",
                    "\n\n", "\n\r\n", " ", "😭", "\"", "w/o", "pleeease", "cant",
                ][..]),
                0..40,
            ),
            pieces in 2usize..5,
        ) {
            let set = builtin_set();
            let text: String = parts.concat();
            let whole = set.check_in_pieces(&Draft::new(text.clone()), &set.context, 1);
            let cut = set.check_in_pieces(&Draft::new(text), &set.context, pieces);
            proptest::prop_assert_eq!(cut, whole);
        }

        /// Linting through a cache after an edit finds what linting the edited text afresh
        /// does, whatever pieces the cache kept from the text before.
        #[test]
        fn cached_lint_after_an_edit_is_a_fresh_lint(
            parts in proptest::collection::vec(
                proptest::sample::select(&[
                    "please come back", "i miss u", "we need to talk", "“we need",
                    "ARE YOU UP", "sorry sorry", "lol", "why??", "i", ".", "\n",
                    "\n\n", "\n\n", "\n\r\n", " ", "😭", "\"", "pleeease",
                ][..]),
                0..40,
            ),
            at in 0usize..40,
            remove in 0usize..3,
            insert in proptest::sample::select(&["", "\n\n", "miss", " u", "\n", "PLEASE"][..]),
        ) {
            let set = builtin_set();
            let cache = LintCache::default();
            let before: String = parts.concat();
            let first = set.check_cached(&Draft::new(before.clone()), &cache);
            proptest::prop_assert_eq!(first, set.check(&Draft::new(before)));
            // The edit: `remove` parts at `at` give way to `insert`.
            let mut edited = parts.clone();
            let at = at.min(edited.len());
            let end = (at + remove).min(edited.len());
            edited.splice(at..end, [insert]);
            let after: String = edited.concat();
            let cached = set.check_cached(&Draft::new(after.clone()), &cache);
            proptest::prop_assert_eq!(cached, set.check(&Draft::new(after)));
        }
    }

    /// Linting a long draft in pieces on several threads (segmenting, normalizing and walking
    /// the phrases of each piece on its own) finds exactly what linting it whole does.
    #[test]
    fn linting_in_pieces_equals_linting_whole() {
        let set = builtin_set();
        let text = corpus_as_one_text();
        let whole_draft = Draft::new(text.clone());
        let whole = set.check_in_pieces(&whole_draft, &set.context, 1);
        assert!(whole.len() > 300, "{} findings", whole.len());
        for pieces in [2, 3, 7, 64] {
            let draft = Draft::new(text.clone());
            // (Compared with `==`: a failure would print megabytes.)
            let found = set.check_in_pieces(&draft, &set.context, pieces);
            assert!(found == whole, "{pieces} pieces: different findings");
            assert!(
                draft.words() == whole_draft.words(),
                "{pieces} pieces: words"
            );
            assert!(
                draft.sentences() == whole_draft.sentences(),
                "{pieces} pieces"
            );
            assert!(
                draft.questions() == whole_draft.questions(),
                "{pieces} pieces: questions"
            );
            assert!(
                draft.paragraphs() == whole_draft.paragraphs(),
                "{pieces} pieces"
            );
        }
        assert!(!whole_draft.questions().is_empty());
    }

    /// A document edited in an editor, linted through one cache at each step, gets the findings
    /// of a fresh lint every time, and the cache keeps only the pieces of the latest text.
    #[test]
    fn cached_lint_follows_a_document_through_edits() {
        let set = builtin_set();
        let cache = LintCache::default();
        let mut text = corpus_as_one_text();
        let edits: [&dyn Fn(&mut String); 5] = [
            &|t| t.insert_str(t.len() / 2, " pls come back "),
            &|t| {
                let blank = t.find("\n\n").unwrap();
                t.replace_range(blank..blank + 2, "\n");
            },
            &|t| t.insert_str(t.len() / 3, "\n\nWE NEED TO TALK\n\n"),
            &|t| t.truncate(t.len() * 2 / 3),
            &|t| t.insert_str(0, "i miss u"),
        ];
        let check = |text: &str| {
            let draft = Draft::new(text.to_owned());
            let cached = set.check_cached(&draft, &cache);
            assert!(
                cached == set.check(&Draft::new(text.to_owned())),
                "cached != fresh"
            );
            assert!(cached.len() > 100, "{} findings", cached.len());
            // The pieces' words, joined into one compact run, are the text's words.
            assert_eq!(draft.word_runs().len(), 1);
            assert!(draft.words() == text::words(text, 0), "cached words");
        };
        check(&text);
        let pieces = cache.len();
        for edit in edits {
            edit(&mut text);
            check(&text);
        }
        assert!(pieces > 100, "{pieces} pieces");
        let distinct: std::collections::HashSet<&str> = {
            let cuts = text::blank_line_cuts(&text, text.len());
            cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
        };
        assert_eq!(cache.len(), distinct.len());
        // Another rule set starts the cache afresh rather than reuse matches it did not make
        // (its phrase owners mean other things).
        let other = RuleSet::from_sources(&[(
            "miss",
            "severity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\n\
             guide = \"g\"\ndescription = \"d\"\n[check]\nkind = \"count\"\n\
             phrases = [\"miss (u|you)\"]\nmax = 0\n",
        )])
        .unwrap();
        let found = other.check_cached(&Draft::new(text.clone()), &cache);
        assert!(!found.is_empty());
        assert!(found == other.check(&Draft::new(text)));
    }

    /// The built-in rules' phrase automaton, built from scratch and encoded.
    fn fresh_builtin_phrases() -> Vec<u8> {
        let sources: Vec<(String, &str, &str)> = registry::BUILTIN
            .iter()
            .map(|(id, src)| (format!("rules/{id}.toml"), *id, *src))
            .collect();
        let set = RuleSet::compile_with_snapshot(
            Some(Lexicon::builtin()),
            sources.iter().map(|(p, id, s)| (p.as_str(), *id, *s)),
            &BTreeMap::new(),
            None,
        )
        .unwrap();
        assert!(!set.phrases.from_snapshot());
        phrase::encode_snapshot(&set.phrases)
    }

    #[test]
    fn phrase_snapshot_is_fresh() {
        let fresh = fresh_builtin_phrases();
        if std::env::var_os("EXLINT_BLESS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/rules/phrase/default_phrases.bin"
            );
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        assert!(
            fresh == phrase::BUILTIN_SNAPSHOT,
            "src/rules/phrase/default_phrases.bin is stale (a rule's phrases, the lexicon or the \
             automaton code changed): run `EXLINT_BLESS=1 cargo test --lib phrase_snapshot`"
        );
    }

    #[test]
    fn phrase_snapshot_is_used_for_the_default_rules_and_matches_a_fresh_build() {
        let set = RuleSet::builtin().unwrap();
        assert!(
            set.phrases.from_snapshot(),
            "the default rules did not load the snapshot"
        );
        // (Compared with `==`: a failed assert_eq would print half a megabyte.)
        assert!(phrase::encode_snapshot(&set.phrases) == fresh_builtin_phrases());
        // Another rule set has another key and is built, not loaded.
        let one = RuleSet::from_sources(&[("begging", registry::BUILTIN[0].1)]).unwrap();
        assert!(!one.phrases.from_snapshot());
    }

    const MINIMAL: &str = r#"
severity = "error"
summary = "s"
message = "“{match}” m"
help = "h"
guide = "step 6"
description = "d"
[check]
kind = "phrase"
phrases = ["we need to talk"]
[[check.group]]
severity = "warning"
message = "softer: {match}"
phrases = ["can we talk"]
[[example]]
bad = "we need to talk"
flagged = "we need to talk"
[[example]]
good = "we need to talk about the car"
"#;

    /// Files compile on several threads, yet a broken rule set reports what a file-by-file
    /// compile meets first, and owners follow file order.
    #[test]
    fn files_compile_apart_but_report_in_order() {
        let bad_toml = "severity = \"error\"\nsummary = [";
        let bad_phrase = MINIMAL.replace("phrases = [\"we need to talk\"]", "phrases = [\"a (b\"]");
        let names: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
        for (at, broken) in [(3, bad_toml), (7, bad_phrase.as_str())] {
            for later in [bad_toml, bad_phrase.as_str()] {
                let mut files: Vec<(&str, &str)> =
                    names.iter().map(|n| (n.as_str(), MINIMAL)).collect();
                files[at].1 = broken;
                files[10].1 = later;
                let err = RuleSet::from_sources(&files).unwrap_err();
                assert_eq!(err.path, format!("r{at}.toml"), "{err}");
            }
        }
        let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), MINIMAL)).collect();
        files[5].0 = "r2";
        files[9].1 = bad_toml;
        let err = RuleSet::from_sources(&files).unwrap_err();
        assert!(err.message.contains("duplicate rule id `r2`"), "{err}");
        assert_eq!(err.path, "r2.toml");

        // Each file's phrases answer to its own rule: rule i only flags its own phrase.
        let sources: Vec<String> = (0..6)
            .map(|i| MINIMAL.replace("we need to talk", &format!("talk number {i} now")))
            .collect();
        let files: Vec<(&str, &str)> = names
            .iter()
            .zip(&sources)
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let set = RuleSet::from_sources(&files).unwrap();
        for (i, name) in names.iter().take(6).enumerate() {
            let found = set.check(&Draft::new(format!("talk number {i} now")));
            let ids: Vec<&str> = found.iter().map(|d| &*d.rule).collect();
            assert_eq!(ids, [name.as_str()]);
        }
    }

    /// A file whose phrases cross the automaton's size bound reports that, not a later error in
    /// the same file: a file-by-file compile added its phrases as it went.
    #[test]
    fn crossing_the_phrase_bound_comes_before_a_later_error() {
        let words = vec!["a"; 2_000_001].join(" ");
        let file = MINIMAL.replace("\"we need to talk\"]", &format!("\"{words}\"]"))
            + "[[example]]\nbad = \"x\"\ngood = \"y\"\n";
        let err = RuleSet::from_sources(&[("big", &file)]).unwrap_err();
        assert!(err.message.contains("phrase words; split them up"), "{err}");
        // On its own, the later error is the one reported.
        let small = MINIMAL.to_owned() + "[[example]]\nbad = \"x\"\ngood = \"y\"\n";
        let err = RuleSet::from_sources(&[("small", &small)]).unwrap_err();
        assert!(err.message.contains("exactly one of"), "{err}");
    }

    #[test]
    fn groups_carry_their_own_severity_and_message() {
        let set = RuleSet::from_sources(&[("talk", MINIMAL)]).unwrap();
        let d = set.check(&Draft::new("hey. can we talk?"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].message, "softer: can we talk");
        let d = set.check(&Draft::new("WE NEED TO TALK"));
        assert_eq!(
            (d[0].severity, d[0].message.as_str()),
            (Severity::Error, "“WE NEED TO TALK” m")
        );
    }

    #[test]
    fn except_phrases_cancel_the_matches_they_overlap() {
        let src = MINIMAL.replace(
            "phrases = [\"we need to talk\"]",
            "phrases = [\"we need to talk\"]\nexcept = [\"talk about the (car|dog|rent)\"]",
        );
        let set = RuleSet::from_sources(&[("talk", &src)]).unwrap();
        assert!(
            set.check(&Draft::new("we need to talk about the car"))
                .is_empty()
        );
        assert_eq!(set.check(&Draft::new("we need to talk about us")).len(), 1);
        assert_eq!(
            set.check(&Draft::new("we need to talk. the car is fine"))
                .len(),
            1
        );
        assert!(set.run_examples().is_empty(), "{:?}", set.run_examples());
    }

    #[test]
    fn a_match_that_contains_a_whole_exception_stays() {
        let src = MINIMAL.replace(
            "phrases = [\"we need to talk\"]",
            "phrases = [\"i am (so|) useless\", \"useless at (everything|life)\"]\nexcept = [\"useless at\"]",
        );
        let set = RuleSet::from_sources(&[("talk", &src)]).unwrap();
        assert!(
            set.check(&Draft::new("i am so useless at parking"))
                .is_empty()
        );
        let d = set.check(&Draft::new("i am so useless at everything"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].span, 8..29, "only the longer phrase is left");
        assert_eq!(set.check(&Draft::new("i am so useless")).len(), 1);
    }

    /// Each example of each built-in rule knows the line of its `[[example]]`.
    #[test]
    fn examples_know_their_lines() {
        for (rule, (id, source)) in builtin_set().rules().iter().zip(registry::BUILTIN) {
            assert_eq!(rule.meta.id, *id);
            let headers: Vec<usize> = (1..)
                .zip(source.lines())
                .filter(|(_, l)| l.trim() == "[[example]]")
                .map(|(n, _)| n)
                .collect();
            let lines: Vec<usize> = rule.meta.examples().iter().map(|e| e.line).collect();
            assert_eq!(lines, headers, "{id}");
        }
    }

    #[test]
    fn examples_are_checked_and_failures_name_the_line() {
        let set = RuleSet::from_sources(&[("talk", MINIMAL)]).unwrap();
        let failures = set.run_examples();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(
            failures[0].line,
            MINIMAL.lines().position(|l| l.contains("good =")).unwrap()
        );
        assert!(failures[0].problem.contains("good example fired"));
    }

    /// A rule file whose `[check] kind` is missing or not a string is reported, with the place
    /// when there is one.
    #[test]
    fn a_missing_or_odd_kind_is_reported_where_it_is() {
        let err_of = |from: &str, to: &str| {
            let file = MINIMAL
                .replace(from, to)
                .replace("[[check.group]]", "[[chek.group]]");
            let err = RuleSet::from_sources(&[("talk", &file)]).unwrap_err();
            let line = err.line_col().map(|(line, _)| line);
            (err.message, err.hint, line)
        };
        let (message, hint, line) = err_of("[check]\n", "[chek]\n");
        assert_eq!(message, "missing `[check]` table");
        assert_eq!((hint, line), (None, None));

        let (message, hint, line) = err_of("kind = \"phrase\"\n", "");
        assert_eq!(message, "`[check]` needs a `kind`");
        assert!(hint.unwrap().starts_with("one of: phrase, pattern"));
        assert_eq!(line, Some(8), "the `[check]` table's first line");

        let (message, _, line) = err_of("kind = \"phrase\"", "kind = 5");
        assert!(message.contains("invalid type: integer `5`"), "{message}");
        assert_eq!(line, Some(9));

        let (message, _, line) = err_of("[check]\nkind = \"phrase\"", "check = 3\n[chek]");
        assert!(message.contains("invalid type: integer `3`"), "{message}");
        assert_eq!(line, Some(8));

        // A known kind reads the table with its own schema.
        let (message, _, _) = err_of("kind = \"phrase\"", "kind = \"count\"");
        assert!(message.contains("missing field `max`"), "{message}");
    }

    #[test]
    fn unknown_keys_and_kinds_point_at_the_problem() {
        let typo = MINIMAL.replace("phrases = [\"we", "phrazes = [\"we");
        let err = RuleSet::from_sources(&[("talk", &typo)]).unwrap_err();
        assert!(err.message.contains("phrazes"), "{err}");
        assert_eq!(err.hint.as_deref(), Some("did you mean `phrases`?"));
        let line = typo.lines().position(|l| l.contains("phrazes")).unwrap() + 1;
        assert_eq!(err.line_col().unwrap().0, line);

        let kind = MINIMAL.replace("kind = \"phrase\"", "kind = \"phrse\"");
        let err = RuleSet::from_sources(&[("talk", &kind)]).unwrap_err();
        assert_eq!(err.hint.as_deref(), Some("did you mean `phrase`?"));

        let bad_phrase = MINIMAL.replace("\"can we talk\"", "\"can (we talk\"");
        let err = RuleSet::from_sources(&[("talk", &bad_phrase)]).unwrap_err();
        assert!(err.message.contains("unclosed"), "{err}");
        let line = bad_phrase
            .lines()
            .position(|l| l.contains("can (we"))
            .unwrap()
            + 1;
        assert_eq!(err.line_col().unwrap().0, line);
    }

    #[test]
    fn a_finding_inside_a_more_severe_one_is_dropped() {
        let mk = |rule: &str, severity: Severity, span: Range<usize>| Diagnostic {
            rule: rule.into(),
            severity,
            span,
            message: String::new(),
            help: SharedText::default(),
            suggestion: None,
        };
        let kept = drop_shadowed(vec![
            mk("pressure", Severity::Warning, 0..9),
            mk("ultimatum", Severity::Error, 0..28),
            mk("self-harm", Severity::Error, 40..60),
            mk("begging", Severity::Error, 45..60),
            mk("rehash", Severity::Warning, 58..70),
            mk("loud", Severity::Error, 41..44),
        ]);
        let rules: Vec<&str> = kept.iter().map(|d| d.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["ultimatum", "self-harm", "loud", "begging", "rehash"]
        );
    }

    /// The linear-time shadowing gives exactly what comparing with every kept finding gave.
    #[test]
    fn shadowing_matches_the_pairwise_definition() {
        fn pairwise(mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
            found.sort_by(|a, b| {
                (a.span.start, std::cmp::Reverse(a.span.end))
                    .cmp(&(b.span.start, std::cmp::Reverse(b.span.end)))
            });
            let mut kept: Vec<Diagnostic> = Vec::new();
            for d in found {
                if !kept.iter().any(|k| {
                    k.rule != d.rule
                        && k.span.start <= d.span.start
                        && d.span.end <= k.span.end
                        && d.severity < k.severity
                }) {
                    kept.push(d);
                }
            }
            kept
        }
        let mut next = crate::diagnostic::test_numbers();
        let severities = [Severity::Info, Severity::Warning, Severity::Error];
        for _ in 0..2000 {
            let found: Vec<Diagnostic> = (0..next(12))
                .map(|_| {
                    let start = next(30);
                    Diagnostic {
                        rule: ["a", "b", "c", "d"][next(4)].into(),
                        severity: severities[next(3)],
                        span: start..start + next(15),
                        message: String::new(),
                        help: SharedText::default(),
                        suggestion: None,
                    }
                })
                .collect();
            assert_eq!(
                drop_shadowed(found.clone()),
                pairwise(found.clone()),
                "{found:?}"
            );
        }
    }

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(
            fill("“{match}” x {other}", &[("match", "a\n  b")]),
            "“a b” x {other}"
        );
        let long = "word ".repeat(40);
        assert!(fill("{match}", &[("match", &long)]).ends_with('…'));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1024, failure_persistence: None, ..Default::default()
        })]
        /// Writing a value on one line in place gives what collapsing its whitespace, then
        /// cutting it to length, gives.
        #[test]
        fn one_line_in_place_is_collapse_then_cut(
            text in proptest::prop_oneof!["[a\u{e9}😀 \t\n]{0,30}", "[ -~\t\x01]{0,80}"],
            max in 1usize..70,
        ) {
            let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let want = if collapsed.chars().count() <= max {
                collapsed
            } else {
                let cut: String = collapsed.chars().take(max - 1).collect();
                format!("{}…", cut.trim_end())
            };
            let mut out = String::from("x");
            super::push_one_line(&mut out, &text, max);
            proptest::prop_assert_eq!(&out[1..], want);
        }
    }
}
