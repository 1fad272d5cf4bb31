//! Small, comment-preserving edits of a config file's text, for tools that change settings for
//! the user (the editor's "disable this rule here" action). The result is always re-parsed: an
//! edit that would not load is refused rather than written.

use crate::error::{SourceError, TextFile};

use super::schema::{self, Level};

/// `file` with `[rules.<id>] severity = <level>`: the value replaced if the rule's table sets a
/// severity, the key added under the table's header if it does not, or a new table appended.
/// Everything else in the text (comments, order, spacing) is kept.
pub fn set_rule_severity(file: &TextFile, id: &str, level: Level) -> Result<String, SourceError> {
    let spec = schema::parse(file)?;
    let text = &file.text;
    let value = format!("\"{}\"", level.as_str());
    let edited = match spec.rules.get_key_value(id) {
        Some((_, table)) => {
            let severity = table
                .get_ref()
                .iter()
                .find(|(k, _)| k.get_ref() == "severity");
            match severity {
                Some((_, old)) => {
                    let span = old.span();
                    format!("{}{value}{}", &text[..span.start], &text[span.end..])
                }
                // `[rules.<id>]` header: the key goes on the line after it.
                None if text[table.span()].starts_with('[') => {
                    let header_end = table.span().end;
                    let line_end = text[header_end..]
                        .find('\n')
                        .map_or(text.len(), |i| header_end + i + 1);
                    let newline = if line_end == text.len() && !text.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    format!(
                        "{}{newline}severity = {value}\n{}",
                        &text[..line_end],
                        &text[line_end..]
                    )
                }
                None => {
                    return Err(file.error(
                        table.span(),
                        format!(
                            "cannot add a severity to this form of `rules.{id}`; edit it by hand"
                        ),
                    ));
                }
            }
        }
        None => {
            let sep = match text.as_str() {
                "" => "",
                t if t.ends_with("\n\n") => "",
                t if t.ends_with('\n') => "\n",
                _ => "\n\n",
            };
            format!("{text}{sep}[rules.{}]\nseverity = {value}\n", table_key(id))
        }
    };
    let check = TextFile {
        path: file.path.clone(),
        text: edited,
    };
    schema::parse(&check).map_err(|e| {
        SourceError::whole(
            &file.path,
            text,
            format!(
                "setting `{id}` to {value} here would break the file: {}",
                e.message
            ),
        )
    })?;
    Ok(check.text)
}

/// A rule id as a TOML key: bare when it can be, quoted otherwise (`"my-rules/dog"`).
pub fn table_key(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        id.to_owned()
    } else {
        toml::Value::String(id.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn edit(text: &str, id: &str, level: Level) -> Result<String, SourceError> {
        set_rule_severity(
            &TextFile {
                path: "exlint.toml".into(),
                text: text.into(),
            },
            id,
            level,
        )
    }

    #[test]
    fn appends_a_table_for_a_rule_not_yet_mentioned() {
        assert_eq!(
            edit("", "begging", Level::Off).unwrap(),
            "[rules.begging]\nseverity = \"off\"\n"
        );
        assert_eq!(
            edit("# mine\nfail-on = \"error\"", "my-rules/dog", Level::Off).unwrap(),
            "# mine\nfail-on = \"error\"\n\n[rules.\"my-rules/dog\"]\nseverity = \"off\"\n"
        );
    }

    #[test]
    fn changes_or_adds_the_key_in_an_existing_table_keeping_the_rest() {
        let text = "[rules.begging] # softer\nseverity = \"warning\" # was error\n\n[rules.too-long]\nwarn-words = 40\n";
        assert_eq!(
            edit(text, "begging", Level::Off).unwrap(),
            text.replace("\"warning\"", "\"off\"")
        );
        assert_eq!(
            edit(text, "too-long", Level::On(Severity::Info)).unwrap(),
            text.replace(
                "[rules.too-long]\n",
                "[rules.too-long]\nseverity = \"info\"\n"
            )
        );
        let inline = "rules.begging.severity = \"error\"\n";
        assert_eq!(
            edit(inline, "begging", Level::Off).unwrap(),
            "rules.begging.severity = \"off\"\n"
        );
    }

    #[test]
    fn refuses_to_edit_or_produce_a_broken_file() {
        assert!(edit("fail-on = ", "begging", Level::Off).is_err());
        let err = edit("rules = { shouting = {} }\n", "begging", Level::Off).unwrap_err();
        assert!(err.message.contains("would break"), "{err}");
    }
}
