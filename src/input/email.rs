//! Email drafts: RFC 5322 header fields (`Date:`, `To:`, `Subject:` …, folded lines allowed),
//! then a blank line, then the body. Only the body is linted; `Date:` (RFC 2822 format) is the
//! send time.
//!
//! A draft is only taken for an email when every line up to the first blank line is a header
//! field and at least one of them is a real email field, so "PS: call me\n\nbye" stays a
//! message. Any header field name is accepted (mail programs add many); a `Date:` that cannot be
//! read is an error naming its line.

use std::ops::Range;

use crate::time::SendAt;

use super::{Header, HeaderKind, ParseError, lines_from};

const KNOWN: &[&str] = &[
    "date",
    "to",
    "from",
    "subject",
    "cc",
    "bcc",
    "reply-to",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "sender",
];

fn field_name(line: &str) -> Option<&str> {
    let (name, _) = line.split_once(':')?;
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(name)
}

struct Field {
    name: String,
    /// The value, folded lines included, without the leading space.
    value: Range<usize>,
    line_start: usize,
}

/// The email header starting at `start`, if the draft is an email.
pub fn parse(source: &str, start: usize) -> Result<Option<Header>, ParseError> {
    let mut fields: Vec<Field> = Vec::new();
    let mut end = None;
    for (a, b, next) in lines_from(source, start) {
        let line = &source[a..b];
        if line.trim().is_empty() {
            end = Some(next);
            break;
        }
        if line.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some(f) => f.value.end = b,
                None => return Ok(None),
            }
            continue;
        }
        let Some(name) = field_name(line) else {
            return Ok(None);
        };
        let after = a + name.len() + 1;
        let lead = source[after..b].len() - source[after..b].trim_start().len();
        fields.push(Field {
            name: name.to_ascii_lowercase(),
            value: after + lead..b,
            line_start: a,
        });
    }
    let Some(end) = end else {
        return Ok(None);
    };
    if !fields
        .iter()
        .any(|f| KNOWN.contains(&f.name.as_str()) || f.name.starts_with("x-"))
    {
        return Ok(None);
    }
    let mut header = Header {
        kind: HeaderKind::Email,
        span: start..end,
        send_at: None,
        to: None,
    };
    for f in &fields {
        let raw = source[f.value.clone()].trim_end();
        let value = f.value.start..f.value.start + raw.len();
        match f.name.as_str() {
            "date" => {
                // Unfold: a folded header is one logical line.
                let unfolded = raw.split_whitespace().collect::<Vec<_>>().join(" ");
                let at = jiff::fmt::rfc2822::parse(&unfolded).map_err(|e| {
                    ParseError::new(
                        f.line_start,
                        format!(
                            "`Date: {unfolded}` is not an RFC 2822 date like `Sat, 28 Nov 2026 21:30:00 +0100` ({e})"
                        ),
                    )
                })?;
                header.send_at = Some((SendAt::Exact(at), value));
            }
            "to" => header.to = Some(raw.split_whitespace().collect::<Vec<_>>().join(" ")),
            _ => {}
        }
    }
    Ok(Some(header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{InputError, read};

    #[test]
    fn headers_then_body() {
        let src = "To: Alex <alex@example.org>\nSubject: your scarf\nDate: Sat, 28 Nov 2026\n 02:13:00 +0100\n\nHi Alex, I found your scarf.\n";
        let draft = read(src.as_bytes().to_vec(), "d.eml").unwrap();
        assert_eq!(draft.body(), "Hi Alex, I found your scarf.\n");
        let h = draft.header().unwrap();
        assert_eq!(h.kind, HeaderKind::Email);
        assert_eq!(h.to.as_deref(), Some("Alex <alex@example.org>"));
        let (at, span) = h.send_at.clone().unwrap();
        assert_eq!(&src[span], "Sat, 28 Nov 2026\n 02:13:00 +0100");
        let SendAt::Exact(z) = at else { panic!() };
        assert_eq!(crate::time::rfc3339(&z), "2026-11-28T02:13:00+01:00");
    }

    #[test]
    fn ordinary_messages_are_not_emails() {
        for text in [
            "PS: call me\n\nbye",
            "hey: so\n",
            "Subject: no blank line after",
            "hi\nTo: you\n\n",
            "",
        ] {
            let draft = read(text.as_bytes().to_vec(), "d.txt").unwrap();
            assert!(draft.header().is_none(), "{text:?}");
            assert_eq!(draft.body(), text);
        }
    }

    #[test]
    fn a_bad_date_names_its_line() {
        let e = read(b"Subject: hi\nDate: tomorrow-ish\n\nbody".to_vec(), "d.eml").unwrap_err();
        assert!(
            matches!(&e, InputError::Syntax { line: 2, message, .. } if message.contains("RFC 2822")),
            "{e}"
        );
    }
}
