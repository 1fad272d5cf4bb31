//! Command-line arguments (clap). Parsing only; `main.rs` acts on them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use exlint::{DateOrder, FailOn};

#[derive(Debug, Parser)]
#[command(
    name = "exlint",
    version,
    about = "A linter for the message you are about to send your ex",
    long_about = "A linter for the message you are about to send your ex.\n\n\
        It reads a draft and points at the words that will probably hurt your chances: begging, \
        ultimatums, guilt trips, rehashing old fights, late-night texts, walls of text. Nothing \
        leaves your machine.",
    after_help = "Exit codes: 0 ready to send, 1 findings at or above --fail-on, 2 usage, input or config error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to use colour: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint drafts ("-" or no FILE with piped input reads stdin)
    Check(CheckArgs),
    /// List every rule: id, default severity, what it catches
    Rules,
    /// Explain one rule: what it catches, why, the guide step, examples
    Explain {
        /// The rule id, e.g. begging
        id: String,
    },
    /// Run the language server on stdin/stdout, for editors (see README, "Editors")
    Lsp {
        /// Accepted for clients that always pass it; stdio is the only transport
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Draft files; "-" reads standard input
    pub files: Vec<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOnArg::Warning)]
    pub fail_on: FailOnArg,

    /// Print nothing; only the exit code tells
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// When the message will be sent: RFC 3339 (2026-11-28T02:13:00+01:00), local
    /// (2026-11-28T02:13), HH:MM (today) or now
    #[arg(long, value_name = "DATETIME")]
    pub at: Option<String>,

    /// A chat export the draft follows (WhatsApp .txt, Telegram result.json, exlint JSON): gives
    /// the last contact and how many of your messages wait for a reply
    #[arg(long, value_name = "FILE")]
    pub thread: Option<PathBuf>,

    /// Your name in chat exports
    #[arg(long, value_name = "NAME")]
    pub me: Option<String>,

    /// Your time zone, an IANA name like Europe/Berlin [default: the system's]
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// The day contact stopped (YYYY-MM-DD): the no-contact period counts from it
    #[arg(long, value_name = "DATE")]
    pub no_contact_since: Option<String>,

    /// How many days the no-contact period lasts [default: 21]
    #[arg(long, value_name = "DAYS")]
    pub no_contact_days: Option<u32>,

    /// How to read WhatsApp dates like 03/04/2026 when the file does not decide
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    /// Day first: 28/11/2026 (the default)
    Dmy,
    /// Month first: 11/28/2026
    Mdy,
}

impl From<DateOrderArg> for DateOrder {
    fn from(d: DateOrderArg) -> DateOrder {
        match d {
            DateOrderArg::Dmy => DateOrder::DayFirst,
            DateOrderArg::Mdy => DateOrder::MonthFirst,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Annotated reports for people
    Human,
    /// One JSON object for scripts
    Json,
    /// path:line:col: severity[rule]: message
    Line,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> FailOn {
        match f {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Never => FailOn::Never,
        }
    }
}
