//! Hover over a finding: what the rule catches, why it matters, what to write instead, and the
//! step of the guide it comes from — the short form of `exlint explain`.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::Linted;
use super::convert;
use crate::draft::ColumnUnit;
use crate::rules::RuleSet;

/// The hover for the findings under `offset`, if any. Touching either end of a finding counts, so
/// a cursor just after the last flagged letter still shows it.
pub fn hover(
    rules: &RuleSet,
    linted: &Linted,
    offset: usize,
    unit: ColumnUnit,
    markdown: bool,
) -> Option<Hover> {
    let under: Vec<_> = linted
        .diagnostics
        .iter()
        .filter(|d| d.span.start <= offset && offset <= d.span.end)
        .collect();
    let first = under.first()?;
    let mut seen = Vec::new();
    let mut parts = Vec::new();
    for d in &under {
        if seen.contains(&&*d.rule) {
            continue;
        }
        seen.push(&*d.rule);
        parts.push(explain(
            rules,
            &d.rule,
            &d.message,
            d.severity.as_str(),
            markdown,
        ));
    }
    let separator = if markdown { "\n\n---\n\n" } else { "\n\n" };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: parts.join(separator),
        }),
        range: Some(convert::range(
            linted.draft.line_index(),
            first.span.clone(),
            unit,
        )),
    })
}

/// One rule's explanation.
pub fn explain(rules: &RuleSet, id: &str, message: &str, severity: &str, markdown: bool) -> String {
    let Some(rule) = rules.get(id) else {
        return message.to_owned();
    };
    let m = &rule.meta;
    let (b, code) = if markdown { ("**", "`") } else { ("", "") };
    let mut out = format!("{b}{id}{b} ({severity}): {}\n\n{message}", m.summary);
    let why = section(m.description(), &["Why it matters"]);
    let instead = section(
        m.description(),
        &["What to write instead", "What to do instead"],
    );
    if let Some(why) = why {
        out.push_str(&format!("\n\n{b}Why it matters.{b} {why}"));
    }
    match instead {
        Some(instead) => out.push_str(&format!("\n\n{b}What to write instead.{b} {instead}")),
        None => out.push_str(&format!("\n\n{b}What to write instead.{b} {}", m.help)),
    }
    out.push_str(&format!(
        "\n\nFrom the guide: {} · {code}exlint explain {id}{code}",
        m.guide
    ));
    out
}

/// The text under a `## Heading` of a rule description, paragraphs kept, lines joined.
fn section<'a>(description: &'a str, headings: &[&str]) -> Option<String> {
    let mut lines = description.lines();
    lines.find(|l| {
        l.strip_prefix("## ").is_some_and(|h| {
            headings
                .iter()
                .any(|want| h.trim().eq_ignore_ascii_case(want))
        })
    })?;
    let body: Vec<&'a str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    let paragraphs: Vec<String> = body
        .split(|l| l.trim().is_empty())
        .filter(|p| !p.is_empty())
        .map(|p| p.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "))
        .collect();
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_found_and_joined() {
        let d = "## What it does\nx\n## Why it matters\nline one\nline two\n\nnext para\n## Settings\ns";
        assert_eq!(
            section(d, &["Why it matters"]).as_deref(),
            Some("line one line two\n\nnext para")
        );
        assert_eq!(section(d, &["Nope"]), None);
    }

    #[test]
    fn every_builtin_rule_explains_why_and_what_instead() {
        let rules = RuleSet::builtin().unwrap();
        for rule in rules.rules() {
            let text = explain(&rules, &rule.meta.id, "msg", "error", true);
            assert!(text.contains("**Why it matters.**"), "{}", rule.meta.id);
            assert!(
                text.contains("**What to write instead.**"),
                "{}",
                rule.meta.id
            );
            assert!(text.contains("From the guide: "), "{}", rule.meta.id);
        }
    }
}
