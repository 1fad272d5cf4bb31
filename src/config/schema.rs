//! The shape of one `exlint.toml` (or the user's `config.toml`): serde structs that reject unknown
//! keys, with spans on everything an error may need to point at. Checks that need only the file
//! itself (a time zone, a date, a severity) happen here, at load; checks that need the rules (ids,
//! kind settings) happen when the layers are resolved.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{FailOn, Severity};
use crate::error::{SourceError, TextFile, closest};

/// A `[rules.<id>]` table: `severity` and the rule kind's settings, every key and value spanned.
pub(crate) type RuleTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// One config file, or one `[profile.<name>]` inside it (same keys, minus `profile`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct FileSpec {
    pub fail_on: Option<Spanned<FailOn>>,
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub allow: Option<Vec<Spanned<String>>>,
    pub rule_dirs: Option<Vec<Spanned<String>>>,
    pub timezone: Option<Spanned<String>>,
    /// `max-input-size = "16MiB"` or a number of bytes.
    pub max_input_size: Option<Spanned<toml::Value>>,
    pub no_contact: Option<NoContactSpec>,
    pub conversation: Option<ConversationSpec>,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Spanned<RuleTable>>,
    #[serde(default)]
    pub profile: BTreeMap<Spanned<String>, Spanned<FileSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct NoContactSpec {
    /// A string "YYYY-MM-DD" or a bare TOML date.
    pub since: Option<Spanned<toml::Value>>,
    pub days: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ConversationSpec {
    pub me: Option<Spanned<String>>,
}

/// `severity` in a `[rules.<id>]` table: a level, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["error", "warning", "info", "off"];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::On(s) => s.as_str(),
        }
    }
}

/// The longest no-contact period a config may set, in days (ten years: past that it is a typo).
pub const MAX_NO_CONTACT_DAYS: i64 = 3650;

/// Parse one config file and check everything that needs only the file itself.
pub(crate) fn parse(file: &TextFile) -> Result<FileSpec, SourceError> {
    let spec: FileSpec = toml::from_str(&file.text)
        .map_err(|e| SourceError::from_toml(&file.path, &file.text, &e))?;
    validate(file, &spec, true)?;
    Ok(spec)
}

fn validate(file: &TextFile, spec: &FileSpec, top: bool) -> Result<(), SourceError> {
    if let Some(tz) = &spec.timezone {
        time_zone(file, tz)?;
    }
    if let Some(size) = &spec.max_input_size {
        input_size(file, size)?;
    }
    if let Some(nc) = &spec.no_contact {
        if let Some(since) = &nc.since {
            date(file, since)?;
        }
        if let Some(days) = &nc.days {
            if !(1..=MAX_NO_CONTACT_DAYS).contains(days.get_ref()) {
                return Err(file.error(
                    days.span(),
                    format!("`days` must be between 1 and {MAX_NO_CONTACT_DAYS}"),
                ));
            }
        }
    }
    if let Some(me) = spec.conversation.as_ref().and_then(|c| c.me.as_ref()) {
        if me.get_ref().trim().is_empty() {
            return Err(file.error(
                me.span(),
                "`me` is empty: give your name as the export shows it",
            ));
        }
    }
    for table in spec.rules.values() {
        if let Some((_, value)) = table
            .get_ref()
            .iter()
            .find(|(k, _)| k.get_ref() == "severity")
        {
            level(file, value)?;
        }
    }
    for (name, profile) in &spec.profile {
        if !top {
            return Err(file.error(name.span(), "profiles cannot be nested"));
        }
        if name.get_ref().trim().is_empty() {
            return Err(file.error(name.span(), "a profile needs a name"));
        }
        validate(file, profile.get_ref(), false)?;
    }
    Ok(())
}

/// A `severity` value: error, warning, info or off.
pub(crate) fn level(file: &TextFile, value: &Spanned<toml::Value>) -> Result<Level, SourceError> {
    let bad = |got: &str| {
        let err = file.error(
            value.span(),
            format!(
                "severity must be one of: {}; not {got}",
                Level::NAMES.join(", ")
            ),
        );
        match closest(got.trim_matches('"'), Level::NAMES.iter().copied()) {
            Some(near) => err.with_hint(format!("did you mean `{near}`?")),
            None => err,
        }
    };
    let toml::Value::String(s) = value.get_ref() else {
        return Err(bad(&value.get_ref().to_string()));
    };
    match s.as_str() {
        "off" => Ok(Level::Off),
        other => other
            .parse::<Severity>()
            .map(Level::On)
            .map_err(|_| bad(&format!("\"{other}\""))),
    }
}

/// `max-input-size`: a size string ("16MiB") or a positive number of bytes.
pub(crate) fn input_size(
    file: &TextFile,
    value: &Spanned<toml::Value>,
) -> Result<u64, SourceError> {
    let parsed = match value.get_ref() {
        toml::Value::String(s) => crate::input::parse_size(s),
        toml::Value::Integer(n) if *n > 0 => {
            crate::input::check_input_size(*n as u64, &n.to_string())
        }
        other => Err(format!("`{other}` is not a size")),
    };
    parsed.map_err(|why| {
        file.error(value.span(), format!("max-input-size: {why}"))
            .with_hint("for example max-input-size = \"32MiB\"")
    })
}

pub(crate) fn time_zone(
    file: &TextFile,
    name: &Spanned<String>,
) -> Result<jiff::tz::TimeZone, SourceError> {
    crate::time::time_zone(name.get_ref()).map_err(|_| {
        let names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .collect();
        let err = file.error(
            name.span(),
            format!("`{}` is not a known IANA time zone", name.get_ref()),
        );
        match closest(name.get_ref(), names.iter().map(String::as_str)) {
            Some(near) => err.with_hint(format!("did you mean `{near}`?")),
            None => err.with_hint("use a name like `Europe/Berlin` or `America/New_York`"),
        }
    })
}

pub(crate) fn date(
    file: &TextFile,
    value: &Spanned<toml::Value>,
) -> Result<jiff::civil::Date, SourceError> {
    let bad = || {
        file.error(value.span(), "`since` must be a date, YYYY-MM-DD")
            .with_hint("for example since = \"2026-10-01\"")
    };
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
        _ => return Err(bad()),
    };
    // jiff also reads date-times; a day is what is meant here.
    if text.len() != 10 {
        return Err(bad());
    }
    text.parse::<jiff::civil::Date>().map_err(|_| bad())
}
