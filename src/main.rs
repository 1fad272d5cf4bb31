//! The `exlint` binary: the only place that reads argv, env and stdin, prints, and picks exit codes.

mod cli;

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use exlint::check::{Checked, Run, check_bytes, thread_facts};
use exlint::render::{self, FileResult, Outcome, human};
use exlint::{Context, FailOn, NoContact, RuleSet, Tally};

use cli::{CheckArgs, Cli, ColorChoice, Command, Format};

/// Exit codes are part of the interface scripts rely on.
const EXIT_OK: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;
/// `exlint lsp` ended by `exit` without `shutdown`, or by the client hanging up.
const EXIT_LSP_NO_SHUTDOWN: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let color = use_color(cli.color);
    let result = match &cli.command {
        Command::Check(args) => check(args, color),
        Command::Rules => list_rules(),
        Command::Explain { id } => explain(id),
        Command::Lsp { .. } => lsp(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A reader that went away (`exlint check big.txt | head -1`) is not an error to report.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

/// The built-in rules, or an annotated error and exit 2 if they fail to load.
fn load_rules() -> Result<RuleSet, u8> {
    RuleSet::builtin().map_err(|err| {
        let _ = human::source_error(
            &mut io::stderr().lock(),
            &err,
            human::Style { color: false },
        );
        EXIT_ERROR
    })
}

/// "Now" for resolving send times: `EXLINT_NOW` (RFC 3339, for reproducible runs and tests), else
/// the clock; either way on the writer's wall clock (`tz`).
fn now(tz: &jiff::tz::TimeZone) -> Result<jiff::Zoned, String> {
    let system = jiff::Zoned::now().with_time_zone(tz.clone());
    match std::env::var("EXLINT_NOW") {
        Ok(pinned) if !pinned.is_empty() => exlint::time::parse_send_time(&pinned, &system)
            .map(|t| t.with_time_zone(tz.clone()))
            .map_err(|e| format!("EXLINT_NOW: {e}")),
        _ => Ok(system),
    }
}

/// The writer's situation from the flags. (The config file will fill the same struct first;
/// flags win.) Without `--timezone` it is the system's zone, which honours `TZ`.
fn context_from(args: &CheckArgs) -> Result<Context, String> {
    let timezone = match &args.timezone {
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| {
            format!("--timezone: `{name}` is not an IANA time zone name like Europe/Berlin")
        })?,
        None => jiff::tz::TimeZone::system(),
    };
    let since = match &args.no_contact_since {
        Some(s) => Some(
            s.parse::<jiff::civil::Date>()
                .map_err(|_| format!("--no-contact-since: `{s}` is not a date like 2026-11-20"))?,
        ),
        None => None,
    };
    if args.no_contact_days == Some(0) {
        return Err("--no-contact-days: give at least 1 day".into());
    }
    Ok(Context {
        timezone,
        no_contact: NoContact {
            since,
            days: args.no_contact_days,
        },
        me: args.me.clone(),
        date_order: args.date_order.map(Into::into),
    })
}

fn check(args: &CheckArgs, color: bool) -> io::Result<u8> {
    let context = match context_from(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let rules = match load_rules() {
        Ok(r) => r.with_context(context),
        Err(code) => return Ok(code),
    };
    let now = match now(&rules.context().timezone) {
        Ok(now) => now,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let at = match &args.at {
        None => None,
        Some(at) => match exlint::time::parse_send_time(at, &now) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: --at: {e}");
                return Ok(EXIT_ERROR);
            }
        },
    };
    let thread = match &args.thread {
        None => None,
        Some(path) => {
            let shown = path.display().to_string();
            let facts = read_file(path)
                .map_err(|e| format!("--thread: {shown}: {}", describe_io(&e)))
                .and_then(|bytes| {
                    thread_facts(bytes, &shown, &rules).map_err(|e| format!("--thread: {e}"))
                });
            match facts {
                Ok(f) => Some(f),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(EXIT_ERROR);
                }
            }
        }
    };
    let run = Run {
        rules: &rules,
        now,
        at,
        thread,
    };

    // Collect inputs: named files, "-" for stdin, or stdin when it is piped and nothing is named.
    let mut names: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    if names.is_empty() {
        if io::stdin().is_terminal() {
            eprintln!(
                "error: no draft given: pass a file, or pipe one in (`pbpaste | exlint check -`)"
            );
            return Ok(EXIT_ERROR);
        }
        names.push("-".to_owned());
    }
    if names.iter().filter(|n| *n == "-").count() > 1 {
        eprintln!("error: standard input (\"-\") can only be read once");
        return Ok(EXIT_ERROR);
    }

    let mut checked: Vec<(String, Result<Checked, String>)> = Vec::with_capacity(names.len());
    for name in &names {
        let shown = if name == "-" {
            "<stdin>".to_owned()
        } else {
            name.clone()
        };
        let bytes = if name == "-" {
            let mut buf = Vec::new();
            io::stdin().lock().read_to_end(&mut buf).map(|_| buf)
        } else {
            read_file(Path::new(name))
        };
        let result = match bytes {
            Ok(bytes) => check_bytes(bytes, &shown, &run),
            Err(e) => Err(format!("{shown}: {}", describe_io(&e))),
        };
        checked.push((shown, result));
    }

    let results: Vec<FileResult<'_>> = checked
        .iter()
        .map(|(path, result)| match result {
            Ok(c) => FileResult {
                path,
                outcome: Outcome::Linted {
                    draft: &c.draft,
                    diagnostics: &c.diagnostics,
                },
                timing: c.timing.clone(),
            },
            Err(e) => FileResult {
                path,
                outcome: Outcome::Failed { error: e.clone() },
                timing: Default::default(),
            },
        })
        .collect();

    let mut tally = Tally::default();
    results.iter().for_each(|r| tally.merge(r.tally()));
    let fail_on: FailOn = args.fail_on.into();
    let failed = fail_on.fails(&tally);
    let input_error = results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Failed { .. }));

    for r in &results {
        if let Outcome::Failed { error } = &r.outcome {
            eprintln!("error: {error}");
        }
    }
    if !args.quiet {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        let style = human::Style { color };
        match args.format {
            Format::Human => {
                human::render(&mut out, &results, &rules, style)?;
                let linted = results
                    .iter()
                    .filter(|r| matches!(r.outcome, Outcome::Linted { .. }))
                    .count();
                if linted > 0 {
                    let earliest = render::earliest_good_time(&results);
                    human::summary(&mut out, &tally, linted, failed, earliest, style)?;
                }
            }
            Format::Json => render::json::render(&mut out, &results)?,
            Format::Line => render::line::render(&mut out, &results)?,
        }
        out.flush()?;
    }
    Ok(if input_error {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// The language server. Exit code 0 after `shutdown` then `exit`, 1 when the client left without
/// shutting down (what the LSP spec asks).
fn lsp() -> io::Result<u8> {
    let (connection, io_threads) = exlint::lsp::stdio();
    let clean = exlint::lsp::run(connection);
    io_threads.join()?;
    Ok(if clean { EXIT_OK } else { EXIT_LSP_NO_SHUTDOWN })
}

fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    std::fs::read(path)
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "is a directory; pass the draft files inside it".to_owned(),
        _ => e.to_string(),
    }
}

fn list_rules() -> io::Result<u8> {
    let rules = match load_rules() {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let width = rules
        .rules()
        .iter()
        .map(|r| r.meta.id.len())
        .max()
        .unwrap_or(0);
    for rule in rules.rules() {
        let m = &rule.meta;
        writeln!(
            out,
            "{:<width$}  {:<7}  {}",
            m.id,
            m.severity.as_str(),
            m.summary
        )?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn explain(id: &str) -> io::Result<u8> {
    let rules = match load_rules() {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let Some(rule) = rules.get(id) else {
        let ids = rules.rules().iter().map(|r| r.meta.id.as_str());
        match exlint::error::closest(id, ids) {
            Some(near) => eprintln!(
                "error: no rule `{id}`; did you mean `{near}`? (`exlint rules` lists them all)"
            ),
            None => eprintln!("error: no rule `{id}` (`exlint rules` lists them all)"),
        }
        return Ok(EXIT_ERROR);
    };
    let m = &rule.meta;
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "{} ({}, {} rule) — {}",
        m.id, m.severity, m.kind, m.summary
    )?;
    writeln!(out, "From the guide: {}", m.guide)?;
    writeln!(out)?;
    writeln!(out, "{}", m.description.trim_end())?;
    writeln!(out)?;
    writeln!(out, "## Examples")?;
    for ex in &m.examples {
        let mark = if ex.bad {
            "✗ flagged:"
        } else {
            "✓ fine:   "
        };
        let text = ex.text.split_whitespace().collect::<Vec<_>>().join(" ");
        writeln!(out, "  {mark} {text}")?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}
