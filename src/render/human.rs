//! Human output: rustc-style annotated reports drawn by ariadne, then one summary line.
//!
//! Spans are byte offsets (`IndexType::Byte`); ariadne measures each char's display width, so
//! underlines stay under the right words after emoji and CJK text.

use std::io::{self, Write};
use std::ops::Range;

use ariadne::{Color, Config, Fmt, IndexType, Label, Report, ReportKind, Source};

use crate::diagnostic::{Severity, Tally};
use crate::error::SourceError;
use crate::rules::RuleSet;

use super::{FileResult, Outcome, Timing, counts};
use crate::time::moment_for_people;

/// How the human renderer should look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

fn config(style: Style) -> Config {
    Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(style.color)
}

/// The header's kind, rustc style ("error[begging]").
fn kind(title: &str, severity: Severity) -> ReportKind<'_> {
    ReportKind::Custom(title, color(severity))
}

fn color(severity: Severity) -> Color {
    match severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Cyan,
    }
}

/// Render every finding of every file.
pub fn render(
    out: &mut dyn Write,
    files: &[FileResult<'_>],
    rules: &RuleSet,
    style: Style,
) -> io::Result<()> {
    let mut plain;
    let out: &mut dyn Write = if style.color {
        out
    } else {
        plain = StripAnsi::new(out);
        &mut plain
    };
    for file in files {
        let Outcome::Linted { draft, diagnostics } = &file.outcome else {
            continue;
        };
        let mut cache = (file.path, Source::from(draft.source()));
        for d in diagnostics.iter() {
            let span: (&str, Range<usize>) = (file.path, d.span.clone());
            let meta = rules.get(&d.rule).map(|r| &r.meta);
            let label_text = meta.map_or("", |m| m.summary.as_str());
            let title = format!("{}[{}]", d.severity, d.rule);
            let mut report = Report::build(kind(&title, d.severity), span.clone())
                .with_config(config(style))
                .with_message(&d.message)
                .with_label(
                    Label::new(span)
                        .with_message(label_text)
                        .with_color(color(d.severity)),
                );
            if !d.help.is_empty() {
                report = report.with_help(&d.help);
            }
            if let Some(s) = &d.suggestion {
                let shown = if s.replacement.is_empty() {
                    "remove it".to_owned()
                } else {
                    format!("try “{}”", s.replacement)
                };
                report = report.with_help(shown);
            }
            if let Some(m) = meta {
                report = report.with_note(format!(
                    "from the guide, {} · `exlint explain {}`",
                    m.guide, m.id
                ));
            }
            report.finish().write(&mut cache, &mut *out)?;
        }
    }
    Ok(())
}

/// The closing line: counts, a verdict, and when a time rule fires, the earliest good time
/// ("— earliest good time: Fri 11 Dec 07:00"; see [`super::earliest_good_time`]).
pub fn summary(
    out: &mut dyn Write,
    tally: &Tally,
    drafts: usize,
    failed: bool,
    earliest: Option<&Timing>,
    style: Style,
) -> io::Result<()> {
    let verdict = if failed {
        "not ready to send"
    } else {
        "ready to send"
    };
    let counts = counts(tally);
    let prefix = if drafts > 1 {
        format!("{drafts} drafts: ")
    } else {
        String::new()
    };
    let mut line = format!("{prefix}{counts} — {verdict}");
    if let Some(t) = earliest {
        if let (Some(at), Some(after)) = (&t.send_time, t.wait_until()) {
            line.push_str(" — earliest good time: ");
            line.push_str(&moment_for_people(after, at));
        }
    }
    if style.color {
        let c = if failed {
            tally.worst().map_or(Color::Green, color)
        } else {
            Color::Green
        };
        writeln!(out, "{}", line.fg(c))
    } else {
        writeln!(out, "{line}")
    }
}

/// An error in a rule file, lexicon or config, pointing at its place in the file.
pub fn source_error(out: &mut dyn Write, err: &SourceError, style: Style) -> io::Result<()> {
    let mut plain;
    let out: &mut dyn Write = if style.color {
        out
    } else {
        plain = StripAnsi::new(out);
        &mut plain
    };
    let span = err.span.clone().unwrap_or(0..0);
    let id = err.path.as_str();
    let mut report = Report::build(kind("error", Severity::Error), (id, span.clone()))
        .with_config(config(style))
        .with_message(&err.message);
    if err.span.is_some() {
        report = report.with_label(
            Label::new((id, span))
                .with_message("here")
                .with_color(Color::Red),
        );
    }
    if let Some(hint) = &err.hint {
        report = report.with_help(hint);
    }
    report
        .finish()
        .write((id, Source::from(err.source.as_str())), &mut *out)
}

/// A writer that drops ANSI escape sequences (`ESC [ ... letter`). ariadne colours a custom
/// report kind even when colour is off in its config; plain output must have no escapes at all.
struct StripAnsi<'w> {
    inner: &'w mut dyn Write,
    in_escape: bool,
    buf: Vec<u8>,
}

impl<'w> StripAnsi<'w> {
    fn new(inner: &'w mut dyn Write) -> Self {
        StripAnsi {
            inner,
            in_escape: false,
            buf: Vec::new(),
        }
    }
}

impl Write for StripAnsi<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.clear();
        for &b in data {
            if self.in_escape {
                if b.is_ascii_alphabetic() {
                    self.in_escape = false;
                }
            } else if b == 0x1b {
                self.in_escape = true;
            } else {
                self.buf.push(b);
            }
        }
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_ansi_removes_escapes_even_across_writes() {
        let mut out = Vec::new();
        {
            let mut w = StripAnsi::new(&mut out);
            w.write_all(b"\x1b[31merr").unwrap();
            w.write_all(b"or\x1b[").unwrap();
            w.write_all(b"0m: \xf0\x9f\x98\x80").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "error: 😀");
    }
}
