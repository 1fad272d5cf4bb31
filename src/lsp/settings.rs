//! The editor's own settings for exlint, from `initializationOptions` and
//! `workspace/didChangeConfiguration`: `{"exlint": {"sendTime": "now" | "off" | "<date-time>"}}`.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde_json::Value;

use crate::time::SendAt;

/// When a draft being typed would be sent, unless its own header says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SendTime {
    /// Now, by the clock (the default): late-night fires while typing at night.
    #[default]
    Now,
    /// No send time: the time rules stay quiet (a draft's `send-at:` header still counts).
    Off,
    /// A fixed moment: RFC 3339, a local date-time, or `HH:MM` today, as for `exlint check --at`.
    At(SendAt),
}

impl SendTime {
    pub fn parse(text: &str) -> Result<SendTime, String> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(SendTime::Off);
        }
        match SendAt::parse(text)? {
            SendAt::Now => Ok(SendTime::Now),
            at => Ok(SendTime::At(at)),
        }
    }
}

/// What a settings object says about `sendTime`: `None` when it says nothing (the setting is
/// left as it was), the default when the `exlint` section is there without it. The section may
/// also be given bare (`{"sendTime": ...}`), as some clients pass their options.
pub fn send_time(settings: &Value) -> Option<Result<SendTime, String>> {
    let section = match settings.get("exlint") {
        Some(section) => section,
        None if settings.get("sendTime").is_some() => settings,
        None => return None,
    };
    Some(match section.get("sendTime") {
        None | Some(Value::Null) => Ok(SendTime::Now),
        Some(Value::String(s)) => {
            SendTime::parse(s).map_err(|e| format!("exlint.sendTime: {e}; or `off`"))
        }
        Some(other) => Err(format!(
            "exlint.sendTime: expected a string (\"now\", \"off\" or a date-time), got {other}"
        )),
    })
}

/// The clock: the system's, or a moment the binary pinned (`EXLINT_NOW`).
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Pinned(SendAt),
}

impl Clock {
    /// "Now" in `tz`. A pinned local time is read in `tz`, as `exlint check` reads `EXLINT_NOW`.
    pub fn now(&self, tz: &TimeZone) -> Zoned {
        let system = Timestamp::now().to_zoned(tz.clone());
        match self {
            Clock::System => system,
            Clock::Pinned(at) => at
                .resolve(&system)
                .map_or(system, |t| t.with_time_zone(tz.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_are_read_with_or_without_the_section() {
        assert_eq!(send_time(&json!(null)), None);
        assert_eq!(send_time(&json!({"other": 1})), None);
        assert_eq!(send_time(&json!({"exlint": {}})), Some(Ok(SendTime::Now)));
        assert_eq!(
            send_time(&json!({"exlint": {"sendTime": "OFF"}})),
            Some(Ok(SendTime::Off))
        );
        assert_eq!(
            send_time(&json!({"sendTime": "now"})),
            Some(Ok(SendTime::Now))
        );
        let Some(Ok(SendTime::At(SendAt::Local(dt)))) =
            send_time(&json!({"exlint": {"sendTime": "2026-11-28T02:13"}}))
        else {
            panic!("a local date-time");
        };
        assert_eq!(dt.to_string(), "2026-11-28T02:13:00");
        let err = send_time(&json!({"exlint": {"sendTime": "tonight"}}))
            .unwrap()
            .unwrap_err();
        assert!(err.starts_with("exlint.sendTime: "), "{err}");
        assert!(
            send_time(&json!({"exlint": {"sendTime": 5}}))
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn a_pinned_clock_reads_local_times_in_the_zone() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let clock = Clock::Pinned(SendAt::parse("2026-11-28T02:13").unwrap());
        assert_eq!(
            crate::time::rfc3339(&clock.now(&tz)),
            "2026-11-28T02:13:00+01:00"
        );
        let clock = Clock::Pinned(SendAt::parse("2026-11-28T14:00:00Z").unwrap());
        assert_eq!(
            crate::time::rfc3339(&clock.now(&tz)),
            "2026-11-28T15:00:00+01:00"
        );
    }
}
