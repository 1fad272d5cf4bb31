//! Errors that point into a file the user (or we) wrote: a rule file, the lexicon, a config.
//! Rendered with ariadne by `render::human::source_error`.

use std::fmt;
use std::ops::Range;

/// A problem at a place in a text source.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file's name as shown to the user.
    pub path: String,
    /// The whole text of the file, so the report can show the line.
    pub source: String,
    /// Byte span of the offending text, when known.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// A hint such as "did you mean `warn-words`?".
    pub hint: Option<String>,
}

/// A text file we read (a config, a rule file) with the name to show for it: errors about a
/// place in it need both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    pub path: String,
    pub text: String,
}

impl TextFile {
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> SourceError {
        SourceError::at(&self.path, &self.text, span, message)
    }
}

impl SourceError {
    pub fn at(path: &str, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        SourceError {
            path: path.to_owned(),
            source: source.to_owned(),
            span: Some(span),
            message: message.into(),
            hint: None,
        }
    }

    pub fn whole(path: &str, source: &str, message: impl Into<String>) -> Self {
        SourceError {
            path: path.to_owned(),
            source: source.to_owned(),
            span: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Wrap a TOML parse/deserialize error, keeping its span and adding a "did you mean" hint
    /// for unknown keys.
    pub fn from_toml(path: &str, source: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().to_owned();
        let mut out = SourceError {
            path: path.to_owned(),
            source: source.to_owned(),
            span: err.span(),
            message: message.clone(),
            hint: None,
        };
        if let Some(hint) = did_you_mean_from_message(&message) {
            out.hint = Some(hint);
        }
        out
    }

    /// 1-based line and column (in chars) of the span's start, for one-line messages.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let span = self.span.as_ref()?;
        let start = crate::draft::floor_char_boundary(&self.source, span.start);
        let before = &self.source[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Some((line, col))
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col() {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SourceError {}

/// Like `Display`: the file's whole text would drown the message.
impl fmt::Debug for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceError({self})")
    }
}

/// serde's unknown-field (and unknown-variant) message lists the expected names: "unknown field `warn-wrds`, expected
/// one of `warn-words`, `error-words`". Turn that into "did you mean `warn-words`?".
fn did_you_mean_from_message(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    closest(unknown, expected.iter().copied()).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_expected_field() {
        let msg = "unknown field `warn-wrds`, expected one of `warn-words`, `error-words`";
        assert_eq!(
            did_you_mean_from_message(msg).as_deref(),
            Some("did you mean `warn-words`?")
        );
        assert_eq!(
            did_you_mean_from_message("unknown field `zzzzzzzz`, expected `a`"),
            None
        );
        let msg = "unknown variant `eror`, expected one of `error`, `warning`, `info`, `never`";
        assert_eq!(
            did_you_mean_from_message(msg).as_deref(),
            Some("did you mean `error`?")
        );
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("begin", ["begging", "rehash"]), Some("begging"));
    }

    #[test]
    fn line_col_of_span() {
        let e = SourceError::at("x.toml", "a = 1\nbb = 2\n", 6..8, "bad");
        assert_eq!(e.line_col(), Some((2, 1)));
        assert_eq!(e.to_string(), "x.toml:2:1: bad");
    }
}
