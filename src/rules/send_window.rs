//! The `send-window` kind: fires when the draft would be sent inside a window of the day, judged
//! on the wall clock of the writer's time zone. The window may wrap midnight (`start = "23:00"`,
//! `end = "07:00"`). The help names the moment the window ends, which is also what `send_after`
//! builds on.
//!
//! ```toml
//! [check]
//! kind = "send-window"
//! start = "23:00"
//! end = "07:00"
//! ```
//!
//! Placeholders: `{time}` (the send time, 02:13), `{until}` (when the window ends, "Sat 28 Nov
//! 07:00"), `{start}`, `{end}`.

use jiff::Zoned;
use jiff::civil::Time;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::error::SourceError;
use crate::time::{first_instant_at, moment_for_people};

use super::{CompileCx, Configurable, Ctx, RuleMeta, fill, time_rule_span};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SendWindowSpec {
    #[allow(dead_code)]
    kind: String,
    start: Spanned<String>,
    end: Spanned<String>,
}

/// What `[rules.<id>]` in a config may change: the window's start and end ("23:00", "07:00").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SendWindowSettings {
    start: Option<String>,
    end: Option<String>,
}

impl Configurable for SendWindowSpec {
    type Settings = SendWindowSettings;
    const SETTINGS: &'static [&'static str] = &["start", "end"];

    fn configure(&mut self, s: SendWindowSettings) {
        if let Some(start) = s.start {
            self.start = Spanned::new(self.start.span(), start);
        }
        if let Some(end) = s.end {
            self.end = Spanned::new(self.end.span(), end);
        }
    }
}

#[derive(Debug)]
pub struct SendWindowCheck {
    start: Time,
    end: Time,
}

fn hhmm(s: &Spanned<String>, cx: &CompileCx<'_>) -> Result<Time, SourceError> {
    let text = s.get_ref().trim();
    let ok = text.len() == 5 && text.as_bytes()[2] == b':';
    ok.then(|| text.parse::<Time>().ok())
        .flatten()
        .ok_or_else(|| {
            cx.error(
                s.span(),
                format!("`{text}` is not a time of day like \"23:00\""),
            )
        })
}

impl SendWindowCheck {
    pub fn compile(
        spec: SendWindowSpec,
        cx: &mut CompileCx<'_>,
    ) -> Result<SendWindowCheck, SourceError> {
        let start = hhmm(&spec.start, cx)?;
        let end = hhmm(&spec.end, cx)?;
        if start == end {
            return Err(cx.error(
                spec.end.span(),
                "the window starts and ends at the same time",
            ));
        }
        Ok(SendWindowCheck { start, end })
    }

    /// Is a wall-clock time inside the window? The start is inside, the end is not.
    pub fn contains(&self, t: Time) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// If `at` (in the writer's zone) is inside the window: the first instant after it that is
    /// not, i.e. the first moment the wall clock reads `end` — right across DST changes.
    pub fn quiet_from(&self, at: &Zoned) -> Option<Zoned> {
        if !self.contains(at.time()) {
            return None;
        }
        let day = if self.start < self.end || at.time() < self.end {
            at.date()
        } else {
            at.date().tomorrow().ok()?
        };
        let end = first_instant_at(day.to_datetime(self.end), at.time_zone()).ok()?;
        // A wall clock can only move forward past `end` later than `at`; guard anyway.
        (end > *at).then_some(end)
    }

    pub fn check(&self, meta: &RuleMeta, cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        let Some(at) = cx.local_send_time() else {
            return;
        };
        let Some(until) = self.quiet_from(&at) else {
            return;
        };
        let time = at.strftime("%H:%M").to_string();
        let until = moment_for_people(&until, &at);
        let start = self.start.strftime("%H:%M").to_string();
        let end = self.end.strftime("%H:%M").to_string();
        let vars = [
            ("time", time.as_str()),
            ("until", until.as_str()),
            ("start", start.as_str()),
            ("end", end.as_str()),
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
    use crate::context::Context;
    use crate::draft::Draft;
    use crate::rules::RuleSet;

    const RULE: &str = r#"
severity = "warning"
summary = "s"
message = "sent at {time}, inside {start}–{end}"
help = "wait until {until}"
guide = "step 6"
description = "d"
[check]
kind = "send-window"
start = "23:00"
end = "07:00"
"#;

    fn zoned(s: &str) -> Zoned {
        s.parse().unwrap()
    }

    fn window() -> SendWindowCheck {
        SendWindowCheck {
            start: Time::constant(23, 0, 0, 0),
            end: Time::constant(7, 0, 0, 0),
        }
    }

    #[test]
    fn wraps_midnight() {
        let w = window();
        for (t, inside) in [
            ((22, 59), false),
            ((23, 0), true),
            ((0, 0), true),
            ((2, 13), true),
            ((6, 59), true),
            ((7, 0), false),
            ((14, 0), false),
        ] {
            assert_eq!(w.contains(Time::constant(t.0, t.1, 0, 0)), inside, "{t:?}");
        }
        let day = SendWindowCheck {
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(17, 0, 0, 0),
        };
        assert!(day.contains(Time::constant(12, 0, 0, 0)));
        assert!(!day.contains(Time::constant(2, 0, 0, 0)));
    }

    #[test]
    fn the_window_ends_on_the_right_morning() {
        let w = window();
        let before_midnight = zoned("2026-11-27T23:30:00+01:00[Europe/Berlin]");
        let after_midnight = zoned("2026-11-28T02:13:00+01:00[Europe/Berlin]");
        for at in [before_midnight, after_midnight] {
            let end = w.quiet_from(&at).unwrap();
            assert_eq!(crate::time::rfc3339(&end), "2026-11-28T07:00:00+01:00");
        }
        assert_eq!(
            w.quiet_from(&zoned("2026-11-28T14:00:00+01:00[Europe/Berlin]")),
            None
        );
    }

    #[test]
    fn across_daylight_saving_changes() {
        let w = window();
        // New York falls back on 2026-11-01 (02:00 EDT → 01:00 EST): the night is an hour
        // longer, and the window still ends at 07:00 on the wall clock.
        let at = zoned("2026-10-31T23:30:00-04:00[America/New_York]");
        let end = w.quiet_from(&at).unwrap();
        assert_eq!(crate::time::rfc3339(&end), "2026-11-01T07:00:00-05:00");
        assert_eq!(
            end.timestamp().as_second() - at.timestamp().as_second(),
            8 * 3600 + 1800
        );
        // Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST): an hour shorter.
        let at = zoned("2026-03-29T01:30:00+01:00[Europe/Berlin]");
        let end = w.quiet_from(&at).unwrap();
        assert_eq!(crate::time::rfc3339(&end), "2026-03-29T07:00:00+02:00");
        assert_eq!(
            end.timestamp().as_second() - at.timestamp().as_second(),
            4 * 3600 + 1800
        );
        // A window ending inside the skipped hour ends when the clock jumps.
        let odd = SendWindowCheck {
            start: Time::constant(23, 0, 0, 0),
            end: Time::constant(2, 30, 0, 0),
        };
        let end = odd.quiet_from(&at).unwrap();
        assert_eq!(crate::time::rfc3339(&end), "2026-03-29T03:00:00+02:00");
    }

    #[test]
    fn fires_in_the_writers_zone_and_fills_the_message() {
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let set = RuleSet::from_sources(&[("late", RULE)])
            .unwrap()
            .with_context(Context {
                timezone: berlin,
                ..Context::default()
            });
        // 02:13 in New York is 08:13 in Berlin: fine for a Berlin writer.
        let ny = Draft::new("hi")
            .with_send_time(Some(zoned("2026-11-28T02:13:00-05:00[America/New_York]")));
        assert!(set.check(&ny).is_empty());
        let d = Draft::new("hey\nyou")
            .with_send_time(Some(zoned("2026-11-28T02:13:00+01:00[Europe/Berlin]")));
        let found = set.check(&d);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "sent at 02:13, inside 23:00–07:00");
        assert_eq!(found[0].help, "wait until Sat 28 Nov 07:00");
        assert_eq!(d.slice(found[0].span.clone()), "hey");
        assert!(set.check(&Draft::new("no time")).is_empty());
    }

    #[test]
    fn bad_settings_point_at_the_value() {
        for (from, to) in [
            ("\"07:00\"", "\"7am\""),
            ("\"07:00\"", "\"23:00\""),
            ("\"07:00\"", "\"25:00\""),
        ] {
            let src = RULE.replace(from, to);
            let err = RuleSet::from_sources(&[("late", &src)]).unwrap_err();
            let line = src.lines().position(|l| l.starts_with("end")).unwrap() + 1;
            assert_eq!(err.line_col().unwrap().0, line, "{err}");
        }
    }
}
