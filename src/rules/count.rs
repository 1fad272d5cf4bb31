//! The `count` kind: how often something occurs in one draft — a phrase ("sorry") or a unit
//! (questions). Every occurrence past `max` is a finding, so the span lands on the extra ones.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::error::SourceError;

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CountSpec {
    #[allow(dead_code)]
    kind: String,
    /// Count these phrases (same syntax as the `phrase` kind)...
    phrases: Option<Vec<Spanned<String>>>,
    /// ...or count a unit of the draft.
    count: Option<Countable>,
    /// How many are fine; the one after is a finding.
    max: usize,
}

/// What `[rules.<id>]` in a config may change: how many are fine.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CountSettings {
    max: Option<usize>,
}

impl Configurable for CountSpec {
    type Settings = CountSettings;
    const SETTINGS: &'static [&'static str] = &["max"];

    fn configure(&mut self, s: CountSettings) {
        self.max = s.max.unwrap_or(self.max);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Countable {
    Questions,
}

#[derive(Debug)]
pub struct CountCheck {
    what: What,
    max: usize,
}

#[derive(Debug)]
enum What {
    Phrases(u32),
    Questions,
}

impl CountCheck {
    pub fn compile(spec: CountSpec, cx: &mut CompileCx<'_>) -> Result<CountCheck, SourceError> {
        let what = match (spec.phrases, spec.count) {
            (Some(phrases), None) => What::Phrases(cx.add_phrases(&phrases)?),
            (None, Some(Countable::Questions)) => What::Questions,
            _ => return Err(cx.whole_check("give exactly one of `phrases` or `count`")),
        };
        Ok(CountCheck {
            what,
            max: spec.max,
        })
    }

    /// Renumber the owner it was given by `by` (see `CompileCx::add_phrases`).
    pub fn shift_owners(&mut self, by: u32) {
        if let What::Phrases(owner) = &mut self.what {
            *owner += by;
        }
    }

    pub fn owner(&self) -> Option<u32> {
        match self.what {
            What::Phrases(owner) => Some(owner),
            What::Questions => None,
        }
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let occurrences: Vec<Range<usize>> = match self.what {
            What::Phrases(owner) => {
                let mut spans: Vec<Range<usize>> = Vec::new();
                for m in cx.phrase_matches(owner) {
                    // Overlapping matches are one occurrence.
                    if spans.last().is_none_or(|last| m.span.start >= last.end) {
                        spans.push(m.span.clone());
                    }
                }
                spans
            }
            What::Questions => cx.draft.questions().to_vec(),
        };
        let (total, max) = (occurrences.len().to_string(), self.max.to_string());
        out.reserve(occurrences.len().saturating_sub(self.max));
        for (i, span) in occurrences.into_iter().enumerate().skip(self.max) {
            let text = cx.draft.slice(span.clone());
            out.push(Diagnostic {
                rule: meta.id.clone(),
                severity: meta.severity,
                message: fill(
                    &meta.message,
                    &[
                        ("match", text),
                        ("nth", &ordinal(i + 1)),
                        ("count", &total),
                        ("max", &max),
                    ],
                ),
                help: meta.help.clone(),
                span,
                suggestion: None,
            });
        }
    }
}

/// 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd".
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Draft;
    use crate::rules::RuleSet;

    fn rule(check: &str) -> String {
        format!(
            "severity = \"warning\"\nsummary = \"s\"\nmessage = \"{{nth}} of {{count}}: {{match}}\"\nhelp = \"h\"\nguide = \"step 4\"\ndescription = \"d\"\n[check]\nkind = \"count\"\n{check}\n"
        )
    }

    #[test]
    fn flags_each_occurrence_past_the_max() {
        let set = RuleSet::from_sources(&[(
            "sorry",
            &rule("phrases = [\"sorry\", \"(apologize|apologise)\"]\nmax = 2"),
        )])
        .unwrap();
        let text = "sorry. so sorry, I apologise. sorryyy";
        let d = set.check(&Draft::new(text));
        let flagged: Vec<&str> = d.iter().map(|d| &text[d.span.clone()]).collect();
        assert_eq!(flagged, ["apologise", "sorryyy"]);
        assert_eq!(d[0].message, "3rd of 4: apologise");
        assert!(set.check(&Draft::new("sorry sorry")).is_empty());
    }

    #[test]
    fn counts_questions() {
        let set = RuleSet::from_sources(&[("q", &rule("count = \"questions\"\nmax = 1"))]).unwrap();
        let text = "you ok?? did you eat? bye";
        let d = set.check(&Draft::new(text));
        assert_eq!(d.len(), 1);
        assert_eq!(&text[d[0].span.clone()], "did you eat?");
    }

    #[test]
    fn needs_exactly_one_thing_to_count() {
        assert!(RuleSet::from_sources(&[("x", &rule("max = 1"))]).is_err());
        assert!(
            RuleSet::from_sources(&[(
                "x",
                &rule("count = \"questions\"\nphrases = [\"a\"]\nmax = 1")
            )])
            .is_err()
        );
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal).to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"
            ]
        );
    }
}
