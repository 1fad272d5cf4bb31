//! The configuration of each folder drafts are opened from, found the way the CLI finds it: the
//! nearest `exlint.toml` walking up from the draft's folder, over the user's config file, with the
//! project's `.exlintignore` and the writer's context (time zone, `[no-contact]`,
//! `[conversation] me`).
//!
//! Folders are cached by the set of files that configure them, so a hundred drafts under one
//! `exlint.toml` share one compiled rule set. [`Folders::reload`] forgets the cache (an
//! `exlint.toml` changed); a folder whose config then fails to load keeps the last rules that
//! loaded from the same files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use jiff::tz::TimeZone;

use crate::config::ignore::IgnoreList;
use crate::config::{self, Config, Locations, Origin, ResolvedConfig};
use crate::context::{Context, NoContact};
use crate::error::SourceError;
use crate::rules::RuleSet;

/// What linting the drafts of one folder needs.
pub struct Folder {
    /// The rules that are on, carrying the writer's context.
    pub rules: RuleSet,
    /// The project's `.exlintignore`.
    pub ignored: IgnoreList,
}

impl Folder {
    pub fn timezone(&self) -> &TimeZone {
        &self.rules.context().timezone
    }
}

/// A folder's config could not be loaded.
pub struct LoadError {
    pub error: SourceError,
    /// True when the folder keeps rules it had before; false when it falls back to the built-in
    /// rules (its config was broken from the start).
    pub kept_previous: bool,
}

/// Which files configure a folder: the config files and the ignore file.
type FileSet = (Vec<PathBuf>, Option<PathBuf>);

/// Which config files would configure a folder, found without reading them: the user's file and
/// the nearest `exlint.toml`.
type Sources = (Option<PathBuf>, Option<PathBuf>);

pub struct Folders {
    user_config_dir: Option<PathBuf>,
    /// The time zone when no config names one.
    default_timezone: TimeZone,
    /// The built-in rules, for a folder whose config is broken from the start.
    builtin: Rc<Folder>,
    /// Folder (`None`: an unsaved buffer outside any workspace) → its setup.
    by_dir: HashMap<Option<PathBuf>, Rc<Folder>>,
    by_files: HashMap<FileSet, Rc<Folder>>,
    /// The last setup that loaded from each set of config files: kept when they break.
    last_good: HashMap<Sources, Rc<Folder>>,
    /// Errors already returned since the last reload, so each is reported once.
    reported: HashSet<String>,
}

impl Folders {
    pub fn new(
        user_config_dir: Option<PathBuf>,
        default_timezone: TimeZone,
    ) -> Result<Folders, SourceError> {
        let mut rules = RuleSet::builtin()?;
        rules.set_context(Context {
            timezone: default_timezone.clone(),
            ..Context::default()
        });
        Ok(Folders {
            user_config_dir,
            default_timezone,
            builtin: Rc::new(Folder {
                rules,
                ignored: IgnoreList::default(),
            }),
            by_dir: HashMap::new(),
            by_files: HashMap::new(),
            last_good: HashMap::new(),
            reported: HashSet::new(),
        })
    }

    /// Forget every folder's config; the next lookup reads the files again.
    pub fn reload(&mut self) {
        self.by_dir.clear();
        self.by_files.clear();
        self.reported.clear();
    }

    /// The setup for drafts in `dir`, and the error that stopped its config from loading, the
    /// first time it is met since the last reload.
    pub fn get(&mut self, dir: Option<&Path>) -> (Rc<Folder>, Option<LoadError>) {
        let key = dir.map(Path::to_path_buf);
        if let Some(folder) = self.by_dir.get(&key) {
            return (folder.clone(), None);
        }
        let sources = self.sources(dir);
        match self.load(dir) {
            Ok(folder) => {
                self.by_dir.insert(key, folder.clone());
                self.last_good.insert(sources, folder.clone());
                (folder, None)
            }
            Err(error) => {
                let previous = self.last_good.get(&sources).cloned();
                let kept_previous = previous.is_some();
                let folder = previous.unwrap_or_else(|| self.builtin.clone());
                self.by_dir.insert(key, folder.clone());
                let first = self.reported.insert(error.to_string());
                let error = first.then_some(LoadError {
                    error,
                    kept_previous,
                });
                (folder, error)
            }
        }
    }

    fn sources(&self, dir: Option<&Path>) -> Sources {
        let user = self
            .user_config_dir
            .as_ref()
            .map(|d| d.join(config::USER_FILE_NAME))
            .filter(|p| p.is_file());
        (user, dir.and_then(config::find_project_file))
    }

    fn load(&mut self, dir: Option<&Path>) -> Result<Rc<Folder>, SourceError> {
        let at = Locations {
            start_dir: dir.map(Path::to_path_buf).unwrap_or_default(),
            user_config_dir: self.user_config_dir.clone(),
            // Paths are shown absolute, so an error can be turned back into a file's URI.
            cwd: None,
        };
        let config = match dir {
            Some(_) => Config::discover(&at)?,
            // No folder to search from: only the user's file (never the server's own folder).
            None => {
                let mut config = Config::isolated(&at);
                if let (Some(path), _) = self.sources(None) {
                    config.add_file(&path)?;
                }
                config
            }
        };
        let files: FileSet = (
            config.files().iter().map(|f| f.path.clone()).collect(),
            config.ignore_file_path(),
        );
        if let Some(folder) = self.by_files.get(&files) {
            return Ok(folder.clone());
        }
        let mut resolved = config.resolve()?;
        let ignored = match config.ignore_file_path() {
            Some(path) => IgnoreList::load(&path, &config.shown(&path))?,
            None => IgnoreList::default(),
        };
        let context = context_from(&resolved, &self.default_timezone);
        resolved.rules.set_context(context);
        let folder = Rc::new(Folder {
            rules: resolved.rules,
            ignored,
        });
        self.by_files.insert(files, folder.clone());
        Ok(folder)
    }
}

/// The writer's situation as the config gives it, like `exlint check` without flags.
fn context_from(config: &ResolvedConfig, default_timezone: &TimeZone) -> Context {
    let days = &config.no_contact.days;
    Context {
        timezone: config
            .timezone
            .as_ref()
            .map_or_else(|| default_timezone.clone(), |tz| tz.value.clone()),
        no_contact: NoContact {
            since: config.no_contact.since.as_ref().map(|s| s.value),
            days: (!matches!(days.origin, Origin::Default)).then_some(days.value),
        },
        me: config.conversation.me.as_ref().map(|m| m.value.clone()),
        date_order: None,
    }
}
