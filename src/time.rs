//! Send time: parsing `--at`, in the user's time zone. (The time windows themselves live with the
//! time rules.)

use jiff::Zoned;
use jiff::civil::{DateTime, Time};
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;

/// Parse a send time. `now` supplies both "now" and the time zone that local times are in.
///
/// Accepted: RFC 3339 with an offset (`2026-11-28T02:13:00+01:00`, `...Z`), optionally with a
/// `[Zone/Name]` annotation; a local date-time (`2026-11-28T02:13[:SS]`, a space also works);
/// `HH:MM[:SS]` meaning today; and `now`.
pub fn parse_send_time(input: &str, now: &Zoned) -> Result<Zoned, String> {
    let s = input.trim();
    let hint =
        "use RFC 3339 (2026-11-28T02:13:00+01:00), a local time (2026-11-28T02:13), HH:MM, or now";
    if s.eq_ignore_ascii_case("now") {
        return Ok(now.clone());
    }
    if s.len() <= 8 && s.contains(':') && !s.contains('-') {
        let time: Time = s
            .parse()
            .map_err(|_| format!("`{input}` is not a time of day; {hint}"))?;
        return now
            .date()
            .to_datetime(time)
            .to_zoned(now.time_zone().clone())
            .map_err(|e| format!("`{input}`: {e}"));
    }
    let normalized = s.replacen(' ', "T", 1);
    let pieces =
        Pieces::parse(&normalized).map_err(|_| format!("`{input}` is not a send time; {hint}"))?;
    let Some(time) = pieces.time() else {
        return Err(format!("`{input}` has a date but no time; {hint}"));
    };
    let civil = DateTime::from_parts(pieces.date(), time);
    let zone = match pieces.to_time_zone() {
        Ok(Some(tz)) => tz,
        Ok(None) => match pieces.to_numeric_offset() {
            Some(offset) => TimeZone::fixed(offset),
            None => now.time_zone().clone(),
        },
        Err(e) => return Err(format!("`{input}`: {e}")),
    };
    match pieces.to_numeric_offset() {
        // An explicit offset fixes the instant, even if a zone annotation is also given.
        Some(offset) => offset
            .to_timestamp(civil)
            .map(|ts| ts.to_zoned(zone))
            .map_err(|e| format!("`{input}`: {e}")),
        None => civil.to_zoned(zone).map_err(|e| format!("`{input}`: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Zoned {
        "2026-11-28T14:00:00+01:00[Europe/Berlin]".parse().unwrap()
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let t = parse_send_time("2026-11-28T02:13:00-05:00", &now()).unwrap();
        assert_eq!(t.offset().seconds(), -5 * 3600);
        assert_eq!(t.hour(), 2);
        let z = parse_send_time("2026-11-28T07:13:00Z", &now()).unwrap();
        assert_eq!(z.timestamp(), t.timestamp());
    }

    #[test]
    fn local_times_use_the_zone_of_now() {
        let t = parse_send_time("2026-11-28T02:13", &now()).unwrap();
        assert_eq!(t.time_zone().iana_name(), Some("Europe/Berlin"));
        assert_eq!((t.hour(), t.minute(), t.offset().seconds()), (2, 13, 3600));
        let t = parse_send_time("2026-07-01 23:30:05", &now()).unwrap();
        assert_eq!(t.offset().seconds(), 7200, "summer time");
        let t = parse_send_time("23:45", &now()).unwrap();
        assert_eq!((t.day(), t.hour(), t.minute()), (28, 23, 45));
        assert_eq!(parse_send_time("now", &now()).unwrap(), now());
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "",
            "tomorrow",
            "2026-11-28",
            "25:00",
            "2026-13-01T10:00",
            "12:00 pm",
        ] {
            let err = parse_send_time(bad, &now()).unwrap_err();
            assert!(err.contains('`'), "{bad}: {err}");
        }
    }
}
