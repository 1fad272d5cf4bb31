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

#[derive(Debug, Clone, Default, PartialEq)]
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

/// What a lexicon file says, checked: the table and the two lists, before the lookup tables
/// are built from them (`Lexicon::from_parts`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    /// Each key with its readings, sorted by key.
    words: Vec<(String, Alternatives)>,
    clause_openers: Vec<String>,
    interjections: Vec<String>,
}

/// The built-in lexicon's hash, worked out when the binary is built.
const BUILTIN_FINGERPRINT: u64 = crate::rules::phrase::fnv1a(BUILTIN_LEXICON.as_bytes());

impl Lexicon {
    /// The built-in lexicon: from its compiled form (`compiled`) when that was made from the
    /// very file in the binary, else parsed from the TOML.
    pub fn builtin() -> Lexicon {
        match compiled::decode(compiled::BUILTIN, BUILTIN_FINGERPRINT) {
            Some(parts) => Lexicon::from_parts(parts, BUILTIN_FINGERPRINT),
            // The built-in file is checked by the test suite; failing here is a build defect.
            None => Lexicon::parse("rules/lexicon.toml", BUILTIN_LEXICON)
                .expect("built-in lexicon is valid"),
        }
    }

    /// Parse a lexicon file. Keys are single tokens as typed (lowercase, straight apostrophes);
    /// values are a string or an array of strings, each one or more canonical words.
    pub fn parse(path: &str, source: &str) -> Result<Lexicon, SourceError> {
        let parts = Lexicon::parse_parts(path, source)?;
        Ok(Lexicon::from_parts(
            parts,
            crate::rules::phrase::fnv1a(source.as_bytes()),
        ))
    }

    /// A lexicon file's table and lists, checked.
    fn parse_parts(path: &str, source: &str) -> Result<Parts, SourceError> {
        let file: LexiconFile =
            toml::from_str(source).map_err(|e| SourceError::from_toml(path, source, &e))?;
        let mut words = Vec::with_capacity(file.words.get_ref().len());
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
            words.push((key.clone(), alternatives));
        }
        words.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(Parts {
            words,
            clause_openers: file.clause_openers,
            interjections: file.interjections,
        })
    }

    /// Build the lookup tables from a file's parts; `fingerprint` is the hash of its text.
    fn from_parts(parts: Parts, fingerprint: u64) -> Lexicon {
        let mut map = HashMap::with_capacity_and_hasher(parts.words.len(), Default::default());
        map.extend(parts.words);
        let mut lexicon = Lexicon {
            map,
            openers: HashSet::default(),
            interjections: HashSet::default(),
            known: HashMap::default(),
            fingerprint,
        };
        // Both lists name canonical words, so they go through the table too ("im" is "i am").
        let mut scratch = Vec::new();
        for word in &parts.clause_openers {
            lexicon.readings(&word.to_lowercase(), &mut scratch);
            for reading in &scratch {
                if let Some(first) = reading.first() {
                    lexicon.openers.insert(first.clone());
                }
            }
        }
        for word in &parts.interjections {
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
        lexicon
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

/// The built-in lexicon, compiled ahead of time: parsing its TOML was a tenth of a one-draft
/// run's start-up, most of it in the TOML string decoder. The compiled form is checked in as
/// `lexicon_builtin.tsv` and read instead whenever it was made from the very `lexicon.toml` in
/// the binary: it carries that file's hash, and `Lexicon::builtin` compares it with the hash
/// worked out at build time. A stale one is skipped, never used. A unit test fails when the file
/// is stale; `EXLINT_BLESS=1 cargo test --lib lexicon` rewrites it.
///
/// Format: lines of tab-separated fields. First `exlint-lexicon-1` and the hash (16 hex
/// digits); then `o` and a clause opener, `j` and an interjection, each as written in the file;
/// then `w`, a key, and each of its readings (words joined by one space). No field holds a tab
/// or a line break: keys and reading words have no whitespace, and `encode` refuses lists that
/// do.
mod compiled {
    use super::Parts;

    pub const BUILTIN: &str = include_str!("lexicon_builtin.tsv");
    const MAGIC: &str = "exlint-lexicon-1";

    /// The compiled form of `parts`, made from a file with hash `fingerprint`; `None` when a
    /// list entry holds a tab or a line break.
    #[cfg(test)]
    pub fn encode(parts: &Parts, fingerprint: u64) -> Option<String> {
        let plain = |s: &str| !s.contains(['\t', '\n', '\r']);
        let mut out = format!("{MAGIC}\t{fingerprint:016x}\n");
        for (tag, list) in [("o", &parts.clause_openers), ("j", &parts.interjections)] {
            for item in list {
                if !plain(item) {
                    return None;
                }
                out.push_str(&format!("{tag}\t{item}\n"));
            }
        }
        for (key, alternatives) in &parts.words {
            out.push_str("w\t");
            out.push_str(key);
            for reading in alternatives {
                out.push('\t');
                out.push_str(&reading.join(" "));
            }
            out.push('\n');
        }
        Some(out)
    }

    /// The parts in `text` when it is a well-formed compiled lexicon made from a file with hash
    /// `fingerprint`.
    pub fn decode(text: &str, fingerprint: u64) -> Option<Parts> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split('\t');
        if head.next()? != MAGIC || u64::from_str_radix(head.next()?, 16).ok()? != fingerprint {
            return None;
        }
        let mut parts = Parts {
            words: Vec::with_capacity(text.len() / 16),
            clause_openers: Vec::new(),
            interjections: Vec::new(),
        };
        for line in lines {
            let (tag, rest) = line.split_once('\t')?;
            match tag {
                "o" => parts.clause_openers.push(rest.to_owned()),
                "j" => parts.interjections.push(rest.to_owned()),
                "w" => {
                    let mut fields = rest.split('\t');
                    let key = fields.next().filter(|k| !k.is_empty())?;
                    let alternatives: super::Alternatives = fields
                        .map(|r| r.split(' ').map(str::to_owned).collect::<Vec<_>>())
                        .collect();
                    let well_formed = |r: &Vec<String>| r.iter().all(|w| !w.is_empty());
                    if alternatives.is_empty() || !alternatives.iter().all(well_formed) {
                        return None;
                    }
                    parts.words.push((key.to_owned(), alternatives));
                }
                _ => return None,
            }
        }
        Some(parts)
    }
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

    fn builtin_parts() -> Parts {
        Lexicon::parse_parts("rules/lexicon.toml", BUILTIN_LEXICON).unwrap()
    }

    #[test]
    fn compiled_lexicon_is_fresh() {
        let fresh = compiled::encode(&builtin_parts(), BUILTIN_FINGERPRINT).unwrap();
        if std::env::var_os("EXLINT_BLESS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lexicon_builtin.tsv");
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        assert!(
            fresh == compiled::BUILTIN,
            "src/lexicon_builtin.tsv is stale (rules/lexicon.toml changed): run \
             `EXLINT_BLESS=1 cargo test --lib lexicon`"
        );
    }

    /// The built-in lexicon comes from the compiled form, and is the one parsing the TOML gives.
    #[test]
    fn builtin_is_read_compiled_and_equals_the_parsed_file() {
        assert_eq!(
            BUILTIN_FINGERPRINT,
            crate::rules::phrase::fnv1a(BUILTIN_LEXICON.as_bytes())
        );
        assert_eq!(
            compiled::decode(compiled::BUILTIN, BUILTIN_FINGERPRINT),
            Some(builtin_parts()),
            "the compiled lexicon is not used"
        );
        let parsed = Lexicon::parse("rules/lexicon.toml", BUILTIN_LEXICON).unwrap();
        assert!(Lexicon::builtin() == parsed);
        assert!(Lexicon::builtin().len() > 300);
    }

    /// A compiled form made from another file (the TOML was edited and not re-blessed) is
    /// skipped; so is a damaged one, without a panic.
    #[test]
    fn a_stale_or_damaged_compiled_lexicon_is_not_used() {
        assert_eq!(
            compiled::decode(compiled::BUILTIN, BUILTIN_FINGERPRINT ^ 1),
            None
        );
        let text = compiled::BUILTIN;
        for (at, _) in text.char_indices().step_by(7) {
            let _ = compiled::decode(&text[..at], BUILTIN_FINGERPRINT);
        }
        let bad_tag = text.replacen("\nw\t", "\nx\t", 1);
        assert_eq!(compiled::decode(&bad_tag, BUILTIN_FINGERPRINT), None);
        let empty_reading = text.replacen("\nw\tu\tyou\n", "\nw\tu\t\n", 1);
        assert_ne!(empty_reading, text);
        assert_eq!(compiled::decode(&empty_reading, BUILTIN_FINGERPRINT), None);
    }

    #[test]
    fn compiled_form_round_trips_several_word_readings() {
        let source = "clause-openers = [\"I\"]\ninterjections = [\"to be honest\"]\n[words]\n\
                      ur = [\"your\", \"you are\"]\nidk = \"i do not know\"\n";
        let parts = Lexicon::parse_parts("t.toml", source).unwrap();
        let text = compiled::encode(&parts, 7).unwrap();
        assert_eq!(compiled::decode(&text, 7), Some(parts.clone()));
        let from = Lexicon::from_parts(compiled::decode(&text, 7).unwrap(), 7);
        assert!(from == Lexicon::from_parts(parts.clone(), 7));
        // A list entry with a tab cannot be written in this form.
        let mut tabbed = parts;
        tabbed.interjections.push("a\tb".into());
        assert_eq!(compiled::encode(&tabbed, 7), None);
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
