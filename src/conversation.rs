//! A conversation read from a chat export: who said what, when. It gives a draft its context
//! (`--thread`: the last contact, my unanswered streak) and can be reviewed as a whole, each of my
//! messages with its own send time and context, findings pointing into the export file.
//!
//! The parsers live in `input/` (one file per format); this is the model they all produce.

use std::borrow::Cow;
use std::ops::Range;

use jiff::Zoned;

use crate::context::{PersonKey, clean_name, same_person};
use crate::diagnostic::Diagnostic;
use crate::draft::Draft;
use crate::input::whatsapp;
use crate::rules::RuleSet;

/// What the conversation says about one message (a draft, or one of mine in an export).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadFacts {
    /// When the last message before this one was sent, by either side. Set for a draft written
    /// after a `--thread`, where the no-contact period counts from it when no `since` is
    /// configured; left out when reviewing an export, where "last contact" moves with every
    /// message and would turn each new day of an ordinary chat into "day 1 of 21".
    pub last_contact: Option<Zoned>,
    /// My messages in a row right before this one, with no reply in between.
    pub unanswered_before: usize,
}

/// Which export a conversation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    WhatsAppAndroid,
    WhatsAppIos,
    Telegram,
    Exlint,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::WhatsAppAndroid => "WhatsApp (Android)",
            ExportFormat::WhatsAppIos => "WhatsApp (iOS)",
            ExportFormat::Telegram => "Telegram",
            ExportFormat::Exlint => "exlint thread",
        }
    }
}

/// A parsed export.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub format: ExportFormat,
    /// The export exactly as read.
    pub source: String,
    /// The writer's name when the export says it (the exlint format's `me`, or the other side of
    /// a Telegram personal chat).
    pub me: Option<String>,
    messages: Messages,
    /// Everyone who wrote, in order of first message.
    senders: Vec<String>,
}

/// Where a conversation's messages come from; see [`Conversation::messages`].
#[derive(Debug, Clone)]
enum Messages {
    /// Decoded from JSON, held as they are.
    Held(Vec<Message>),
    /// Read again from the source on each walk: a WhatsApp export is its messages' own text, so
    /// holding them all as well would multiply its size.
    WhatsApp(whatsapp::Layout),
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The sender as the export names them, without invisible marks.
    pub from: String,
    pub at: Option<Zoned>,
    /// 1-based line of the export where the message starts.
    pub line: usize,
    /// The text to lint when this message is reviewed: `body` of `draft_source`. For text
    /// exports `draft_source` is the message's own lines (timestamp included, at `time_span`);
    /// for JSON exports it is the decoded text.
    pub draft_source: String,
    pub body: Range<usize>,
    pub time_span: Option<Range<usize>>,
    /// `draft_source` offsets → export offsets.
    pub map: SpanMap,
}

impl Message {
    pub fn text(&self) -> &str {
        &self.draft_source[self.body.clone()]
    }
}

/// Maps byte offsets of a message's own text back into the export file: one piece per run of
/// text copied as is, one per JSON escape (`\n` is one byte of text but two of source).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanMap {
    pieces: Vec<Piece>,
    /// Where an empty text sits in the source.
    anchor: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    text: Range<usize>,
    source: Range<usize>,
}

impl SpanMap {
    /// Text that is a verbatim copy of `source_start..source_start + len`.
    pub fn shifted(source_start: usize, len: usize) -> SpanMap {
        let mut map = SpanMap::empty_at(source_start);
        map.push(len, source_start..source_start + len);
        map
    }

    pub fn empty_at(anchor: usize) -> SpanMap {
        SpanMap {
            pieces: Vec::new(),
            anchor,
        }
    }

    /// Append `text_len` bytes of text that came from `source` (equal lengths: copied as is;
    /// different: an escape, mapped as a unit).
    pub fn push(&mut self, text_len: usize, source: Range<usize>) {
        if text_len == 0 {
            return;
        }
        let start = self.text_len();
        // Merge with the previous verbatim piece when they touch.
        if let Some(last) = self.pieces.last_mut() {
            let verbatim = |p: &Piece| p.text.len() == p.source.len();
            if verbatim(last) && source.len() == text_len && last.source.end == source.start {
                last.text.end += text_len;
                last.source.end = source.end;
                return;
            }
        }
        self.pieces.push(Piece {
            text: start..start + text_len,
            source,
        });
    }

    /// Append another map's text after this one's.
    pub fn extend(&mut self, other: &SpanMap) {
        if self.pieces.is_empty() && other.pieces.is_empty() {
            return;
        }
        for p in &other.pieces {
            self.push(p.text.len(), p.source.clone());
        }
    }

    pub fn text_len(&self) -> usize {
        self.pieces.last().map_or(0, |p| p.text.end)
    }

    fn point(&self, offset: usize, at_end: bool) -> usize {
        let Some(first) = self.pieces.first() else {
            return self.anchor;
        };
        let piece = self
            .pieces
            .iter()
            .find(|p| {
                if at_end {
                    p.text.start < offset && offset <= p.text.end
                } else {
                    p.text.start <= offset && offset < p.text.end
                }
            })
            .or_else(|| {
                if offset == 0 {
                    Some(first)
                } else {
                    self.pieces.last()
                }
            });
        let Some(p) = piece else {
            return self.anchor;
        };
        if p.text.len() == p.source.len() {
            (p.source.start + offset.saturating_sub(p.text.start)).min(p.source.end)
        } else if at_end || offset >= p.text.end {
            p.source.end
        } else {
            p.source.start
        }
    }

    /// A span of the text → the span of the export it came from.
    pub fn map(&self, span: Range<usize>) -> Range<usize> {
        let start = self.point(span.start, false);
        if span.is_empty() {
            return start..start;
        }
        start..self.point(span.end, true).max(start)
    }

    /// True when the text is one verbatim run of the source (touching verbatim pieces are
    /// merged as they are pushed), so an edit of the text is the same edit of the source.
    pub fn is_verbatim(&self) -> bool {
        match &self.pieces[..] {
            [] => true,
            [p] => p.text.len() == p.source.len(),
            _ => false,
        }
    }
}

impl Conversation {
    /// A conversation of messages read from `source`.
    pub fn new(
        format: ExportFormat,
        source: String,
        me: Option<String>,
        messages: Vec<Message>,
    ) -> Conversation {
        let mut senders: Vec<String> = Vec::new();
        for m in &messages {
            if !senders.iter().any(|s| same_person(s, &m.from)) {
                senders.push(m.from.clone());
            }
        }
        Conversation {
            format,
            source,
            me,
            messages: Messages::Held(messages),
            senders,
        }
    }

    /// A WhatsApp export, laid out by [`whatsapp::read_layout`]; `source` is kept as it is, and
    /// its messages are read from it when walked.
    pub fn whatsapp(source: String, layout: whatsapp::Layout) -> Conversation {
        Conversation {
            format: layout.format,
            source,
            me: None,
            senders: layout.senders.clone(),
            messages: Messages::WhatsApp(layout),
        }
    }

    /// The messages in order; system notices ("Messages are end-to-end encrypted") are left
    /// out. A WhatsApp export's messages are read from the source as they are walked (owned);
    /// the others' are lent.
    pub fn messages(&self) -> Box<dyn Iterator<Item = Cow<'_, Message>> + '_> {
        match &self.messages {
            Messages::Held(list) => Box::new(list.iter().map(Cow::Borrowed)),
            // Every line was checked when the export was read, so there is no error to meet.
            Messages::WhatsApp(layout) => Box::new(
                whatsapp::messages(&self.source, layout)
                    .map_while(Result::ok)
                    .map(Cow::Owned),
            ),
        }
    }

    /// Everyone who wrote, in order of first message.
    pub fn senders(&self) -> Vec<&str> {
        self.senders.iter().map(String::as_str).collect()
    }

    /// Which sender is the writer: `me` as configured (or from `--me`), else what the export
    /// says. An unknown name is an error that lists who is in the chat.
    pub fn find_me(&self, configured: Option<&str>, path: &str) -> Result<String, String> {
        let senders = self.senders();
        let list = senders.join(", ");
        let me = match configured.or(self.me.as_deref()) {
            Some(me) => clean_name(me),
            None => {
                return Err(format!(
                    "{path}: which sender are you? pass --me NAME (senders: {list})"
                ));
            }
        };
        if !senders.is_empty() && !senders.iter().any(|s| same_person(s, &me)) {
            return Err(format!(
                "{path}: nobody called `{me}` wrote in this {} export (senders: {list})",
                self.format.name()
            ));
        }
        Ok(me)
    }

    /// Context for the next message (a draft): when the last message was, and how many of mine
    /// are waiting for an answer.
    pub fn facts_for_next(&self, me: &str) -> ThreadFacts {
        let me = PersonKey::new(me);
        let mut last = None;
        let mut unanswered = 0;
        for m in self.messages() {
            unanswered = if me.is(&m.from) { unanswered + 1 } else { 0 };
            last = Some(m);
        }
        ThreadFacts {
            last_contact: last.and_then(|m| m.at.clone()),
            unanswered_before: unanswered,
        }
    }

    /// Lint every one of my messages with its own send time and context; findings point into
    /// the export. Returns the findings and how many messages were reviewed.
    pub fn review(&self, rules: &RuleSet, me: &str) -> (Vec<Diagnostic>, usize) {
        let tz = rules.context().timezone.clone();
        let me = PersonKey::new(me);
        let mut out = Vec::new();
        let mut reviewed = 0;
        // My messages in a row right before this one.
        let mut unanswered = 0;
        for m in self.messages() {
            if !me.is(&m.from) {
                unanswered = 0;
                continue;
            }
            reviewed += 1;
            let facts = ThreadFacts {
                last_contact: None,
                unanswered_before: unanswered,
            };
            unanswered += 1;
            // A message read from the source is ours to take apart; a held one is copied.
            let (text, m) = match m {
                Cow::Owned(mut m) => (std::mem::take(&mut m.draft_source), Cow::Owned(m)),
                Cow::Borrowed(m) => (m.draft_source.clone(), Cow::Borrowed(m)),
            };
            let draft = Draft::with_body(text, m.body.clone())
                .with_send_time(m.at.as_ref().map(|t| t.with_time_zone(tz.clone())))
                .with_time_span(m.time_span.clone())
                .with_thread(Some(facts));
            let from = out.len();
            for mut d in rules.check(&draft) {
                debug_assert!(
                    !m.map.is_verbatim()
                        || self.source.get(m.map.map(d.span.clone()))
                            == Some(draft.slice(d.span.clone()))
                );
                d.span = m.map.map(d.span.clone());
                d.suggestion = d.suggestion.take().and_then(|mut s| {
                    // Edits of decoded JSON text are not edits of the file.
                    if !m.map.is_verbatim() {
                        return None;
                    }
                    s.span = m.map.map(s.span.clone());
                    Some(s)
                });
                // Findings of a big export are kept until they are printed: no spare room.
                d.message.shrink_to_fit();
                out.push(d);
            }
            Diagnostic::sort(&mut out[from..]);
        }
        // Messages come in the order of the export, so this holds without sorting them all (and
        // without the buffer that sorting hundreds of thousands of findings takes).
        if !Diagnostic::is_sorted(&out) {
            Diagnostic::sort(&mut out);
        }
        out.shrink_to_fit();
        (out, reviewed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_map_handles_verbatim_text_and_escapes() {
        // Source: `"a\nbc"` at offset 10: text "a\nbc" (4 bytes), source 11..17.
        let mut map = SpanMap::empty_at(11);
        map.push(1, 11..12); // a
        map.push(1, 12..14); // \n (escape)
        map.push(2, 14..16); // bc
        assert_eq!(map.text_len(), 4);
        assert_eq!(map.map(0..1), 11..12);
        assert_eq!(map.map(2..4), 14..16);
        assert_eq!(map.map(0..4), 11..16);
        assert_eq!(map.map(1..2), 12..14);
        assert!(!map.is_verbatim());
        assert_eq!(SpanMap::empty_at(7).map(0..0), 7..7);
        let shifted = SpanMap::shifted(100, 5);
        assert_eq!(shifted.map(1..3), 101..103);
        assert!(shifted.is_verbatim());
    }

    fn msg(from: &str) -> Message {
        Message {
            from: from.into(),
            at: None,
            line: 1,
            draft_source: "hi".into(),
            body: 0..2,
            time_span: None,
            map: SpanMap::shifted(0, 2),
        }
    }

    #[test]
    fn unanswered_counts_my_trailing_messages() {
        let ms = [msg("Alex"), msg("Sam"), msg("sam"), msg("Sam")];
        let c = |n: usize| {
            Conversation::new(ExportFormat::Exlint, String::new(), None, ms[..n].to_vec())
        };
        assert_eq!(c(4).facts_for_next("Sam").unanswered_before, 3);
        assert_eq!(c(1).facts_for_next("Sam").unanswered_before, 0);
        assert_eq!(c(1).facts_for_next("alex").unanswered_before, 1);
        let c = c(4);
        assert_eq!(c.senders(), ["Alex", "Sam"]);
        assert!(c.find_me(None, "t.json").unwrap_err().contains("Alex, Sam"));
        assert!(
            c.find_me(Some("Jo"), "t.json")
                .unwrap_err()
                .contains("`Jo`")
        );
        assert_eq!(c.find_me(Some("SAM"), "t.json").unwrap(), "SAM");
    }
}
