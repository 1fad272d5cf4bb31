//! The `thread` kind: looks at the conversation around the draft. It fires when my messages in a
//! row without a reply — the draft included — would pass `max-unanswered`. Without a
//! conversation (`--thread`, or reviewing an export) it has nothing to say.
//!
//! ```toml
//! [check]
//! kind = "thread"
//! max-unanswered = 2   # a third message in a row fires
//! ```
//!
//! Placeholders: `{count}` (messages in a row, this one included), `{ordinal}` ("3rd"),
//! `{max}`.

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::error::SourceError;

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill, first_line_span};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ThreadSpec {
    #[allow(dead_code)]
    kind: String,
    max_unanswered: Spanned<i64>,
}

/// What `[rules.<id>]` in a config may change: how many unanswered messages in a row are fine.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ThreadSettings {
    max_unanswered: Option<i64>,
}

impl Configurable for ThreadSpec {
    type Settings = ThreadSettings;
    const SETTINGS: &'static [&'static str] = &["max-unanswered"];

    fn configure(&mut self, s: ThreadSettings) {
        if let Some(n) = s.max_unanswered {
            self.max_unanswered = Spanned::new(self.max_unanswered.span(), n);
        }
    }
}

#[derive(Debug)]
pub struct ThreadCheck {
    max_unanswered: usize,
}

impl ThreadCheck {
    pub fn compile(spec: ThreadSpec, cx: &mut CompileCx<'_>) -> Result<ThreadCheck, SourceError> {
        let n = *spec.max_unanswered.get_ref();
        match usize::try_from(n) {
            Ok(max) if (1..=100).contains(&max) => Ok(ThreadCheck {
                max_unanswered: max,
            }),
            _ => Err(cx.error(
                spec.max_unanswered.span(),
                format!("`max-unanswered` is {n}; give a number from 1 to 100"),
            )),
        }
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let Some(thread) = cx.draft.thread() else {
            return;
        };
        let count = thread.unanswered_before + 1;
        if count <= self.max_unanswered {
            return;
        }
        let n = count.to_string();
        let ordinal = ordinal(count);
        let max = self.max_unanswered.to_string();
        let vars = [
            ("count", n.as_str()),
            ("ordinal", ordinal.as_str()),
            ("max", max.as_str()),
        ];
        out.push(Diagnostic {
            rule: meta.id.clone(),
            severity: meta.severity,
            span: first_line_span(cx.draft),
            message: fill(&meta.message, &vars),
            help: fill(&meta.help, &vars).into(),
            suggestion: None,
        });
    }
}

/// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, …
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
    use crate::conversation::ThreadFacts;
    use crate::draft::Draft;
    use crate::rules::RuleSet;

    const RULE: &str = r#"
severity = "warning"
summary = "s"
message = "your {ordinal} message in a row ({count} > {max})"
help = "h"
guide = "step 1"
description = "d"
[check]
kind = "thread"
max-unanswered = 2
"#;

    fn draft(before: usize) -> Draft {
        Draft::new("  \nok so anyway\nmore").with_thread(Some(ThreadFacts {
            last_contact: None,
            unanswered_before: before,
        }))
    }

    #[test]
    fn fires_on_the_third_in_a_row() {
        let set = RuleSet::from_sources(&[("dt", RULE)]).unwrap();
        assert!(set.check(&draft(0)).is_empty());
        assert!(set.check(&draft(1)).is_empty());
        let d = draft(2);
        let found = set.check(&d);
        assert_eq!(found[0].message, "your 3rd message in a row (3 > 2)");
        assert_eq!(d.slice(found[0].span.clone()), "ok so anyway");
        assert!(set.check(&Draft::new("no thread")).is_empty());
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111]
            .map(ordinal)
            .to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd",
                "111th"
            ]
        );
    }

    #[test]
    fn max_must_be_sensible() {
        let src = RULE.replace("max-unanswered = 2", "max-unanswered = 0");
        let err = RuleSet::from_sources(&[("dt", &src)]).unwrap_err();
        assert!(err.message.contains("from 1 to 100"), "{err}");
    }
}
