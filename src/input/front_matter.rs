//! Front matter: a block of `key: value` lines between two `---` lines at the very top of a
//! draft. Known keys: `send-at` (when the message will be sent) and `to` (who it is for). An
//! unknown key is an error naming its line, so a typo like `sent-at` cannot silently drop the
//! send time. Blank lines and `# comments` are allowed inside.
//!
//! ```text
//! ---
//! send-at: 2026-11-28T21:30
//! to: Alex
//! ---
//! hey, I found your blue scarf in my car
//! ```

use std::ops::Range;

use crate::error::closest;
use crate::time::SendAt;

use super::{Header, HeaderKind, ParseError, lines_from};

const KEYS: &[&str] = &["send-at", "to"];

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// The front matter starting at `start` (just after any BOM), if the draft has one.
pub fn parse(source: &str, start: usize) -> Result<Option<Header>, ParseError> {
    let mut lines = lines_from(source, start);
    match lines.next() {
        Some((a, b, _)) if is_fence(&source[a..b]) => {}
        _ => return Ok(None),
    }
    let mut send_at: Option<(SendAt, Range<usize>)> = None;
    let mut to: Option<String> = None;
    let mut seen: Vec<&str> = Vec::new();
    for (a, b, next) in lines {
        let line = &source[a..b];
        if is_fence(line) {
            return Ok(Some(Header {
                kind: HeaderKind::FrontMatter,
                span: start..next,
                send_at,
                to,
            }));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, _)) = line.split_once(':') else {
            return Err(ParseError::new(
                a,
                format!("front matter lines are `key: value`, found `{trimmed}`"),
            ));
        };
        let key = key.trim();
        if seen.contains(&key) {
            return Err(ParseError::new(a, format!("`{key}` is given twice")));
        }
        let value = value_span(source, a + line.find(':').unwrap_or(0) + 1, b);
        let text = &source[value.clone()];
        match key {
            "send-at" => {
                if text.is_empty() {
                    return Err(ParseError::new(a, "`send-at` is empty"));
                }
                let at =
                    SendAt::parse(text).map_err(|e| ParseError::new(a, format!("send-at: {e}")))?;
                send_at = Some((at, value));
            }
            "to" => to = Some(text.to_owned()),
            other => {
                let hint = match closest(other, KEYS.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("known keys: {}", KEYS.join(", ")),
                };
                return Err(ParseError::new(
                    a,
                    format!("unknown front matter key `{other}` ({hint})"),
                ));
            }
        }
        if let Some(k) = KEYS.iter().find(|k| **k == key) {
            seen.push(k);
        }
    }
    Err(ParseError::new(
        start,
        "the front matter that starts here is never closed with a `---` line",
    ))
}

/// The value after `key:`, trimmed, without one pair of surrounding quotes.
fn value_span(source: &str, from: usize, to: usize) -> Range<usize> {
    let raw = &source[from..to];
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    let mut start = from + lead;
    let mut end = start + trimmed.len();
    let bytes = trimmed.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        start += 1;
        end -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{InputError, read};

    #[test]
    fn front_matter_is_split_off_and_spans_stay_in_the_file() {
        let src = "---\nsend-at: 2026-11-28T02:13\nto: \"Alex\"\n---\nhey you\n";
        let draft = read(src.as_bytes().to_vec(), "d.txt").unwrap();
        assert_eq!(draft.body(), "hey you\n");
        let h = draft.header().unwrap();
        assert_eq!(h.kind, HeaderKind::FrontMatter);
        assert_eq!(h.to.as_deref(), Some("Alex"));
        let (at, span) = h.send_at.clone().unwrap();
        assert_eq!(&src[span], "2026-11-28T02:13");
        assert_eq!(at, SendAt::Local("2026-11-28T02:13".parse().unwrap()));
        assert_eq!(draft.slice(draft.words()[0].clone()), "hey");
    }

    #[test]
    fn crlf_bom_comments_and_blank_lines() {
        let src = "\u{feff}---\r\n# when\r\n\r\nsend-at: 21:30\r\n---\r\nhi";
        let draft = read(src.as_bytes().to_vec(), "d.txt").unwrap();
        assert_eq!(draft.body(), "hi");
        assert!(draft.header().unwrap().send_at.is_some());
    }

    #[test]
    fn errors_name_the_line() {
        let err = |src: &str| read(src.as_bytes().to_vec(), "d.txt").unwrap_err();
        let e = err("---\nto: Alex\nsent-at: 21:30\n---\nhi");
        assert!(
            matches!(&e, InputError::Syntax { line: 3, message, .. } if message.contains("did you mean `send-at`")),
            "{e}"
        );
        assert_eq!(
            e.to_string().split(':').take(2).collect::<Vec<_>>(),
            ["d.txt", "3"]
        );
        let e = err("---\nsend-at: tomorrow\n---\nhi");
        assert!(matches!(&e, InputError::Syntax { line: 2, .. }), "{e}");
        let e = err("---\nto: Alex\n");
        assert!(e.to_string().contains("never closed"), "{e}");
        let e = err("---\njust words\n---\n");
        assert!(matches!(&e, InputError::Syntax { line: 2, .. }), "{e}");
        let e = err("---\nto: a\nto: b\n---\n");
        assert!(e.to_string().contains("twice"), "{e}");
    }

    #[test]
    fn a_dash_line_later_is_not_front_matter() {
        let draft = read(b"hi\n---\nbye".to_vec(), "d.txt").unwrap();
        assert!(draft.header().is_none());
        assert_eq!(draft.body(), "hi\n---\nbye");
    }
}
