//! A small JSON reader that remembers where everything is: each value's byte span, and for each
//! string a map from its decoded text back to the file. Chat exports are JSON, and findings in a
//! message must point at the message in the file; serde_json forgets positions once it has
//! parsed. Errors are byte offsets (the caller turns them into line numbers); nesting is limited
//! so a hostile file cannot overflow the stack.

use std::ops::Range;

use crate::conversation::SpanMap;

use super::ParseError;

/// Nesting deeper than this is refused (exports nest four or five levels).
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(JsonString),
    Array(Vec<Node>),
    Object(Vec<(JsonString, Node)>),
}

/// A decoded string and where each part of it is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonString {
    pub text: String,
    pub map: SpanMap,
}

impl Node {
    /// A member of an object (the last one, if a key repeats).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.text == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&JsonString> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// "a string", "a number", … for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }
}

/// Does this text look like a JSON chat export (an object with a `"messages"` key near the top)?
/// Anything else is read as a draft, even if it starts with a brace.
pub fn looks_like_export(text: &str) -> bool {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return false;
    }
    let mut cut = trimmed.len().min(64 * 1024);
    while !trimmed.is_char_boundary(cut) {
        cut -= 1;
    }
    trimmed[..cut].contains("\"messages\"")
}

/// Parse one JSON value that fills `source[start..]` (surrounding whitespace allowed).
pub fn parse(source: &str, start: usize) -> Result<Node, ParseError> {
    let mut p = Parser {
        src: source.as_bytes(),
        text: source,
        pos: start,
    };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(ParseError::new(
            p.pos,
            "unexpected text after the end of the JSON document",
        ));
    }
    Ok(node)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.src.len()
            && matches!(self.src[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    fn eof(&self) -> ParseError {
        ParseError::new(
            self.src.len(),
            "the JSON ends too early: the file looks truncated",
        )
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        if self.pos >= self.src.len() {
            return self.eof();
        }
        let found: String = self.text[self.pos..].chars().take(12).collect();
        ParseError::new(
            self.pos,
            format!("expected {wanted} in the JSON, found `{found}`"),
        )
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::new(self.pos, "the JSON nests too deeply"));
        }
        let start = self.pos;
        let value = match self.peek() {
            None => return Err(self.eof()),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.unexpected("a value")),
        };
        Ok(Node {
            value,
            span: start..self.pos,
        })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else if word.as_bytes().starts_with(&self.src[self.pos..]) {
            Err(self.eof())
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        while self.pos < self.src.len()
            && matches!(
                self.src[self.pos],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.pos += 1;
        }
        self.text[start..self.pos]
            .parse::<f64>()
            .map(Value::Number)
            .map_err(|_| {
                ParseError::new(
                    start,
                    format!("`{}` is not a JSON number", &self.text[start..self.pos]),
                )
            })
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a quoted key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("`:`"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.eof())?;
        let n = u32::from_str_radix(digits, 16).map_err(|_| {
            ParseError::new(at, format!("bad escape `\\u{digits}` in a JSON string"))
        })?;
        self.pos += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<JsonString, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        let mut map = SpanMap::empty_at(self.pos);
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.eof());
            };
            match b {
                b'"' => {
                    text.push_str(&self.text[run..self.pos]);
                    map.push(self.pos - run, run..self.pos);
                    self.pos += 1;
                    return Ok(JsonString { text, map });
                }
                b'\\' => {
                    text.push_str(&self.text[run..self.pos]);
                    map.push(self.pos - run, run..self.pos);
                    let esc = self.pos;
                    self.pos += 1;
                    let Some(kind) = self.peek() else {
                        return Err(self.eof());
                    };
                    self.pos += 1;
                    let c = match kind {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4(esc)?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.src[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4(esc)?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{fffd}')
                        }
                        _ => {
                            return Err(ParseError::new(esc, "unknown escape in a JSON string"));
                        }
                    };
                    text.push(c);
                    map.push(c.len_utf8(), esc..self.pos);
                    run = self.pos;
                }
                0..=0x1f => {
                    return Err(ParseError::new(
                        open,
                        "a JSON string that is not closed on its line",
                    ));
                }
                _ => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_spans() {
        let src = r#" {"a": [1, -2.5e1, true, null], "b": "x\ny", "c": {}} "#;
        let node = parse(src, 0).unwrap();
        let a = node.get("a").unwrap();
        assert_eq!(&src[a.span.clone()], "[1, -2.5e1, true, null]");
        assert_eq!(a.as_array().unwrap()[1].value, Value::Number(-25.0));
        let b = node.get("b").unwrap().as_str().unwrap();
        assert_eq!(b.text, "x\ny");
        assert_eq!(&src[b.map.map(2..3)], "y");
        assert_eq!(&src[b.map.map(0..3)], "x\\ny");
        assert!(node.get("c").unwrap().is_object());
        assert_eq!(node.get("zz"), None);
    }

    #[test]
    fn unicode_escapes_and_raw_utf8() {
        let src = r#"["caf\u00e9 \ud83d\ude00", "déjà 🙂"]"#;
        let node = parse(src, 0).unwrap();
        let items = node.as_array().unwrap();
        assert_eq!(items[0].as_str().unwrap().text, "café 😀");
        let s = items[1].as_str().unwrap();
        assert_eq!(s.text, "déjà 🙂");
        assert_eq!(&src[s.map.map(0..s.text.len())], "déjà 🙂");
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for bad in [
            "",
            "{",
            "{\"a\": [1, 2",
            "{\"a\" 1}",
            "{\"a\": \"unterminated",
            "{\"a\": tru",
            "{\"a\": \"\\x\"}",
            "{\"a\": \"\\u12\"}",
            "{\"a\": 1} extra",
            "[1,]",
            "{\"a\": --}",
            "\"\\ud800\\u",
        ] {
            assert!(parse(bad, 0).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse(&deep, 0).unwrap_err().message.contains("deeply"));
        let e = parse("{\"a\": [1, 2", 0).unwrap_err();
        assert!(e.message.contains("truncated"), "{}", e.message);
    }

    #[test]
    fn export_sniffing() {
        assert!(looks_like_export(
            "  {\n \"name\": \"x\", \"messages\": []}"
        ));
        assert!(!looks_like_export("{sigh} fine"));
        assert!(!looks_like_export("messages"));
    }
}
