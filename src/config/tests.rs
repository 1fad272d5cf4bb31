use std::fs;

use super::*;
use crate::{Draft, lint};

/// A throwaway tree: `home/.config/exlint/config.toml`, `project/exlint.toml`,
/// `project/drafts/` — never the real HOME.
struct Tree {
    root: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("project/drafts")).unwrap();
        fs::create_dir_all(root.path().join("config/exlint")).unwrap();
        Tree { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
        self
    }

    fn locations(&self) -> Locations {
        Locations {
            start_dir: self.path("project/drafts"),
            user_config_dir: Some(self.path("config/exlint")),
            cwd: Some(self.root.path().to_path_buf()),
        }
    }

    fn config(&self) -> Result<Config, SourceError> {
        Config::discover(&self.locations())
    }

    fn resolve(&self) -> Result<ResolvedConfig, SourceError> {
        self.config()?.resolve()
    }
}

fn ids(diags: &[crate::Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.rule.as_str()).collect()
}

/// 1-based line and column of `needle`'s first occurrence.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

#[test]
fn no_files_means_builtin_defaults() {
    let tree = Tree::new();
    let r = tree.resolve().unwrap();
    assert_eq!(r.fail_on.value, FailOn::Warning);
    assert_eq!(r.fail_on.origin, Origin::Default);
    assert_eq!(r.rules.rules().len(), registry::BUILTIN.len());
    assert!(r.files.is_empty());
    assert_eq!(r.no_contact.days.value, DEFAULT_NO_CONTACT_DAYS);
    assert_eq!(
        r.ignore_file,
        Some(tree.path("project/drafts").join(IGNORE_FILE_NAME))
    );
}

#[test]
fn a_severity_change_keeps_the_finding_and_says_where_it_came_from() {
    let tree = Tree::new();
    let text = "fail-on = \"error\"\n\n[rules.begging]\nseverity = \"warning\"\n";
    tree.write("project/exlint.toml", text);
    let r = tree.resolve().unwrap();
    assert_eq!(r.fail_on.value, FailOn::Error);
    assert_eq!(r.fail_on.origin.to_string(), "project/exlint.toml:1");
    let found = lint(&Draft::new("please come back"), &r.rules);
    assert_eq!(ids(&found), ["begging"]);
    assert_eq!(found[0].severity, Severity::Warning);
    let begging = r.rule_states.iter().find(|s| s.id == "begging").unwrap();
    assert_eq!(begging.severity.origin.to_string(), "project/exlint.toml:4");
    assert_eq!(
        r.ignore_file,
        Some(tree.path("project").join(IGNORE_FILE_NAME))
    );
}

#[test]
fn layers_apply_in_order_and_the_nearest_project_file_wins() {
    let tree = Tree::new();
    tree.write(
        "config/exlint/config.toml",
        "fail-on = \"info\"\ntimezone = \"Europe/Berlin\"\n[rules.too-long]\nwarn-words = 10\n",
    )
    .write("exlint.toml", "fail-on = \"never\"\n")
    .write(
        "project/exlint.toml",
        "[rules.too-long]\nerror-words = 20\n",
    );
    let r = tree.resolve().unwrap();
    // The outer exlint.toml is not read: only the nearest one.
    assert_eq!(r.files.len(), 2);
    assert_eq!(r.fail_on.value, FailOn::Info);
    assert_eq!(r.fail_on.origin.to_string(), "config/exlint/config.toml:1");
    let tz = r.timezone.as_ref().unwrap();
    assert_eq!(tz.value.iana_name(), Some("Europe/Berlin"));
    let too_long = r.rule_states.iter().find(|s| s.id == "too-long").unwrap();
    let setting = |k: &str| {
        too_long
            .settings
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| (v.value.to_string(), v.origin.to_string()))
            .unwrap()
    };
    assert_eq!(
        setting("warn-words"),
        ("10".into(), "config/exlint/config.toml:4".into())
    );
    assert_eq!(
        setting("error-words"),
        ("20".into(), "project/exlint.toml:2".into())
    );
    let words = "word ".repeat(15);
    let found = lint(&Draft::new(words.as_str()), &r.rules);
    assert_eq!(found[0].severity, Severity::Warning);
    let words = "word ".repeat(25);
    let found = lint(&Draft::new(words.as_str()), &r.rules);
    assert_eq!(found[0].severity, Severity::Error);

    // One limit under two names: a later layer's `max-words` replaces `warn-words`.
    tree.write(
        "project/exlint.toml",
        "[rules.too-long]\nerror-words = 20\nmax-words = 12\n",
    );
    let r = tree.resolve().unwrap();
    let words = "word ".repeat(11);
    assert!(lint(&Draft::new(words.as_str()), &r.rules).is_empty());
    let too_long = r.rule_states.iter().find(|s| s.id == "too-long").unwrap();
    let keys: Vec<&str> = too_long.settings.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["error-words", "max-words"],
        "no stale warn-words shown"
    );
    tree.write(
        "project/exlint.toml",
        "[rules.too-long]\nerror-words = 20\n",
    );

    // --config on top, then flags on top of that.
    tree.write("elsewhere.toml", "fail-on = \"warning\"\n");
    let mut config = tree.config().unwrap();
    config.add_file(&tree.path("elsewhere.toml")).unwrap();
    assert_eq!(config.resolve().unwrap().fail_on.value, FailOn::Warning);
    config.set_overrides(Overrides {
        fail_on: Some(FailOn::Error),
        ..Overrides::default()
    });
    let r = config.resolve().unwrap();
    assert_eq!(
        (r.fail_on.value, r.fail_on.origin.to_string()),
        (FailOn::Error, "--fail-on".into())
    );
}

#[test]
fn a_typo_in_a_setting_points_at_it_with_a_suggestion() {
    let tree = Tree::new();
    let text = "# mine\n[rules.too-long]\nwarn-wrds = 40\n";
    tree.write("project/exlint.toml", text);
    let err = tree.resolve().unwrap_err();
    assert_eq!(err.path, "project/exlint.toml");
    assert_eq!(err.line_col(), Some(position_of(text, "warn-wrds")));
    assert_eq!(err.hint.as_deref(), Some("did you mean `warn-words`?"));
    assert!(err.message.contains("`warn-wrds`"), "{err}");
}

#[test]
fn settings_are_checked_against_the_rules_kind() {
    let tree = Tree::new();
    let cases: &[(&str, &str, &str)] = &[
        // (config, text to point at, words in the message or hint)
        (
            "[rules.too-long]\nwarn-words = \"forty\"\n",
            "\"forty\"",
            "expected a whole number",
        ),
        ("[rules.too-long]\nwarn-words = -3\n", "-3", "whole number"),
        ("[rules.begging]\nmax = 3\n", "max", "only setting"),
        (
            "[rules.over-apology]\nmax-words = 3\n",
            "max-words",
            "`max`",
        ),
        ("[rules.shouting]\nallow = \"BAE\"\n", "\"BAE\"", "sequence"),
        (
            "[rules.too-long]\nwarn-words = 200\n",
            "warn-words",
            "below the warning limit",
        ),
        (
            "[rules.too-long]\nmax-sentences = 2\n",
            "max-sentences",
            "counts words",
        ),
        (
            "[rules.begging]\nseverity = \"eror\"\n",
            "\"eror\"",
            "`error`",
        ),
        ("[rules.begging]\nseverity = 1\n", "1", "severity must be"),
        (
            "[rules.beging]\nseverity = \"off\"\n",
            "beging",
            "`begging`",
        ),
        (
            "select = [\"all\", \"you-upp\"]\n",
            "\"you-upp\"",
            "`you-up`",
        ),
        ("ignore = [\"nope-nope-nope\"]\n", "\"nope", "exlint rules"),
        ("fail-on = \"eror\"\n", "\"eror\"", "`error`"),
        ("fail_on = \"error\"\n", "fail_on", "`fail-on`"),
        ("timezone = \"Europe/Berln\"\n", "\"Europe", "Europe/Berlin"),
        (
            "[no-contact]\nsince = \"2026-13-01\"\n",
            "\"2026",
            "YYYY-MM-DD",
        ),
        (
            "[no-contact]\nsince = 2026-10-01T10:00:00\n",
            "2026",
            "YYYY-MM-DD",
        ),
        ("[no-contact]\ndays = 0\n", "0", "between 1 and"),
        ("[conversation]\nme = \" \"\n", "\" \"", "empty"),
        ("[profile.a.profile.b]\n", "b]", "nested"),
        ("allow = [\"\"]\n", "\"\"", "empty"),
        (
            "[rules.too-long]\nseverity = \"off\"\nwarn-wrds = 3\n",
            "warn-wrds",
            "`warn-words`",
        ),
    ];
    for (config, at, words) in cases {
        tree.write("project/exlint.toml", config);
        let err = match tree.resolve() {
            Ok(_) => panic!("{config:?} should be an error"),
            Err(e) => e,
        };
        let said = format!("{} {}", err.message, err.hint.as_deref().unwrap_or(""));
        assert!(said.contains(words), "{config:?}: {said}");
        assert_eq!(
            err.line_col(),
            Some(position_of(config, at)),
            "{config:?}: {err}"
        );
        assert_eq!(err.path, "project/exlint.toml");
    }
}

#[test]
fn good_time_and_conversation_settings_are_typed() {
    let tree = Tree::new();
    tree.write(
        "project/exlint.toml",
        "timezone = \"America/New_York\"\n[no-contact]\nsince = 2026-10-01\ndays = 30\n\
         [conversation]\nme = \" Sam \"\n",
    );
    let r = tree.resolve().unwrap();
    assert_eq!(
        r.timezone.unwrap().value.iana_name(),
        Some("America/New_York")
    );
    assert_eq!(
        r.no_contact.since.unwrap().value,
        jiff::civil::date(2026, 10, 1)
    );
    assert_eq!(r.no_contact.days.value, 30);
    assert_eq!(r.conversation.me.unwrap().value, "Sam");
    tree.write(
        "project/exlint.toml",
        "[no-contact]\nsince = \"2026-02-28\"\n",
    );
    let r = tree.resolve().unwrap();
    assert_eq!(
        r.no_contact.since.unwrap().value,
        jiff::civil::date(2026, 2, 28)
    );
}

#[test]
fn select_ignore_and_off_turn_rules_on_and_off() {
    let tree = Tree::new();
    let draft = Draft::new("please come back. we need to talk. I'M SO SORRY");
    tree.write("config/exlint/config.toml", "ignore = [\"shouting\"]\n");
    let r = tree.resolve().unwrap();
    assert_eq!(ids(&lint(&draft, &r.rules)), ["begging", "we-need-to-talk"]);
    let shouting = r.rule_states.iter().find(|s| s.id == "shouting").unwrap();
    assert_eq!(
        shouting.enabled.origin.to_string(),
        "config/exlint/config.toml:1"
    );

    // A later layer's severity turns it back on; the LSP's "disable rule" action writes `off`.
    tree.write(
        "project/exlint.toml",
        "[rules.shouting]\nseverity = \"info\"\n\n[rules.begging]\nseverity = \"off\"\n",
    );
    let r = tree.resolve().unwrap();
    let found = lint(&draft, &r.rules);
    assert_eq!(ids(&found), ["we-need-to-talk", "shouting"]);
    assert_eq!(found[1].severity, Severity::Info);

    tree.write(
        "project/exlint.toml",
        "select = [\"begging\", \"shouting\"]\n",
    );
    let r = tree.resolve().unwrap();
    assert_eq!(ids(&lint(&draft, &r.rules)), ["begging", "shouting"]);

    tree.write(
        "project/exlint.toml",
        "ignore = [\"all\"]\n[rules.we-need-to-talk]\nseverity = \"error\"\n",
    );
    let r = tree.resolve().unwrap();
    assert_eq!(ids(&lint(&draft, &r.rules)), ["we-need-to-talk"]);

    // Flags last.
    let mut config = tree.config().unwrap();
    config.set_overrides(Overrides {
        select: Some(vec!["all".into()]),
        ignore: vec!["begging".into()],
        ..Overrides::default()
    });
    let r = config.resolve().unwrap();
    assert_eq!(
        ids(&lint(&draft, &r.rules)),
        ["we-need-to-talk", "shouting"]
    );
    config.set_overrides(Overrides {
        ignore: vec!["beging".into()],
        ..Overrides::default()
    });
    let err = config.resolve().unwrap_err();
    assert_eq!(err.path, "--ignore");
    assert_eq!(err.hint.as_deref(), Some("did you mean `begging`?"));
}

#[test]
fn allow_lists_never_fire() {
    let tree = Tree::new();
    tree.write(
        "project/exlint.toml",
        "allow = [\"BAE\", \"please come back\"]\n[rules.shouting]\nallow = [\"LUV\"]\n",
    );
    let r = tree.resolve().unwrap();
    let draft = Draft::new("hey BAE. pls come back. LUV you. WHAT. we need to talk");
    let found = lint(&draft, &r.rules);
    let flagged: Vec<&str> = found.iter().map(|d| draft.slice(d.span.clone())).collect();
    assert_eq!(flagged, ["WHAT", "we need to talk"]);
}

#[test]
fn profiles_override_every_file_and_must_exist() {
    let tree = Tree::new();
    tree.write(
        "config/exlint/config.toml",
        "[profile.alex]\nfail-on = \"info\"\n[profile.alex.rules.checking-in]\nseverity = \"error\"\n\
         [profile.alex.no-contact]\nsince = \"2026-09-01\"\n",
    )
    .write(
        "project/exlint.toml",
        "fail-on = \"error\"\n[rules.checking-in]\nseverity = \"info\"\n[profile.friend]\nfail-on = \"never\"\n",
    );
    let mut config = tree.config().unwrap();
    assert_eq!(config.profiles(), ["alex", "friend"]);
    let r = config.resolve().unwrap();
    assert_eq!(r.fail_on.value, FailOn::Error);
    config.set_profile(Some("alex".into()));
    let r = config.resolve().unwrap();
    assert_eq!(r.fail_on.value, FailOn::Info);
    assert_eq!(
        r.fail_on.origin.to_string(),
        "config/exlint/config.toml:2, profile alex"
    );
    let found = lint(&Draft::new("just checking in"), &r.rules);
    assert_eq!(found[0].severity, Severity::Error);
    assert!(r.no_contact.since.is_some());

    config.set_profile(Some("alx".into()));
    let err = config.resolve().unwrap_err();
    assert_eq!(err.path, "--profile");
    assert_eq!(err.hint.as_deref(), Some("did you mean `alex`?"));
}

const USER_RULE: &str = r#"severity = "warning"
summary = "mentions the dog"
message = "“{match}”: leave Biscuit out of it"
help = "the dog is not a reason to write"
guide = "house rule"
description = "d"
[check]
kind = "phrase"
phrases = ["(the|our) dog", "biscuit"]
[[example]]
bad = "how is our dog"
[[example]]
good = "how is work"
"#;

#[test]
fn user_rule_folders_add_rules_named_folder_slash_file() {
    let tree = Tree::new();
    tree.write("project/my-rules/dog.toml", USER_RULE).write(
        "project/exlint.toml",
        "rule-dirs = [\"my-rules\"]\n[rules.\"my-rules/dog\"]\nseverity = \"error\"\n",
    );
    let r = tree.resolve().unwrap();
    let found = lint(&Draft::new("how is Biscuit doing"), &r.rules);
    assert_eq!(ids(&found), ["my-rules/dog"]);
    assert_eq!(found[0].severity, Severity::Error);
    let rule = r.rules.get("my-rules/dog").unwrap();
    assert_eq!(rule.meta.path, "project/my-rules/dog.toml");
    assert_eq!(r.rule_dirs[0].value, "project/my-rules");
    assert!(r.rules.run_examples().is_empty());

    // The same folder listed by two layers is read once; two folders of the same name clash.
    tree.write(
        "config/exlint/config.toml",
        "rule-dirs = [\"../../project/my-rules\"]\n",
    );
    assert!(tree.resolve().is_ok());
    tree.write("other/my-rules/dog.toml", USER_RULE).write(
        "config/exlint/config.toml",
        "rule-dirs = [\"../../other/my-rules\"]\n",
    );
    let err = tree.resolve().unwrap_err();
    assert!(
        err.message.contains("duplicate rule id `my-rules/dog`"),
        "{err}"
    );
}

#[test]
fn broken_user_rules_point_into_their_file() {
    let tree = Tree::new();
    tree.write("project/exlint.toml", "rule-dirs = [\"mine\"]\n");
    let broken = "severity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\nguide = \"g\"\n\
                  description = \"d\"\n[check]\nkind = \"pattern\"\n[[check.patterns]]\nregex = '(unclosed'\n";
    tree.write("project/mine/loud.toml", broken);
    let err = tree.resolve().unwrap_err();
    assert_eq!(err.path, "project/mine/loud.toml");
    assert!(err.message.contains("invalid regex"), "{err}");
    assert_eq!(err.line_col(), Some(position_of(broken, "'(unclosed'")));

    fs::remove_file(tree.path("project/mine/loud.toml")).unwrap();
    tree.write("project/mine/Bad Name.toml", USER_RULE);
    let err = tree.resolve().unwrap_err();
    assert!(err.message.contains("cannot be part of a rule id"), "{err}");

    let text = "\nrule-dirs = [\"nowhere\"]\n";
    tree.write("project/exlint.toml", text);
    let err = tree.resolve().unwrap_err();
    assert_eq!(err.line_col(), Some(position_of(text, "\"nowhere\"")));
    assert!(err.message.contains("no folder"), "{err}");
}

#[test]
fn syntax_errors_and_unknown_keys_point_at_the_file() {
    let tree = Tree::new();
    tree.write("config/exlint/config.toml", "fail-on = \n");
    let err = tree.config().unwrap_err();
    assert_eq!(err.path, "config/exlint/config.toml");
    assert!(err.span.is_some());
    tree.write("config/exlint/config.toml", "rule-dir = [\"x\"]\n");
    let err = tree.config().unwrap_err();
    assert_eq!(err.hint.as_deref(), Some("did you mean `rule-dirs`?"));
}

#[test]
fn isolated_reads_nothing() {
    let tree = Tree::new();
    tree.write("project/exlint.toml", "this is not toml");
    assert!(tree.config().is_err());
    let config = Config::isolated(&tree.locations());
    assert!(config.files().is_empty());
    assert_eq!(config.ignore_file_path(), None);
    assert_eq!(
        config.rule_set().unwrap().rules().len(),
        registry::BUILTIN.len()
    );
}

#[test]
fn user_config_dir_follows_xdg_then_home() {
    let xdg = Path::new("/x/config");
    let home = Path::new("/home/sam");
    if cfg!(windows) {
        return;
    }
    assert_eq!(
        user_config_dir(Some(xdg), Some(home), None),
        Some(PathBuf::from("/x/config/exlint"))
    );
    assert_eq!(
        user_config_dir(Some(Path::new("relative")), Some(home), None),
        Some(PathBuf::from("/home/sam/.config/exlint"))
    );
    assert_eq!(user_config_dir(None, None, None), None);
}

#[test]
fn every_kind_lists_its_settings_exactly() {
    use crate::rules::Configurable;
    fn expected<S: Configurable>() -> Vec<String> {
        let mut t = toml::Table::new();
        t.insert("not-a-setting".into(), toml::Value::Integer(1));
        let err = toml::Value::Table(t)
            .try_into::<S::Settings>()
            .err()
            .unwrap()
            .message()
            .to_owned();
        err.split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }
    use crate::rules::{count, metric, pattern, phrase};
    assert_eq!(
        expected::<metric::MetricSpec>(),
        metric::MetricSpec::SETTINGS
    );
    assert_eq!(expected::<count::CountSpec>(), count::CountSpec::SETTINGS);
    assert_eq!(
        expected::<pattern::PatternSpec>(),
        pattern::PatternSpec::SETTINGS
    );
    assert!(expected::<phrase::PhraseSpec>().is_empty());
}
