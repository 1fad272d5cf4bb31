//! exlint: a linter for the message you are about to send your ex.
//!
//! Data flows one way: bytes → [`input::read`] → [`Draft`] → [`RuleSet::check`] →
//! [`Diagnostic`]s → a renderer in [`render`]. The library computes; only the binary prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod alloc;
pub mod check;
pub mod config;
pub mod context;
pub mod conversation;
pub mod diagnostic;
pub mod draft;
pub mod error;
pub mod fs;
pub mod input;
pub mod lexicon;
pub mod lsp;
pub mod par;
pub mod render;
pub mod rules;
pub mod text;
pub mod time;

pub use config::{Config, Locations, ResolvedConfig};
pub use context::{Context, DateOrder, NoContact};
pub use conversation::{Conversation, ThreadFacts};
pub use diagnostic::{Applicability, Diagnostic, FailOn, Severity, SharedText, Suggestion, Tally};
pub use draft::{ColumnUnit, Draft, LineCol, LineIndex};
pub use error::SourceError;
pub use lexicon::Lexicon;
pub use rules::{LintCache, Rule, RuleMeta, RuleSet};

/// Lint one draft with a rule set. The one entry point the CLI, the renderers' tests and the
/// editor server share.
pub fn lint(draft: &Draft, rules: &RuleSet) -> Vec<Diagnostic> {
    rules.check(draft)
}
