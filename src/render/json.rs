//! `--format json`: exactly one JSON object for the whole run.
//!
//! ```json
//! {"version":1,
//!  "files":[{"path":"draft.txt","send_time":"2026-11-28T02:13:00+01:00",
//!     "send_after":"2026-11-28T07:00:00+01:00","diagnostics":[{"rule":"begging","severity":"error",
//!     "message":"…","help":"…","start":0,"end":12,"line":1,"column":1,"end_line":1,"end_column":13}]}],
//!  "summary":{"errors":1,"warnings":0,"infos":0}}
//! ```
//! `start`/`end` are UTF-8 byte offsets into the input as read (end exclusive); `line`/`column` are
//! 1-based, columns in Unicode scalar values. A file that could not be read has an `error` string
//! and no diagnostics. A `suggestion` is present only when the rule has one. `send_time` and
//! `send_after` (the earliest moment no time rule fires) are RFC 3339 with the offset, or null
//! when unknown (a conversation export reviewed message by message, an unreadable file).

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Applicability, Diagnostic, Tally};
use crate::draft::Draft;
use crate::time::rfc3339;

use super::{FileResult, Outcome, position};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files: Vec<File<'a>>,
    summary: Tally,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    send_time: Option<String>,
    send_after: Option<String>,
    diagnostics: Diags<'a>,
}

/// A file's findings, turned into [`Diag`]s as they are written: a conversation export can have
/// hundreds of thousands, and a second list of them all would cost as much again.
struct Diags<'a> {
    draft: Option<&'a Draft>,
    list: &'a [Diagnostic],
}

impl Serialize for Diags<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.draft {
            None => serializer.collect_seq(std::iter::empty::<Diag<'_>>()),
            Some(draft) => serializer.collect_seq(self.list.iter().map(|d| diag(draft, d))),
        }
    }
}

fn diag<'a>(draft: &Draft, d: &'a Diagnostic) -> Diag<'a> {
    let (line, column) = position(draft, d.span.start);
    let (end_line, end_column) = position(draft, d.span.end);
    Diag {
        rule: &d.rule,
        severity: d.severity.as_str(),
        message: &d.message,
        help: &d.help,
        start: d.span.start,
        end: d.span.end,
        line,
        column,
        end_line,
        end_column,
        suggestion: d.suggestion.as_ref().map(|s| Suggestion {
            start: s.span.start,
            end: s.span.end,
            replacement: &s.replacement,
            applicability: s.applicability,
        }),
    }
}

#[derive(Serialize)]
struct Diag<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    help: &'a str,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<Suggestion<'a>>,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    start: usize,
    end: usize,
    replacement: &'a str,
    applicability: Applicability,
}

pub fn render(out: &mut dyn Write, files: &[FileResult<'_>]) -> io::Result<()> {
    let mut summary = Tally::default();
    let files: Vec<File<'_>> = files
        .iter()
        .map(|f| {
            summary.merge(f.tally());
            let send_time = f.timing.send_time.as_ref().map(rfc3339);
            let send_after = f.timing.send_after.as_ref().map(rfc3339);
            match &f.outcome {
                Outcome::Failed { error } => File {
                    path: f.path,
                    error: Some(error),
                    send_time,
                    send_after,
                    diagnostics: Diags {
                        draft: None,
                        list: &[],
                    },
                },
                Outcome::Linted { draft, diagnostics } => File {
                    path: f.path,
                    error: None,
                    send_time,
                    send_after,
                    diagnostics: Diags {
                        draft: Some(draft),
                        list: diagnostics,
                    },
                },
            }
        })
        .collect();
    let report = Report {
        version: VERSION,
        files,
        summary,
    };
    // `io::Error::from` keeps a write's own error (a closed pipe stays `BrokenPipe`, which the
    // binary treats as a reader gone away, not a failure).
    serde_json::to_writer(&mut *out, &report).map_err(io::Error::from)?;
    writeln!(out)
}
