//! Rules as data: a rule file (TOML) names a *kind* and gives its settings; this module parses and
//! validates the file once, compiles it into a `Rule`, and runs a `RuleSet` over a `Draft`.
//!
//! Nothing in `check` can fail and nothing in it compiles a regex: all of that happens at load.

pub mod count;
pub mod metric;
pub mod pattern;
pub mod phrase;
pub mod registry;

use std::cell::OnceCell;
use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Severity};
use crate::draft::Draft;
use crate::error::{SourceError, closest};
use crate::lexicon::Lexicon;
use crate::text::NormalizedView;

use phrase::{PhraseIndex, PhraseMatch};

/// The rule kinds, by the name a rule file gives in `[check] kind = "..."`.
pub const KINDS: &[&str] = &["phrase", "pattern", "metric", "count"];

/// Everything about a rule except how it checks: what `exlint rules` and `explain` show.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    pub message: String,
    pub help: String,
    pub guide: String,
    pub description: String,
    pub kind: &'static str,
    pub examples: Vec<Example>,
    /// Where the rule came from ("rules/begging.toml" for built-ins).
    pub path: String,
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

/// What a kind's `compile` may use: the lexicon, the shared phrase index, and error helpers that
/// point into the rule file.
pub struct CompileCx<'a> {
    path: &'a str,
    source: &'a str,
    check_span: Range<usize>,
    lexicon: &'a Lexicon,
    phrases: &'a mut PhraseIndex,
    next_owner: &'a mut u32,
}

impl CompileCx<'_> {
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SourceError {
        SourceError::at(self.path, self.source, span, message)
    }

    /// An error about the `[check]` table as a whole.
    pub fn whole_check(&self, message: impl Into<String>) -> SourceError {
        self.error(self.check_span.clone(), message)
    }

    /// Add a list of phrases to the shared index under a new owner id.
    pub fn add_phrases(&mut self, phrases: &[Spanned<String>]) -> Result<u32, SourceError> {
        let owner = *self.next_owner;
        *self.next_owner += 1;
        if phrases.is_empty() {
            return Err(self.whole_check("`phrases` is empty"));
        }
        for p in phrases {
            phrase::parse_phrase(p.get_ref())
                .and_then(|parsed| self.phrases.insert(&parsed, owner, self.lexicon))
                .map_err(|e| self.error(p.span(), format!("bad phrase: {e}")))?;
        }
        Ok(owner)
    }
}

/// What a check sees while it runs: the draft, and the phrase matches (found once, lazily, for all
/// rules together).
pub struct Ctx<'a> {
    pub draft: &'a Draft,
    set: &'a RuleSet,
    matches: OnceCell<Vec<PhraseMatch>>,
}

impl<'a> Ctx<'a> {
    pub fn view(&self) -> &'a NormalizedView {
        self.draft.normalized(&self.set.lexicon)
    }

    /// Token ranges of the matches of one owner, in order.
    pub fn phrase_matches(&self, owner: u32) -> impl Iterator<Item = Range<usize>> + '_ {
        let all = self
            .matches
            .get_or_init(|| self.set.phrases.find(self.view()));
        let lo = all.partition_point(|m| m.owner < owner);
        let hi = all.partition_point(|m| m.owner <= owner);
        all[lo..hi].iter().map(|m| m.tokens.clone())
    }
}

/// Fill `{name}` placeholders. Unknown names are left as they are. Matched text is shown on one
/// line and shortened if long.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if vars.iter().any(|(k, _)| *k == &after[..close]) => {
                let name = &after[..close];
                let value = vars
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| *v)
                    .unwrap_or("");
                out.push_str(&one_line(value, 60));
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

fn one_line(text: &str, max_chars: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(max_chars - 1).collect();
    format!("{}…", cut.trim_end())
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
}

impl RuleSet {
    /// The default rule pack, embedded in the binary.
    pub fn builtin() -> Result<RuleSet, SourceError> {
        let sources: Vec<(String, &str, &str)> = registry::BUILTIN
            .iter()
            .map(|(id, src)| (format!("rules/{id}.toml"), *id, *src))
            .collect();
        RuleSet::compile(
            Lexicon::builtin(),
            sources.iter().map(|(p, id, s)| (p.as_str(), *id, *s)),
        )
    }

    /// Rules from `(id, toml)` pairs with the built-in lexicon (handy for tests and user rules).
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<RuleSet, SourceError> {
        let named: Vec<(String, &str, &str)> = sources
            .iter()
            .map(|(id, src)| (format!("{id}.toml"), *id, *src))
            .collect();
        RuleSet::compile(
            Lexicon::builtin(),
            named.iter().map(|(p, id, s)| (p.as_str(), *id, *s)),
        )
    }

    /// Compile rule files `(path, id, source)` against a lexicon.
    pub fn compile<'s>(
        lexicon: Lexicon,
        files: impl IntoIterator<Item = (&'s str, &'s str, &'s str)>,
    ) -> Result<RuleSet, SourceError> {
        let mut phrases = PhraseIndex::new();
        let mut next_owner = 0;
        let mut rules: Vec<Rule> = Vec::new();
        for (path, id, source) in files {
            if rules.iter().any(|r| r.meta.id == id) {
                return Err(SourceError::whole(
                    path,
                    source,
                    format!("duplicate rule id `{id}`"),
                ));
            }
            let rule = compile_rule(path, id, source, &lexicon, &mut phrases, &mut next_owner)?;
            rules.push(rule);
        }
        phrases.finish();
        Ok(RuleSet {
            lexicon,
            rules,
            phrases,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Run every rule over the draft. Pure and deterministic: diagnostics come back sorted.
    pub fn check(&self, draft: &Draft) -> Vec<Diagnostic> {
        let cx = Ctx {
            draft,
            set: self,
            matches: OnceCell::new(),
        };
        let mut out = Vec::new();
        let mut phrases = Vec::new();
        for rule in &self.rules {
            match &rule.check {
                Check::Phrase(c) => c.check(&rule.meta, &cx, &mut phrases),
                Check::Pattern(c) => c.check(&rule.meta, &cx, &mut out),
                Check::Metric(c) => c.check(&rule.meta, &cx, &mut out),
                Check::Count(c) => c.check(&rule.meta, &cx, &mut out),
            }
        }
        out.extend(drop_shadowed(phrases));
        Diagnostic::sort(&mut out);
        out
    }

    /// Run every rule's examples; an empty result means they all hold.
    pub fn run_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            for ex in &rule.meta.examples {
                let draft = Draft::new(ex.text.clone());
                let found: Vec<Diagnostic> = self
                    .check(&draft)
                    .into_iter()
                    .filter(|d| d.rule == rule.meta.id)
                    .collect();
                let fail = |problem: String| ExampleFailure {
                    rule: rule.meta.id.clone(),
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
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(found.len());
    for d in found {
        let shadowed = kept.iter().any(|k| {
            k.rule != d.rule
                && k.span.start <= d.span.start
                && d.span.end <= k.span.end
                && d.severity < k.severity
        });
        if !shadowed {
            kept.push(d);
        }
    }
    kept
}

fn compile_rule(
    path: &str,
    id: &str,
    source: &str,
    lexicon: &Lexicon,
    phrases: &mut PhraseIndex,
    next_owner: &mut u32,
) -> Result<Rule, SourceError> {
    let probe: Probe =
        toml::from_str(source).map_err(|e| SourceError::from_toml(path, source, &e))?;
    let Some(check) = probe.check else {
        return Err(SourceError::whole(path, source, "missing `[check]` table"));
    };
    let Some(kind) = check.get_ref().kind.as_ref() else {
        return Err(
            SourceError::at(path, source, check.span(), "`[check]` needs a `kind`")
                .with_hint(format!("one of: {}", KINDS.join(", "))),
        );
    };
    fn parse<C: DeserializeOwned>(path: &str, source: &str) -> Result<RuleFile<C>, SourceError> {
        toml::from_str(source).map_err(|e| SourceError::from_toml(path, source, &e))
    }
    let kind_name = kind.get_ref().as_str();
    let (kind, file_meta, check) = match kind_name {
        "phrase" => {
            let f: RuleFile<phrase::PhraseSpec> = parse(path, source)?;
            let (meta, check) = split(f);
            let mut cx = cx(path, source, &check, lexicon, phrases, next_owner);
            (
                "phrase",
                meta,
                Check::Phrase(phrase::PhraseCheck::compile(check.into_inner(), &mut cx)?),
            )
        }
        "pattern" => {
            let f: RuleFile<pattern::PatternSpec> = parse(path, source)?;
            let (meta, check) = split(f);
            let mut cx = cx(path, source, &check, lexicon, phrases, next_owner);
            (
                "pattern",
                meta,
                Check::Pattern(pattern::PatternCheck::compile(check.into_inner(), &mut cx)?),
            )
        }
        "metric" => {
            let f: RuleFile<metric::MetricSpec> = parse(path, source)?;
            let (meta, check) = split(f);
            let mut cx = cx(path, source, &check, lexicon, phrases, next_owner);
            (
                "metric",
                meta,
                Check::Metric(metric::MetricCheck::compile(check.into_inner(), &mut cx)?),
            )
        }
        "count" => {
            let f: RuleFile<count::CountSpec> = parse(path, source)?;
            let (meta, check) = split(f);
            let mut cx = cx(path, source, &check, lexicon, phrases, next_owner);
            (
                "count",
                meta,
                Check::Count(count::CountCheck::compile(check.into_inner(), &mut cx)?),
            )
        }
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
    let mut examples = Vec::with_capacity(example.len());
    for ex in example {
        let span = ex.span();
        let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
        let ex = ex.into_inner();
        let (bad, text) = match (ex.bad, ex.good) {
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
        });
    }
    Ok(Rule {
        meta: RuleMeta {
            id: id.to_owned(),
            severity,
            summary,
            message,
            help,
            guide,
            description,
            kind,
            examples,
            path: path.to_owned(),
        },
        check,
    })
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

fn cx<'a, C>(
    path: &'a str,
    source: &'a str,
    check: &Spanned<C>,
    lexicon: &'a Lexicon,
    phrases: &'a mut PhraseIndex,
    next_owner: &'a mut u32,
) -> CompileCx<'a> {
    CompileCx {
        path,
        source,
        check_span: check.span(),
        lexicon,
        phrases,
        next_owner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            help: String::new(),
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

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(
            fill("“{match}” x {other}", &[("match", "a\n  b")]),
            "“a b” x {other}"
        );
        let long = "word ".repeat(40);
        assert!(fill("{match}", &[("match", &long)]).ends_with('…'));
    }
}
