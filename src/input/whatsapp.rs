//! WhatsApp's "Export chat" text files, in both styles:
//!
//! ```text
//! 28/11/2026, 02:14 - Sam: are you awake?               Android
//! [28/11/2026, 02:14:05] Sam: are you awake?            iOS
//! 11/28/26, 2:14 AM - Sam: are you awake?               Android, US locale, 12-hour clock
//! ```
//!
//! What real exports contain and we handle: U+200E marks at the start of lines and texts, U+202F
//! (narrow no-break space) before AM/PM, U+202A/U+202C around phone numbers, `<Media omitted>`
//! and `image omitted`, messages over several lines (a line that does not start with a
//! timestamp continues the message before it), and system notices without an author (Android)
//! or with a U+200E-marked text (iOS), which are not messages.
//!
//! Dates: the same export can be day-first or month-first, and WhatsApp does not say which. If
//! any date's first number is above 12 the file is day-first; if any second number is, it is
//! month-first (both at once is an error); four-digit first numbers are year-first. When no date
//! decides, the configured order is used, and without one, day-first (the more common order
//! worldwide; `--date-order mdy` for US exports).
//!
//! A line that starts like a timestamp but cannot be read (a truncated export, a bad date) is an
//! error naming its line rather than a guess.

use std::ops::Range;
use std::sync::LazyLock;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use regex::Regex;

use crate::context::{Context, DateOrder, clean_name, is_invisible_mark, same_person};
use crate::conversation::{Conversation, ExportFormat, Message, SpanMap};
use crate::time::first_instant_at;

use super::{LineSpans, ParseError, lines_from};

const DATE: &str = r"(?P<date>(?P<a>[0-9]{1,4})[./-](?P<b>[0-9]{1,2})[./-](?P<c>[0-9]{1,4}))";
const TIME: &str = r"(?P<time>(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2}))?)(?:[ \x{202F}\x{00A0}]?(?P<ampm>[AaPp]\.?[ \x{202F}\x{00A0}]?[Mm]\.?))?";

static ANDROID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{DATE},? {TIME} [-–] ")).expect("valid regex"));
static IOS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\[{DATE},? {TIME}\] ")).expect("valid regex"));
/// Does `line` start like a timestamp line? That is: a `[` or not, a date of three groups of
/// ASCII digits (1 to 4, 1 to 2, 1 to 4) joined by `.`, `/` or `-`, a comma or not, a space, and
/// an hour of 1 or 2 digits followed by a colon. Both timestamp patterns (`ANDROID`, `IOS`)
/// match only such lines, and within an export such a line must parse, or the export is
/// reported broken. Checked by hand: a draft that merely opens with a digit ("2 things") is
/// told apart without compiling the patterns (1.6M instructions, on the thread that reads the
/// file while the rules compile).
fn starts_like_stamp(line: &str) -> bool {
    let b = line.as_bytes();
    // 1 to `max` digits at `*i`, and then no more digits.
    let digits = |i: &mut usize, max: usize| {
        let n = b[*i..].iter().take_while(|c| c.is_ascii_digit()).count();
        *i += n;
        (1..=max).contains(&n)
    };
    let byte = |i: &mut usize, ok: fn(u8) -> bool| {
        let hit = b.get(*i).is_some_and(|&c| ok(c));
        *i += usize::from(hit);
        hit
    };
    let separator = |c: u8| matches!(c, b'.' | b'/' | b'-');
    let mut i = 0;
    byte(&mut i, |c| c == b'[');
    digits(&mut i, 4)
        && byte(&mut i, separator)
        && digits(&mut i, 2)
        && byte(&mut i, separator)
        && digits(&mut i, 4)
        && {
            byte(&mut i, |c| c == b',');
            byte(&mut i, |c| c == b' ')
        }
        && digits(&mut i, 2)
        && byte(&mut i, |c| c == b':')
}

/// Strip the invisible marks a line may start with; returns the byte count stripped.
fn lead_marks(line: &str) -> usize {
    line.len() - line.trim_start_matches(is_invisible_mark).len()
}

/// Is this text a WhatsApp export? Its first non-blank line must be a complete timestamp line.
pub fn detect(text: &str) -> bool {
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let line = &first[lead_marks(first)..];
    starts_like_stamp(line) && (ANDROID.is_match(line) || IOS.is_match(line))
}

/// One timestamp line, before the date order is known.
struct Stamp {
    ios: bool,
    /// 1-based line number.
    line_no: usize,
    /// Byte offsets in the source.
    line: Range<usize>,
    stamp: Range<usize>,
    rest: Range<usize>,
    a: u32,
    a_digits: usize,
    b: u32,
    c: u32,
    c_digits: usize,
    h: u32,
    m: u32,
    s: u32,
    ampm: Option<bool>,
}

/// What one line of an export is.
enum Line {
    Stamp(Stamp),
    /// A line continuing the entry before it.
    More,
    /// A blank line before the first timestamp.
    Skip,
}

/// Read the line `start..end` (1-based number `line_no`). `after_stamp`: a timestamp line came
/// before it, so an undated line continues a message instead of being an error.
fn classify(
    source: &str,
    start: usize,
    end: usize,
    line_no: usize,
    after_stamp: bool,
) -> Result<Line, ParseError> {
    let raw = &source[start..end];
    let skip = lead_marks(raw);
    let line = &raw[skip..];
    let found = IOS
        .find(line)
        .map(|m| (true, m.end()))
        .or_else(|| ANDROID.find(line).map(|m| (false, m.end())));
    let Some((ios, matched)) = found else {
        if starts_like_stamp(line) {
            return Err(ParseError::new(
                start,
                format!(
                    "cannot read this WhatsApp line (expected a date, a time, then the sender): `{}`",
                    line.chars().take(60).collect::<String>()
                ),
            ));
        }
        if after_stamp {
            return Ok(Line::More);
        }
        if line.trim().is_empty() {
            return Ok(Line::Skip);
        }
        return Err(ParseError::new(
            start,
            "a WhatsApp export starts with a dated line",
        ));
    };
    // The patterns found a timestamp; reading its numbers from the matched text by hand is a
    // fraction of the cost of asking the regex for its groups, and an export is mostly these.
    let stamp = &line[..matched];
    // Without what follows the time: `] ` (iOS, which keeps its `]`), or ` - ` / ` – `.
    let stamp = if ios {
        stamp.strip_suffix(' ').unwrap_or(stamp)
    } else {
        stamp
            .strip_suffix(" - ")
            .or_else(|| stamp.strip_suffix(" – "))
            .unwrap_or(stamp)
    };
    let mut at = Digits {
        text: stamp.as_bytes(),
        pos: usize::from(ios),
    };
    let (a, a_digits) = at.number();
    at.pos += 1; // `/`, `.` or `-`
    let (b, _) = at.number();
    at.pos += 1;
    let (c, c_digits) = at.number();
    at.skip(b',');
    at.skip(b' ');
    let (h, _) = at.number();
    at.pos += 1; // `:`
    let (m, _) = at.number();
    let s = if at.skip(b':') { at.number().0 } else { 0 };
    // What is left before the end (and iOS's `]`) is an optional AM/PM, maybe after a space.
    let ampm = stamp
        .get(at.pos.min(stamp.len())..)
        .unwrap_or("")
        .trim_start_matches([' ', '\u{202f}', '\u{a0}'])
        .chars()
        .next()
        .filter(|c| "AaPp".contains(*c))
        .map(|c| c == 'p' || c == 'P');
    let stamp_start = start + skip;
    Ok(Line::Stamp(Stamp {
        ios,
        line_no,
        line: start..end,
        stamp: stamp_start..stamp_start + stamp.len(),
        // The rest of the line: the sender and the text (the patterns stop at the timestamp, so
        // matching costs the same however long the line is).
        rest: stamp_start + matched..end,
        a,
        a_digits,
        b,
        c,
        c_digits,
        h,
        m,
        s,
        ampm,
    }))
}

/// Reads the numbers of a timestamp the patterns have matched.
struct Digits<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Digits<'_> {
    /// The number at the cursor (at most 4 digits, by the patterns) and how many digits it has.
    fn number(&mut self) -> (u32, usize) {
        let from = self.pos;
        let mut n: u32 = 0;
        while let Some(d) = self.text.get(self.pos).filter(|b| b.is_ascii_digit()) {
            n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
            self.pos += 1;
        }
        (n, self.pos - from)
    }

    /// Step over `byte` if it is next.
    fn skip(&mut self, byte: u8) -> bool {
        let here = self.text.get(self.pos) == Some(&byte);
        self.pos += usize::from(here);
        here
    }
}

/// What reading an export once settles: enough to read its messages again from the source,
/// which is how a conversation walks them (see [`Conversation::messages`]). A chat is many short
/// messages; holding each as a [`Message`] would cost several times the export's own size.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: ExportFormat,
    order: DateOrder,
    timezone: TimeZone,
    /// Everyone who wrote, in order of first message.
    pub senders: Vec<String>,
}

/// Read a WhatsApp export, holding it as it is: every line is checked once here, so walking the
/// messages later cannot fail.
pub fn parse(source: &str, context: &Context) -> Result<Conversation, ParseError> {
    let layout = read_layout(source, context)?;
    Ok(Conversation::whatsapp(source.to_owned(), layout))
}

/// Check every line of an export and settle what its messages need: the date order, the format,
/// who wrote. [`Conversation::whatsapp`] then takes the source without a copy.
pub fn read_layout(source: &str, context: &Context) -> Result<Layout, ParseError> {
    // First the date order, which the whole file decides.
    let mut after_stamp = false;
    let mut day_first: Option<usize> = None;
    let mut month_first: Option<usize> = None;
    let mut ios_count = 0usize;
    let mut android_count = 0usize;
    for (i, (start, end, _)) in lines_from(source, 0).enumerate() {
        let Line::Stamp(st) = classify(source, start, end, i + 1, after_stamp)? else {
            continue;
        };
        after_stamp = true;
        if st.ios {
            ios_count += 1;
        } else {
            android_count += 1;
        }
        if st.a_digits != 4 {
            if st.a > 12 && day_first.is_none() {
                day_first = Some(st.line.start);
            }
            if st.b > 12 && month_first.is_none() {
                month_first = Some(st.line.start);
            }
        }
    }
    let order = date_order(day_first, month_first, context.date_order)?;
    let format = if ios_count > android_count {
        ExportFormat::WhatsAppIos
    } else {
        ExportFormat::WhatsAppAndroid
    };
    let mut layout = Layout {
        format,
        order,
        timezone: context.timezone.clone(),
        senders: Vec::new(),
    };
    // Then every date and time, and who wrote.
    let mut senders: Vec<String> = Vec::new();
    for m in messages(source, &layout) {
        let m = m?;
        if !senders.iter().any(|s| same_person(s, &m.from)) {
            senders.push(m.from);
        }
    }
    layout.senders = senders;
    Ok(layout)
}

/// The messages of an export, read from `source` as laid out by [`read_layout`]; system notices
/// are left out.
pub fn messages<'a>(source: &'a str, layout: &'a Layout) -> Messages<'a> {
    Messages {
        source,
        layout,
        lines: lines_from(source, 0),
        line_no: 0,
        after_stamp: false,
        open: None,
        failed: false,
    }
}

/// The iterator of [`messages`]. A message's continuation lines follow it, so each message is
/// handed out when the next entry starts.
pub struct Messages<'a> {
    source: &'a str,
    layout: &'a Layout,
    lines: LineSpans<'a>,
    line_no: usize,
    after_stamp: bool,
    /// The message whose lines are being read.
    open: Option<Message>,
    failed: bool,
}

impl Iterator for Messages<'_> {
    type Item = Result<Message, ParseError>;

    fn next(&mut self) -> Option<Result<Message, ParseError>> {
        if self.failed {
            return None;
        }
        for (start, end, _) in self.lines.by_ref() {
            self.line_no += 1;
            let line = classify(self.source, start, end, self.line_no, self.after_stamp).and_then(
                |line| match line {
                    Line::Stamp(st) => open(self.source, &st, self.layout).map(Some),
                    Line::More => {
                        if let Some(m) = &mut self.open {
                            extend(m, self.source, end);
                        }
                        Ok(None)
                    }
                    Line::Skip => Ok(None),
                },
            );
            match line {
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
                Ok(None) => {}
                // A timestamp: a new message, or a system notice (which no line continues).
                Ok(Some(next)) => {
                    self.after_stamp = true;
                    if let Some(done) = std::mem::replace(&mut self.open, next) {
                        return Some(Ok(done));
                    }
                }
            }
        }
        self.open.take().map(Ok)
    }
}

/// The message a timestamp line starts, or `None` for a system notice.
fn open(source: &str, st: &Stamp, layout: &Layout) -> Result<Option<Message>, ParseError> {
    let when = civil(st, layout.order)?;
    let at =
        first_instant_at(when, &layout.timezone).map_err(|e| ParseError::new(st.line.start, e))?;
    let rest = &source[st.rest.clone()];
    let (author, text_start) = match rest.find(": ") {
        Some(i) => (&rest[..i], st.rest.start + i + 2),
        None => match rest.strip_suffix(':') {
            Some(author) => (author, st.rest.end),
            None => return Ok(None), // Android system notice: no author.
        },
    };
    let text_start = text_start + lead_marks(&source[text_start..st.line.end]);
    if st.ios && is_ios_notice(&source[st.rest.start + author.len()..st.line.end]) {
        return Ok(None);
    }
    let block = st.line.clone();
    Ok(Some(Message {
        from: clean_name(author),
        at: Some(at),
        line: st.line_no,
        draft_source: source[block.clone()].to_owned(),
        body: text_start - block.start..block.len(),
        time_span: Some(st.stamp.start - block.start..st.stamp.end - block.start),
        map: SpanMap::shifted(block.start, block.len()),
    }))
}

/// Grow a message to take in a continuation line ending at `end`.
fn extend(m: &mut Message, source: &str, end: usize) {
    let block_start = m.map.map(0..0).start;
    let old_end = block_start + m.draft_source.len();
    m.draft_source.push_str(&source[old_end..end]);
    m.body.end = m.draft_source.len();
    m.map = SpanMap::shifted(block_start, m.draft_source.len());
}

/// iOS writes notices as if someone sent them, with a text that starts with U+200E. Attachments
/// and deleted messages look the same but were sent by someone, so they stay messages.
fn is_ios_notice(after_author: &str) -> bool {
    let text = after_author.trim_start_matches([':', ' ']);
    if !text.starts_with('\u{200e}') {
        return false;
    }
    let text = text.trim_start_matches(is_invisible_mark).trim();
    let sent = text.ends_with("omitted")
        || text.starts_with("<attached:")
        || text.contains("message was deleted")
        || text.contains("deleted this message");
    !sent
}

/// The date order, from the first date that can only be day-first (`day_first`, its offset) or
/// month-first, and the configured order.
fn date_order(
    day_first: Option<usize>,
    month_first: Option<usize>,
    configured: Option<DateOrder>,
) -> Result<DateOrder, ParseError> {
    match (day_first, month_first, configured) {
        (Some(_), Some(at), _) => Err(ParseError::new(
            at,
            "this export mixes day-first and month-first dates; which is it?",
        )),
        (Some(at), None, Some(DateOrder::MonthFirst)) => Err(ParseError::new(
            at,
            "this date is day-first, but month-first was asked for (--date-order)",
        )),
        (None, Some(at), Some(DateOrder::DayFirst)) => Err(ParseError::new(
            at,
            "this date is month-first, but day-first was asked for (--date-order)",
        )),
        (Some(_), None, _) => Ok(DateOrder::DayFirst),
        (None, Some(_), _) => Ok(DateOrder::MonthFirst),
        (None, None, c) => Ok(c.unwrap_or(DateOrder::DayFirst)),
    }
}

fn civil(st: &Stamp, order: DateOrder) -> Result<DateTime, ParseError> {
    let bad = |what: String| ParseError::new(st.line.start, what);
    let (year, month, day) = if st.a_digits == 4 {
        (st.a, st.b, st.c)
    } else {
        let year = match st.c_digits {
            2 => 2000 + st.c,
            4 => st.c,
            _ => return Err(bad(format!("`{}` is not a year", st.c))),
        };
        match order {
            DateOrder::DayFirst => (year, st.b, st.a),
            DateOrder::MonthFirst => (year, st.a, st.b),
        }
    };
    let date = i16::try_from(year)
        .ok()
        .zip(i8::try_from(month).ok())
        .zip(i8::try_from(day).ok())
        .and_then(|((y, m), d)| Date::new(y, m, d).ok())
        .ok_or_else(|| bad(format!("there is no day {day} in month {month} of {year}")))?;
    let hour = match st.ampm {
        None if st.h < 24 => st.h,
        Some(pm) if (1..=12).contains(&st.h) => st.h % 12 + if pm { 12 } else { 0 },
        _ => return Err(bad(format!("{}:{:02} is not a time of day", st.h, st.m))),
    };
    let time = i8::try_from(hour)
        .ok()
        .zip(i8::try_from(st.m).ok())
        .zip(i8::try_from(st.s).ok())
        .and_then(|((h, m), s)| Time::new(h, m, s, 0).ok())
        .ok_or_else(|| bad(format!("{}:{:02} is not a time of day", st.h, st.m)))?;
    Ok(date.to_datetime(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(options: &[&'static str]) -> proptest::sample::Select<&'static str> {
        proptest::sample::select(options.to_vec())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048, failure_persistence: None, ..Default::default()
        })]

        /// The hand-written test agrees with the pattern it stands for, on lines built from
        /// a timestamp's parts, each usually right and sometimes wrong (about one line in
        /// fifteen comes out a timestamp's start).
        #[test]
        fn starts_like_stamp_is_the_loose_pattern(
            open in select(&["", "[", "", "[", " ", "[["]),
            a in select(&["1", "12", "123", "1234", "1", "12", "12345", "", "٣"]),
            sep1 in select(&[".", "/", "-", ".", "/", "-", ",", "", "–"]),
            b in select(&["1", "12", "1", "12", "123", ""]),
            sep2 in select(&[".", "/", "-", ".", "/", "-", ",", ""]),
            c in select(&["1", "12", "123", "1234", "1", "12", "12345", ""]),
            gap in select(&[" ", ", ", " ", ", ", ",  ", "", ",", "\u{202F}"]),
            hour in select(&["1", "12", "1", "12", "123", ""]),
            end in select(&[":", ":", ":30 PM - Sam: hi", "", ".", "x"]),
        ) {
            static LOOSE: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"^\[?[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4},? [0-9]{1,2}:").unwrap()
            });
            let line = [open, a, sep1, b, sep2, c, gap, hour, end].concat();
            proptest::prop_assert_eq!(starts_like_stamp(&line), LOOSE.is_match(&line), "{:?}", line);
        }
    }

    #[test]
    fn starts_like_stamp_on_real_lines() {
        for yes in [
            "12/31/23, 9:41 PM - Sam: hi",
            "[31.12.23, 21:41:05] Sam: hi",
            "2023-12-31 21:41 - x",
            "1.2.3 4:",
        ] {
            assert!(starts_like_stamp(yes), "{yes}");
        }
        for no in [
            "7:30, Channel 5: The Bionic Dog",
            "2 things before you go",
            "10pm and still up",
            "12/31/2023",
            "12345/1/1, 9:41",
            "1/123/1, 9:41",
            "1/1/1,  9:41",
            "1/1/1, 123:41",
            "",
            "[",
        ] {
            assert!(!starts_like_stamp(no), "{no}");
        }
    }

    fn cx() -> Context {
        Context {
            timezone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
            ..Context::default()
        }
    }

    fn summary(c: &Conversation) -> Vec<(String, String, String)> {
        c.messages()
            .map(|m| {
                (
                    m.from.clone(),
                    crate::time::rfc3339(m.at.as_ref().unwrap()),
                    m.text().to_owned(),
                )
            })
            .collect()
    }

    const ANDROID_CHAT: &str = "\
28/11/2026, 01:58 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.
28/11/2026, 01:58 - Sam: hey
28/11/2026, 02:14 - Sam: you up?
still thinking about saturday
28/11/2026, 02:20 - Sam: <Media omitted>
";
    const IOS_CHAT: &str = "\
\u{200e}[28/11/2026, 01:58:00] Alex: \u{200e}Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
[28/11/2026, 01:58:00] Sam: hey
[28/11/2026, 02:14:00] Sam: you up?
still thinking about saturday
\u{200e}[28/11/2026, 02:20:00] Sam: <Media omitted>
";

    #[test]
    fn android_and_ios_read_the_same() {
        let a = parse(ANDROID_CHAT, &cx()).unwrap();
        let i = parse(IOS_CHAT, &cx()).unwrap();
        assert_eq!(a.format, ExportFormat::WhatsAppAndroid);
        assert_eq!(i.format, ExportFormat::WhatsAppIos);
        assert_eq!(summary(&a), summary(&i));
        let s = summary(&a);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].2, "you up?\nstill thinking about saturday");
        assert_eq!(s[1].1, "2026-11-28T02:14:00+01:00");
        // Spans map back into the file, and the timestamp is where the time rules point.
        let m = &a.messages().nth(1).unwrap();
        assert_eq!(&ANDROID_CHAT[m.map.map(m.body.clone())], m.text());
        assert_eq!(
            &m.draft_source[m.time_span.clone().unwrap()],
            "28/11/2026, 02:14"
        );
        let m = &i.messages().nth(1).unwrap();
        assert_eq!(
            &m.draft_source[m.time_span.clone().unwrap()],
            "[28/11/2026, 02:14:00]"
        );
        assert_eq!(m.line, 3);
    }

    #[test]
    fn twelve_hour_clocks_narrow_spaces_and_month_first() {
        let chat = "11/28/26, 2:14\u{202f}AM - \u{202a}+49 170 1234567\u{202c}: hi\n11/28/26, 12:05\u{202f}PM - Sam: lunch?\n12/1/26, 12:30 am - Sam: late\n";
        let c = parse(chat, &cx()).unwrap();
        let s = summary(&c);
        assert_eq!(s[0].0, "+49 170 1234567");
        assert_eq!(s[0].1, "2026-11-28T02:14:00+01:00");
        assert_eq!(s[1].1, "2026-11-28T12:05:00+01:00");
        assert_eq!(s[2].1, "2026-12-01T00:30:00+01:00");
        let ios = "[2026-11-28, 14:02:09] Sam: year first\n[28.11.26, 14:03:00] Alex: dots\n";
        let s = summary(&parse(ios, &cx()).unwrap());
        assert_eq!(s[0].1, "2026-11-28T14:02:09+01:00");
        assert_eq!(s[1].1, "2026-11-28T14:03:00+01:00");
    }

    #[test]
    fn ambiguous_dates_prefer_day_first_unless_told() {
        let chat = "03/04/2026, 10:00 - Sam: hi\n";
        let day_first = summary(&parse(chat, &cx()).unwrap());
        assert!(day_first[0].1.starts_with("2026-04-03"), "{day_first:?}");
        let mdy = Context {
            date_order: Some(DateOrder::MonthFirst),
            ..cx()
        };
        assert!(
            summary(&parse(chat, &mdy).unwrap())[0]
                .1
                .starts_with("2026-03-04")
        );
        // One unambiguous date decides for the whole file.
        let chat = "03/04/2026, 10:00 - Sam: hi\n03/25/2026, 10:00 - Sam: again\n";
        assert!(
            summary(&parse(chat, &cx()).unwrap())[0]
                .1
                .starts_with("2026-03-04")
        );
        let mixed = "25/03/2026, 10:00 - Sam: hi\n03/25/2026, 10:00 - Sam: again\n";
        let e = parse(mixed, &cx()).unwrap_err();
        assert!(e.message.contains("mixes"), "{}", e.message);
    }

    #[test]
    fn broken_lines_are_errors_with_their_place() {
        let truncated = "28/11/2026, 01:58 - Sam: hey\n28/11/2026, 02:1";
        let e = parse(truncated, &cx()).unwrap_err();
        assert_eq!(super::super::line_number(truncated, e.offset), 2);
        for bad in [
            "31/02/2026, 10:00 - Sam: hi\n",
            "28/11/2026, 25:00 - Sam: hi\n",
            "28/11/2026, 13:00 PM - Sam: hi\n",
            "28/11/202, 10:00 - Sam: hi\n",
        ] {
            assert!(parse(bad, &cx()).is_err(), "{bad}");
        }
    }

    /// The timestamp's numbers are read by hand from what the patterns matched: the same as the
    /// patterns' own groups, for every shape of timestamp.
    #[test]
    fn stamps_read_by_hand_agree_with_the_pattern_groups() {
        let reference = |line: &str| {
            let full = |head: &str, tail: &str| {
                Regex::new(&format!(r"^{head}{DATE},? {TIME}{tail}(?P<rest>.*)$")).unwrap()
            };
            let (ios, caps) = full(r"\[", r"\] ")
                .captures(line)
                .map(|c| (true, c))
                .or_else(|| full("", " [-–] ").captures(line).map(|c| (false, c)))?;
            let n = |g: &str| {
                caps.name(g)
                    .map_or(0, |m| m.as_str().parse::<u32>().unwrap())
            };
            let len = |g: &str| caps.name(g).map_or(0, |m| m.as_str().len());
            let stamp_end = caps
                .name("ampm")
                .or_else(|| caps.name("time"))
                .unwrap()
                .end();
            let ampm = caps
                .name("ampm")
                .map(|m| m.as_str().starts_with(['p', 'P']));
            Some((
                ios,
                0..stamp_end + usize::from(ios),
                caps.name("rest").unwrap().range(),
                [n("a"), n("b"), n("c"), n("h"), n("m"), n("s")],
                (len("a"), len("c")),
                ampm,
            ))
        };
        let mut lines = 0;
        for date in ["28/11/2026", "1.2.26", "2026-11-28", "11/28/26", "3-4-2026"] {
            for comma in [",", ""] {
                for time in ["02:14", "2:14", "14:02:09"] {
                    for ampm in ["", " AM", "\u{202f}pm", "\u{a0}P.M.", "a. m.", " p.m"] {
                        let stamp = format!("{date}{comma} {time}{ampm}");
                        for line in [
                            format!("{stamp} - Sam: hi - there"),
                            format!("{stamp} – Alex: x"),
                            format!("[{stamp}] Sam: [1/2/26, 3:04] hi"),
                            format!("[{stamp}] Sam:"),
                        ] {
                            let Some(want) = reference(&line) else {
                                continue;
                            };
                            lines += 1;
                            let Ok(Line::Stamp(st)) = classify(&line, 0, line.len(), 1, false)
                            else {
                                panic!("not read as a timestamp: {line:?}");
                            };
                            let got = (
                                st.ios,
                                st.stamp.clone(),
                                st.rest.clone(),
                                [st.a, st.b, st.c, st.h, st.m, st.s],
                                (st.a_digits, st.c_digits),
                                st.ampm,
                            );
                            assert_eq!(got, want, "{line:?}");
                        }
                    }
                }
            }
        }
        assert!(lines > 300, "{lines}");
    }

    #[test]
    fn detection_needs_a_dated_first_line() {
        assert!(detect(ANDROID_CHAT));
        assert!(detect(IOS_CHAT));
        assert!(detect("\n\n28/11/2026, 01:58 - Sam: hey"));
        assert!(!detect(
            "hey, it's been a while\n28/11/2026, 01:58 - Sam: hey"
        ));
        assert!(!detect("28/11 was a good day"));
        assert!(!detect(""));
    }
}
