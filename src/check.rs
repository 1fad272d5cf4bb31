//! One input, start to finish: read it, settle its send time and context, lint it, and work out
//! when it could be sent. The binary calls this for every file; an editor or a test can too.

use jiff::Zoned;

use crate::conversation::{ExportFormat, ThreadFacts};
use crate::diagnostic::Diagnostic;
use crate::draft::Draft;
use crate::input::{self, Input};
use crate::render::Timing;
use crate::rules::{LintCache, RuleSet};

/// What every input of one run shares.
pub struct Run<'a> {
    /// The rules, with the writer's context (time zone, no-contact, me) set.
    pub rules: &'a RuleSet,
    /// "Now" in the writer's zone: the send time when nothing else gives one.
    pub now: Zoned,
    /// `--at`, resolved: wins over a draft's own header.
    pub at: Option<Zoned>,
    /// What `--thread` says about the next message, for drafts.
    pub thread: Option<ThreadFacts>,
    /// When neither `at` nor the draft's header gives a send time: `true` sends it `now` (the
    /// CLI); `false` leaves it unset, so the time rules stay quiet (an editor told not to judge
    /// the time while the user types).
    pub default_now: bool,
    /// Where an editor keeps one document's work between re-lints (`RuleSet::check_cached`).
    pub cache: Option<&'a LintCache>,
}

/// One input's results.
#[derive(Debug)]
pub struct Checked {
    /// The draft; for a conversation, the whole export (findings point into it).
    pub draft: Draft,
    pub diagnostics: Vec<Diagnostic>,
    pub timing: Timing,
    /// For a conversation: its format and how many of my messages were reviewed.
    pub conversation: Option<(ExportFormat, usize)>,
}

/// Read and lint one input. Errors are one line, naming the file (and the line, when known).
pub fn check_bytes(bytes: Vec<u8>, path: &str, run: &Run<'_>) -> Result<Checked, String> {
    let context = run.rules.context();
    match input::load(bytes, path, context).map_err(|e| e.to_string())? {
        Input::Draft(draft) => {
            let draft = draft
                .resolve_send_time(run.at.as_ref(), &run.now)
                .map_err(|e| format!("{path}: send time: {e}"))?
                .with_thread(run.thread.clone());
            // A header's send time is pointed at (`time_span`); only the fallback is dropped.
            let draft = if run.default_now || run.at.is_some() || draft.time_span().is_some() {
                draft
            } else {
                draft.with_send_time(None)
            };
            let diagnostics = match run.cache {
                Some(cache) => run.rules.check_cached(&draft, cache),
                None => run.rules.check(&draft),
            };
            let timing = Timing {
                send_time: draft.send_time().cloned(),
                send_after: run.rules.send_after(&draft),
            };
            Ok(Checked {
                draft,
                diagnostics,
                timing,
                conversation: None,
            })
        }
        Input::Conversation(conversation) => {
            let me = conversation.find_me(context.me.as_deref(), path)?;
            let (diagnostics, reviewed) = conversation.review(run.rules, &me);
            Ok(Checked {
                conversation: Some((conversation.format, reviewed)),
                draft: Draft::new(conversation.source),
                diagnostics,
                timing: Timing::default(),
            })
        }
    }
}

/// Read a conversation given with `--thread` and say what it means for the next message.
pub fn thread_facts(bytes: Vec<u8>, path: &str, rules: &RuleSet) -> Result<ThreadFacts, String> {
    let context = rules.context();
    match input::load(bytes, path, context).map_err(|e| e.to_string())? {
        Input::Conversation(conversation) => {
            let me = conversation.find_me(context.me.as_deref(), path)?;
            Ok(conversation.facts_for_next(&me))
        }
        Input::Draft(_) => Err(format!(
            "{path}: not a chat export (WhatsApp text, Telegram result.json or an exlint JSON thread)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Context, NoContact};

    fn berlin_rules(since: Option<&str>) -> RuleSet {
        RuleSet::builtin().unwrap().with_context(Context {
            timezone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
            no_contact: NoContact {
                since: since.map(|s| s.parse().unwrap()),
                days: None,
            },
            me: Some("Sam".into()),
            date_order: None,
        })
    }

    fn run<'a>(rules: &'a RuleSet, at: Option<&str>) -> Run<'a> {
        let now: Zoned = "2026-11-28T14:00:00+01:00[Europe/Berlin]".parse().unwrap();
        let at = at.map(|a| crate::time::parse_send_time(a, &now).unwrap());
        Run {
            rules,
            now,
            at,
            thread: None,
            default_now: true,
            cache: None,
        }
    }

    fn rules_fired(c: &Checked) -> Vec<&str> {
        c.diagnostics.iter().map(|d| d.rule.as_str()).collect()
    }

    #[test]
    fn no_contact_day_8_of_21_and_send_after() {
        let rules = berlin_rules(Some("2026-11-20"));
        let c = check_bytes(
            b"hey, hope you're well".to_vec(),
            "d.txt",
            &run(&rules, Some("2026-11-28T12:00")),
        )
        .unwrap();
        assert_eq!(rules_fired(&c), ["no-contact"]);
        assert!(
            c.diagnostics[0].message.contains("day 8 of 21"),
            "{}",
            c.diagnostics[0].message
        );
        let after = c.timing.send_after.as_ref().unwrap();
        assert_eq!(crate::time::rfc3339(after), "2026-12-11T07:00:00+01:00");
        assert_eq!(
            crate::time::rfc3339(c.timing.send_time.as_ref().unwrap()),
            "2026-11-28T12:00:00+01:00"
        );
    }

    #[test]
    fn header_send_time_is_used_unless_at_overrides() {
        let rules = berlin_rules(None);
        let draft = b"---\nsend-at: 2026-11-28T02:13\n---\nhey, hope you're well\n".to_vec();
        let c = check_bytes(draft.clone(), "d.txt", &run(&rules, None)).unwrap();
        assert_eq!(rules_fired(&c), ["late-night"]);
        let src = std::str::from_utf8(&draft).unwrap();
        assert_eq!(&src[c.diagnostics[0].span.clone()], "2026-11-28T02:13");
        assert_eq!(
            crate::time::rfc3339(c.timing.send_after.as_ref().unwrap()),
            "2026-11-28T07:00:00+01:00"
        );
        let c = check_bytes(draft, "d.txt", &run(&rules, Some("2026-11-28T15:00"))).unwrap();
        assert!(c.diagnostics.is_empty());
        assert_eq!(c.timing.send_after, c.timing.send_time);
    }

    #[test]
    fn without_default_now_only_a_written_send_time_counts() {
        let rules = berlin_rules(None);
        let night: Zoned = "2026-11-28T02:13:00+01:00[Europe/Berlin]".parse().unwrap();
        let quiet = Run {
            rules: &rules,
            now: night,
            at: None,
            thread: None,
            default_now: false,
            cache: None,
        };
        let c = check_bytes(b"hey, hope you're well".to_vec(), "d.txt", &quiet).unwrap();
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.timing.send_time, None);
        let with_header = b"---\nsend-at: 2026-11-28T23:30\n---\nhey\n".to_vec();
        let c = check_bytes(with_header, "d.txt", &quiet).unwrap();
        assert_eq!(rules_fired(&c), ["late-night"]);
    }
}
