//! Renderers: the same findings as human text (ariadne), JSON, or one line each. They write to any
//! `io::Write` and never decide exit codes.

pub mod human;
pub mod json;
pub mod line;

use crate::diagnostic::{Diagnostic, Tally};
use crate::draft::{ColumnUnit, Draft};

/// One input's results, as the renderers see them.
pub struct FileResult<'a> {
    /// The name shown to the user ("<stdin>" for standard input).
    pub path: &'a str,
    pub outcome: Outcome<'a>,
    /// When the draft would be sent and the earliest good time; both unknown for a file that
    /// could not be read or a conversation reviewed message by message.
    pub timing: Timing,
}

/// Report-level time facts of one draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    pub send_time: Option<jiff::Zoned>,
    /// The earliest moment at or after `send_time` when no time rule fires
    /// ([`RuleSet::send_after`](crate::RuleSet::send_after)).
    pub send_after: Option<jiff::Zoned>,
}

impl Timing {
    /// The earliest good time, when it is later than the send time (a time rule fires).
    pub fn wait_until(&self) -> Option<&jiff::Zoned> {
        match (&self.send_time, &self.send_after) {
            (Some(at), Some(after)) if after > at => Some(after),
            _ => None,
        }
    }
}

/// Across files: the moment all of them can go (the latest `wait_until`), with the send time of
/// the file it comes from, or `None` when nothing needs to wait.
pub fn earliest_good_time<'r>(results: &'r [FileResult<'_>]) -> Option<&'r Timing> {
    results
        .iter()
        .filter_map(|r| r.timing.wait_until().map(|w| (w, &r.timing)))
        .max_by(|a, b| a.0.cmp(b.0))
        .map(|(_, t)| t)
}

pub enum Outcome<'a> {
    Linted {
        draft: &'a Draft,
        diagnostics: &'a [Diagnostic],
    },
    /// The input could not be read; the message says what and where.
    Failed { error: String },
}

impl FileResult<'_> {
    pub fn tally(&self) -> Tally {
        match &self.outcome {
            Outcome::Linted { diagnostics, .. } => Tally::of(diagnostics),
            Outcome::Failed { .. } => Tally::default(),
        }
    }
}

/// 1-based line/column (columns in Unicode scalar values) of a byte offset; the end of a span is
/// exclusive, so `end_column` is the column just after the last flagged char.
pub fn position(draft: &Draft, offset: usize) -> (usize, usize) {
    let p = draft.line_index().line_col(offset, ColumnUnit::Char);
    (p.line + 1, p.col + 1)
}

/// "2 errors, 1 warning" — or "no problems" when there are none.
pub fn counts(tally: &Tally) -> String {
    let mut parts = Vec::new();
    let mut push = |n: usize, one: &str, many: &str| {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    push(tally.errors, "error", "errors");
    push(tally.warnings, "warning", "warnings");
    push(tally.infos, "note", "notes");
    if parts.is_empty() {
        "no problems".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(counts(&Tally::default()), "no problems");
        let t = Tally {
            errors: 2,
            warnings: 1,
            infos: 0,
        };
        assert_eq!(counts(&t), "2 errors, 1 warning");
        let t = Tally {
            errors: 0,
            warnings: 0,
            infos: 3,
        };
        assert_eq!(counts(&t), "3 notes");
    }
}
