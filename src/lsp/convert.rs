//! The edge between exlint's byte spans and LSP positions, and between file URIs and paths.
//! Every column goes through a [`LineIndex`] in the negotiated unit: UTF-8 bytes when the client
//! offers them, else UTF-16 code units.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    DiagnosticSeverity, NumberOrString, Position, PositionEncodingKind,
    TextDocumentContentChangeEvent, Uri,
};

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Severity};
use crate::draft::{ColumnUnit, LineCol, LineIndex};

/// The position encoding to use, given what the client offers (LSP 3.17 `positionEncodings`, or
/// the older `offsetEncoding` extension). UTF-8 saves all conversion work; UTF-16 is the default
/// every client must support.
pub fn negotiate(offered: &[&str]) -> ColumnUnit {
    if offered.iter().any(|e| e.eq_ignore_ascii_case("utf-8")) {
        ColumnUnit::Byte
    } else {
        ColumnUnit::Utf16
    }
}

pub fn encoding_kind(unit: ColumnUnit) -> PositionEncodingKind {
    match unit {
        ColumnUnit::Byte => PositionEncodingKind::UTF8,
        ColumnUnit::Utf16 => PositionEncodingKind::UTF16,
        ColumnUnit::Char => PositionEncodingKind::UTF32,
    }
}

pub fn position(index: &LineIndex, offset: usize, unit: ColumnUnit) -> Position {
    let LineCol { line, col } = index.line_col(offset, unit);
    Position::new(saturate(line), saturate(col))
}

pub fn range(index: &LineIndex, span: Range<usize>, unit: ColumnUnit) -> lsp_types::Range {
    lsp_types::Range::new(
        position(index, span.start, unit),
        position(index, span.end, unit),
    )
}

/// A position → byte offset. Past the end of a line clamps to the line's end; past the last line
/// clamps to the end of the text (what the LSP spec asks of out-of-range positions).
pub fn offset(index: &LineIndex, pos: Position, unit: ColumnUnit) -> usize {
    index.offset(
        LineCol {
            line: pos.line as usize,
            col: pos.character as usize,
        },
        unit,
    )
}

/// A range → byte span, in order even if the client sent it backwards.
pub fn span(index: &LineIndex, range: lsp_types::Range, unit: ColumnUnit) -> Range<usize> {
    let a = offset(index, range.start, unit);
    let b = offset(index, range.end, unit);
    a.min(b)..a.max(b)
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// An exlint finding as an LSP diagnostic: the rule id is the code, the help follows the message.
pub fn diagnostic(index: &LineIndex, d: &Diagnostic, unit: ColumnUnit) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range: range(index, d.span.clone(), unit),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        source: Some(SOURCE.to_owned()),
        message: message(d),
        ..lsp_types::Diagnostic::default()
    }
}

const SOURCE: &str = "exlint";

fn message(d: &Diagnostic) -> String {
    if d.help.is_empty() {
        d.message.clone()
    } else {
        format!("{}\nhelp: {}", d.message, d.help)
    }
}

/// `diagnostic` as the JSON a `publishDiagnostics` notification carries, built directly: going
/// through the lsp-types struct copies every string into the JSON tree, and a draft can have
/// hundreds of findings on each keystroke.
pub fn diagnostic_json(index: &LineIndex, d: &Diagnostic, unit: ColumnUnit) -> Value {
    let position = |offset: usize| {
        let p = position(index, offset, unit);
        let mut m = Map::new();
        m.insert("line".to_owned(), p.line.into());
        m.insert("character".to_owned(), p.character.into());
        Value::Object(m)
    };
    let mut range = Map::new();
    range.insert("start".to_owned(), position(d.span.start));
    range.insert("end".to_owned(), position(d.span.end));
    // The LSP numbers of `severity`'s constants.
    let level = match d.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let mut m = Map::new();
    m.insert("range".to_owned(), Value::Object(range));
    m.insert("severity".to_owned(), level.into());
    m.insert("code".to_owned(), d.rule.to_string().into());
    m.insert("source".to_owned(), SOURCE.into());
    m.insert("message".to_owned(), message(d).into());
    Value::Object(m)
}

/// Apply one `didChange` content change to `text`. A change without a range replaces everything.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent, unit: ColumnUnit) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let index = LineIndex::new(text);
            let span = span(&index, range, unit);
            text.replace_range(span, &change.text);
        }
    }
}

/// The local path of a `file:` URI.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("file:"))
        .map(|_| &s[5..])?;
    // `file:///p`, `file://localhost/p`, or the short `file:/p`.
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let slash = after.find('/')?;
            let host = &after[..slash];
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return None;
            }
            &after[slash..]
        }
        None => rest,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    if cfg!(windows) {
        // `/C:/Users/x` → `C:/Users/x`
        let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
        let has_drive = trimmed.len() >= 2
            && trimmed.as_bytes()[1] == b':'
            && trimmed.as_bytes()[0].is_ascii_alphabetic();
        return Some(PathBuf::from(if has_drive { trimmed } else { &decoded }));
    }
    Some(PathBuf::from(decoded))
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let text = text.replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|((l0, c0), (l1, c1))| {
                lsp_types::Range::new(Position::new(l0, c0), Position::new(l1, c1))
            }),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn positions_after_emoji_and_cjk_in_both_encodings() {
        // 😀 = 4 bytes / 2 UTF-16 units; 話 = 3 bytes / 1 unit.
        let text = "😀話 we need to talk";
        let index = LineIndex::new(text);
        let start = text.find("we").unwrap();
        let utf16 = range(&index, start..text.len(), ColumnUnit::Utf16);
        assert_eq!(utf16.start, Position::new(0, 4));
        assert_eq!(utf16.end, Position::new(0, 19));
        let utf8 = range(&index, start..text.len(), ColumnUnit::Byte);
        assert_eq!(utf8.start, Position::new(0, 8));
        for unit in [ColumnUnit::Utf16, ColumnUnit::Byte] {
            let r = range(&index, start..text.len(), unit);
            assert_eq!(span(&index, r, unit), start..text.len(), "{unit:?}");
        }
    }

    #[test]
    fn incremental_changes_apply_in_utf16_and_utf8() {
        let mut text = "a😀b\nsecond line".to_owned();
        // Replace "b" (UTF-16 col 3..4) with "XY".
        apply_change(
            &mut text,
            change(Some(((0, 3), (0, 4))), "XY"),
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀XY\nsecond line");
        // Same edit in UTF-8 columns: "XY" is at bytes 5..7.
        apply_change(
            &mut text,
            change(Some(((0, 5), (0, 7))), "b"),
            ColumnUnit::Byte,
        );
        assert_eq!(text, "a😀b\nsecond line");
        // Across a line break, and an insertion at the very end.
        apply_change(
            &mut text,
            change(Some(((0, 4), (1, 6))), "-"),
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀b- line");
        apply_change(
            &mut text,
            change(Some(((0, 10), (0, 10))), "!"),
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀b- line!");
        // Out of range positions clamp rather than panic.
        apply_change(
            &mut text,
            change(Some(((7, 0), (9, 9))), "?"),
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀b- line!?");
        apply_change(&mut text, change(None, "fresh"), ColumnUnit::Utf16);
        assert_eq!(text, "fresh");
    }

    #[test]
    fn a_position_inside_a_surrogate_pair_rounds_down() {
        let text = "😀x";
        let index = LineIndex::new(text);
        assert_eq!(offset(&index, Position::new(0, 1), ColumnUnit::Utf16), 0);
    }

    #[test]
    fn negotiation_prefers_utf8() {
        assert_eq!(negotiate(&["utf-16", "utf-8"]), ColumnUnit::Byte);
        assert_eq!(negotiate(&["utf-32", "utf-16"]), ColumnUnit::Utf16);
        assert_eq!(negotiate(&[]), ColumnUnit::Utf16);
    }

    #[test]
    fn file_uris_round_trip() {
        let uri = Uri::from_str("file:///home/me/my%20drafts/caf%C3%A9.txt").unwrap();
        let path = uri_to_path(&uri).unwrap();
        if cfg!(unix) {
            assert_eq!(path, PathBuf::from("/home/me/my drafts/café.txt"));
            assert_eq!(path_to_uri(&path).unwrap(), uri);
        }
        assert_eq!(
            uri_to_path(&Uri::from_str("untitled:Untitled-1").unwrap()),
            None
        );
        assert_eq!(
            uri_to_path(&Uri::from_str("file://server/share/x.txt").unwrap()),
            None
        );
    }

    #[test]
    fn diagnostics_carry_rule_source_and_help() {
        let d = Diagnostic {
            rule: "begging".into(),
            severity: Severity::Error,
            span: 0..4,
            message: "a plea".into(),
            help: "say it once".into(),
            suggestion: None,
        };
        let lsp = diagnostic(&LineIndex::new("pls come back"), &d, ColumnUnit::Utf16);
        assert_eq!(lsp.code, Some(NumberOrString::String("begging".into())));
        assert_eq!(lsp.source.as_deref(), Some("exlint"));
        assert_eq!(lsp.severity, Some(DiagnosticSeverity::ERROR));
        assert_eq!(lsp.message, "a plea\nhelp: say it once");
    }

    /// The JSON built by hand is what serializing the lsp-types diagnostic gives.
    #[test]
    fn diagnostic_json_is_the_serialized_diagnostic() {
        let index = LineIndex::new("pls come back\n\u{1F97A} i miss u");
        for (span, severity, help) in [
            (0..3, Severity::Error, "say it once"),
            (19..25, Severity::Warning, ""),
            (14..18, Severity::Info, "x"),
        ] {
            let d = Diagnostic {
                rule: "begging".into(),
                severity,
                span,
                message: "a plea".into(),
                help: help.into(),
                suggestion: None,
            };
            for unit in [ColumnUnit::Utf16, ColumnUnit::Byte, ColumnUnit::Char] {
                assert_eq!(
                    diagnostic_json(&index, &d, unit),
                    serde_json::to_value(diagnostic(&index, &d, unit)).unwrap()
                );
            }
        }
    }
}
