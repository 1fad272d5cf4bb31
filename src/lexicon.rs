//! Text-speak, misspellings and contractions, mapped to the canonical words that phrases are
//! written in. Loaded from `rules/lexicon.toml`; the draft and every phrase go through it, so a rule
//! written as "i can't live without you" also matches "i cant live w/o u".

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::Deserialize;

use crate::error::SourceError;

/// The built-in lexicon source, embedded in the binary.
pub const BUILTIN_LEXICON: &str = include_str!("../rules/lexicon.toml");

/// Canonical word sequences for one raw token; the first is the usual reading.
pub type Alternatives = Vec<Vec<String>>;

#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    map: HashMap<String, Alternatives>,
    /// Canonical words that open a new clause even without punctuation ("i").
    openers: HashSet<String>,
    /// Canonical readings of interjections, which stand between clauses ("lol", "to be honest").
    interjections: HashSet<String>,
    /// Every token `as_itself` must know about, in one table: the table's keys (which do not
    /// read as themselves) and one-word openers and interjections (with their role).
    known: HashMap<String, Option<ClauseRole>>,
    /// A stable hash of the source text: compiled artifacts built from this lexicon carry it.
    fingerprint: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LexiconFile {
    #[serde(default)]
    clause_openers: Vec<String>,
    #[serde(default)]
    interjections: Vec<String>,
    words: toml::Spanned<toml::Table>,
}

/// Where a token stands towards the clauses around it in unpunctuated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseRole {
    /// An ordinary word.
    Plain,
    /// Opens a clause: "take me back i miss u" is two clauses.
    Opener,
    /// Stands between clauses: "u up lol cant sleep".
    Interjection,
}

impl Lexicon {
    pub fn builtin() -> Lexicon {
        // The built-in file is checked by the test suite; failing here is a build defect.
        Lexicon::parse("rules/lexicon.toml", BUILTIN_LEXICON).expect("built-in lexicon is valid")
    }

    /// Parse a lexicon file. Keys are single tokens as typed (lowercase, straight apostrophes);
    /// values are a string or an array of strings, each one or more canonical words.
    pub fn parse(path: &str, source: &str) -> Result<Lexicon, SourceError> {
        let file: LexiconFile =
            toml::from_str(source).map_err(|e| SourceError::from_toml(path, source, &e))?;
        let mut map =
            HashMap::with_capacity_and_hasher(file.words.get_ref().len(), Default::default());
        for (key, value) in file.words.get_ref() {
            let key_span = file.words.span();
            let bad = |what: String| SourceError::at(path, source, key_span.clone(), what);
            let readings: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| bad(format!("`{key}`: every reading must be a string")))
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(bad(format!(
                        "`{key}`: expected a string or an array of strings"
                    )));
                }
            };
            if key != &key.to_lowercase() || key.contains(char::is_whitespace) || key.contains('’')
            {
                return Err(bad(format!(
                    "`{key}`: keys are one lowercase token with straight apostrophes"
                )));
            }
            let alternatives: Alternatives = readings
                .into_iter()
                .map(|r| r.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                .filter(|words: &Vec<String>| !words.is_empty())
                .collect();
            if alternatives.is_empty() {
                return Err(bad(format!(
                    "`{key}`: needs at least one non-empty reading"
                )));
            }
            map.insert(key.clone(), alternatives);
        }
        let mut lexicon = Lexicon {
            map,
            openers: HashSet::default(),
            interjections: HashSet::default(),
            known: HashMap::default(),
            fingerprint: crate::rules::phrase::fnv1a(source.as_bytes()),
        };
        // Both lists name canonical words, so they go through the table too ("im" is "i am").
        let mut scratch = Vec::new();
        for word in &file.clause_openers {
            lexicon.readings(&word.to_lowercase(), &mut scratch);
            for reading in &scratch {
                if let Some(first) = reading.first() {
                    lexicon.openers.insert(first.clone());
                }
            }
        }
        for word in &file.interjections {
            lexicon.readings(&word.to_lowercase(), &mut scratch);
            let joined: Vec<String> = scratch.iter().map(|r| r.join(" ")).collect();
            lexicon.interjections.extend(joined);
        }
        let roles = lexicon.openers.iter().chain(&lexicon.interjections);
        let known: HashMap<String, Option<ClauseRole>> = roles
            .map(|w| (w.clone(), Some(lexicon.word_role(w))))
            .chain(lexicon.map.keys().map(|k| (k.clone(), None)))
            .collect();
        lexicon.known = known;
        Ok(lexicon)
    }

    /// How a token whose usual (first) reading is `reading` stands towards clauses.
    pub fn clause_role(&self, reading: &[String]) -> ClauseRole {
        match reading {
            [] => ClauseRole::Plain,
            [one] => self.word_role(one),
            [first, ..] if self.openers.contains(first) => ClauseRole::Opener,
            _ if self.interjections.contains(&reading.join(" ")) => ClauseRole::Interjection,
            _ => ClauseRole::Plain,
        }
    }

    /// `clause_role` of a one-word reading.
    pub fn word_role(&self, word: &str) -> ClauseRole {
        if self.openers.contains(word) {
            ClauseRole::Opener
        } else if self.interjections.contains(word) {
            ClauseRole::Interjection
        } else {
            ClauseRole::Plain
        }
    }

    /// `Some(word_role(token))` when `readings(token)` is just the token itself (it is not in
    /// the table, not stretched and has no dropped g), else `None`. The common case, in one
    /// table lookup and no allocation.
    pub fn as_itself(&self, token: &str) -> Option<ClauseRole> {
        let dropped_g = token.ends_with("in'")
            || (token.len() >= 5 && token.ends_with("in") && token.is_ascii());
        if dropped_g || has_stretch(token) {
            return None;
        }
        match self.known.get(token) {
            Some(&known) => known,
            None => Some(ClauseRole::Plain),
        }
    }

    /// A stable hash of the text this lexicon was parsed from.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub fn get(&self, token: &str) -> Option<&Alternatives> {
        self.map.get(token)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every canonical reading of one raw token (already lowercased, apostrophes straightened),
    /// each a list of words. Stretched words ("pleeease", "plzzz") also try their shortened forms.
    pub fn readings(&self, token: &str, out: &mut Vec<Vec<String>>) {
        out.clear();
        if let Some(alts) = self.get(token) {
            out.extend(alts.iter().cloned());
            return;
        }
        if has_stretch(token) {
            let (one, two) = (squeeze(token, 1), squeeze(token, 2));
            for candidate in [one, two] {
                match self.get(&candidate) {
                    Some(alts) => out.extend(alts.iter().cloned()),
                    None => out.push(vec![candidate]),
                }
            }
            out.dedup();
            return;
        }
        out.push(vec![token.to_owned()]);
        // A dropped g: "checkin'" is "checking"; "beggin", "missin" may be (the plain reading stays
        // first, so "cousin" is still "cousin").
        if let Some(stem) = token.strip_suffix("in'") {
            out.clear();
            out.push(vec![format!("{stem}ing")]);
        } else if token.len() >= 5 && token.ends_with("in") && token.is_ascii() {
            out.push(vec![format!("{token}g")]);
        }
    }
}

/// True when some letter repeats three or more times in a row ("sooo").
fn has_stretch(token: &str) -> bool {
    let mut prev = None;
    let mut run = 0;
    for c in token.chars() {
        if Some(c) == prev {
            run += 1;
            if run >= 3 && c.is_alphabetic() {
                return true;
            }
        } else {
            prev = Some(c);
            run = 1;
        }
    }
    false
}

/// Shorten every run of 3+ identical letters to `keep` letters.
fn squeeze(token: &str, keep: usize) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut out = String::with_capacity(token.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let n = if run >= 3 && c.is_alphabetic() {
            keep
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, n));
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::parse(
            "test.toml",
            r#"[words]
pls = "please"
ur = ["your", "you are"]
"can't" = "can not"
"#,
        )
        .unwrap()
    }

    fn readings(lex: &Lexicon, token: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        lex.readings(token, &mut out);
        out
    }

    #[test]
    fn maps_text_speak_and_keeps_alternatives() {
        let lex = lex();
        assert_eq!(readings(&lex, "pls"), [["please"]]);
        assert_eq!(readings(&lex, "ur"), vec![vec!["your"], vec!["you", "are"]]);
        assert_eq!(readings(&lex, "can't"), [["can", "not"]]);
        assert_eq!(readings(&lex, "hello"), [["hello"]]);
        assert_eq!(readings(&lex, "seein"), vec![vec!["seein"], vec!["seeing"]]);
        assert_eq!(readings(&lex, "checkin'"), [["checking"]]);
        assert_eq!(readings(&lex, "in"), [["in"]]);
    }

    #[test]
    fn stretched_words_try_short_forms() {
        let lex = lex();
        assert_eq!(readings(&lex, "plsssss"), [["please"], ["plss"]]);
        assert_eq!(readings(&lex, "cooool"), [["col"], ["cool"]]);
        assert_eq!(readings(&lex, "sooo"), [["so"], ["soo"]]);
        assert!(!has_stretch("x111"));
    }

    #[test]
    fn clause_roles_go_through_the_table() {
        let lex = Lexicon::parse(
            "t.toml",
            r#"clause-openers = ["i"]
interjections = ["lol", "tbh"]
[words]
im = "i am"
tbh = "to be honest"
"#,
        )
        .unwrap();
        let role = |token: &str| {
            let r = readings(&lex, token);
            lex.clause_role(&r[0])
        };
        assert_eq!(role("i"), ClauseRole::Opener);
        assert_eq!(role("im"), ClauseRole::Opener);
        assert_eq!(role("lol"), ClauseRole::Interjection);
        assert_eq!(role("lolll"), ClauseRole::Interjection);
        assert_eq!(role("tbh"), ClauseRole::Interjection);
        assert_eq!(role("to"), ClauseRole::Plain);
        assert_eq!(role("you"), ClauseRole::Plain);
        assert!(Lexicon::parse("x.toml", "clause-openers = 1\n[words]\nu = \"you\"").is_err());
    }

    #[test]
    fn bad_lexicon_is_an_error_not_a_panic() {
        assert!(Lexicon::parse("x.toml", "[words]\nU = \"you\"").is_err());
        assert!(Lexicon::parse("x.toml", "[words]\nu = 3").is_err());
        assert!(Lexicon::parse("x.toml", "words = 1").is_err());
    }

    #[test]
    fn builtin_lexicon_loads() {
        let lex = Lexicon::builtin();
        assert!(lex.len() > 100, "{}", lex.len());
        assert_eq!(readings(&lex, "w/o"), [["without"]]);
    }

    /// The one-lookup shortcut agrees with the full reading and role of every table key,
    /// opener and interjection, and of plain, stretched and dropped-g words.
    #[test]
    fn as_itself_agrees_with_readings_and_role() {
        let lex = Lexicon::builtin();
        let mut tokens: Vec<String> = lex.map.keys().cloned().collect();
        tokens.extend(lex.openers.iter().cloned());
        tokens.extend(lex.interjections.iter().cloned());
        tokens.extend(
            [
                "the", "talk", "pleeease", "nothin", "nothin'", "lmaooo", "x",
            ]
            .map(String::from),
        );
        let mut scratch = Vec::new();
        for token in &tokens {
            lex.readings(token, &mut scratch);
            // (A table key that maps to itself still takes the table path.)
            let itself =
                !lex.map.contains_key(token) && scratch.len() == 1 && scratch[0] == [token.clone()];
            let expected = itself.then(|| lex.word_role(token));
            assert_eq!(lex.as_itself(token), expected, "{token:?}");
        }
        assert_eq!(lex.as_itself("i"), Some(ClauseRole::Opener));
        assert_eq!(lex.as_itself("lol"), Some(ClauseRole::Interjection));
    }
}
