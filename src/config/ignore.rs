//! Ignoring one finding without touching the draft (whatever is written in a message gets sent).
//!
//! `exlint ignore` records a finding's fingerprint in `.exlintignore`: the rule id, the flagged
//! words and up to four words either side of them in the same sentence, all normalized (lowercase,
//! one kind of apostrophe, single spaces). No byte offsets and no line numbers: the fingerprint
//! still matches after lines are added above, and stops matching once the sentence is rewritten,
//! which is when the finding deserves a fresh look.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::draft::Draft;
use crate::error::{SourceError, TextFile, closest};
use crate::text;

/// How many words of context either side of the flagged text a fingerprint keeps.
pub const CONTEXT_WORDS: usize = 4;

/// What identifies one finding across edits of the draft.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    pub rule: String,
    /// The flagged words, normalized.
    pub text: String,
    /// Up to four words before them in the same sentence, normalized.
    #[serde(default)]
    pub before: String,
    /// Up to four words after them in the same sentence, normalized.
    #[serde(default)]
    pub after: String,
}

impl Fingerprint {
    pub fn of(draft: &Draft, d: &Diagnostic) -> Fingerprint {
        let span = d.span.clone();
        // Sentences and words never cross a line break, so the lines the finding is on give the
        // same ones as the whole body, at a cost that does not grow with the input (a
        // conversation export is one draft of millions of words, with a finding every few
        // lines).
        let lines = draft.line_index();
        let body = draft.body_span();
        let first_line = lines.line_span(lines.line_of(span.start));
        let last_line = lines.line_span(lines.line_of(span.end.saturating_sub(1).max(span.start)));
        let lo = first_line.start.clamp(body.start, body.end);
        let hi = last_line.end.clamp(lo, body.end);
        let window = draft.slice(lo..hi);
        let sentences = text::sentences(window, lo);
        let around = |offset: usize| -> Range<usize> {
            sentences
                .iter()
                .find(|s| s.start <= offset && offset < s.end.max(s.start + 1))
                .cloned()
                .unwrap_or(offset..offset)
        };
        let first = around(span.start);
        let last = around(span.end.saturating_sub(1).max(span.start));
        let words = text::words(window, lo);
        let before: Vec<&str> = words
            .iter()
            .filter(|w| w.start >= first.start && w.end <= span.start)
            .map(|w| draft.slice(w.clone()))
            .collect();
        let after: Vec<&str> = words
            .iter()
            .filter(|w| w.start >= span.end && w.end <= last.end)
            .take(CONTEXT_WORDS)
            .map(|w| draft.slice(w.clone()))
            .collect();
        let before = &before[before.len().saturating_sub(CONTEXT_WORDS)..];
        Fingerprint {
            rule: d.rule.to_string(),
            text: normalize(draft.slice(span)),
            before: normalize(&before.join(" ")),
            after: normalize(&after.join(" ")),
        }
    }

    /// This fingerprint as a `[[ignore]]` entry, with a comment saying where it was taken.
    pub fn to_toml(&self, note: &str) -> String {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let note: String = note.chars().filter(|c| !c.is_control()).collect();
        format!(
            "\n# {note}\n[[ignore]]\nrule = {}\ntext = {}\nbefore = {}\nafter = {}\n",
            q(&self.rule),
            q(&self.text),
            q(&self.before),
            q(&self.after)
        )
    }
}

/// Lowercase, one kind of apostrophe and quote, single spaces. Deliberately simpler than the
/// matching view (no lexicon), so fingerprints stay valid when the lexicon grows.
pub fn normalize(text: &str) -> String {
    let mapped: String = text
        .chars()
        .flat_map(|c| match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => vec!['\''],
            '\u{201C}' | '\u{201D}' => vec!['"'],
            c => c.to_lowercase().collect(),
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFileSpec {
    #[serde(default)]
    ignore: Vec<Fingerprint>,
}

/// The findings a project has chosen to ignore.
#[derive(Debug, Clone, Default)]
pub struct IgnoreList {
    entries: Vec<Fingerprint>,
}

/// The first lines of a new ignore file.
pub const HEADER: &str = "\
# Findings silenced with `exlint ignore`: the rule, the flagged words and a few words around
# them, so an entry still matches after the draft is edited elsewhere. Delete an entry to see its
# finding again; `exlint check --no-ignore` shows everything.
";

impl IgnoreList {
    pub fn parse(file: &TextFile) -> Result<IgnoreList, SourceError> {
        let spec: IgnoreFileSpec = toml::from_str(&file.text)
            .map_err(|e| SourceError::from_toml(&file.path, &file.text, &e))?;
        Ok(IgnoreList {
            entries: spec.ignore,
        })
    }

    /// Read an ignore file; a missing one is an empty list.
    pub fn load(path: &Path, shown: &str) -> Result<IgnoreList, SourceError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    SourceError::whole(shown, "", "not valid UTF-8; an ignore file is TOML text")
                })?;
                IgnoreList::parse(&TextFile {
                    path: shown.to_owned(),
                    text,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IgnoreList::default()),
            Err(e) => Err(SourceError::whole(
                shown,
                "",
                format!("cannot read it: {e}"),
            )),
        }
    }

    pub fn entries(&self) -> &[Fingerprint] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn contains(&self, fingerprint: &Fingerprint) -> bool {
        self.entries.contains(fingerprint)
    }

    /// Drop the ignored findings of a draft; returns how many were dropped.
    pub fn retain(&self, draft: &Draft, diagnostics: &mut Vec<Diagnostic>) -> usize {
        if self.entries.is_empty() {
            return 0;
        }
        let before = diagnostics.len();
        diagnostics.retain(|d| !self.contains(&Fingerprint::of(draft, d)));
        before - diagnostics.len()
    }
}

/// The ignore file's new text: `existing` (or a header, for a new file) with the entries added.
/// Appending keeps the user's own comments and order.
pub fn append(existing: Option<&str>, entries: &[(Fingerprint, String)]) -> String {
    let mut out = match existing {
        Some(text) => text.to_owned(),
        None => HEADER.to_owned(),
    };
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for (fp, note) in entries {
        out.push_str(&fp.to_toml(note));
    }
    out
}

/// Drop every finding of the given rules: the hook for a draft's own front matter
/// (`ignore: [rule-id, ...]`). An unknown id is an error with a "did you mean", so a typo cannot
/// silently ignore nothing.
pub fn ignored_rules<'a>(
    diagnostics: &mut Vec<Diagnostic>,
    ids: &[String],
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<(), String> {
    for id in ids {
        if !known.clone().into_iter().any(|k| k == id) {
            return Err(match closest(id, known.clone()) {
                Some(near) => format!("no rule `{id}` to ignore; did you mean `{near}`?"),
                None => format!("no rule `{id}` to ignore (`exlint rules` lists them all)"),
            });
        }
    }
    diagnostics.retain(|d| !ids.iter().any(|id| *id == d.rule));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleSet;

    fn rules() -> RuleSet {
        RuleSet::builtin().unwrap()
    }

    fn fingerprints(text: &str) -> Vec<Fingerprint> {
        let draft = Draft::new(text);
        rules()
            .check(&draft)
            .iter()
            .map(|d| Fingerprint::of(&draft, d))
            .collect()
    }

    #[test]
    fn fingerprint_is_the_words_and_their_sentence_not_positions() {
        let a = fingerprints("hey.\nI know it’s late but please come back, I miss you so much");
        let begging = a.iter().find(|f| f.rule == "begging").unwrap();
        assert!(begging.text.starts_with("please come back"), "{begging:?}");
        assert_eq!(begging.before, "know it's late but");
        assert_eq!(begging.after, "so much");
        // Lines added above, different spacing and case: the same fingerprint.
        let b = fingerprints(
            "hi\n\nit has been a while.\nhey.\nI know it's late but   PLEASE come back, I miss you so much",
        );
        assert!(b.contains(begging), "{b:?}");
        // The sentence rewritten: a new finding.
        let c = fingerprints("please come back");
        assert!(!c.contains(begging));
    }

    /// The fingerprint from the finding's own lines is the one from the whole body (how it was
    /// taken before), over every fixture, a chat export read as a draft, and odd line endings.
    #[test]
    fn fingerprints_from_the_lines_around_equal_those_from_the_whole_body() {
        let whole = |draft: &Draft, d: &Diagnostic| {
            let span = d.span.clone();
            let around = |offset: usize| {
                draft
                    .sentences()
                    .iter()
                    .find(|s| s.start <= offset && offset < s.end.max(s.start + 1))
                    .cloned()
                    .unwrap_or(offset..offset)
            };
            let first = around(span.start);
            let last = around(span.end.saturating_sub(1).max(span.start));
            let pick = |keep: &dyn Fn(&Range<usize>) -> bool| -> Vec<&str> {
                let words = draft.words().iter().filter(|w| keep(w));
                words.map(|w| draft.slice(w.clone())).collect()
            };
            let before = pick(&|w| w.start >= first.start && w.end <= span.start);
            let mut after = pick(&|w| w.start >= span.end && w.end <= last.end);
            after.truncate(CONTEXT_WORDS);
            Fingerprint {
                rule: d.rule.to_string(),
                text: normalize(draft.slice(span)),
                before: normalize(&before[before.len().saturating_sub(CONTEXT_WORDS)..].join(" ")),
                after: normalize(&after.join(" ")),
            }
        };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        let mut texts: Vec<String> = Vec::new();
        for sub in ["", "/threads", "/timed"] {
            for entry in std::fs::read_dir(format!("{dir}{sub}")).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "txt") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        texts.push(
            "please come back...\r\nplease come back. i miss you\rwe need to talk!!\r\n".into(),
        );
        texts.push("\u{feff}u up?\u{2029}pls come back\u{2028}i cant live w/o u\n\n\n".into());
        let set = rules();
        let mut compared = 0;
        for text in &texts {
            // Some timed fixtures have broken headers on purpose.
            let Ok(draft) = crate::input::read(text.as_bytes().to_vec(), "d.txt") else {
                continue;
            };
            for d in set.check(&draft) {
                assert_eq!(Fingerprint::of(&draft, &d), whole(&draft, &d), "{text:?}");
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    #[test]
    fn retain_drops_only_the_ignored_finding() {
        let text = "please come back. we need to talk";
        let draft = Draft::new(text);
        let set = rules();
        let mut found = set.check(&draft);
        assert_eq!(found.len(), 2);
        let list = IgnoreList {
            entries: vec![Fingerprint::of(&draft, &found[0])],
        };
        assert_eq!(list.retain(&draft, &mut found), 1);
        assert_eq!(found[0].rule, "we-need-to-talk");
    }

    #[test]
    fn appended_entries_parse_back_and_keep_comments() {
        let fp = Fingerprint {
            rule: "begging".into(),
            text: "please \"come\" back".into(),
            before: String::new(),
            after: "i miss you".into(),
        };
        let first = append(None, &[(fp.clone(), "draft.txt:1:1".into())]);
        assert!(first.starts_with(HEADER));
        let second = format!("{first}# my note");
        let second = append(Some(&second), &[(fp.clone(), "other.txt:2:1".into())]);
        assert!(second.contains("# my note"));
        let list = IgnoreList::parse(&TextFile {
            path: ".exlintignore".into(),
            text: second,
        })
        .unwrap();
        assert_eq!(list.entries(), [fp.clone(), fp]);
    }

    #[test]
    fn a_bad_ignore_file_points_at_the_key() {
        let err = IgnoreList::parse(&TextFile {
            path: ".exlintignore".into(),
            text: "[[ignore]]\nrule = \"begging\"\ntxt = \"x\"\n".into(),
        })
        .unwrap_err();
        assert_eq!(err.line_col(), Some((3, 1)));
        assert_eq!(err.hint.as_deref(), Some("did you mean `text`?"));
    }

    #[test]
    fn ignored_rules_checks_ids() {
        let draft = Draft::new("please come back. we need to talk");
        let mut found = rules().check(&draft);
        let known = ["begging", "we-need-to-talk"];
        ignored_rules(&mut found, &["begging".into()], known).unwrap();
        assert_eq!(found.len(), 1);
        let err = ignored_rules(&mut found, &["beging".into()], known).unwrap_err();
        assert!(err.contains("did you mean `begging`"), "{err}");
    }
}
