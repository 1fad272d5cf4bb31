//! Every built-in rule: its examples hold, its docs meet the house style, and the registry matches
//! the files in `rules/` and the catalogue in RULES.md.

use std::collections::BTreeSet;

use exlint::RuleSet;
use exlint::rules::registry::BUILTIN;

/// The content, shape, and time and context rules of the catalogue (../shared/RULES.md), which
/// the default pack must provide.
const CATALOGUE: &[&str] = &[
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
    "late-night",
    "no-contact",
    "double-text",
];

fn rules() -> RuleSet {
    RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules must load: {e}"))
}

#[test]
fn every_example_of_every_rule_holds() {
    let failures = rules().run_examples();
    let listed: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(
        listed.is_empty(),
        "{} failing examples:\n{}",
        listed.len(),
        listed.join("\n")
    );
}

#[test]
fn every_catalogue_rule_exists_with_enough_examples() {
    let set = rules();
    for id in CATALOGUE {
        let rule = set
            .get(id)
            .unwrap_or_else(|| panic!("rule `{id}` is missing"));
        let bad = rule.meta.examples().iter().filter(|e| e.bad).count();
        let good = rule.meta.examples().len() - bad;
        // Content and shape rules need many look-alike guardrails; a time rule's examples are
        // times and threads, and four of each cover its edges.
        let need = if ["late-night", "no-contact", "double-text"].contains(id) {
            4
        } else {
            6
        };
        assert!(
            bad >= need && good >= need,
            "`{id}` has {bad} bad and {good} good examples; needs {need} of each"
        );
    }
}

#[test]
fn registry_matches_the_rules_folder() {
    let listed: BTreeSet<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".toml").map(str::to_owned)
            })
            .filter(|stem| stem != "lexicon")
            .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(
        listed, on_disk,
        "src/rules/registry.rs and rules/*.toml disagree"
    );
    assert_eq!(listed.len(), BUILTIN.len(), "duplicate id in the registry");
}

#[test]
fn rule_docs_follow_the_house_style() {
    for rule in rules().rules() {
        let m = &rule.meta;
        let id = &m.id;
        assert!(
            m.summary
                .chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(|c| c.is_lowercase())
                && !m.summary.ends_with('.'),
            "`{id}`: summary starts lowercase and has no trailing period: {:?}",
            m.summary
        );
        assert!(
            m.message.chars().count() <= 100,
            "`{id}`: message over 100 chars"
        );
        assert!(
            !m.help.is_empty() && !m.help.ends_with('.'),
            "`{id}`: help is one sentence, no period"
        );
        assert!(
            m.guide.starts_with("step"),
            "`{id}`: guide names a step: {:?}",
            m.guide
        );
        for heading in ["## What it does", "## Why it matters"] {
            assert!(
                m.description().contains(heading),
                "`{id}`: description lacks {heading:?}"
            );
        }
    }
}

/// Messages, help and descriptions are our own words: none may carry a sentence of the guide.
#[test]
fn rule_texts_do_not_copy_the_guide() {
    let guide_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seeds/000_14c6a5fb733ae9f8.txt"
    );
    let Ok(guide) = std::fs::read_to_string(guide_path) else {
        eprintln!("guide not found next to the project; skipping the copy check");
        return;
    };
    let norm = |s: &str| {
        s.to_lowercase()
            .replace(['’', '‘'], "'")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let guide = norm(&guide);
    for rule in rules().rules() {
        let m = &rule.meta;
        let texts = [&m.message[..], &m.help, m.description(), &m.summary];
        for text in texts {
            let words: Vec<&str> = text.split_whitespace().collect();
            // Any run of 8 words that also appears in the guide is a copied sentence.
            for window in words.windows(8) {
                let run = norm(&window.join(" "));
                assert!(
                    !guide.contains(&run),
                    "`{}` copies the guide: {run:?}",
                    m.id
                );
            }
        }
    }
}
