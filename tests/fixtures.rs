//! Every bundled draft in `fixtures/`: the rules it triggers match the table in
//! `fixtures/README.md`, and its output in all three formats is snapshot-tested.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use exlint::render::{self, FileResult, Outcome, human};
use exlint::{RuleSet, input, lint};

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// fixture file name → the rule ids its README row expects ("clean" = none).
fn expected() -> BTreeMap<String, BTreeSet<String>> {
    let readme = std::fs::read_to_string(fixtures_dir().join("README.md")).unwrap();
    let row = regex::Regex::new(r"^\| `([^`]+\.txt)` \| ([^|]+) \|").unwrap();
    let rule = regex::Regex::new(r"([a-z]+(?:-[a-z]+)*) \((?:E|W|I)").unwrap();
    readme
        .lines()
        .filter_map(|l| row.captures(l))
        .map(|c| {
            let ids = rule
                .captures_iter(&c[2])
                .map(|r| r[1].to_string())
                .collect();
            (c[1].to_string(), ids)
        })
        .collect()
}

fn render_all(
    path: &str,
    bytes: Vec<u8>,
    rules: &RuleSet,
) -> (BTreeSet<String>, String, String, String) {
    let draft = input::read(bytes, path).unwrap();
    let diagnostics = lint(&draft, rules);
    let ids = diagnostics.iter().map(|d| d.rule.to_string()).collect();
    let results = [FileResult {
        path,
        outcome: Outcome::Linted {
            draft: &draft,
            diagnostics: &diagnostics,
        },
        timing: Default::default(),
    }];
    let style = human::Style { color: false };
    let mut h = Vec::new();
    human::render(&mut h, &results, rules, style).unwrap();
    let tally = results[0].tally();
    human::summary(
        &mut h,
        &tally,
        1,
        exlint::FailOn::Warning.fails(&tally),
        None,
        style,
    )
    .unwrap();
    let mut j = Vec::new();
    render::json::render(&mut j, &results).unwrap();
    let mut l = Vec::new();
    render::line::render(&mut l, &results).unwrap();
    let s = |v: Vec<u8>| String::from_utf8(v).unwrap();
    (ids, s(h), s(j), s(l))
}

#[test]
fn fixtures_trigger_exactly_the_rules_their_readme_lists() {
    let rules = RuleSet::builtin().unwrap();
    let expected = expected();
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 25, "only {} fixtures", names.len());
    let mut mismatches = Vec::new();
    for name in &names {
        let want = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} has no row in fixtures/README.md"));
        let bytes = std::fs::read(fixtures_dir().join(name)).unwrap();
        let path = format!("fixtures/{name}");
        let (got, human, json, line) = render_all(&path, bytes, &rules);
        if &got != want {
            mismatches.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
        let stem = name.trim_end_matches(".txt");
        insta::assert_snapshot!(format!("{stem}.human"), human);
        insta::assert_snapshot!(format!("{stem}.line"), line);
        let pretty: serde_json::Value = serde_json::from_str(&json).unwrap();
        insta::assert_snapshot!(
            format!("{stem}.json"),
            serde_json::to_string_pretty(&pretty).unwrap()
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Every catalogue rule is shown by some fixture, and several fixtures are clean.
    let covered: BTreeSet<&String> = expected.values().flatten().collect();
    assert!(covered.len() >= 17, "fixtures cover only {covered:?}");
    assert!(expected.values().filter(|v| v.is_empty()).count() >= 5);
}
