//! Detection quality: lint the labelled corpus in `tests/corpus/`, print precision and recall per
//! rule for the dev and the test part, and fail when the test part drops below the bar.
//!
//! The bar (issue 7): every rule ≥ 0.95 precision and ≥ 0.90 recall on the held-out test part,
//! and no content finding at all on a clean draft. `tests/corpus/README.md` has the labelling
//! policy.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use exlint::{Draft, RuleSet, lint};
use serde::Deserialize;

const MIN_PRECISION: f64 = 0.95;
const MIN_RECALL: f64 = 0.90;

/// Rules known to be below the bar on the test part, and how far: a ratchet. Any other rule
/// below the bar fails; a listed rule that drops further fails; a listed rule that reaches the
/// bar fails too, so its entry gets removed. (Issue 7 stays open while this is non-empty; tuning
/// happens on the dev part only.)
const KNOWN_BELOW_BAR: &[(&str, f64, f64)] = &[
    // (rule, lowest precision tolerated, lowest recall tolerated); empty: every rule meets the bar.
];

/// The rules the corpus labels (the time and context rules need a send time or a thread).
const IN_SCOPE: &[&str] = &[
    "begging",
    "ultimatum",
    "we-need-to-talk",
    "you-up",
    "pressure-question",
    "emotional-trap",
    "rehash",
    "checking-in",
    "social-media-tell",
    "self-deprecation",
    "empty-promise",
    "self-harm",
    "too-long",
    "long-paragraph",
    "shouting",
    "over-apology",
    "question-flood",
];

/// Rules about what the words say: the first twelve of `IN_SCOPE` (the rest are shape rules).
const CONTENT: &[&str] = IN_SCOPE.split_at(12).0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    text: String,
    expect: Vec<String>,
}

struct Labelled {
    file: String,
    text: String,
    expect: BTreeSet<String>,
}

fn load(part: &str) -> Vec<Labelled> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(part);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let src = std::fs::read_to_string(&path).unwrap();
        let file: CorpusFile =
            toml::from_str(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in file.case {
            for id in &case.expect {
                assert!(
                    IN_SCOPE.contains(&id.as_str()),
                    "{}: unknown rule {id}",
                    path.display()
                );
            }
            out.push(Labelled {
                file: format!("{part}/{}", path.file_name().unwrap().to_string_lossy()),
                text: case.text.trim_end().to_owned(),
                expect: case.expect.into_iter().collect(),
            });
        }
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

struct Evaluation {
    per_rule: BTreeMap<&'static str, Counts>,
    /// Human-readable misses and false alarms, for tuning.
    errors: Vec<String>,
    /// Clean drafts that got a content finding.
    clean_hits: Vec<String>,
    cases: usize,
}

fn evaluate(rules: &RuleSet, cases: &[Labelled]) -> Evaluation {
    let mut per_rule: BTreeMap<&'static str, Counts> =
        IN_SCOPE.iter().map(|id| (*id, Counts::default())).collect();
    let mut errors = Vec::new();
    let mut clean_hits = Vec::new();
    for case in cases {
        let draft = Draft::new(case.text.clone());
        let found = lint(&draft, rules);
        let got: BTreeSet<String> = found
            .iter()
            .map(|d| d.rule.to_string())
            .filter(|r| IN_SCOPE.contains(&r.as_str()))
            .collect();
        for id in IN_SCOPE {
            let (want, have) = (case.expect.contains(*id), got.contains(*id));
            let c = per_rule.get_mut(id).unwrap();
            match (want, have) {
                (true, true) => c.tp += 1,
                (false, true) => {
                    c.fp += 1;
                    let words: Vec<&str> = found
                        .iter()
                        .filter(|d| d.rule == *id)
                        .map(|d| draft.slice(d.span.clone()))
                        .collect();
                    errors.push(format!(
                        "FP {id} on {words:?} [{}]: {:?}",
                        case.file, case.text
                    ));
                }
                (true, false) => {
                    c.fn_ += 1;
                    errors.push(format!("FN {id} [{}]: {:?}", case.file, case.text));
                }
                (false, false) => {}
            }
        }
        if case.expect.is_empty() && got.iter().any(|r| CONTENT.contains(&r.as_str())) {
            clean_hits.push(format!("[{}] {:?} got {got:?}", case.file, case.text));
        }
    }
    Evaluation {
        per_rule,
        errors,
        clean_hits,
        cases: cases.len(),
    }
}

fn table(dev: &Evaluation, test: &Evaluation) -> String {
    let mut out = String::new();
    writeln!(out, "| rule | dev TP | dev FP | dev FN | dev P | dev R | test TP | test FP | test FN | test P | test R |").unwrap();
    writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    .unwrap();
    for id in IN_SCOPE {
        let (d, t) = (dev.per_rule[id], test.per_rule[id]);
        writeln!(
            out,
            "| {id} | {} | {} | {} | {:.2} | {:.2} | {} | {} | {} | {:.2} | {:.2} |",
            d.tp,
            d.fp,
            d.fn_,
            d.precision(),
            d.recall(),
            t.tp,
            t.fp,
            t.fn_,
            t.precision(),
            t.recall()
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n{} dev drafts, {} test drafts; clean drafts with a content finding: dev {}, test {}",
        dev.cases,
        test.cases,
        dev.clean_hits.len(),
        test.clean_hits.len()
    )
    .unwrap();
    out
}

#[test]
fn corpus_precision_and_recall_meet_the_bar() {
    let rules = RuleSet::builtin().unwrap();
    let dev = evaluate(&rules, &load("dev"));
    let test = evaluate(&rules, &load("test"));
    assert!(dev.cases >= 280 && test.cases >= 120, "corpus too small");
    let report = table(&dev, &test);
    println!("{report}");
    if std::env::var_os("EXLINT_CORPUS_DETAILS").is_some() {
        for e in dev.errors.iter().chain(&test.errors) {
            println!("{e}");
        }
    }
    let mut failures = Vec::new();
    for id in IN_SCOPE {
        let c = test.per_rule[id];
        let meets = c.precision() >= MIN_PRECISION && c.recall() >= MIN_RECALL;
        match KNOWN_BELOW_BAR.iter().find(|(k, _, _)| k == id) {
            None if !meets => failures.push(format!(
                "{id}: precision {:.2}, recall {:.2} on the test part",
                c.precision(),
                c.recall()
            )),
            Some(_) if meets => failures.push(format!(
                "{id} now meets the bar: remove it from KNOWN_BELOW_BAR"
            )),
            Some((_, p, r)) if c.precision() < *p || c.recall() < *r => failures.push(format!(
                "{id}: precision {:.2}, recall {:.2} on the test part, below its known level",
                c.precision(),
                c.recall()
            )),
            _ => {}
        }
    }
    for hit in dev.clean_hits.iter().chain(&test.clean_hits) {
        failures.push(format!("clean draft got a content finding: {hit}"));
    }
    assert!(
        failures.is_empty(),
        "{report}\n{}\n(set EXLINT_CORPUS_DETAILS=1 to list every miss and false alarm)",
        failures.join("\n")
    );
}
