//! The `no-contact` kind: fires when the draft would be sent inside the no-contact period —
//! `days` calendar days (in the writer's zone) from the day contact stopped. That day comes from
//! the context (`since`, config `[no-contact]` or `--no-contact-since`) or, failing that, from the
//! date of the last message of a conversation given with `--thread`.
//!
//! Days count from `since` as day 0: with `since = 2026-11-20` and 21 days, 28 November is
//! "day 8 of 21" and the period is over at the start of 11 December. When the start comes from
//! the thread, a message on the same day as the last one continues that conversation and is not
//! flagged; from the next day on, the silence counts.
//!
//! ```toml
//! [check]
//! kind = "no-contact"
//! days = 21
//! ```
//!
//! Placeholders: `{day}`, `{days}`, `{since}` ("Fri 20 Nov"), `{ends}` (the first day after the
//! period, "Fri 11 Dec"), `{left}` (days to go).

use jiff::civil::Date;
use jiff::{ToSpan, Zoned};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::draft::Draft;
use crate::error::SourceError;
use crate::time::{day_for_people, days_between, start_of};

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill, time_rule_span};
use crate::context::Context;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NoContactSpec {
    #[allow(dead_code)]
    kind: String,
    days: Spanned<i64>,
}

/// What `[rules.<id>]` in a config may change: the default length of the period.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NoContactSettings {
    days: Option<i64>,
}

impl Configurable for NoContactSpec {
    type Settings = NoContactSettings;
    const SETTINGS: &'static [&'static str] = &["days"];

    fn configure(&mut self, s: NoContactSettings) {
        if let Some(days) = s.days {
            self.days = Spanned::new(self.days.span(), days);
        }
    }
}

#[derive(Debug)]
pub struct NoContactCheck {
    days: u32,
}

/// Where one draft stands in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub since: Date,
    /// Whole days from `since` to the send day.
    pub day: i64,
    pub days: u32,
    /// The first instant after the period.
    pub ends: Zoned,
}

impl NoContactCheck {
    pub fn compile(
        spec: NoContactSpec,
        cx: &mut CompileCx<'_>,
    ) -> Result<NoContactCheck, SourceError> {
        let days = *spec.days.get_ref();
        match u32::try_from(days) {
            Ok(d) if (1..=3650).contains(&d) => Ok(NoContactCheck { days: d }),
            _ => Err(cx.error(
                spec.days.span(),
                format!("`days` is {days}; give a number of days from 1 to 3650"),
            )),
        }
    }

    /// If sending at `at` (in the writer's zone) breaks the period: where in it we are.
    pub fn standing(&self, at: &Zoned, draft: &Draft, context: &Context) -> Option<Standing> {
        let days = context.no_contact.days.unwrap_or(self.days);
        let (since, first_day) = match context.no_contact.since {
            Some(since) => (since, 0),
            None => {
                let last = draft.thread()?.last_contact.as_ref()?;
                (last.with_time_zone(at.time_zone().clone()).date(), 1)
            }
        };
        let day = days_between(since, at.date());
        if day < first_day || day >= i64::from(days) {
            return None;
        }
        let end_day = since.checked_add(i64::from(days).days()).ok()?;
        let ends = start_of(end_day, at.time_zone()).ok()?;
        Some(Standing {
            since,
            day,
            days,
            ends,
        })
    }

    /// If `at` is inside the period: the first instant after it.
    pub fn quiet_from(&self, at: &Zoned, draft: &Draft, context: &Context) -> Option<Zoned> {
        self.standing(at, draft, context)
            .map(|s| s.ends)
            .filter(|end| end > at)
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let Some(at) = cx.local_send_time() else {
            return;
        };
        let Some(s) = self.standing(&at, cx.draft, cx.context()) else {
            return;
        };
        let day = s.day.to_string();
        let days = s.days.to_string();
        let since = day_for_people(s.since, at.date());
        let ends = day_for_people(s.ends.date(), at.date());
        let left = (i64::from(s.days) - s.day).to_string();
        let vars = [
            ("day", day.as_str()),
            ("days", days.as_str()),
            ("since", since.as_str()),
            ("ends", ends.as_str()),
            ("left", left.as_str()),
        ];
        out.push(Diagnostic {
            rule: meta.id.clone(),
            severity: meta.severity,
            span: time_rule_span(cx.draft),
            message: fill(&meta.message, &vars),
            help: fill(&meta.help, &vars).into(),
            suggestion: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NoContact;
    use crate::conversation::ThreadFacts;
    use crate::rules::RuleSet;

    const RULE: &str = r#"
severity = "warning"
summary = "s"
message = "day {day} of {days} (since {since}); over on {ends}, {left} to go"
help = "h"
guide = "step 3"
description = "d"
[check]
kind = "no-contact"
days = 21
"#;

    fn berlin() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Europe/Berlin").unwrap()
    }

    fn at(s: &str) -> Zoned {
        jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M", s)
            .unwrap()
            .to_zoned(berlin())
            .unwrap()
    }

    fn set(since: Option<&str>, days: Option<u32>) -> RuleSet {
        RuleSet::from_sources(&[("nc", RULE)])
            .unwrap()
            .with_context(Context {
                timezone: berlin(),
                no_contact: NoContact {
                    since: since.map(|s| s.parse().unwrap()),
                    days,
                },
                ..Context::default()
            })
    }

    #[test]
    fn day_8_of_21_and_the_day_it_ends() {
        let set = set(Some("2026-11-20"), None);
        let d = Draft::new("hi").with_send_time(Some(at("2026-11-28T12:00")));
        let found = set.check(&d);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "day 8 of 21 (since Fri 20 Nov); over on Fri 11 Dec, 13 to go"
        );
        for (t, fires) in [
            ("2026-11-19T23:59", false),
            ("2026-11-20T00:00", true),
            ("2026-12-10T23:59", true),
            ("2026-12-11T00:00", false),
        ] {
            let d = Draft::new("hi").with_send_time(Some(at(t)));
            assert_eq!(!set.check(&d).is_empty(), fires, "{t}");
        }
        // `days` from the context wins over the rule file.
        let d = Draft::new("hi").with_send_time(Some(at("2026-12-15T12:00")));
        assert_eq!(self::set(Some("2026-11-20"), Some(30)).check(&d).len(), 1);
    }

    #[test]
    fn without_since_the_thread_decides_and_the_same_day_is_fine() {
        let set = set(None, None);
        let thread = |last: &str| ThreadFacts {
            last_contact: Some(at(last)),
            unanswered_before: 0,
        };
        let draft = |last: &str, when: &str| {
            Draft::new("hi")
                .with_send_time(Some(at(when)))
                .with_thread(Some(thread(last)))
        };
        assert_eq!(
            set.check(&draft("2026-11-20T21:40", "2026-11-28T12:00"))
                .len(),
            1
        );
        assert!(
            set.check(&draft("2026-11-28T09:00", "2026-11-28T12:00"))
                .is_empty()
        );
        assert!(
            set.check(&draft("2026-10-01T09:00", "2026-11-28T12:00"))
                .is_empty()
        );
        // No since and no thread: nothing to go on.
        assert!(
            set.check(&Draft::new("hi").with_send_time(Some(at("2026-11-28T12:00"))))
                .is_empty()
        );
    }

    #[test]
    fn days_must_be_sensible() {
        for bad in ["days = 0", "days = -3", "days = 99999"] {
            let src = RULE.replace("days = 21", bad);
            let err = RuleSet::from_sources(&[("nc", &src)]).unwrap_err();
            assert!(err.message.contains("from 1 to 3650"), "{err}");
        }
    }
}
