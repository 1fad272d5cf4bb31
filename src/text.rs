//! Segmentation (words, sentences, paragraphs) as byte spans, and the normalized view that phrase
//! matching runs on.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::lexicon::{ClauseRole, Lexicon};

/// Word spans (UAX #29 words that contain a letter or digit), offset by `base`.
pub fn words(text: &str, base: usize) -> Vec<Range<usize>> {
    text.unicode_word_indices()
        .map(|(i, w)| base + i..base + i + w.len())
        .collect()
}

/// Sentence spans, trimmed of whitespace. A sentence ends at a line break, or at `.`, `!` or `?`
/// (runs included) followed by a space — whatever the case of the next word, since drafts are often
/// all lowercase. An ellipsis ends one only before a capital letter; "Dr." and friends never do.
/// Pieces with no letter or digit (a lone emoji) are not sentences.
pub fn sentences(text: &str, base: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let push = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
        let piece = &text[from..to];
        let t = trim_span(piece);
        if piece[t.clone()].chars().any(char::is_alphanumeric) {
            out.push(base + from + t.start..base + from + t.end);
        }
    };
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '\n' || c == '\r' || c == '\u{2029}' {
            push(start, i, &mut out);
            start = i + c.len_utf8();
            continue;
        }
        if !is_terminator(c) {
            continue;
        }
        // Take the whole run of terminators and closing quotes/brackets.
        let mut end = i + c.len_utf8();
        let mut dots = usize::from(c == '.');
        let mut ellipsis = c == '…';
        let mut only_dots = c == '.' || c == '…';
        while let Some(&(j, d)) = iter.peek() {
            if is_terminator(d) || matches!(d, '"' | '\'' | '”' | '’' | ')' | ']') {
                dots += usize::from(d == '.');
                ellipsis |= d == '…';
                only_dots &= matches!(d, '.' | '…' | '"' | '\'' | '”' | '’' | ')' | ']');
                end = j + d.len_utf8();
                iter.next();
            } else {
                break;
            }
        }
        let rest = &text[end..];
        let next = rest.trim_start_matches([' ', '\t']).chars().next();
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue; // "3.5", "e.g.x", "wait...what" stay inside
        }
        let pause = only_dots && (dots >= 2 || ellipsis);
        if pause && next.is_some_and(|n| !n.is_uppercase() && n != '\n' && n != '\r') {
            continue;
        }
        if only_dots && dots == 1 && !ellipsis && is_abbreviation(&text[start..i]) {
            continue;
        }
        push(start, end, &mut out);
        start = end;
    }
    push(start, text.len(), &mut out);
    out
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '！' | '？' | '。')
}

/// Does the text before a single "." end in a common abbreviation ("Dr", "e.g")?
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let word = word.to_lowercase();
    matches!(
        word.as_str(),
        "mr" | "mrs"
            | "ms"
            | "dr"
            | "st"
            | "vs"
            | "etc"
            | "e.g"
            | "i.e"
            | "jr"
            | "sr"
            | "prof"
            | "approx"
            | "no"
            | "ft"
            | "mt"
    ) && !before.ends_with(' ')
}

/// Paragraph spans: runs of lines separated by one or more blank lines, trimmed.
pub fn paragraphs(text: &str, base: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut start = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        let content = line.trim_end_matches(['\n', '\r']);
        let end = start + line.len();
        if content.trim().is_empty() {
            // A lone "\r" before "\n" is part of a CRLF ending, not a blank line.
            if !(line == "\n" && text[..start].ends_with('\r')) {
                if let Some(p) = current.take() {
                    out.push(p);
                }
            }
        } else {
            let t = trim_span(content);
            let span = start + t.start..start + t.end;
            current = Some(match current {
                Some(p) => p.start..span.end,
                None => span,
            });
        }
        start = end;
    }
    out.extend(current);
    out.into_iter()
        .map(|r| base + r.start..base + r.end)
        .collect()
}

/// Is this sentence a question? Its closing punctuation (after the last letter or digit) has a
/// question mark: "you ok?? 😢" is, "why? because" is two sentences.
pub fn is_question(sentence: &str) -> bool {
    let tail = match sentence
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
    {
        Some((i, c)) => &sentence[i + c.len_utf8()..],
        None => sentence,
    };
    tail.contains(['?', '？', '¿'])
}

fn trim_span(s: &str) -> Range<usize> {
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len();
    if start >= end { 0..0 } else { start..end }
}

/// One token of the normalized view: a word as the user typed it (its source span) and the
/// canonical readings it may stand for ("ur" → "your" | "you are").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte span of the user's own word in the source.
    pub span: Range<usize>,
    /// True when a sentence end (. ! ? ;), a line break or a blank line separates this token
    /// from the previous one: phrases never match across it.
    pub break_before: bool,
    /// True when a clause pause (a comma, a colon, a dash, brackets, an emoji) or a break
    /// separates this token from the previous one, or, in unpunctuated text, when this token
    /// opens a clause ("i") or an interjection ("lol") sits on either side: where `^`/`$`
    /// phrases may start or end.
    pub pause_before: bool,
    /// True when the word sits inside quotation marks (“…”, "…", «…», „…“): the writer is
    /// quoting a song, a title or someone else, not saying it.
    pub quoted: bool,
    readings: Range<u32>,
}

/// The draft as matching sees it: lowercase, one kind of apostrophe, text-speak and contractions
/// expanded, stretched letters shortened; every token keeps the span of the words it came from.
#[derive(Debug, Clone, Default)]
pub struct NormalizedView {
    tokens: Vec<Token>,
    /// Each reading is a range into `words`.
    readings: Vec<Range<u32>>,
    /// Canonical words, each a range into `text`.
    words: Vec<Range<u32>>,
    text: String,
}

impl NormalizedView {
    /// Build the view of `text`, whose first byte is at `base` in the source.
    pub fn build(text: &str, base: usize, lexicon: &Lexicon) -> NormalizedView {
        NormalizedView::build_on(text, base, &words(text, base), lexicon)
    }

    /// `build`, given the word spans of `text` (`words(text, base)`), so a draft segments its
    /// text once for both its words and its view.
    pub fn build_on(
        text: &str,
        base: usize,
        words: &[Range<usize>],
        lexicon: &Lexicon,
    ) -> NormalizedView {
        let mut view = NormalizedView {
            tokens: Vec::with_capacity(text.len() / 5 + 1),
            readings: Vec::with_capacity(text.len() / 5 + 1),
            words: Vec::with_capacity(text.len() / 4 + 1),
            text: String::with_capacity(text.len() + 16),
        };
        let mut raw = String::new();
        let mut scratch = Vec::new();
        let mut prev_end = 0;
        let mut after_interjection = false;
        let quotes = quoted_ranges(text);
        let mut next_quote = 0;
        let mut pieces = words
            .iter()
            .map(|w| (w.start - base, &text[w.start - base..w.end - base]))
            .peekable();
        while let Some((start, word)) = pieces.next() {
            let mut end = start + word.len();
            // "w/o", "b/c", "w/e": short words joined by a slash are one token.
            if word.chars().count() <= 2 && text[end..].starts_with('/') {
                if let Some(&(next_start, next)) = pieces.peek() {
                    if next_start == end + 1 && next.chars().count() <= 2 {
                        end = next_start + next.len();
                        pieces.next();
                    }
                }
            }
            let between = &text[prev_end..start];
            let break_before = !view.tokens.is_empty() && is_break(between);
            prev_end = end;

            raw.clear();
            for c in text[start..end].chars() {
                match c {
                    '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => raw.push('\''),
                    c => raw.extend(c.to_lowercase()),
                }
            }
            // Most tokens read as themselves or as one table entry: those borrow, the rest
            // (stretched letters, a dropped g) go through `readings`.
            let first_reading = view.readings.len() as u32;
            let role = if lexicon.reads_as_itself(&raw) {
                let s = view.text.len() as u32;
                view.text.push_str(&raw);
                view.words.push(s..view.text.len() as u32);
                view.readings
                    .push(view.words.len() as u32 - 1..view.words.len() as u32);
                lexicon.word_role(&raw)
            } else {
                let table = lexicon.get(&raw);
                if table.is_none() {
                    lexicon.readings(&raw, &mut scratch);
                }
                let readings = table.map_or(&scratch[..], |alts| &alts[..]);
                for reading in readings {
                    let first_word = view.words.len() as u32;
                    for w in reading {
                        let s = view.text.len() as u32;
                        view.text.push_str(w);
                        view.words.push(s..view.text.len() as u32);
                    }
                    view.readings.push(first_word..view.words.len() as u32);
                }
                readings
                    .first()
                    .map_or(ClauseRole::Plain, |r| lexicon.clause_role(r))
            };
            // Texts often skip punctuation: a clause also starts at an opener ("take me back i
            // miss u") and on both sides of an interjection ("u up lol cant sleep").
            let unpunctuated_edge = role != ClauseRole::Plain || after_interjection;
            after_interjection = role == ClauseRole::Interjection;
            let pause_before = break_before
                || (!view.tokens.is_empty() && (is_pause(between) || unpunctuated_edge));
            view.tokens.push(Token {
                span: base + start..base + end,
                break_before,
                pause_before,
                quoted: {
                    while next_quote < quotes.len() && quotes[next_quote].end <= start {
                        next_quote += 1;
                    }
                    quotes.get(next_quote).is_some_and(|q| q.start <= start)
                },
                readings: first_reading..view.readings.len() as u32,
            });
        }
        view
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// How many readings token `i` has.
    pub fn reading_count(&self, token: usize) -> usize {
        self.tokens[token].readings.len()
    }

    /// The words of reading `r` of token `i`.
    pub fn reading(&self, token: usize, r: usize) -> impl ExactSizeIterator<Item = &str> + '_ {
        let reading = &self.readings[self.tokens[token].readings.start as usize + r];
        self.words[reading.start as usize..reading.end as usize]
            .iter()
            .map(|w| &self.text[w.start as usize..w.end as usize])
    }

    /// The first reading of every token, joined by spaces: what matching "sees". For debugging
    /// and tests.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for i in 0..self.tokens.len() {
            if i > 0 {
                out.push_str(if self.tokens[i].break_before {
                    " | "
                } else {
                    " "
                });
            }
            let words: Vec<&str> = self.reading(i, 0).collect();
            out.push_str(&words.join(" "));
        }
        out
    }
}

/// Byte ranges (sorted, disjoint) between matching quotation marks within one paragraph. An
/// opening mark that is never closed quotes nothing: it is more likely a typo than a quotation.
pub fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // (closing char, byte offset just after the opening mark)
    let mut open: Option<(char, usize)> = None;
    let mut prev = '\n';
    let mut newlines = 0;
    for (i, c) in text.char_indices() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    open = None; // a blank line ends any open quotation
                }
            }
            '\r' => {}
            c if !c.is_whitespace() => newlines = 0,
            _ => {}
        }
        match (open, c) {
            (Some((close, from)), c) if c == close => {
                out.push(from..i);
                open = None;
            }
            (None, '“') => open = Some(('”', i + c.len_utf8())),
            (None, '„') => open = Some(('“', i + c.len_utf8())),
            (None, '«') => open = Some(('»', i + c.len_utf8())),
            // A straight quote opens only where a quotation can start (not inside a word: 5'10").
            (None, '"') if !prev.is_alphanumeric() => open = Some(('"', i + 1)),
            _ => {}
        }
        prev = c;
    }
    out
}

/// Does the text between two words hold a clause pause? Anything but spaces, apostrophes,
/// quotation marks, hyphens and slashes counts: commas, colons, dashes, brackets, emoji.
fn is_pause(between: &str) -> bool {
    between.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '\'' | '’' | '‘' | '"' | '“' | '”' | '-' | '/' | '\u{200d}' | '\u{fe0f}'
            )
    })
}

/// Does the text between two words end a clause for matching purposes? Sentence punctuation
/// (one dot, not an ellipsis) and line breaks do; commas, dashes, emoji and quotes do not.
fn is_break(between: &str) -> bool {
    if between.contains(['\n', '\r', '!', '?', ';', '！', '？', '。', '\u{2029}']) {
        return true;
    }
    // A single "." ends a sentence; "..." and "…" are a pause.
    let bytes = between.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'.' && (i == 0 || bytes[i - 1] != b'.') && bytes.get(i + 1).is_none_or(|&n| n != b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::parse(
            "t.toml",
            r#"[words]
pls = "please"
u = "you"
ur = ["your", "you are"]
"can't" = "can not"
cant = "can not"
"w/o" = "without"
bck = "back"
"#,
        )
        .unwrap()
    }

    #[test]
    fn normalizes_text_speak_and_keeps_source_spans() {
        let text = "Pls come BCK, i cant live w/o u";
        let view = NormalizedView::build(text, 10, &lex());
        assert_eq!(
            view.to_plain(),
            "please come back i can not live without you"
        );
        let w_o = &view.tokens()[6];
        assert_eq!(&text[w_o.span.start - 10..w_o.span.end - 10], "w/o");
        assert_eq!(view.reading_count(6), 1);
    }

    #[test]
    fn curly_apostrophes_and_stretched_letters() {
        let view = NormalizedView::build("I CAN’T, plsss", 0, &lex());
        assert_eq!(view.to_plain(), "i can not please");
        let view = NormalizedView::build("ur fault", 0, &lex());
        let readings: Vec<Vec<&str>> = (0..view.reading_count(0))
            .map(|r| view.reading(0, r).collect())
            .collect();
        assert_eq!(readings, vec![vec!["your"], vec!["you", "are"]]);
    }

    #[test]
    fn breaks_at_sentence_ends_not_at_pauses() {
        let view = NormalizedView::build("thank you. never\nmind... ok, 🥺 fine! yes", 0, &lex());
        assert_eq!(view.to_plain(), "thank you | never | mind ok fine | yes");
    }

    #[test]
    fn unpunctuated_clause_edges_are_pauses() {
        let lex = Lexicon::parse(
            "t.toml",
            r#"clause-openers = ["i"]
interjections = ["lol", "tbh"]
[words]
im = "i am"
tbh = "to be honest"
u = "you"
"#,
        )
        .unwrap();
        let pauses = |text: &str| -> Vec<bool> {
            NormalizedView::build(text, 0, &lex)
                .tokens()
                .iter()
                .map(|t| t.pause_before)
                .collect()
        };
        // "take me back | i miss u": an opener starts a clause, also through the lexicon.
        assert_eq!(
            pauses("take me back i miss u"),
            [false, false, false, true, false, false]
        );
        assert_eq!(pauses("come back im sad"), [false, false, true, false]);
        // An interjection is a clause edge on both sides.
        assert_eq!(
            pauses("u up lol cant sleep"),
            [false, false, true, true, false]
        );
        assert_eq!(pauses("tbh u up"), [false, true, false]);
        // Breaks are unaffected: they still come only from punctuation and line ends.
        let view = NormalizedView::build("take me back i miss u", 0, &lex);
        assert!(view.tokens().iter().all(|t| !t.break_before));
    }

    #[test]
    fn pauses_are_marked() {
        let view = NormalizedView::build("hey, u up 🙈 pick-up: now", 0, &lex());
        let pauses: Vec<bool> = view.tokens().iter().map(|t| t.pause_before).collect();
        assert_eq!(pauses, [false, true, false, true, false, true]);
    }

    #[test]
    fn emoji_and_odd_spacing_are_skipped() {
        let view = NormalizedView::build("  pls   🥺🥺  come\tback  ", 0, &lex());
        assert_eq!(view.to_plain(), "please come back");
    }

    #[test]
    fn sentence_and_paragraph_spans() {
        let text = "Hi. How are you?\r\n\r\nI'm ok 😀\nbye";
        let s: Vec<&str> = sentences(text, 0)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(s, ["Hi.", "How are you?", "I'm ok 😀", "bye"]);
        let all = |t: &'static str| -> Vec<&'static str> {
            sentences(t, 0).iter().map(|r| &t[r.clone()]).collect()
        };
        assert_eq!(
            all("hey. so. i saw it!! ok?"),
            ["hey.", "so.", "i saw it!!", "ok?"]
        );
        assert_eq!(
            all("i miss you... anyway. Dr. Who is on"),
            ["i miss you... anyway.", "Dr. Who is on"]
        );
        assert_eq!(
            all("wait... What? it costs 3.50 lol"),
            ["wait...", "What?", "it costs 3.50 lol"]
        );
        assert_eq!(
            all("“are you ok?” she said. 😢"),
            ["“are you ok?”", "she said."]
        );
        let p: Vec<&str> = paragraphs(text, 0)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(p, ["Hi. How are you?", "I'm ok 😀\nbye"]);
        let cr = "one\r\rtwo\rthree";
        let p: Vec<&str> = paragraphs(cr, 0).iter().map(|r| &cr[r.clone()]).collect();
        assert_eq!(p, ["one", "two\rthree"]);
    }

    #[test]
    fn quotations_are_marked() {
        let text = "she said “I’m begging you” and \"you up\" lol";
        let q: Vec<&str> = quoted_ranges(text)
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(q, ["I’m begging you", "you up"]);
        let view = NormalizedView::build(text, 0, &lex());
        let quoted: Vec<bool> = view.tokens().iter().map(|t| t.quoted).collect();
        assert_eq!(
            quoted,
            [false, false, true, true, true, false, true, true, false]
        );
        assert!(quoted_ranges("an “open quote never closes").is_empty());
        assert!(quoted_ranges("“one\n\nparagraph” later").is_empty());
        assert!(quoted_ranges("he is 5'10\" tall").is_empty());
    }

    #[test]
    fn questions() {
        assert!(is_question("you ok?? 😢"));
        assert!(is_question("really?!"));
        assert!(!is_question("ok."));
        assert!(!is_question("what? no"));
    }
}
