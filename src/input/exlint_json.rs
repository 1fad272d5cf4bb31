//! exlint's own thread format: the smallest JSON that says who wrote what and when.
//!
//! ```json
//! {
//!   "me": "Sam",
//!   "messages": [
//!     {"from": "Alex", "at": "2026-11-20T21:40:00+01:00", "text": "I think we should stop here"},
//!     {"from": "Sam",  "at": "2026-11-28T02:13", "text": "are you awake?"}
//!   ]
//! }
//! ```
//!
//! `me` is optional (`--me` wins). `at` is RFC 3339 with an offset, or a local date-time read in
//! the configured time zone; it may be left out when the time is unknown. Unknown keys are an
//! error, as in every file exlint reads.

use crate::context::{Context, clean_name};
use crate::conversation::{Conversation, ExportFormat, Message};
use crate::draft::LineIndex;
use crate::time::SendAt;

use super::ParseError;
use super::json::{Node, Value};

/// Is this parsed JSON the exlint format (rather than a Telegram export)?
pub fn is_exlint(node: &Node) -> bool {
    if node.get("me").is_some() {
        return true;
    }
    let first = node
        .get("messages")
        .and_then(Node::as_array)
        .and_then(|m| m.first());
    first.is_some_and(|m| m.get("at").is_some() && m.get("date").is_none())
}

fn wrong(node: &Node, what: &str) -> ParseError {
    ParseError::new(
        node.span.start,
        format!("{what}, found {}", node.kind_name()),
    )
}

pub fn convert(source: &str, node: &Node, context: &Context) -> Result<Conversation, ParseError> {
    let Value::Object(members) = &node.value else {
        return Err(wrong(node, "an exlint thread is a JSON object"));
    };
    for (key, value) in members {
        if !["me", "messages"].contains(&key.text.as_str()) {
            return Err(ParseError::new(
                value.span.start,
                format!(
                    "unknown key `{}` in an exlint thread (known: me, messages)",
                    key.text
                ),
            ));
        }
    }
    let me = match node.get("me") {
        None => None,
        Some(n) => Some(
            n.as_str()
                .map(|s| clean_name(&s.text))
                .ok_or_else(|| wrong(n, "`me` should be a string"))?,
        ),
    };
    let list = node
        .get("messages")
        .ok_or_else(|| ParseError::new(node.span.start, "an exlint thread needs `messages`"))?;
    let items = list
        .as_array()
        .ok_or_else(|| wrong(list, "`messages` should be a list"))?;
    let lines = LineIndex::new(source);
    // Local times in the thread are in the writer's zone; the day is always given.
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned(context.timezone.clone());
    let mut messages = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(fields) = &item.value else {
            return Err(wrong(item, "each message should be an object"));
        };
        for (key, value) in fields {
            if !["from", "at", "text"].contains(&key.text.as_str()) {
                return Err(ParseError::new(
                    value.span.start,
                    format!(
                        "unknown key `{}` in a message (known: from, at, text)",
                        key.text
                    ),
                ));
            }
        }
        let from = item
            .get("from")
            .ok_or_else(|| ParseError::new(item.span.start, "a message needs `from`"))?;
        let from = from
            .as_str()
            .ok_or_else(|| wrong(from, "`from` should be a string"))?;
        let at = match item.get("at") {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => None,
            Some(n) => {
                let s = n
                    .as_str()
                    .ok_or_else(|| wrong(n, "`at` should be a string"))?;
                let at = match SendAt::parse(&s.text) {
                    Ok(at @ (SendAt::Local(_) | SendAt::Exact(_))) => at.resolve(&now),
                    Ok(_) => Err(format!("`{}` needs a date", s.text)),
                    Err(e) => Err(e),
                };
                Some(at.map_err(|e| ParseError::new(n.span.start, format!("at: {e}")))?)
            }
        };
        let text = item
            .get("text")
            .ok_or_else(|| ParseError::new(item.span.start, "a message needs `text`"))?;
        let text = text
            .as_str()
            .ok_or_else(|| wrong(text, "`text` should be a string"))?;
        messages.push(Message {
            from: clean_name(&from.text),
            at,
            line: lines.line_of(item.span.start) + 1,
            draft_source: text.text.clone(),
            body: 0..text.text.len(),
            time_span: None,
            map: text.map.clone(),
        });
    }
    Ok(Conversation::new(
        ExportFormat::Exlint,
        source.to_owned(),
        me,
        messages,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json;

    fn read(src: &str) -> Result<Conversation, ParseError> {
        let cx = Context {
            timezone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
            ..Context::default()
        };
        convert(src, &json::parse(src, 0)?, &cx)
    }

    #[test]
    fn reads_the_documented_shape() {
        let src = r#"{"me": "Sam", "messages": [
  {"from": "Alex", "at": "2026-11-20T21:40:00+01:00", "text": "I think we should stop here"},
  {"from": "Sam", "at": "2026-11-28T02:13", "text": "are you\nawake?"},
  {"from": "Sam", "text": "?"}
]}"#;
        let c = read(src).unwrap();
        assert_eq!(c.me.as_deref(), Some("Sam"));
        let ms: Vec<_> = c.messages().collect();
        assert_eq!(ms.len(), 3);
        let m = &ms[1];
        assert_eq!(m.line, 3);
        assert_eq!(
            crate::time::rfc3339(m.at.as_ref().unwrap()),
            "2026-11-28T02:13:00+01:00"
        );
        assert_eq!(m.text(), "are you\nawake?");
        assert_eq!(&src[m.map.map(8..14)], "awake?");
        assert_eq!(ms[2].at, None);
    }

    #[test]
    fn wrong_shapes_are_errors_at_their_place() {
        let cases = [
            (r#"{"me": "Sam", "messages": {}}"#, "should be a list"),
            (
                r#"{"me": "Sam", "messages": [{"from": 3, "text": "x"}]}"#,
                "`from` should be a string, found a number",
            ),
            (
                r#"{"me": "Sam", "messages": [{"from": "a", "text": "x", "when": 1}]}"#,
                "unknown key `when`",
            ),
            (
                r#"{"me": "Sam", "messages": [{"from": "a", "at": "soon", "text": "x"}]}"#,
                "at:",
            ),
            (
                r#"{"me": "Sam", "messages": [{"from": "a", "at": "12:00", "text": "x"}]}"#,
                "needs a date",
            ),
            (
                r#"{"me": "Sam", "messages": [{"from": "a"}]}"#,
                "needs `text`",
            ),
            (
                r#"{"me": "Sam", "colour": 1, "messages": []}"#,
                "unknown key `colour`",
            ),
        ];
        for (src, want) in cases {
            let e = read(src).unwrap_err();
            assert!(e.message.contains(want), "{src}: {}", e.message);
        }
    }
}
