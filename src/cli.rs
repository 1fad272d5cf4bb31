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
    /// List every rule: id, severity (after your config), what it catches
    Rules(RulesArgs),
    /// Explain one rule: what it catches, why, the guide step, examples
    Explain {
        /// The rule id, e.g. begging
        id: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Run the language server on stdin/stdout, for editors (see README, "Editors")
    Lsp {
        /// Accepted for clients that always pass it; stdio is the only transport
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Print the effective configuration and where each value comes from
    Config(ConfigCommandArgs),
    /// Stop reporting one finding of a draft, without editing the draft (.exlintignore)
    Ignore(IgnoreArgs),
    /// Write a commented starter exlint.toml
    Init {
        /// Folder to write it in [default: the current folder]
        dir: Option<PathBuf>,
        /// Replace an existing exlint.toml
        #[arg(long)]
        force: bool,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `exlint man > exlint.1`
    Man {
        /// Instead, write one page per command (exlint.1, exlint-check.1, …) into this folder
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Where configuration comes from: shared by every command that lints or lists rules.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// A config file applied on top of the discovered ones
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore the user and project config files and .exlintignore: built-in defaults only
    #[arg(long)]
    pub isolated: bool,

    /// Apply the overrides of [profile.NAME] in the config files
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Only these rules, comma-separated ids or "all" (replaces the config's select)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Turn these rules off, comma-separated ids or "all"
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Run the examples of a folder of your own rule files; report each one that fails
    Test {
        /// The folder of rule files (*.toml)
        dir: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct ConfigCommandArgs {
    /// A draft or folder whose configuration to show [default: the current folder]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
}

#[derive(Debug, clap::Args)]
pub struct IgnoreArgs {
    /// The draft the finding is in
    pub file: PathBuf,
    /// The rule of the finding, e.g. begging
    #[arg(long, value_name = "ID")]
    pub rule: String,
    /// Only the finding on this line (1-based)
    #[arg(long, value_name = "N")]
    pub line: Option<usize>,
    /// Only the finding whose flagged words contain this text
    #[arg(long = "match", value_name = "TEXT")]
    pub matching: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Draft files; "-" reads standard input
    pub files: Vec<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Lowest severity that makes the exit code 1 [default: warning, or the config's fail-on]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// Report findings silenced in .exlintignore too
    #[arg(long)]
    pub no_ignore: bool,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Print nothing; only the exit code tells
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// The largest draft or export to read, like 16MiB or 500KB [default: 16MiB for a draft and
    /// 256MiB for a chat export, or the config's max-input-size for both]
    #[arg(long, value_name = "SIZE", value_parser = exlint::input::parse_size)]
    pub max_input_size: Option<u64>,

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
