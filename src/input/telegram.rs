//! Telegram Desktop's JSON export of one chat (`result.json`):
//!
//! ```json
//! {"name": "Alex", "type": "personal_chat", "id": 42,
//!  "messages": [
//!   {"id": 1, "type": "message", "date": "2026-11-28T02:14:05", "date_unixtime": "1795828445",
//!    "from": "Sam", "from_id": "user1", "text": ["see ", {"type": "bold", "text": "this"}]}]}
//! ```
//!
//! `text` is a plain string, or a list of strings and entity objects (`{"type": "link", "text":
//! …}`) whose `text` parts are joined. `service` entries (calls, pins) are not messages.
//! `date_unixtime`, when present, fixes the instant; otherwise `date` is local time in the
//! configured zone. In a personal chat `name` is the other person, so "me" is whoever else
//! writes. Every other key is ignored: exports grow new ones often.

use crate::context::{Context, clean_name, same_person};
use crate::conversation::{Conversation, ExportFormat, Message, SpanMap};
use crate::draft::LineIndex;
use crate::time::first_instant_at;

use super::ParseError;
use super::json::{Node, Value};

fn wrong(node: &Node, what: &str) -> ParseError {
    ParseError::new(
        node.span.start,
        format!("{what}, found {}", node.kind_name()),
    )
}

pub fn convert(source: &str, node: &Node, context: &Context) -> Result<Conversation, ParseError> {
    if !node.is_object() {
        return Err(wrong(node, "a Telegram export is a JSON object"));
    }
    let Some(list) = node.get("messages") else {
        let message = if node.get("chats").is_some() {
            "this is Telegram's export of all chats; export the one chat instead (… → Export chat history → JSON)"
        } else {
            "a Telegram export needs `messages`"
        };
        return Err(ParseError::new(node.span.start, message));
    };
    let items = list
        .as_array()
        .ok_or_else(|| wrong(list, "`messages` should be a list"))?;
    let lines = LineIndex::new(source);
    let mut messages = Vec::with_capacity(items.len());
    for item in items {
        if !item.is_object() {
            return Err(wrong(item, "each message should be an object"));
        }
        match item.get("type").map(|t| &t.value) {
            None => {}
            Some(Value::String(s)) if s.text == "message" => {}
            // Service entries (calls, pinned messages, joins) are not anyone's words.
            Some(Value::String(_)) => continue,
            Some(_) => {
                return Err(wrong(
                    item.get("type").unwrap_or(item),
                    "`type` should be a string",
                ));
            }
        }
        let from = match item.get("from") {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => "Deleted Account".to_owned(),
            Some(n) => clean_name(
                &n.as_str()
                    .ok_or_else(|| wrong(n, "`from` should be a string"))?
                    .text,
            ),
        };
        let at = time_of(item, context)?;
        let (text, map) = match item.get("text") {
            None => (String::new(), SpanMap::empty_at(item.span.start)),
            Some(n) => text_of(n)?,
        };
        messages.push(Message {
            from,
            at: Some(at),
            line: lines.line_of(item.span.start) + 1,
            body: 0..text.len(),
            draft_source: text,
            time_span: None,
            map,
        });
    }
    // In a personal chat the export is named after the other person.
    let personal = node
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.text == "personal_chat");
    let me = match (personal, node.get("name").and_then(Node::as_str)) {
        (true, Some(them)) => {
            let mut others: Vec<&str> = Vec::new();
            for m in &messages {
                if !same_person(&m.from, &them.text)
                    && !others.iter().any(|o| same_person(o, &m.from))
                {
                    others.push(&m.from);
                }
            }
            match others[..] {
                [me] => Some(me.to_owned()),
                _ => None,
            }
        }
        _ => None,
    };
    Ok(Conversation::new(
        ExportFormat::Telegram,
        source.to_owned(),
        me,
        messages,
    ))
}

fn time_of(item: &Node, context: &Context) -> Result<jiff::Zoned, ParseError> {
    if let Some(n) = item.get("date_unixtime") {
        let secs = match &n.value {
            Value::String(s) => s.text.trim().parse::<i64>().ok(),
            Value::Number(x) if x.fract() == 0.0 => Some(*x as i64),
            _ => None,
        };
        let ts = secs
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .ok_or_else(|| wrong(n, "`date_unixtime` should be whole seconds since 1970"))?;
        return Ok(ts.to_zoned(context.timezone.clone()));
    }
    let n = item
        .get("date")
        .ok_or_else(|| ParseError::new(item.span.start, "a message needs a `date`"))?;
    let s = n
        .as_str()
        .ok_or_else(|| wrong(n, "`date` should be a string"))?;
    let dt: jiff::civil::DateTime = s.text.parse().map_err(|_| {
        ParseError::new(
            n.span.start,
            format!("`{}` is not a date like 2026-11-28T02:14:05", s.text),
        )
    })?;
    first_instant_at(dt, &context.timezone).map_err(|e| ParseError::new(n.span.start, e))
}

/// A message's text: a string, or a list of strings and entity objects with a `text`.
fn text_of(node: &Node) -> Result<(String, SpanMap), ParseError> {
    const SHAPE: &str = "`text` should be a string or a list of strings and entity objects";
    match &node.value {
        Value::String(s) => Ok((s.text.clone(), s.map.clone())),
        Value::Array(parts) => {
            let mut text = String::new();
            let mut map = SpanMap::empty_at(node.span.start);
            for part in parts {
                let piece = match &part.value {
                    Value::String(s) => s,
                    Value::Object(_) => match part.get("text") {
                        Some(t) => t
                            .as_str()
                            .ok_or_else(|| wrong(t, "an entity's `text` should be a string"))?,
                        None => {
                            return Err(ParseError::new(
                                part.span.start,
                                "an entity object needs a `text`",
                            ));
                        }
                    },
                    _ => return Err(wrong(part, SHAPE)),
                };
                text.push_str(&piece.text);
                map.extend(&piece.map);
            }
            Ok((text, map))
        }
        _ => Err(wrong(node, SHAPE)),
    }
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
    fn mixed_text_arrays_are_joined_and_map_back() {
        let src = r#"{"name": "Alex", "type": "personal_chat", "id": 7, "messages": [
 {"id": 1, "type": "service", "date": "2026-11-27T20:00:00", "actor": "Sam", "action": "phone_call", "text": ""},
 {"id": 2, "type": "message", "date": "2026-11-28T02:14:05", "date_unixtime": "1795828445", "from": "Sam",
  "text": ["please ", {"type": "bold", "text": "come back"}, " \u2764"]},
 {"id": 3, "type": "message", "date": "2026-11-28T09:00:00", "from": "Alex", "text": "no",
  "text_entities": [{"type": "plain", "text": "no"}]}
]}"#;
        let c = read(src).unwrap();
        let ms: Vec<_> = c.messages().collect();
        assert_eq!(ms.len(), 2);
        assert_eq!(c.me.as_deref(), Some("Sam"));
        let m = &ms[0];
        assert_eq!(m.text(), "please come back ❤");
        assert_eq!(m.line, 3);
        assert_eq!(&src[m.map.map(7..16)], "come back");
        assert_eq!(
            crate::time::rfc3339(m.at.as_ref().unwrap()),
            "2026-11-28T02:14:05+01:00"
        );
        assert_eq!(
            crate::time::rfc3339(ms[1].at.as_ref().unwrap()),
            "2026-11-28T09:00:00+01:00"
        );
    }

    #[test]
    fn wrong_types_and_full_exports_are_clear_errors() {
        let cases = [
            (
                r#"{"messages": [{"type": "message", "date": "2026-11-28T02:14:05", "from": "Sam", "text": 5}]}"#,
                "`text` should be a string or a list",
            ),
            (
                r#"{"messages": [{"type": "message", "date": "2026-11-28T02:14:05", "from": "Sam", "text": [1]}]}"#,
                "found a number",
            ),
            (
                r#"{"messages": [{"type": "message", "date": "yesterday", "from": "Sam", "text": ""}]}"#,
                "not a date",
            ),
            (
                r#"{"messages": [{"type": "message", "from": "Sam", "text": ""}]}"#,
                "needs a `date`",
            ),
            (
                r#"{"messages": [{"type": "message", "date_unixtime": "soon", "from": "Sam"}]}"#,
                "whole seconds",
            ),
            (r#"{"messages": "none"}"#, "should be a list"),
            (r#"{"chats": {"list": []}, "x": "messages"}"#, "all chats"),
        ];
        for (src, want) in cases {
            let e = read(src).unwrap_err();
            assert!(e.message.contains(want), "{src}: {}", e.message);
        }
    }
}
