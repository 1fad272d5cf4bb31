//! The writer's situation beyond the rule files: their time zone, the no-contact period, who they
//! are in a conversation. The time and context rules read it; nothing else does.
//!
//! This is the one place settings of this sort arrive. Today the CLI fills it from flags
//! (`--timezone`, `--no-contact-since`, `--no-contact-days`, `--me`, `--date-order`); the config
//! file fills the same fields (`timezone`, `[no-contact] since/days`, `[conversation] me`), and
//! the flags win. Hand it to the rules with [`RuleSet::with_context`](crate::RuleSet::with_context)
//! and to the input readers with [`input::load`](crate::input::load).

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// What the time and context rules need to know about the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The writer's time zone: send windows are judged in it, and local times (`--at 02:13`,
    /// WhatsApp timestamps, `send-at: 2026-11-28 02:13`) are read in it. The library defaults to
    /// UTC so that it never depends on the machine; the binary puts the system zone here.
    pub timezone: TimeZone,
    pub no_contact: NoContact,
    /// The writer's name in conversation exports (`--me`, config `[conversation] me`).
    pub me: Option<String>,
    /// How to read WhatsApp dates like `03/04/2026` when no date in the file decides it.
    pub date_order: Option<DateOrder>,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            timezone: TimeZone::UTC,
            no_contact: NoContact::default(),
            me: None,
            date_order: None,
        }
    }
}

/// The no-contact period: from the breakup or last contact (`since`), for `days` days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoContact {
    /// The day contact stopped. Without it, a conversation given with `--thread` supplies the
    /// date of its last message; without either the `no-contact` rule stays quiet.
    pub since: Option<Date>,
    /// How long the period lasts; `None` keeps the rule file's `days` (21).
    pub days: Option<u32>,
}

/// The order of day and month in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 28/11/2026
    DayFirst,
    /// 11/28/2026
    MonthFirst,
}

impl Context {
    /// Is `name` the writer? Names compare without case and without the invisible marks chat
    /// exports wrap them in.
    pub fn is_me(&self, name: &str) -> bool {
        self.me.as_deref().is_some_and(|me| same_person(me, name))
    }
}

/// Two display names of the same person: equal after trimming, dropping direction marks and
/// ignoring case.
pub fn same_person(a: &str, b: &str) -> bool {
    clean_name(a).to_lowercase() == clean_name(b).to_lowercase()
}

/// One name, made ready to be compared with many others the way [`same_person`] does, without
/// an allocation per comparison (reviewing an export compares every message's sender).
#[derive(Debug, Clone)]
pub struct PersonKey(String);

impl PersonKey {
    pub fn new(name: &str) -> PersonKey {
        PersonKey(clean_name(name).to_lowercase())
    }

    /// `same_person(name, the name this key was made from)`.
    pub fn is(&self, name: &str) -> bool {
        if name.is_ascii() {
            // No invisible marks (they are not ASCII), and ASCII lowercasing is the whole story.
            name.trim().eq_ignore_ascii_case(&self.0)
        } else {
            clean_name(name).to_lowercase() == self.0
        }
    }
}

/// A sender's name without the bidi marks (U+200E/F, U+202A–E, U+2066–9) that exports add, and
/// without surrounding whitespace.
pub fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !is_invisible_mark(*c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Direction marks and embeddings that chat apps sprinkle into exports.
pub fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_case_or_marks() {
        let cx = Context {
            me: Some("Sam".into()),
            ..Context::default()
        };
        assert!(cx.is_me("\u{200e}sam "));
        assert!(cx.is_me("\u{202a}SAM\u{202c}"));
        assert!(!cx.is_me("Samantha"));
        assert!(!Context::default().is_me("Sam"));
    }

    #[test]
    fn a_person_key_agrees_with_same_person() {
        let names = [
            "Sam",
            "sam ",
            " SAM",
            "\u{200e}sam",
            "Samantha",
            "Zoë",
            "ZOË",
            "zoe",
            "Σam",
            "σam",
            "",
            " ",
            "\u{202a}+49 170\u{202c}",
            "+49 170",
        ];
        for a in names {
            let key = PersonKey::new(a);
            for b in names {
                assert_eq!(key.is(b), same_person(b, a), "{a:?} vs {b:?}");
            }
        }
    }
}
