//! Configuration: `exlint.toml` files found on disk, layered into the settings one run uses.
//!
//! Layers, lowest first: built-in defaults < the user file (`$XDG_CONFIG_HOME/exlint/config.toml`)
//! < the project file (the nearest `exlint.toml` walking up from the draft's folder) < a file
//! named with `--config` < the active `[profile.<name>]` of each of those files, in the same order
//! < command-line flags. A later layer wins key by key; `select` replaces the set of rules that
//! are on, `ignore` and `severity = "off"` turn rules off, a `severity` turns one back on; `allow`
//! and `rule-dirs` add up.
//!
//! This module never looks at the environment or the current folder: the binary (or the editor
//! server) finds the folders and passes them in as [`Locations`].

pub mod edit;
pub mod ignore;
mod schema;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

pub use schema::{Level, MAX_NO_CONTACT_DAYS};

use crate::diagnostic::{FailOn, Severity};
use crate::error::{SourceError, TextFile, closest};
use crate::rules::{RuleConfig, RuleSet, Setting, registry};
use schema::FileSpec;

/// The project config's file name.
pub const FILE_NAME: &str = "exlint.toml";
/// The user config's file name, inside the user config folder.
pub const USER_FILE_NAME: &str = "config.toml";
/// Where `exlint ignore` records findings, next to the project config.
pub const IGNORE_FILE_NAME: &str = ".exlintignore";
/// What `exlint init` writes: every key, commented out, with a line on what it does.
pub const STARTER: &str = include_str!("starter.toml");
/// The default no-contact period, in days (the guide says 21 to 30).
pub const DEFAULT_NO_CONTACT_DAYS: u32 = 21;

/// Where to look for config files. The caller decides these; the library reads no environment.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    /// The folder the upward search for `exlint.toml` starts in: the draft's folder, or the
    /// current folder for standard input. Should be absolute, or the search stops at its root.
    pub start_dir: PathBuf,
    /// The user config folder: `$XDG_CONFIG_HOME/exlint` or `~/.config/exlint`, if known.
    pub user_config_dir: Option<PathBuf>,
    /// Paths under this folder are shown relative to it (the binary passes its current folder).
    pub cwd: Option<PathBuf>,
}

impl Locations {
    /// A path as the user should see it: relative to `cwd` when it is close by (below it, or up
    /// to two folders above), else as it is.
    pub fn shown(&self, path: &Path) -> String {
        let Some(cwd) = self.cwd.as_deref().filter(|_| path.is_absolute()) else {
            return path.display().to_string();
        };
        let (p, c): (Vec<_>, Vec<_>) = (path.components().collect(), cwd.components().collect());
        let common = p.iter().zip(&c).take_while(|(a, b)| a == b).count();
        let ups = c.len() - common;
        if common <= 1 || ups > 2 {
            return path.display().to_string();
        }
        let mut rel = PathBuf::new();
        for _ in 0..ups {
            rel.push("..");
        }
        rel.extend(&p[common..]);
        if rel.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            rel.display().to_string()
        }
    }
}

/// Which layer a config file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User,
    Project,
    /// Named with `--config`.
    Explicit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Project => "project",
            Role::Explicit => "--config",
        }
    }
}

/// One config file that was read.
#[derive(Debug)]
pub struct ConfigFile {
    pub role: Role,
    /// The file on disk.
    pub path: PathBuf,
    /// Its name as shown to the user, and its text.
    pub text: Arc<TextFile>,
    spec: FileSpec,
}

impl ConfigFile {
    fn read(role: Role, path: &Path, at: &Locations) -> Result<ConfigFile, SourceError> {
        let shown = at.shown(path);
        let text = read_text(path, &shown)?;
        let text = Arc::new(TextFile { path: shown, text });
        let spec = schema::parse(&text)?;
        Ok(ConfigFile {
            role,
            path: path.to_path_buf(),
            text,
            spec,
        })
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    fn origin(&self, span: std::ops::Range<usize>, profile: Option<&str>) -> Origin {
        Origin::File {
            path: self.text.path.clone(),
            line: line_of(&self.text.text, span.start),
            profile: profile.map(str::to_owned),
        }
    }
}

fn read_text(path: &Path, shown: &str) -> Result<String, SourceError> {
    let bytes = std::fs::read(path)
        .map_err(|e| SourceError::whole(shown, "", format!("cannot read it: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        SourceError::whole(
            shown,
            "",
            format!(
                "not valid UTF-8 at byte {}; config and rule files are UTF-8 text",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Settings given as command-line flags: the top layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub fail_on: Option<FailOn>,
    /// `--select`: when given, exactly these rules (ids or `all`) are on.
    pub select: Option<Vec<String>>,
    /// `--ignore`: these rules (ids or `all`) are off.
    pub ignore: Vec<String>,
    /// `--max-input-size`, in bytes.
    pub max_input_size: Option<u64>,
}

/// Where a value came from, for `exlint config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// exlint's own default.
    Default,
    /// The rule file's own value (`rules/too-long.toml`).
    RuleFile(String),
    /// A config file, at a line, maybe inside a profile.
    File {
        path: String,
        line: usize,
        profile: Option<String>,
    },
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::RuleFile(path) => f.write_str(path),
            Origin::File {
                path,
                line,
                profile: None,
            } => write!(f, "{path}:{line}"),
            Origin::File {
                path,
                line,
                profile: Some(p),
            } => write!(f, "{path}:{line}, profile {p}"),
            Origin::Flag(flag) => f.write_str(flag),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    fn new(value: T, origin: Origin) -> Self {
        Sourced { value, origin }
    }
}

/// The config files that apply to one place, not yet resolved against the rules.
#[derive(Debug)]
pub struct Config {
    at: Locations,
    files: Vec<ConfigFile>,
    overrides: Overrides,
    profile: Option<String>,
    /// False with `--isolated`: no `.exlintignore` either.
    use_ignore_file: bool,
}

impl Config {
    /// Find and read the user file and the nearest project file for `at.start_dir`.
    pub fn discover(at: &Locations) -> Result<Config, SourceError> {
        let mut config = Config::isolated(at);
        config.use_ignore_file = true;
        if let Some(dir) = &at.user_config_dir {
            let path = dir.join(USER_FILE_NAME);
            if path.is_file() {
                config.files.push(ConfigFile::read(Role::User, &path, at)?);
            }
        }
        if let Some(path) = find_project_file(&at.start_dir) {
            config
                .files
                .push(ConfigFile::read(Role::Project, &path, at)?);
        }
        Ok(config)
    }

    /// No config files at all: built-in defaults (plus whatever is added explicitly).
    pub fn isolated(at: &Locations) -> Config {
        Config {
            at: at.clone(),
            files: Vec::new(),
            overrides: Overrides::default(),
            profile: None,
            use_ignore_file: false,
        }
    }

    /// Add a file named on the command line (`--config FILE`) above the discovered ones.
    pub fn add_file(&mut self, path: &Path) -> Result<(), SourceError> {
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        // The project file named again: read it once, as the higher layer.
        self.files.retain(|f| !same(&f.path, path));
        self.files
            .push(ConfigFile::read(Role::Explicit, path, &self.at)?);
        Ok(())
    }

    pub fn set_overrides(&mut self, overrides: Overrides) {
        self.overrides = overrides;
    }

    /// Apply `[profile.<name>]` of every file. An unknown name is an error at resolve time.
    pub fn set_profile(&mut self, name: Option<String>) {
        self.profile = name;
    }

    /// The profile names the files define, sorted.
    pub fn profiles(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .files
            .iter()
            .flat_map(|f| f.spec.profile.keys().map(|k| k.get_ref().as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    pub fn files(&self) -> &[ConfigFile] {
        &self.files
    }

    /// The `.exlintignore` that applies: next to the project config, else in the start folder;
    /// `None` when isolated.
    pub fn ignore_file_path(&self) -> Option<PathBuf> {
        if !self.use_ignore_file {
            return None;
        }
        let dir = self
            .files
            .iter()
            .rev()
            .find(|f| f.role == Role::Project)
            .map_or(self.at.start_dir.as_path(), |f| f.dir());
        Some(dir.join(IGNORE_FILE_NAME))
    }

    /// How a path is shown to the user.
    pub fn shown(&self, path: &Path) -> String {
        self.at.shown(path)
    }

    /// The compiled rules this config asks for.
    pub fn rule_set(&self) -> Result<RuleSet, SourceError> {
        Ok(self.resolve()?.rules)
    }

    /// Merge the layers, load user rules, check every id and setting, and compile the rules.
    pub fn resolve(&self) -> Result<ResolvedConfig, SourceError> {
        let layers = self.layers()?;

        // User rule folders first: their ids are valid everywhere below.
        let mut rule_dirs: Vec<Sourced<String>> = Vec::new();
        let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
        let mut user_rules: Vec<UserRule> = Vec::new();
        for layer in &layers {
            let (file, profile) = (layer.file, layer.profile);
            for dir in layer.spec.rule_dirs.iter().flatten() {
                let path = file.dir().join(dir.get_ref());
                let Ok(canonical) = path
                    .canonicalize()
                    .map_err(|_| ())
                    .and_then(|p| if p.is_dir() { Ok(p) } else { Err(()) })
                else {
                    return Err(file
                        .text
                        .error(dir.span(), format!("no folder `{}`", self.at.shown(&path)))
                        .with_hint(format!(
                            "rule-dirs are relative to the folder of {}",
                            file.text.path
                        )));
                };
                if !seen_dirs.insert(canonical.clone()) {
                    continue;
                }
                rule_dirs.push(Sourced::new(
                    self.at.shown(&path),
                    file.origin(dir.span(), profile),
                ));
                let loaded = load_rule_dir(&canonical, &self.at.shown(&path))
                    .map_err(|e| point_at_dir(e, file, dir))?;
                for rule in loaded {
                    if let Some(first) = user_rules.iter().find(|r| r.id == rule.id) {
                        return Err(SourceError::whole(
                            &rule.path,
                            &rule.source,
                            format!("duplicate rule id `{}`: {} has it too", rule.id, first.path),
                        )
                        .with_hint("rule ids are <folder name>/<file name>; rename one of them"));
                    }
                    user_rules.push(rule);
                }
            }
        }

        let ids: Vec<&str> = registry::BUILTIN
            .iter()
            .map(|(id, _)| *id)
            .chain(user_rules.iter().map(|r| r.id.as_str()))
            .collect();
        let mut state = State::new(&ids);
        for layer in &layers {
            state.apply(layer, &ids)?;
        }
        state.apply_overrides(&self.overrides, &ids)?;

        let builtin_paths: Vec<String> = registry::BUILTIN
            .iter()
            .map(|(id, _)| format!("rules/{id}.toml"))
            .collect();
        let files = registry::BUILTIN
            .iter()
            .zip(&builtin_paths)
            .map(|((id, src), path)| (path.as_str(), *id, *src))
            .chain(
                user_rules
                    .iter()
                    .map(|r| (r.path.as_str(), r.id.as_str(), r.source.as_str())),
            );
        let configs: BTreeMap<String, RuleConfig> = state
            .rules
            .iter()
            .map(|(id, r)| {
                let config = RuleConfig {
                    severity: r.severity.as_ref().map(|s| s.value),
                    settings: r.settings.values().map(|(s, _)| s.clone()).collect(),
                };
                (id.clone(), config)
            })
            .collect();
        let mut rules = RuleSet::compile_configured(files, &configs)?;

        let rule_states: Vec<RuleState> = rules
            .rules()
            .iter()
            .map(|rule| {
                let s = &state.rules[&*rule.meta.id];
                let mut settings: Vec<(String, Sourced<toml::Value>)> = rule
                    .meta
                    .settings
                    .iter()
                    .filter(|(k, _)| {
                        !s.settings.contains_key(k) && !s.settings.contains_key(alias_of(k))
                    })
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            Sourced::new(v.clone(), Origin::RuleFile(rule.meta.path.clone())),
                        )
                    })
                    .collect();
                settings.extend(s.settings.iter().map(|(k, (setting, origin))| {
                    (
                        k.clone(),
                        Sourced::new(setting.value.clone(), origin.clone()),
                    )
                }));
                // One order whatever each value's origin, so `exlint config` reads back the same.
                settings.sort_by(|a, b| a.0.cmp(&b.0));
                RuleState {
                    id: rule.meta.id.to_string(),
                    kind: rule.meta.kind,
                    summary: rule.meta.summary.clone(),
                    path: rule.meta.path.clone(),
                    enabled: s.enabled.clone(),
                    severity: s.severity.clone().unwrap_or_else(|| {
                        Sourced::new(rule.meta.severity, Origin::RuleFile(rule.meta.path.clone()))
                    }),
                    settings,
                }
            })
            .collect();
        rules.retain(|r| state.rules[&*r.meta.id].enabled.value);
        rules.set_allow(state.allow.iter().map(|a| a.value.as_str()));

        Ok(ResolvedConfig {
            rules,
            fail_on: state.fail_on,
            max_input_size: state.max_input_size,
            allow: state.allow,
            rule_dirs,
            timezone: state.timezone,
            no_contact: state.no_contact,
            conversation: state.conversation,
            rule_states,
            profile: self.profile.clone(),
            files: self
                .files
                .iter()
                .map(|f| (f.role, f.text.path.clone()))
                .collect(),
            ignore_file: self.ignore_file_path(),
        })
    }

    /// The layers in the order they apply.
    fn layers(&self) -> Result<Vec<Layer<'_>>, SourceError> {
        let mut layers: Vec<Layer<'_>> = self
            .files
            .iter()
            .map(|f| Layer {
                file: f,
                profile: None,
                spec: &f.spec,
            })
            .collect();
        if let Some(name) = &self.profile {
            let before = layers.len();
            for f in &self.files {
                if let Some(p) = f.spec.profile.get(name.as_str()) {
                    layers.push(Layer {
                        file: f,
                        profile: Some(name.as_str()),
                        spec: p.get_ref(),
                    });
                }
            }
            if layers.len() == before {
                let names = self.profiles();
                let files: Vec<&str> = self.files.iter().map(|f| f.text.path.as_str()).collect();
                let mut err = SourceError::whole(
                    "--profile",
                    "",
                    if files.is_empty() {
                        format!("no profile `{name}`: no config file was found")
                    } else {
                        format!("no profile `{name}` in {}", files.join(", "))
                    },
                );
                err.hint = match closest(name, names.iter().copied()) {
                    Some(near) => Some(format!("did you mean `{near}`?")),
                    None if names.is_empty() => None,
                    None => Some(format!("the profiles are: {}", names.join(", "))),
                };
                return Err(err);
            }
        }
        Ok(layers)
    }
}

/// The nearest `exlint.toml` in `start` or a folder above it.
pub fn find_project_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// The user config folder from the usual variables, for the binary to pass in: on Unix
/// `$XDG_CONFIG_HOME/exlint` (when set and absolute), else `$HOME/.config/exlint`; on Windows
/// `%APPDATA%\exlint`.
pub fn user_config_dir(
    xdg_config_home: Option<&Path>,
    home: Option<&Path>,
    appdata: Option<&Path>,
) -> Option<PathBuf> {
    if cfg!(windows) {
        if let Some(a) = appdata.filter(|a| a.is_absolute()) {
            return Some(a.join("exlint"));
        }
    }
    if let Some(x) = xdg_config_home.filter(|x| x.is_absolute()) {
        return Some(x.join("exlint"));
    }
    home.filter(|h| h.is_absolute())
        .map(|h| h.join(".config").join("exlint"))
}

/// Everything one run needs from the config, each value with where it came from.
#[derive(Debug)]
pub struct ResolvedConfig {
    /// The rules that are on, with their severities, settings and the allow list applied.
    pub rules: RuleSet,
    pub fail_on: Sourced<FailOn>,
    /// The largest draft or export read, in bytes.
    pub max_input_size: Sourced<u64>,
    pub allow: Vec<Sourced<String>>,
    /// User rule folders, as shown.
    pub rule_dirs: Vec<Sourced<String>>,
    /// The user's time zone (`timezone = "Europe/Berlin"`), for the time rules.
    pub timezone: Option<Sourced<jiff::tz::TimeZone>>,
    pub no_contact: NoContact,
    pub conversation: Conversation,
    /// Every known rule, on or off, in `exlint rules` order.
    pub rule_states: Vec<RuleState>,
    pub profile: Option<String>,
    /// The files that were read, lowest layer first, as shown.
    pub files: Vec<(Role, String)>,
    pub ignore_file: Option<PathBuf>,
}

/// `[no-contact]`: the breakup (or last contact) and how long to stay silent after it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoContact {
    pub since: Option<Sourced<jiff::civil::Date>>,
    pub days: Sourced<u32>,
}

/// `[conversation]`: how to read a conversation export.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conversation {
    /// The user's own name as the export shows it.
    pub me: Option<Sourced<String>>,
}

/// One rule as the config leaves it.
#[derive(Debug, Clone)]
pub struct RuleState {
    pub id: String,
    pub kind: &'static str,
    pub summary: String,
    /// The rule file.
    pub path: String,
    pub enabled: Sourced<bool>,
    pub severity: Sourced<Severity>,
    /// The kind's settings: the rule file's values and the config's, each with its origin.
    pub settings: Vec<(String, Sourced<toml::Value>)>,
}

/// A user rule file read from a rule folder.
#[derive(Debug, Clone)]
pub struct UserRule {
    /// `<folder name>/<file stem>`.
    pub id: String,
    /// As shown to the user.
    pub path: String,
    pub source: String,
}

/// Read every `*.toml` in a folder of user rules, in name order. Ids are `<folder>/<stem>`.
pub fn load_rule_dir(dir: &Path, shown_dir: &str) -> Result<Vec<UserRule>, SourceError> {
    let cannot = |e: std::io::Error| SourceError::whole(shown_dir, "", format!("cannot read: {e}"));
    let folder = dir
        .canonicalize()
        .map_err(cannot)?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(cannot)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = Path::new(shown_dir)
            .join(path.file_name().unwrap_or_default())
            .display()
            .to_string();
        let source = read_text(&path, &shown)?;
        for (what, name) in [("folder", &folder), ("file", &stem)] {
            if !is_id_part(name) {
                return Err(SourceError::whole(
                    &shown,
                    &source,
                    format!("the {what} name `{name}` cannot be part of a rule id"),
                )
                .with_hint(
                    "rule ids are <folder>/<file name>: use lowercase letters, digits and dashes",
                ));
            }
        }
        out.push(UserRule {
            id: format!("{folder}/{stem}"),
            path: shown,
            source,
        });
    }
    Ok(out)
}

fn is_id_part(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A folder-level error (unreadable folder) belongs at the `rule-dirs` entry.
fn point_at_dir(err: SourceError, file: &ConfigFile, dir: &Spanned<String>) -> SourceError {
    if err.source.is_empty() {
        file.text.error(dir.span(), err.message)
    } else {
        err
    }
}

/// The other name of a setting that has two (`max-words` / `warn-words`), or the name itself.
fn alias_of(key: &str) -> &str {
    crate::rules::metric::ALIASES
        .iter()
        .find_map(|(a, b)| {
            if key == *a {
                Some(*b)
            } else if key == *b {
                Some(*a)
            } else {
                None
            }
        })
        .unwrap_or(key)
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A file's top level, or one of its profiles.
struct Layer<'a> {
    file: &'a ConfigFile,
    profile: Option<&'a str>,
    spec: &'a FileSpec,
}

/// The merge in progress.
struct State {
    fail_on: Sourced<FailOn>,
    max_input_size: Sourced<u64>,
    allow: Vec<Sourced<String>>,
    timezone: Option<Sourced<jiff::tz::TimeZone>>,
    no_contact: NoContact,
    conversation: Conversation,
    rules: BTreeMap<String, RuleLayers>,
}

struct RuleLayers {
    enabled: Sourced<bool>,
    severity: Option<Sourced<Severity>>,
    /// Setting key → the setting and where it was set.
    settings: BTreeMap<String, (Setting, Origin)>,
}

impl State {
    fn new(ids: &[&str]) -> State {
        State {
            fail_on: Sourced::new(FailOn::default(), Origin::Default),
            max_input_size: Sourced::new(crate::input::DEFAULT_MAX_INPUT_SIZE, Origin::Default),
            allow: Vec::new(),
            timezone: None,
            no_contact: NoContact {
                since: None,
                days: Sourced::new(DEFAULT_NO_CONTACT_DAYS, Origin::Default),
            },
            conversation: Conversation::default(),
            rules: ids
                .iter()
                .map(|id| {
                    (
                        (*id).to_owned(),
                        RuleLayers {
                            enabled: Sourced::new(true, Origin::Default),
                            severity: None,
                            settings: BTreeMap::new(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn apply(&mut self, layer: &Layer<'_>, ids: &[&str]) -> Result<(), SourceError> {
        let (file, profile) = (layer.file, layer.profile);
        let spec = layer.spec;
        let text = &file.text;
        let origin = |span: std::ops::Range<usize>| file.origin(span, profile);
        let check_id = |id: &Spanned<String>, all_ok: bool| -> Result<(), SourceError> {
            let name = id.get_ref().as_str();
            if (all_ok && name == "all") || ids.contains(&name) {
                return Ok(());
            }
            Err(unknown_rule(name, ids, |msg| text.error(id.span(), msg)))
        };

        if let Some(f) = &spec.fail_on {
            self.fail_on = Sourced::new(*f.get_ref(), origin(f.span()));
        }
        if let Some(select) = &spec.select {
            for id in select {
                check_id(id, true)?;
            }
            let all = select.iter().any(|i| i.get_ref() == "all");
            for (id, rule) in &mut self.rules {
                let at = select
                    .iter()
                    .find(|s| s.get_ref() == id || s.get_ref() == "all");
                let span = at.or(select.first()).map_or(0..0, |s| s.span());
                rule.enabled = Sourced::new(all || at.is_some(), origin(span));
            }
        }
        for id in spec.ignore.iter().flatten() {
            check_id(id, true)?;
            for (name, rule) in &mut self.rules {
                if id.get_ref() == "all" || id.get_ref() == name {
                    rule.enabled = Sourced::new(false, origin(id.span()));
                }
            }
        }
        for (id, table) in &spec.rules {
            check_id(id, false)?;
            let rule = self
                .rules
                .get_mut(id.get_ref())
                .expect("checked against the known ids");
            for (key, value) in table.get_ref() {
                if key.get_ref() == "severity" {
                    let at = origin(value.span());
                    match schema::level(text, value)? {
                        Level::Off => rule.enabled = Sourced::new(false, at),
                        Level::On(s) => {
                            rule.enabled = Sourced::new(true, at.clone());
                            rule.severity = Some(Sourced::new(s, at));
                        }
                    }
                    continue;
                }
                let setting = Setting {
                    key: key.get_ref().clone(),
                    value: value.get_ref().clone(),
                    file: text.clone(),
                    key_span: key.span(),
                    value_span: value.span(),
                };
                // A later layer's `max-words` replaces an earlier `warn-words`: one limit.
                let alias = alias_of(key.get_ref());
                if alias != key.get_ref() {
                    rule.settings.remove(alias);
                }
                rule.settings
                    .insert(key.get_ref().clone(), (setting, origin(key.span())));
            }
        }
        for a in spec.allow.iter().flatten() {
            if a.get_ref().trim().is_empty() {
                return Err(text.error(a.span(), "an empty `allow` entry would match nothing"));
            }
            self.allow
                .push(Sourced::new(a.get_ref().clone(), origin(a.span())));
        }
        if let Some(size) = &spec.max_input_size {
            let bytes = schema::input_size(text, size)?;
            self.max_input_size = Sourced::new(bytes, origin(size.span()));
        }
        if let Some(tz) = &spec.timezone {
            let zone = schema::time_zone(text, tz)?;
            self.timezone = Some(Sourced::new(zone, origin(tz.span())));
        }
        if let Some(nc) = &spec.no_contact {
            if let Some(since) = &nc.since {
                let date = schema::date(text, since)?;
                self.no_contact.since = Some(Sourced::new(date, origin(since.span())));
            }
            if let Some(days) = &nc.days {
                // In range: checked at load.
                let n = u32::try_from(*days.get_ref()).unwrap_or(DEFAULT_NO_CONTACT_DAYS);
                self.no_contact.days = Sourced::new(n, origin(days.span()));
            }
        }
        if let Some(me) = spec.conversation.as_ref().and_then(|c| c.me.as_ref()) {
            self.conversation.me = Some(Sourced::new(
                me.get_ref().trim().to_owned(),
                origin(me.span()),
            ));
        }
        Ok(())
    }

    fn apply_overrides(&mut self, o: &Overrides, ids: &[&str]) -> Result<(), SourceError> {
        let check = |flag: &str, id: &str| -> Result<(), SourceError> {
            if id == "all" || ids.contains(&id) {
                Ok(())
            } else {
                Err(unknown_rule(id, ids, |msg| {
                    SourceError::whole(flag, "", msg)
                }))
            }
        };
        if let Some(f) = o.fail_on {
            self.fail_on = Sourced::new(f, Origin::Flag("--fail-on"));
        }
        if let Some(size) = o.max_input_size {
            self.max_input_size = Sourced::new(size, Origin::Flag("--max-input-size"));
        }
        if let Some(select) = &o.select {
            for id in select {
                check("--select", id)?;
            }
            let all = select.iter().any(|s| s == "all");
            for (id, rule) in &mut self.rules {
                rule.enabled = Sourced::new(
                    all || select.iter().any(|s| s == id),
                    Origin::Flag("--select"),
                );
            }
        }
        for id in &o.ignore {
            check("--ignore", id)?;
            for (name, rule) in &mut self.rules {
                if id == "all" || id == name {
                    rule.enabled = Sourced::new(false, Origin::Flag("--ignore"));
                }
            }
        }
        Ok(())
    }
}

fn unknown_rule(id: &str, ids: &[&str], at: impl FnOnce(String) -> SourceError) -> SourceError {
    let err = at(format!("no rule `{id}`"));
    match closest(id, ids.iter().copied()) {
        Some(near) => err.with_hint(format!("did you mean `{near}`?")),
        None => err.with_hint("`exlint rules` lists them all"),
    }
}

#[cfg(test)]
mod tests;
