//! What a rule reports: a severity, a byte span into the input as read, a message and a way out.

use std::fmt;
use std::ops::{Deref, Range};
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or info)"
            )),
        }
    }
}

/// Whether a suggestion can be applied without a human looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Safe to apply blindly: the meaning stays the same.
    MachineApplicable,
    /// Probably what the writer wants, but read it before sending.
    MaybeIncorrect,
}

/// Text that many findings carry unchanged (a rule's id, its help): one allocation per rule, shared
/// by every finding that points at it. A chat export can hold hundreds of thousands of findings,
/// and a copy of the help in each was a seventh of the peak memory for human output. Reads as
/// a `str`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedText(Arc<str>);

impl SharedText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> SharedText {
        SharedText(s.into())
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> SharedText {
        SharedText(s.into())
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedText> for str {
    fn eq(&self, other: &SharedText) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedText> for &str {
    fn eq(&self, other: &SharedText) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedText> for String {
    fn eq(&self, other: &SharedText) -> bool {
        **self == *other.0
    }
}

impl Serialize for SharedText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A concrete edit: replace `span` of the input with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub span: Range<usize>,
    pub replacement: String,
    pub applicability: Applicability,
}

/// One finding. `span` is a byte range into the input exactly as it was read
/// (BOM and headers included), always on char boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: SharedText,
    pub severity: Severity,
    pub span: Range<usize>,
    pub message: String,
    pub help: SharedText,
    /// Boxed: most findings have none, and a long draft's tens of thousands of findings are
    /// moved and sorted as they are (88 bytes each, not 128).
    pub suggestion: Option<Box<Suggestion>>,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Diagnostic>() == 88);

impl Diagnostic {
    /// The stable order every output uses: by position, then rule id.
    pub fn sort(diagnostics: &mut [Diagnostic]) {
        diagnostics.sort_by(Diagnostic::order);
    }

    /// Are these in [`Diagnostic::sort`]'s order already? (Findings gathered message by message
    /// usually are, and checking costs no buffer.)
    pub fn is_sorted(diagnostics: &[Diagnostic]) -> bool {
        diagnostics.is_sorted_by(|a, b| Diagnostic::order(a, b).is_le())
    }

    /// `lists`, each in [`Diagnostic::sort`]'s order, as one list in that order: what sorting
    /// their concatenation gives (of equal findings, the one from the earlier list first), in
    /// one pass and without the sort's scratch copy (a long draft's findings run to hundreds
    /// of kilobytes, fresh memory each time).
    pub fn merge_sorted(lists: Vec<Vec<Diagnostic>>) -> Vec<Diagnostic> {
        debug_assert!(lists.iter().all(|l| Diagnostic::is_sorted(l)));
        let mut out = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        let mut heads: Vec<std::iter::Peekable<std::vec::IntoIter<Diagnostic>>> = lists
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.into_iter().peekable())
            .collect();
        // A few lists (most rules find little): the first of the least heads, by a scan.
        loop {
            let mut least: Option<(usize, &Diagnostic)> = None;
            for (i, head) in heads.iter_mut().enumerate() {
                if let Some(d) = head.peek() {
                    if least.is_none_or(|(_, l)| Diagnostic::order(d, l).is_lt()) {
                        least = Some((i, d));
                    }
                }
            }
            let Some((i, _)) = least else {
                break;
            };
            out.extend(heads[i].next());
        }
        out
    }

    /// The stable order: by position, then rule id, then message.
    fn order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
        (a.span.start, a.span.end, &a.rule, &a.message).cmp(&(
            b.span.start,
            b.span.end,
            &b.rule,
            &b.message,
        ))
    }
}

/// Counts per severity, for summaries and exit codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Tally {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    pub fn of(diagnostics: &[Diagnostic]) -> Tally {
        let mut tally = Tally::default();
        for d in diagnostics {
            tally.add(d.severity);
        }
        tally
    }

    pub fn merge(&mut self, other: Tally) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }

    /// The most severe level present, if any.
    pub fn worst(&self) -> Option<Severity> {
        if self.errors > 0 {
            Some(Severity::Error)
        } else if self.warnings > 0 {
            Some(Severity::Warning)
        } else if self.infos > 0 {
            Some(Severity::Info)
        } else {
            None
        }
    }

    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// The `--fail-on` threshold: the lowest severity that makes a draft "not ready".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    #[default]
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, tally: &Tally) -> bool {
        let Some(worst) = tally.worst() else {
            return false;
        };
        match self {
            FailOn::Never => false,
            FailOn::Error => worst >= Severity::Error,
            FailOn::Warning => worst >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}

/// Numbers below `n` for tests that generate their cases: a fixed xorshift sequence, so no
/// clock and no global state.
#[cfg(test)]
pub(crate) fn test_numbers() -> impl FnMut(u64) -> usize {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merging lists in order gives what a stable sort of their concatenation gives, ties
    /// included: findings equal in the order (same span, rule and message) but told apart by
    /// severity keep their lists' order.
    #[test]
    fn merging_sorted_lists_is_sorting_them_together() {
        let finding = |start: usize, len: usize, rule: &str, severity: Severity| Diagnostic {
            rule: SharedText::from(rule),
            severity,
            span: start..start + len,
            message: format!("{rule} here"),
            help: SharedText::from(""),
            suggestion: None,
        };
        let mut next = test_numbers();
        let severities = [Severity::Info, Severity::Warning, Severity::Error];
        for round in 0..200 {
            let lists: Vec<Vec<Diagnostic>> = (0..next(6))
                .map(|list| {
                    let mut l: Vec<Diagnostic> = (0..next(if round % 2 == 0 { 5 } else { 40 }))
                        .map(|_| {
                            let rule = ["a", "b", "c"][next(3)];
                            finding(next(30), next(4), rule, severities[list % 3])
                        })
                        .collect();
                    Diagnostic::sort(&mut l);
                    l
                })
                .collect();
            let mut expected: Vec<Diagnostic> = lists.iter().flatten().cloned().collect();
            Diagnostic::sort(&mut expected);
            assert_eq!(Diagnostic::merge_sorted(lists), expected, "round {round}");
        }
    }

    #[test]
    fn fail_on_thresholds() {
        let warn = Tally {
            warnings: 1,
            ..Tally::default()
        };
        assert!(FailOn::Warning.fails(&warn));
        assert!(FailOn::Info.fails(&warn));
        assert!(!FailOn::Error.fails(&warn));
        assert!(!FailOn::Never.fails(&warn));
        assert!(!FailOn::Info.fails(&Tally::default()));
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
        assert_eq!("warning".parse::<Severity>(), Ok(Severity::Warning));
        assert!("fatal".parse::<Severity>().is_err());
    }
}
