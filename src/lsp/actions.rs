//! Quick fixes for a finding: apply the rule's suggestion, ignore the finding for this session,
//! or turn the rule off in the project's `exlint.toml`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, CreateFile, CreateFileOptions,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, value};

use super::{CONFIG_FILE, ClientSupport, IGNORE_COMMAND, Ignore, Linted, convert};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::draft::{ColumnUnit, LineIndex};
use crate::rules::RuleSet;

/// Where "disable rule" writes: the `exlint.toml` that applies to the draft, or where a new one
/// goes.
#[derive(Debug, Clone)]
pub struct ConfigTarget {
    pub uri: Uri,
    pub path: PathBuf,
    /// Its text (from the editor when it is open there, else from disk); `None` if it does not
    /// exist yet.
    pub existing: Option<String>,
    /// The editor's version of it, when it is open.
    pub version: Option<i32>,
}

/// Everything the actions for one document need.
pub struct Cx<'a> {
    pub uri: &'a Uri,
    pub version: i32,
    pub linted: &'a Linted,
    pub rules: &'a RuleSet,
    pub unit: ColumnUnit,
    pub client: &'a ClientSupport,
    pub config: Option<&'a ConfigTarget>,
}

/// Whether a requested `only` kind covers our quick fixes.
pub fn wants_quickfix(kind: &CodeActionKind) -> bool {
    let k = kind.as_str();
    k.is_empty() || k == CodeActionKind::QUICKFIX.as_str()
}

/// The actions for the findings that touch `span`: every fix first, then the ignores, then one
/// "disable" per rule.
pub fn code_actions(cx: &Cx<'_>, span: Range<usize>) -> Vec<CodeActionOrCommand> {
    let index = cx.linted.draft.line_index();
    let touched: Vec<&Diagnostic> = cx
        .linted
        .diagnostics
        .iter()
        .filter(|d| d.span.start <= span.end && span.start <= d.span.end)
        .collect();
    let mut fixes = Vec::new();
    let mut ignores = Vec::new();
    let mut disables = Vec::new();
    let mut disabled: Vec<&str> = Vec::new();
    for d in touched {
        let lsp_diagnostic = convert::diagnostic(index, d, cx.unit);
        if let Some(s) = &d.suggestion {
            let from = cx.linted.draft.slice(s.span.clone());
            let mut title = format!("Replace “{}” with “{}”", short(from), short(&s.replacement));
            if s.applicability == Applicability::MaybeIncorrect {
                title.push_str(" (read it before sending)");
            }
            let edit = TextEdit::new(
                convert::range(index, s.span.clone(), cx.unit),
                s.replacement.clone(),
            );
            fixes.push(action(
                title,
                lsp_diagnostic.clone(),
                Some(text_edit(cx.client, cx.uri, Some(cx.version), vec![edit])),
                None,
                s.applicability == Applicability::MachineApplicable,
            ));
        }

        let ignore = Ignore::of(cx.uri, cx.rules, &cx.linted.draft, d);
        let title = match &ignore.text {
            Some(_) => format!("Ignore this `{}` finding (this session)", d.rule),
            None => format!("Ignore `{}` in this draft (this session)", d.rule),
        };
        let command = Command {
            title: title.clone(),
            command: IGNORE_COMMAND.to_owned(),
            arguments: serde_json::to_value(&ignore).ok().map(|a| vec![a]),
        };
        ignores.push(action(
            title,
            lsp_diagnostic.clone(),
            None,
            Some(command),
            false,
        ));

        if disabled.contains(&&*d.rule) {
            continue;
        }
        disabled.push(&d.rule);
        if let Some(edit) = cx
            .config
            .and_then(|c| disable_edit(cx.client, c, &d.rule, cx.unit))
        {
            let title = format!("Disable rule `{}` in {CONFIG_FILE}", d.rule);
            disables.push(action(title, lsp_diagnostic, Some(edit), None, false));
        }
    }
    fixes.into_iter().chain(ignores).chain(disables).collect()
}

fn action(
    title: String,
    diagnostic: lsp_types::Diagnostic,
    edit: Option<WorkspaceEdit>,
    command: Option<Command>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic]),
        edit,
        command,
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

/// Flagged text for a title: one line, at most 40 chars.
fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= 40 {
        return one;
    }
    let cut: String = one.chars().take(39).collect();
    format!("{}…", cut.trim_end())
}

/// Edits to one document: versioned when the client takes `documentChanges`, so a fix computed
/// for older text is refused instead of applied in the wrong place.
fn text_edit(
    client: &ClientSupport,
    uri: &Uri,
    version: Option<i32>,
    edits: Vec<TextEdit>,
) -> WorkspaceEdit {
    if client.document_changes {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    }
}

/// The edit that sets `[rules.<rule>] severity = "off"` in the config, creating the file if needed.
fn disable_edit(
    client: &ClientSupport,
    config: &ConfigTarget,
    rule: &str,
    unit: ColumnUnit,
) -> Option<WorkspaceEdit> {
    let old = config.existing.as_deref().unwrap_or("");
    // A config that does not parse is left for the user to fix; an edit would only add to it.
    let new = disable_rule(old, rule).ok()?;
    if config.existing.is_none() {
        let insert = TextEdit::new(lsp_types::Range::default(), new);
        if client.document_changes && client.create_files {
            return Some(WorkspaceEdit {
                document_changes: Some(DocumentChanges::Operations(vec![
                    DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                        uri: config.uri.clone(),
                        options: Some(CreateFileOptions {
                            overwrite: Some(false),
                            ignore_if_exists: Some(true),
                        }),
                        annotation_id: None,
                    })),
                    DocumentChangeOperation::Edit(TextDocumentEdit {
                        text_document: OptionalVersionedTextDocumentIdentifier {
                            uri: config.uri.clone(),
                            version: None,
                        },
                        edits: vec![OneOf::Left(insert)],
                    }),
                ])),
                ..WorkspaceEdit::default()
            });
        }
        // Clients without file operations open the new path as an empty buffer and insert.
        return Some(text_edit(client, &config.uri, None, vec![insert]));
    }
    let (span, replacement) = minimal_edit(old, &new);
    let index = LineIndex::new(old);
    let edit = TextEdit::new(convert::range(&index, span, unit), replacement.to_owned());
    Some(text_edit(client, &config.uri, config.version, vec![edit]))
}

/// `text` with `[rules.<rule>] severity = "off"` set, keeping everything else as written.
pub fn disable_rule(text: &str, rule: &str) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("{CONFIG_FILE} does not parse: {e}"))?;
    if !doc.contains_key("rules") {
        let mut rules = Table::new();
        // No bare `[rules]` header: the rule's own `[rules.<id>]` table says it all.
        rules.set_implicit(true);
        doc.insert("rules", Item::Table(rules));
    }
    let not_table = || format!("`rules` in {CONFIG_FILE} is not a table");
    let rules = doc.get_mut("rules").ok_or_else(not_table)?;
    let inline = rules.is_inline_table();
    let rules: &mut dyn TableLike = rules.as_table_like_mut().ok_or_else(not_table)?;
    if !rules.contains_key(rule) {
        let entry = if inline {
            Item::Value(InlineTable::new().into())
        } else {
            Item::Table(Table::new())
        };
        rules.insert(rule, entry);
    }
    let this = rules
        .get_mut(rule)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("`rules.{rule}` in {CONFIG_FILE} is not a table"))?;
    this.insert("severity", value("off"));
    Ok(doc.to_string())
}

/// The smallest single replacement turning `old` into `new`: the byte span of `old` to replace
/// and the text to put there.
fn minimal_edit<'n>(old: &str, new: &'n str) -> (Range<usize>, &'n str) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    while !old.is_char_boundary(a.len() - suffix) {
        suffix -= 1;
    }
    (prefix..a.len() - suffix, &new[prefix..b.len() - suffix])
}

/// The config file for a draft: the nearest existing `exlint.toml` upward from the draft's
/// folder (what the CLI will read), else a new one in the workspace folder holding the draft, or
/// beside the draft. `open` gives the text and version of a document open in the editor.
pub fn config_target(
    draft: &Uri,
    roots: &[PathBuf],
    open: impl Fn(&Uri) -> Option<(String, i32)>,
) -> Option<ConfigTarget> {
    let draft_path = convert::uri_to_path(draft);
    let start: PathBuf = match &draft_path {
        Some(p) => p.parent()?.to_path_buf(),
        // An unsaved buffer: the first workspace folder, if there is one.
        None => roots.first()?.clone(),
    };
    for dir in start.ancestors() {
        let path = dir.join(CONFIG_FILE);
        let Some(uri) = convert::path_to_uri(&path) else {
            continue;
        };
        if let Some((text, version)) = open(&uri) {
            return Some(ConfigTarget {
                uri,
                path,
                existing: Some(text),
                version: Some(version),
            });
        }
        if path.is_file() {
            let text = std::fs::read_to_string(&path).ok()?;
            return Some(ConfigTarget {
                uri,
                path,
                existing: Some(text),
                version: None,
            });
        }
    }
    let home: &Path = roots
        .iter()
        .filter(|r| start.starts_with(r))
        .max_by_key(|r| r.components().count())
        .map_or(start.as_path(), PathBuf::as_path);
    let path = home.join(CONFIG_FILE);
    Some(ConfigTarget {
        uri: convert::path_to_uri(&path)?,
        path,
        existing: None,
        version: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_config_gets_one_rule_table() {
        assert_eq!(
            disable_rule("", "begging").unwrap(),
            "[rules.begging]\nseverity = \"off\"\n"
        );
    }

    #[test]
    fn an_existing_config_keeps_its_comments_and_other_rules() {
        let old = "# my settings\n[rules.shouting]\nseverity = \"info\" # calm\n";
        let new = disable_rule(old, "begging").unwrap();
        assert_eq!(
            new,
            "# my settings\n[rules.shouting]\nseverity = \"info\" # calm\n\n[rules.begging]\nseverity = \"off\"\n"
        );
        // An existing setting for the rule is replaced, not duplicated.
        let new = disable_rule(old, "shouting").unwrap();
        assert_eq!(new.matches("severity").count(), 1, "{new}");
        assert!(new.contains("severity = \"off\""), "{new}");
        assert!(
            new.starts_with("# my settings\n[rules.shouting]\n"),
            "{new}"
        );
    }

    #[test]
    fn inline_and_dotted_rule_tables_are_edited_in_place() {
        let new = disable_rule(
            "rules = { shouting = { severity = \"info\" } }\n",
            "begging",
        )
        .unwrap();
        let parsed: toml::Table = toml::from_str(&new).unwrap();
        assert_eq!(parsed["rules"]["begging"]["severity"].as_str(), Some("off"));
        assert_eq!(
            parsed["rules"]["shouting"]["severity"].as_str(),
            Some("info")
        );

        let new = disable_rule("[rules]\nbegging.severity = \"error\"\n", "begging").unwrap();
        let parsed: toml::Table = toml::from_str(&new).unwrap();
        assert_eq!(parsed["rules"]["begging"]["severity"].as_str(), Some("off"));
    }

    #[test]
    fn a_config_that_does_not_parse_is_left_alone() {
        assert!(disable_rule("[rules\n", "begging").is_err());
        assert!(disable_rule("rules = 3\n", "begging").is_err());
    }

    #[test]
    fn minimal_edits_touch_only_what_changed() {
        let (span, text) = minimal_edit("a\nb\n", "a\nb\n\nc\n");
        assert_eq!((span, text), (4..4, "\nc\n"));
        let (span, text) = minimal_edit("x = \"é\"", "x = \"è\"");
        assert_eq!(&"x = \"é\""[span.clone()], "é");
        assert_eq!(text, "è");
        let (span, text) = minimal_edit("same", "same");
        assert_eq!((span, text), (4..4, ""));
    }
}
