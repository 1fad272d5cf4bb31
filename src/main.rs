//! The `exlint` binary: the only place that reads argv, env and stdin, prints, and picks exit codes.

mod cli;

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use exlint::render::{self, FileResult, Outcome, human};
use exlint::{Draft, FailOn, RuleSet, Tally, input};

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
/// the clock, in the system's time zone (`TZ` is honoured).
fn now() -> Result<jiff::Zoned, String> {
    let system = jiff::Zoned::now();
    match std::env::var("EXLINT_NOW") {
        Ok(pinned) if !pinned.is_empty() => {
            exlint::time::parse_send_time(&pinned, &system).map_err(|e| format!("EXLINT_NOW: {e}"))
        }
        _ => Ok(system),
    }
}

fn check(args: &CheckArgs, color: bool) -> io::Result<u8> {
    let rules = match load_rules() {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let send_time = match &args.at {
        None => None,
        Some(at) => match now().and_then(|now| exlint::time::parse_send_time(at, &now)) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: --at: {e}");
                return Ok(EXIT_ERROR);
            }
        },
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

    let mut drafts: Vec<(String, Result<Draft, String>)> = Vec::with_capacity(names.len());
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
        let draft = match bytes {
            Ok(bytes) => input::read(bytes, &shown)
                .map(|d| d.with_send_time(send_time.clone()))
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("{shown}: {}", describe_io(&e))),
        };
        drafts.push((shown, draft));
    }

    let diagnostics: Vec<Vec<exlint::Diagnostic>> = drafts
        .iter()
        .map(|(_, d)| {
            d.as_ref()
                .map(|d| exlint::lint(d, &rules))
                .unwrap_or_default()
        })
        .collect();
    let results: Vec<FileResult<'_>> = drafts
        .iter()
        .zip(&diagnostics)
        .map(|((path, draft), diags)| FileResult {
            path,
            outcome: match draft {
                Ok(draft) => Outcome::Linted {
                    draft,
                    diagnostics: diags,
                },
                Err(e) => Outcome::Failed { error: e.clone() },
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
                    human::summary(&mut out, &tally, linted, failed, style)?;
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
