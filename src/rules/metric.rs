//! The `metric` kind: how big a scope is, in some unit — words in the draft, sentences in a
//! paragraph. Fires when a limit is passed; the span covers what is past the limit, so the writer
//! sees exactly what to cut.
//!
//! Limits are named after their unit: `max-words` (or `warn-words`) fires at the rule's own
//! severity, `error-words` escalates to an error. Likewise `max-sentences` / `error-sentences`.

use std::ops::Range;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::SourceError;
use crate::text::WordSpan as Span;

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetricSpec {
    #[allow(dead_code)]
    kind: String,
    count: Unit,
    #[serde(default)]
    per: Scope,
    max_words: Option<usize>,
    warn_words: Option<usize>,
    error_words: Option<usize>,
    max_sentences: Option<usize>,
    warn_sentences: Option<usize>,
    error_sentences: Option<usize>,
}

/// What `[rules.<id>]` in a config may change: the limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetricSettings {
    max_words: Option<usize>,
    warn_words: Option<usize>,
    error_words: Option<usize>,
    max_sentences: Option<usize>,
    warn_sentences: Option<usize>,
    error_sentences: Option<usize>,
}

/// Setting names that mean the same limit: a config layer that sets one replaces the other.
pub const ALIASES: &[(&str, &str)] = &[
    ("max-words", "warn-words"),
    ("max-sentences", "warn-sentences"),
];

impl Configurable for MetricSpec {
    type Settings = MetricSettings;
    const SETTINGS: &'static [&'static str] = &[
        "max-words",
        "warn-words",
        "error-words",
        "max-sentences",
        "warn-sentences",
        "error-sentences",
    ];

    fn configure(&mut self, s: MetricSettings) {
        // `max-X` and `warn-X` are one limit under two names: setting either replaces both, so a
        // config's `max-words` does not clash with the rule file's `warn-words`.
        if s.max_words.is_some() || s.warn_words.is_some() {
            self.max_words = s.max_words;
            self.warn_words = s.warn_words;
        }
        if s.max_sentences.is_some() || s.warn_sentences.is_some() {
            self.max_sentences = s.max_sentences;
            self.warn_sentences = s.warn_sentences;
        }
        self.error_words = s.error_words.or(self.error_words);
        self.error_sentences = s.error_sentences.or(self.error_sentences);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Words,
    Sentences,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    #[default]
    Draft,
    Paragraph,
}

#[derive(Debug)]
pub struct MetricCheck {
    unit: Unit,
    per: Scope,
    /// Fire above this at the rule's severity.
    limit: usize,
    /// Escalate to an error above this.
    error_limit: Option<usize>,
}

impl MetricCheck {
    pub fn compile(spec: MetricSpec, cx: &mut CompileCx<'_>) -> Result<MetricCheck, SourceError> {
        let (max, warn, error, other) = match spec.count {
            Unit::Words => (
                spec.max_words,
                spec.warn_words,
                spec.error_words,
                spec.max_sentences
                    .or(spec.warn_sentences)
                    .or(spec.error_sentences),
            ),
            Unit::Sentences => (
                spec.max_sentences,
                spec.warn_sentences,
                spec.error_sentences,
                spec.max_words.or(spec.warn_words).or(spec.error_words),
            ),
        };
        let unit = match spec.count {
            Unit::Words => "words",
            Unit::Sentences => "sentences",
        };
        if other.is_some() {
            return Err(cx.whole_check(format!(
                "this rule counts {unit}: its limits are `max-{unit}` and `error-{unit}`"
            )));
        }
        if max.is_some() && warn.is_some() {
            return Err(cx.whole_check(format!(
                "`max-{unit}` and `warn-{unit}` mean the same limit; give one"
            )));
        }
        let limit = match max.or(warn).or(error) {
            Some(l) => l,
            None => {
                return Err(cx.whole_check(format!(
                    "a metric needs a limit: `max-{unit}` (and optionally `error-{unit}`)"
                )));
            }
        };
        if let Some(e) = error {
            if e < limit {
                return Err(cx.whole_check(format!(
                    "`error-{unit}` ({e}) is below the warning limit ({limit})"
                )));
            }
        }
        Ok(MetricCheck {
            unit: spec.count,
            per: spec.per,
            limit,
            error_limit: error.filter(|_| max.or(warn).is_some()),
        })
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let draft = cx.draft;
        let body = [draft.body_span()];
        let scopes: &[Range<usize>] = match self.per {
            Scope::Draft => &body,
            Scope::Paragraph => draft.paragraphs(),
        };
        // Words as the pieces of a long draft found them: counting needs no list of them all.
        match self.unit {
            Unit::Words => self.check_units(meta, scopes, draft.word_runs(), out),
            Unit::Sentences => self.check_units(meta, scopes, &[(0, draft.sentences())], out),
        }
    }

    /// Flag each scope with more of `units` (in runs, see `Cursor`) than the limit.
    fn check_units<U: Span>(
        &self,
        meta: &RuleMeta,
        scopes: &[Range<usize>],
        units: &[(usize, impl AsRef<[U]>)],
        out: &mut Vec<Diagnostic>,
    ) {
        // Scopes and units are both in order: each scope's units are found from where the last
        // scope's ended, searching outward from there (a paragraph holds a few sentences).
        let mut at = Cursor::default();
        for scope in scopes {
            at = at.skip(units, scope.start);
            let end = at.skip(units, scope.end);
            let count = at.count_to(units, end);
            let from = at;
            at = end;
            if count <= self.limit {
                continue;
            }
            let (limit, severity) = match self.error_limit {
                Some(e) if count > e => (e, Severity::Error),
                _ => (self.limit, meta.severity),
            };
            let span = from.nth(units, limit).start..from.nth(units, count - 1).end;
            let unit = match self.unit {
                Unit::Words => "words",
                Unit::Sentences => "sentences",
            };
            out.push(Diagnostic {
                rule: meta.id.clone(),
                severity,
                message: fill(
                    &meta.message,
                    &[
                        ("count", &count.to_string()),
                        ("limit", &limit.to_string()),
                        ("unit", unit),
                        ("over", &(count - limit).to_string()),
                    ],
                ),
                help: meta.help.clone(),
                span,
                suggestion: None,
            });
        }
    }
}

/// A place in units kept as runs (`Draft::word_runs`): run `run`, item `item`; each run's spans
/// are shifted by its offset.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    run: usize,
    item: usize,
}

impl Cursor {
    /// The place of the first unit from here that starts at or after `offset`.
    fn skip<U: Span>(self, runs: &[(usize, impl AsRef<[U]>)], offset: usize) -> Cursor {
        let Cursor { mut run, mut item } = self;
        while let Some((at, units)) = runs.get(run) {
            let (at, units) = (*at, units.as_ref());
            item += gallop(&units[item..], |u| u.start() + at < offset);
            if item < units.len() {
                break;
            }
            (run, item) = (run + 1, 0);
        }
        Cursor { run, item }
    }

    /// How many units lie from here to `end` (a later place).
    fn count_to<U>(self, runs: &[(usize, impl AsRef<[U]>)], end: Cursor) -> usize {
        if self.run == end.run {
            return end.item - self.item;
        }
        let rest = |r: usize| runs.get(r).map_or(0, |(_, units)| units.as_ref().len());
        let middle: usize = (self.run + 1..end.run).map(rest).sum();
        rest(self.run) - self.item + middle + end.item
    }

    /// The source span of the `n`th unit from here (there are more than `n`).
    fn nth<U: Span>(self, runs: &[(usize, impl AsRef<[U]>)], mut n: usize) -> Range<usize> {
        let Cursor { mut run, mut item } = self;
        loop {
            let (at, units) = (runs[run].0, runs[run].1.as_ref());
            if item + n < units.len() {
                let u = &units[item + n];
                return u.start() + at..u.end() + at;
            }
            n -= units.len() - item;
            (run, item) = (run + 1, 0);
        }
    }
}

/// The number of leading items of `items` for which `before` holds (it holds for a prefix, as for
/// `partition_point`), found in steps that double from the front: cheap when the answer is near
/// the start, and never worse than twice a binary search.
fn gallop<T>(items: &[T], before: impl Fn(&T) -> bool) -> usize {
    let mut end = 1;
    while end <= items.len() && before(&items[end - 1]) {
        end *= 2;
    }
    // `before` holds for the first `end / 2` items; the answer is below `end`.
    let known = end / 2;
    let upto = end.min(items.len());
    known + items[known..upto].partition_point(before)
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use crate::Draft;
    use crate::diagnostic::Severity;
    use crate::rules::RuleSet;

    fn rule(check: &str) -> String {
        format!(
            r#"severity = "warning"
summary = "s"
message = "{{count}} {{unit}}, limit {{limit}}"
help = "h"
guide = "step 1"
description = "d"
[check]
kind = "metric"
{check}
"#
        )
    }

    #[test]
    fn words_past_the_limit_are_the_span() {
        let src = rule("count = \"words\"\nwarn-words = 3\nerror-words = 5");
        let set = RuleSet::from_sources(&[("len", &src)]).unwrap();
        let text = "one two three four";
        let d = set.check(&Draft::new(text));
        assert_eq!(d.len(), 1);
        assert_eq!(&text[d[0].span.clone()], "four");
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].message, "4 words, limit 3");

        let text = "a b c d e f g";
        let d = set.check(&Draft::new(text));
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(&text[d[0].span.clone()], "f g");
        assert!(set.check(&Draft::new("a b c")).is_empty());
    }

    #[test]
    fn sentences_per_paragraph() {
        let src = rule("count = \"sentences\"\nper = \"paragraph\"\nmax-sentences = 2");
        let set = RuleSet::from_sources(&[("para", &src)]).unwrap();
        let text = "A. B. C.\n\nD. E.";
        let d = set.check(&Draft::new(text));
        assert_eq!(d.len(), 1);
        assert_eq!(&text[d[0].span.clone()], "C.");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512, failure_persistence: None, ..Default::default()
        })]
        /// Units kept in runs (each shifted by its offset) are counted and picked per scope
        /// as the same units in one list are.
        #[test]
        fn units_in_runs_count_as_one_list(
            gaps in proptest::collection::vec((1usize..4, 0usize..3, proptest::bool::ANY), 0..40),
            scopes in proptest::collection::vec((0usize..8, 0usize..8), 1..6),
        ) {
            // Units at increasing offsets; a new run starts where the flag is set.
            let mut flat: Vec<Range<usize>> = Vec::new();
            let mut runs: Vec<(usize, Vec<Range<usize>>)> = vec![(0, Vec::new())];
            let mut at = 0;
            for (gap, len, cut) in gaps {
                let start = at + gap;
                at = start + len;
                if cut {
                    runs.push((start - 1, Vec::new()));
                }
                let (shift, run) = runs.last_mut().unwrap();
                run.push(start - *shift..at - *shift);
                flat.push(start..at);
            }
            let runs: Vec<(usize, &[Range<usize>])> =
                runs.iter().map(|(a, r)| (*a, &r[..])).collect();
            let mut from = 0;
            let mut cursor = super::Cursor::default();
            for (skip, len) in scopes {
                let scope = from + skip..from + skip + len * 3;
                from = scope.end;
                let lo = flat.partition_point(|u| u.start < scope.start);
                let hi = flat.partition_point(|u| u.start < scope.end);
                cursor = cursor.skip(&runs, scope.start);
                let end = cursor.skip(&runs, scope.end);
                proptest::prop_assert_eq!(cursor.count_to(&runs, end), hi - lo);
                for n in 0..hi - lo {
                    proptest::prop_assert_eq!(cursor.nth(&runs, n), flat[lo + n].clone());
                }
                cursor = end;
            }
        }

        /// Galloping finds what a binary search finds.
        #[test]
        fn gallop_is_partition_point(mut items in proptest::collection::vec(0u8..50, 0..70), at in 0u8..60) {
            items.sort_unstable();
            proptest::prop_assert_eq!(
                super::gallop(&items, |&x| x < at),
                items.partition_point(|&x| x < at)
            );
        }
    }

    #[test]
    fn limits_must_fit_the_unit() {
        for bad in [
            "count = \"words\"\nmax-sentences = 2",
            "count = \"words\"",
            "count = \"words\"\nmax-words = 5\nwarn-words = 5",
            "count = \"words\"\nwarn-words = 9\nerror-words = 5",
            "count = \"lines\"\nmax-words = 5",
        ] {
            assert!(
                RuleSet::from_sources(&[("x", &rule(bad))]).is_err(),
                "{bad}"
            );
        }
    }
}
