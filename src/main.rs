//! The `exlint` binary: the only place that reads argv, env and stdin, prints, and picks exit codes.

mod cli;

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc for small blocks, the system allocator for big ones (see `exlint::alloc`).
#[global_allocator]
static ALLOC: exlint::alloc::Allocator = exlint::alloc::Allocator;

/// Small pages from the process's first allocation on (`exlint::alloc::no_huge_pages`). The Rust
/// runtime allocates before `main` runs (the main thread's info), and that first allocation set
/// up mimalloc's arena in huge pages: two 2 MiB pages zeroed on every run, a tenth of a one-draft
/// run's CPU. A function in `.init_array` runs before the runtime starts.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_PAGES_FIRST: extern "C" fn() = {
    extern "C" fn small_pages_first() {
        exlint::alloc::no_huge_pages();
    }
    small_pages_first
};

use clap::{CommandFactory, Parser};

use exlint::check::{Checked, Run, check_bytes, thread_facts};
use exlint::config::ignore::{self, Fingerprint, IgnoreList};
use exlint::config::{self as cfg, Config, Locations, Origin, Overrides, ResolvedConfig, Sourced};
use exlint::render::{self, FileResult, Outcome, human};
use exlint::{Context, FailOn, NoContact, SourceError, Tally, ThreadFacts, input};

use cli::{
    CheckArgs, Cli, ColorChoice, Command, ConfigArgs, ConfigCommandArgs, FailOnArg, Format,
    IgnoreArgs, RulesAction, RulesArgs,
};

/// Exit codes are part of the interface scripts rely on.
const EXIT_OK: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;
/// `exlint lsp` ended by `exit` without `shutdown`, or by the client hanging up.
const EXIT_LSP_NO_SHUTDOWN: u8 = 1;

fn main() -> ExitCode {
    // A check's start-up is parallel: its helper threads start first thing, so they are up
    // (their cores awake) by the time the arguments are parsed. (Other commands start them on
    // first use, if ever; an argument "check" elsewhere only costs an idle thread.)
    if std::env::args_os().skip(1).any(|a| a == "check") {
        exlint::par::warm_up();
    }
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
        Command::Rules(RulesArgs {
            action: Some(RulesAction::Test { dir }),
            ..
        }) => test_rules(dir),
        Command::Rules(RulesArgs {
            action: None,
            config,
        }) => list_rules(config),
        Command::Explain { id, config } => explain(id, config),
        Command::Config(args) => show_config(args),
        Command::Ignore(args) => ignore_finding(args),
        Command::Init { dir, force } => init(dir.as_deref(), *force),
        Command::Completions { shell } => completions(*shell),
        Command::Man { dir } => man(dir.as_deref()),
        Command::Lsp { .. } => lsp(),
    };
    let code = match result {
        Ok(code) => code,
        // A reader that went away (`exlint check big.txt | head -1`) is not an error to report.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    };
    exit_now(code)
}

/// End the process with `code`, once what is buffered for stdout is written, skipping the
/// clean-up that runs at exit: mimalloc's, which hands every page it holds back to the kernel
/// one `madvise` at a time (a millisecond after a long draft, for memory the process is about
/// to give up whole). Everything of ours is done by now: output written and flushed, files
/// renamed into place, threads joined.
fn exit_now(code: u8) -> ExitCode {
    // A reader that went away is not an error here either.
    let _ = io::stdout().flush();
    #[cfg(unix)]
    // SAFETY: `_exit` takes an integer and does not return; no Rust code runs after it, so no
    // destructor or invariant of ours is skipped that anything could observe.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[cfg(not(unix))]
    ExitCode::from(code)
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

/// Report a config or rule-file error on stderr (annotated when we have the file's text) and
/// give the exit code for it.
fn config_error(err: &SourceError) -> u8 {
    if err.source.is_empty() {
        eprintln!("error: {err}");
    } else {
        let _ = human::source_error(&mut io::stderr().lock(), err, human::Style { color: false });
    }
    EXIT_ERROR
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

/// Where config files are looked for, from a start folder and the environment.
fn locations(start_dir: PathBuf) -> Locations {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    Locations {
        start_dir,
        user_config_dir: cfg::user_config_dir(
            var("XDG_CONFIG_HOME").as_deref(),
            var("HOME").as_deref(),
            var("APPDATA").as_deref(),
        ),
        cwd: Some(cwd()),
    }
}

/// The absolute folder a draft's config search starts in: its own folder, or the current one for
/// standard input.
fn start_dir_for(draft: &Path) -> PathBuf {
    StartDirs::new().get(draft)
}

/// `start_dir_for` for many drafts: the current folder is read once and each folder is made
/// canonical once, so a thousand drafts in one folder cost a thousand `stat`s, not ten thousand
/// system calls before the first draft is read.
struct StartDirs {
    cwd: PathBuf,
    canonical: HashMap<PathBuf, PathBuf>,
}

impl StartDirs {
    fn new() -> StartDirs {
        StartDirs {
            cwd: cwd(),
            canonical: HashMap::new(),
        }
    }

    fn get(&mut self, draft: &Path) -> PathBuf {
        if draft == Path::new("-") {
            return self.cwd.clone();
        }
        let dir = if draft.is_dir() {
            draft
        } else {
            draft.parent().unwrap_or(Path::new(""))
        };
        let abs = self.cwd.join(dir);
        self.canonical
            .entry(abs)
            .or_insert_with_key(|abs| abs.canonicalize().unwrap_or_else(|_| abs.clone()))
            .clone()
    }
}

/// The config for drafts in `start_dir`, with the command line's layer on top.
fn load_config(
    args: &ConfigArgs,
    fail_on: Option<FailOnArg>,
    max_input_size: Option<u64>,
    start_dir: PathBuf,
) -> Result<Config, SourceError> {
    let at = locations(start_dir);
    let mut config = if args.isolated {
        Config::isolated(&at)
    } else {
        Config::discover(&at)?
    };
    if let Some(path) = &args.config {
        config.add_file(path)?;
    }
    config.set_profile(args.profile.clone());
    config.set_overrides(Overrides {
        fail_on: fail_on.map(FailOn::from),
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        ignore: args.ignore.clone(),
        max_input_size,
    });
    Ok(config)
}

/// What linting the drafts of one place needs: the resolved config (its rules carrying the
/// writer's context), its ignore list, "now", `--at` and what `--thread` says.
struct Prepared {
    resolved: ResolvedConfig,
    ignored: IgnoreList,
    now: jiff::Zoned,
    at: Option<jiff::Zoned>,
    thread: Option<ThreadFacts>,
}

/// Why a place's drafts cannot be linted: a config error (reported on the TOML) or a bad flag.
enum Failure {
    Config(SourceError),
    Usage(String),
}

fn prepare(config: &Config, args: &CheckArgs) -> Result<Prepared, Failure> {
    let mut resolved = config.resolve().map_err(Failure::Config)?;
    let ignored = match config.ignore_file_path() {
        Some(path) if !args.no_ignore => {
            IgnoreList::load(&path, &config.shown(&path)).map_err(Failure::Config)?
        }
        _ => IgnoreList::default(),
    };
    let context = context_from(args, &resolved).map_err(Failure::Usage)?;
    resolved.rules.set_context(context);
    let now = now(&resolved.rules.context().timezone).map_err(Failure::Usage)?;
    let at = match &args.at {
        None => None,
        Some(at) => Some(
            exlint::time::parse_send_time(at, &now)
                .map_err(|e| Failure::Usage(format!("--at: {e}")))?,
        ),
    };
    let thread = match &args.thread {
        None => None,
        Some(path) => {
            let shown = path.display().to_string();
            let facts = read_file(path, size_limits(&resolved), &shown)
                .map_err(|e| format!("--thread: {e}"))
                .and_then(|bytes| {
                    thread_facts(bytes, &shown, &resolved.rules)
                        .map_err(|e| format!("--thread: {e}"))
                });
            Some(facts.map_err(Failure::Usage)?)
        }
    };
    Ok(Prepared {
        resolved,
        ignored,
        now,
        at,
        thread,
    })
}

/// "Now" for resolving send times: `EXLINT_NOW` (RFC 3339, for reproducible runs and tests), else
/// the clock, in the writer's time zone.
fn now(tz: &jiff::tz::TimeZone) -> Result<jiff::Zoned, String> {
    // Not `Zoned::now()`: that finds the system's zone first, which loads the time zone database.
    let system = jiff::Timestamp::now().to_zoned(tz.clone());
    match std::env::var("EXLINT_NOW") {
        Ok(pinned) if !pinned.is_empty() => exlint::time::parse_send_time(&pinned, &system)
            .map(|t| t.with_time_zone(tz.clone()))
            .map_err(|e| format!("EXLINT_NOW: {e}")),
        _ => Ok(system),
    }
}

/// The writer's situation for the time rules: flags win over the config, the config over the
/// defaults (the system's time zone; the rule file's no-contact length).
fn context_from(args: &CheckArgs, config: &ResolvedConfig) -> Result<Context, String> {
    let timezone = match &args.timezone {
        Some(name) => exlint::time::time_zone(name).map_err(|_| {
            format!("--timezone: `{name}` is not an IANA time zone name like Europe/Berlin")
        })?,
        None => match &config.timezone {
            Some(tz) => tz.value.clone(),
            None => exlint::time::system_zone(),
        },
    };
    let since = match &args.no_contact_since {
        Some(s) => Some(
            s.parse::<jiff::civil::Date>()
                .map_err(|_| format!("--no-contact-since: `{s}` is not a date like 2026-11-20"))?,
        ),
        None => config.no_contact.since.as_ref().map(|s| s.value),
    };
    if args.no_contact_days == Some(0) {
        return Err("--no-contact-days: give at least 1 day".into());
    }
    let days = args.no_contact_days.or_else(|| {
        let d = &config.no_contact.days;
        (!matches!(d.origin, Origin::Default)).then_some(d.value)
    });
    Ok(Context {
        timezone,
        no_contact: NoContact { since, days },
        me: args
            .me
            .clone()
            .or_else(|| config.conversation.me.as_ref().map(|m| m.value.clone())),
        date_order: args.date_order.map(Into::into),
    })
}

fn check(args: &CheckArgs, color: bool) -> io::Result<u8> {
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

    // While the rule sets compile, a helper reads the named files in (`prefetch`): a one-file
    // run's read would otherwise wait for them.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prefetching = names.iter().any(|n| n != "-").then(|| {
        let (names, stop) = (names.clone(), stop.clone());
        exlint::par::errand(move || prefetch(&names, &stop))
    });

    // Each draft gets the config of its own folder; drafts under the same config files share one
    // compiled rule set.
    let mut by_dir: HashMap<PathBuf, Arc<Prepared>> = HashMap::new();
    let mut by_files: HashMap<(Vec<PathBuf>, Option<PathBuf>), Arc<Prepared>> = HashMap::new();
    let mut prepared: Vec<Arc<Prepared>> = Vec::with_capacity(names.len());
    let mut start_dirs = StartDirs::new();
    for name in &names {
        let dir = start_dirs.get(Path::new(name));
        if let Some(p) = by_dir.get(&dir) {
            prepared.push(p.clone());
            continue;
        }
        let config = match load_config(&args.config, args.fail_on, args.max_input_size, dir.clone())
        {
            Ok(c) => c,
            Err(e) => return Ok(config_error(&e)),
        };
        let key = (
            config.files().iter().map(|f| f.path.clone()).collect(),
            config.ignore_file_path(),
        );
        let p = match by_files.get(&key) {
            Some(p) => p.clone(),
            None => match prepare(&config, args) {
                Ok(p) => Arc::new(p),
                Err(Failure::Config(e)) => return Ok(config_error(&e)),
                Err(Failure::Usage(e)) => {
                    eprintln!("error: {e}");
                    return Ok(EXIT_ERROR);
                }
            },
        };
        by_files.insert(key, p.clone());
        by_dir.insert(dir, p.clone());
        prepared.push(p);
    }

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let prefetched: Vec<std::sync::Mutex<Option<Vec<u8>>>> = prefetching
        .and_then(exlint::par::Errand::wait)
        .unwrap_or_default()
        .into_iter()
        .map(std::sync::Mutex::new)
        .collect();

    // Standard input is read here; files are read and linted in parallel, one worker per core,
    // and the results are kept in the order the drafts were named.
    let stdin_bytes = names
        .iter()
        .zip(&prepared)
        .find(|(n, _)| *n == "-")
        .map(|(_, p)| {
            input::read_limited(
                io::stdin().lock(),
                size_limits(&p.resolved),
                None,
                "<stdin>",
            )
            .map_err(|e| e.to_string())
        });
    let lint_one = |i: usize, stdin: Option<Result<Vec<u8>, String>>| {
        let (name, p) = (&names[i], &prepared[i]);
        let shown = if name == "-" {
            "<stdin>".to_owned()
        } else {
            name.clone()
        };
        let limits = size_limits(&p.resolved);
        let early = prefetched
            .get(i)
            .and_then(|b| b.lock().ok().and_then(|mut b| b.take()));
        let bytes = match (stdin, early) {
            (Some(bytes), _) => {
                // Standard input's size is known only once it is read (a file's is decided
                // on in `read_file`).
                if bytes
                    .as_ref()
                    .is_ok_and(|b| exlint::alloc::wants_huge_pages(b))
                {
                    exlint::alloc::allow_huge_pages();
                }
                bytes
            }
            (None, Some(bytes)) => {
                input::within_limits(bytes, limits, &shown).map_err(|e| e.to_string())
            }
            (None, None) => read_file(Path::new(name), limits, &shown),
        };
        let run = Run {
            rules: &p.resolved.rules,
            now: p.now.clone(),
            at: p.at.clone(),
            thread: p.thread.clone(),
            default_now: true,
            cache: None,
        };
        let result = bytes.and_then(|bytes| {
            check_bytes(bytes, &shown, &run).map(|mut c| {
                p.ignored.retain(&c.draft, &mut c.diagnostics);
                c
            })
        });
        (shown, result)
    };
    // Files are shared out over the cores (`par::map`); standard input goes to its one draft.
    let stdin = std::sync::Mutex::new(stdin_bytes);
    let indices: Vec<usize> = (0..names.len()).collect();
    let checked: Vec<(String, Result<Checked, String>)> = exlint::par::map(&indices, |&i| {
        let input = if names[i] == "-" {
            stdin.lock().map_or(None, |mut s| s.take())
        } else {
            None
        };
        lint_one(i, input)
    });

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
    // Each draft is held to its own config's fail-on.
    let failed = results
        .iter()
        .zip(&prepared)
        .any(|(r, p)| p.resolved.fail_on.value.fails(&r.tally()));
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
                for (r, p) in results.iter().zip(&prepared) {
                    human::render(&mut out, std::slice::from_ref(r), &p.resolved.rules, style)?;
                }
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
    drop(results);
    // The process exits right after: freeing every draft, finding and rule set one by one
    // would only delay that (a tenth of the time for 1,000 drafts), and exiting gives all the
    // memory back at once.
    std::mem::forget((checked, prepared, by_dir, by_files));
    Ok(if input_error {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// `exlint lsp`: what the server needs from the environment is read here, as for `check`.
fn lsp() -> io::Result<u8> {
    let clock = match std::env::var("EXLINT_NOW") {
        Ok(pinned) if !pinned.is_empty() => match exlint::time::SendAt::parse(&pinned) {
            Ok(at) => exlint::lsp::settings::Clock::Pinned(at),
            Err(e) => {
                eprintln!("error: EXLINT_NOW: {e}");
                return Ok(EXIT_ERROR);
            }
        },
        _ => exlint::lsp::settings::Clock::System,
    };
    let options = exlint::lsp::Options {
        user_config_dir: locations(PathBuf::new()).user_config_dir,
        timezone: exlint::time::system_zone(),
        clock,
    };
    let (connection, io_threads) = exlint::lsp::stdio();
    let clean = exlint::lsp::run(connection, options);
    io_threads.join()?;
    Ok(if clean { EXIT_OK } else { EXIT_LSP_NO_SHUTDOWN })
}

/// `max-input-size` as set (flag or config) holds for every input; left at its default, a chat
/// export may be bigger than a draft.
fn size_limits(resolved: &ResolvedConfig) -> input::SizeLimits {
    match resolved.max_input_size.origin {
        Origin::Default => input::SizeLimits::DEFAULT,
        _ => input::SizeLimits::both(resolved.max_input_size.value),
    }
}

/// Files read before their rule sets are ready, by `names` index (`None`: not read). Reading
/// stops once `stop` is set or `PREFETCH_BUDGET` bytes are held. Each is read within the default
/// limits and checked against the configured ones when it is linted (`input::within_limits`);
/// a file that fails here (missing, unreadable, or over the default limits) is simply read
/// again then, so its error is the one it always gets. Pipes and other files that cannot be
/// read twice are left to then.
fn prefetch(names: &[String], stop: &std::sync::atomic::AtomicBool) -> Vec<Option<Vec<u8>>> {
    /// At most this much is read ahead: 1,000 drafts are a few hundred KB, a long one 16 MiB.
    const PREFETCH_BUDGET: usize = 64 << 20;
    let mut held = 0;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if stop.load(std::sync::atomic::Ordering::Relaxed) || held >= PREFETCH_BUDGET {
            break;
        }
        // Regular files only: a pipe read here could not be read again.
        let path = Path::new(name);
        let bytes = (name != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file()))
            .then(|| read_file(path, input::SizeLimits::DEFAULT, name).ok())
            .flatten();
        held += bytes.as_ref().map_or(0, Vec::len);
        out.push(bytes);
    }
    out
}

/// Read a draft or export within its size limit; errors are one line naming it as `shown`.
/// A regular file's size is checked after a peek at its start, so a huge file costs next to
/// nothing.
fn read_file(path: &Path, limits: input::SizeLimits, shown: &str) -> Result<Vec<u8>, String> {
    let io_error = |e: io::Error| format!("{shown}: {}", describe_io(&e));
    let file = std::fs::File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if meta.is_dir() {
        return Err(io_error(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let len = meta.is_file().then_some(meta.len());
    // A long draft's lint allows huge pages (`exlint::alloc::wants_huge_pages`): decide on its
    // start, before the rest is read into pages of the right size.
    use io::Read;
    let mut file = file;
    let mut head = Vec::new();
    if len.is_some_and(|n| n >= exlint::alloc::HUGE_PAGES_FROM as u64) {
        Read::by_ref(&mut file)
            .take(input::PEEK as u64)
            .read_to_end(&mut head)
            .map_err(io_error)?;
        if exlint::alloc::wants_huge_pages_from(&head, len) {
            exlint::alloc::allow_huge_pages();
        }
    }
    input::read_limited(io::Cursor::new(head).chain(file), limits, len, shown)
        .map_err(|e| e.to_string())
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "is a directory; pass the draft files inside it".to_owned(),
        _ => e.to_string(),
    }
}

/// Every rule as the config in the current folder leaves it ("off" when it is turned off).
fn list_rules(args: &ConfigArgs) -> io::Result<u8> {
    let resolved = match load_config(args, None, None, cwd()).and_then(|c| c.resolve()) {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let states = &resolved.rule_states;
    let width = states.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in states {
        let severity = if rule.enabled.value {
            rule.severity.value.as_str()
        } else {
            "off"
        };
        writeln!(
            out,
            "{:<width$}  {:<7}  {}",
            rule.id, severity, rule.summary
        )?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn explain(id: &str, args: &ConfigArgs) -> io::Result<u8> {
    // Every rule, even one the config turns off, can be explained.
    let all = ConfigArgs {
        select: vec!["all".to_owned()],
        ignore: Vec::new(),
        ..args.clone()
    };
    let rules = match load_config(&all, None, None, cwd()).and_then(|c| c.rule_set()) {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
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
    writeln!(out, "{}", m.description().trim_end())?;
    writeln!(out)?;
    writeln!(out, "## Examples")?;
    for ex in m.examples() {
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

/// `exlint config [PATH]`: the effective configuration as TOML, each value followed by a comment
/// saying where it came from.
fn show_config(args: &ConfigCommandArgs) -> io::Result<u8> {
    let target = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !target.exists() {
        eprintln!("error: {}: no such file or folder", target.display());
        return Ok(EXIT_ERROR);
    }
    let dir = start_dir_for(&target);
    let resolved = match load_config(&args.config, args.fail_on, None, dir.clone())
        .and_then(|c| c.resolve())
    {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    write_config(&mut out, &resolved, &locations(dir))?;
    out.flush()?;
    Ok(EXIT_OK)
}

fn write_config(out: &mut dyn Write, r: &ResolvedConfig, at: &Locations) -> io::Result<()> {
    let shown_dir = at.shown(&at.start_dir);
    writeln!(out, "# Effective configuration for drafts in {shown_dir}")?;
    if r.files.is_empty() {
        writeln!(
            out,
            "# No config file applies: these are the built-in defaults."
        )?;
    } else {
        writeln!(out, "# Files, lowest layer first:")?;
        for (role, path) in &r.files {
            writeln!(out, "#   {:<8} {path}", role.as_str())?;
        }
    }
    if let Some(p) = &r.profile {
        writeln!(out, "# Profile: {p}")?;
    }
    match &r.ignore_file {
        Some(path) if path.exists() => writeln!(out, "# Ignored findings: {}", path.display())?,
        Some(_) => {}
        None => writeln!(out, "# Ignored findings: none (isolated)")?,
    }
    writeln!(out, "# After each value: where it comes from.")?;
    writeln!(out)?;

    let fail_on = toml_str(fail_on_str(r.fail_on.value));
    line(out, &format!("fail-on = {fail_on}"), &r.fail_on.origin)?;
    let bytes = r.max_input_size.value;
    let size = match input::describe_size(bytes) {
        s if s.ends_with("bytes") => bytes.to_string(),
        s => toml_str(&s.replace(' ', "")),
    };
    line(
        out,
        &format!("max-input-size = {size}"),
        &r.max_input_size.origin,
    )?;
    list(out, "allow", &r.allow)?;
    list(out, "rule-dirs", &r.rule_dirs)?;
    match &r.timezone {
        Some(tz) => line(
            out,
            &format!(
                "timezone = {}",
                toml_str(tz.value.iana_name().unwrap_or("UTC"))
            ),
            &tz.origin,
        )?,
        None => writeln!(out, "# timezone: not set; the system's time zone is used")?,
    }
    writeln!(out, "\n[no-contact]")?;
    match &r.no_contact.since {
        Some(since) => line(
            out,
            &format!("since = {}", toml_str(&since.value.to_string())),
            &since.origin,
        )?,
        None => writeln!(
            out,
            "# since: not set; the no-contact rule has nothing to count from"
        )?,
    }
    let days = &r.no_contact.days;
    line(out, &format!("days = {}", days.value), &days.origin)?;
    writeln!(out, "\n[conversation]")?;
    match &r.conversation.me {
        Some(me) => line(out, &format!("me = {}", toml_str(&me.value)), &me.origin)?,
        None => writeln!(out, "# me: not set")?,
    }

    for rule in &r.rule_states {
        writeln!(out, "\n[rules.{}]", cfg::edit::table_key(&rule.id))?;
        if !rule.enabled.value {
            line(out, "severity = \"off\"", &rule.enabled.origin)?;
            continue;
        }
        line(
            out,
            &format!("severity = {}", toml_str(rule.severity.value.as_str())),
            &rule.severity.origin,
        )?;
        for (key, value) in &rule.settings {
            match &value.value {
                // A rule's own long word list is summarized; a config's `allow` adds to it.
                toml::Value::Array(items) if items.len() > 8 => {
                    writeln!(out, "# {key}: {} entries in {}", items.len(), value.origin)?
                }
                v => line(out, &format!("{key} = {v}"), &value.origin)?,
            }
        }
    }
    Ok(())
}

fn line(out: &mut dyn Write, text: &str, origin: &Origin) -> io::Result<()> {
    writeln!(out, "{text:<32} # {origin}")
}

/// An array whose entries may come from different files: one entry per line.
fn list(out: &mut dyn Write, key: &str, items: &[Sourced<String>]) -> io::Result<()> {
    if items.is_empty() {
        return line(out, &format!("{key} = []"), &Origin::Default);
    }
    writeln!(out, "{key} = [")?;
    for item in items {
        line(out, &format!("  {},", toml_str(&item.value)), &item.origin)?;
    }
    writeln!(out, "]")
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn fail_on_str(f: FailOn) -> &'static str {
    match f {
        FailOn::Error => "error",
        FailOn::Warning => "warning",
        FailOn::Info => "info",
        FailOn::Never => "never",
    }
}

/// `exlint ignore FILE --rule ID [--line N] [--match TEXT]`: fingerprint the matching findings
/// into the project's `.exlintignore`.
fn ignore_finding(args: &IgnoreArgs) -> io::Result<u8> {
    let shown = args.file.display().to_string();
    let draft = match read_file(&args.file, input::SizeLimits::both(u64::MAX), &shown)
        .and_then(|bytes| input::read(bytes, &shown).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let dir = start_dir_for(&args.file);
    let config = match load_config(&args.config, None, None, dir.clone()) {
        Ok(c) => c,
        Err(e) => return Ok(config_error(&e)),
    };
    let resolved = match config.resolve() {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
    };
    let known = resolved.rule_states.iter().map(|r| r.id.as_str());
    if !resolved.rule_states.iter().any(|r| r.id == args.rule) {
        match exlint::error::closest(&args.rule, known) {
            Some(near) => eprintln!("error: no rule `{}`; did you mean `{near}`?", args.rule),
            None => eprintln!(
                "error: no rule `{}` (`exlint rules` lists them all)",
                args.rule
            ),
        }
        return Ok(EXIT_ERROR);
    }
    let path = config
        .ignore_file_path()
        .unwrap_or_else(|| dir.join(cfg::IGNORE_FILE_NAME));
    let shown_ignore = config.shown(&path);
    let existing_text = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            eprintln!("error: {shown_ignore}: {}", describe_io(&e));
            return Ok(EXIT_ERROR);
        }
    };
    let existing = match &existing_text {
        Some(text) => match IgnoreList::parse(&exlint::error::TextFile {
            path: shown_ignore.clone(),
            text: text.clone(),
        }) {
            Ok(l) => l,
            Err(e) => return Ok(config_error(&e)),
        },
        None => IgnoreList::default(),
    };

    let of_rule: Vec<exlint::Diagnostic> = exlint::lint(&draft, &resolved.rules)
        .into_iter()
        .filter(|d| d.rule == args.rule)
        .collect();
    let wanted = ignore::normalize(args.matching.as_deref().unwrap_or(""));
    let chosen: Vec<&exlint::Diagnostic> = of_rule
        .iter()
        .filter(|d| {
            let (first, _) = render::position(&draft, d.span.start);
            let (last, _) = render::position(&draft, d.span.end);
            args.line.is_none_or(|n| first <= n && n <= last)
                && ignore::normalize(draft.slice(d.span.clone())).contains(&wanted)
        })
        .collect();
    if chosen.is_empty() {
        let mut what = format!("no `{}` finding", args.rule);
        if let Some(n) = args.line {
            what.push_str(&format!(" on line {n}"));
        }
        if let Some(m) = &args.matching {
            what.push_str(&format!(" matching {m:?}"));
        }
        eprintln!("error: {what} in {shown}");
        for d in &of_rule {
            let (l, c) = render::position(&draft, d.span.start);
            eprintln!(
                "  {shown}:{l}:{c}: “{}”",
                one_line(draft.slice(d.span.clone()))
            );
        }
        return Ok(EXIT_ERROR);
    }

    let mut entries: Vec<(Fingerprint, String)> = Vec::new();
    let mut out = io::stdout().lock();
    for d in chosen {
        let fp = Fingerprint::of(&draft, d);
        let (l, c) = render::position(&draft, d.span.start);
        let at = format!("{shown}:{l}:{c}");
        let words = one_line(draft.slice(d.span.clone()));
        if existing.contains(&fp) || entries.iter().any(|(e, _)| *e == fp) {
            writeln!(
                out,
                "already ignored: {}[{}] “{words}” at {at}",
                d.severity, d.rule
            )?;
            continue;
        }
        writeln!(out, "ignored {}[{}] “{words}” at {at}", d.severity, d.rule)?;
        entries.push((fp, format!("{} in {at}", d.rule)));
    }
    if !entries.is_empty() {
        let text = ignore::append(existing_text.as_deref(), &entries);
        if let Err(e) = exlint::fs::write_atomic(&path, text.as_bytes()) {
            eprintln!("error: {shown_ignore}: {}", describe_io(&e));
            return Ok(EXIT_ERROR);
        }
        writeln!(
            out,
            "recorded in {shown_ignore} (`exlint check --no-ignore` shows it again)"
        )?;
    }
    Ok(EXIT_OK)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `exlint init [DIR]`: a commented starter exlint.toml; never overwrites without --force.
fn init(dir: Option<&Path>, force: bool) -> io::Result<u8> {
    let dir = dir.unwrap_or(Path::new("."));
    if !dir.is_dir() {
        eprintln!("error: {}: no such folder", dir.display());
        return Ok(EXIT_ERROR);
    }
    let path = dir.join(cfg::FILE_NAME);
    if path.exists() && !force {
        eprintln!(
            "error: {} already exists; `exlint init --force` replaces it",
            path.display()
        );
        return Ok(EXIT_ERROR);
    }
    if let Err(e) = exlint::fs::write_atomic(&path, cfg::STARTER.as_bytes()) {
        eprintln!("error: {}: {}", path.display(), describe_io(&e));
        return Ok(EXIT_ERROR);
    }
    println!(
        "wrote {}: every setting is there, commented out; `exlint config` shows what is in force",
        path.display()
    );
    Ok(EXIT_OK)
}

/// `exlint rules test DIR`: a user's rule files, compiled alone, their examples run.
fn test_rules(dir: &Path) -> io::Result<u8> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        eprintln!("error: {shown}: no such folder");
        return Ok(EXIT_ERROR);
    }
    let files = match cfg::load_rule_dir(dir, &shown) {
        Ok(f) => f,
        Err(e) => return Ok(config_error(&e)),
    };
    if files.is_empty() {
        eprintln!("error: {shown}: no rule files (*.toml) in it");
        return Ok(EXIT_ERROR);
    }
    let set = match exlint::RuleSet::compile(
        exlint::Lexicon::builtin(),
        files
            .iter()
            .map(|f| (f.path.as_str(), f.id.as_str(), f.source.as_str())),
    ) {
        Ok(s) => s,
        Err(e) => return Ok(config_error(&e)),
    };
    let failures = set.run_examples();
    let mut out = io::BufWriter::new(io::stdout().lock());
    for f in &failures {
        writeln!(out, "{f}")?;
    }
    let examples: usize = set.rules().iter().map(|r| r.meta.examples().len()).sum();
    for rule in set.rules().iter().filter(|r| r.meta.examples().is_empty()) {
        writeln!(
            out,
            "{}: note: [{}] has no examples to test",
            rule.meta.path, rule.meta.id
        )?;
    }
    let rules = set.rules().len();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    if failures.is_empty() {
        writeln!(
            out,
            "{} in {}: all hold",
            plural(examples, "example", "examples"),
            plural(rules, "rule", "rules")
        )?;
    } else {
        writeln!(
            out,
            "{} of {} in {} failed",
            failures.len(),
            plural(examples, "example", "examples"),
            plural(rules, "rule", "rules")
        )?;
    }
    out.flush()?;
    Ok(if failures.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn completions(shell: clap_complete::Shell) -> io::Result<u8> {
    let mut out = io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "exlint", &mut out);
    out.flush()?;
    Ok(EXIT_OK)
}

fn man(dir: Option<&Path>) -> io::Result<u8> {
    if let Some(dir) = dir {
        if let Err(e) = clap_mangen::generate_to(Cli::command(), dir) {
            eprintln!("error: {}: {}", dir.display(), describe_io(&e));
            return Ok(EXIT_ERROR);
        }
        return Ok(EXIT_OK);
    }
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(EXIT_OK)
}
