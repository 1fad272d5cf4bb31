//! Configuration end to end, through the real binary: config files in throwaway folders, a fake
//! HOME and XDG_CONFIG_HOME (never the real ones), exit codes and what the user reads.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A throwaway world: `home/` (the user's HOME), `project/` with `drafts/` below it.
struct World {
    root: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("project/drafts")).unwrap();
        fs::create_dir_all(root.path().join("home")).unwrap();
        World { root }
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

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    /// `exlint ARGS` run in `project/`, HOME pointing into the world.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("exlint").unwrap();
        cmd.current_dir(self.path("project"))
            .env_remove("NO_COLOR")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("APPDATA")
            .env("HOME", self.path("home"))
            .env("EXLINT_NOW", "2026-11-28T14:00:00+00:00")
            .env("TZ", "UTC")
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&mut self.cmd(args))
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// "path:line:col" of `needle` in `text`, as error headers show it.
fn location(path: &str, text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    format!("{path}:{line}:{col}")
}

const DOG_RULE: &str = r#"severity = "warning"
summary = "mentions the dog"
message = "“{match}”: leave the dog out of it"
help = "the dog is not a reason to write"
guide = "house rule"
description = "Our own rule."
[check]
kind = "phrase"
phrases = ["(the|our) dog", "biscuit"]
[[example]]
bad = "how is our dog"
flagged = "our dog"
[[example]]
good = "how is work"
"#;

#[test]
fn a_project_config_can_soften_a_rule_and_isolated_ignores_it() {
    let w = World::new();
    w.write(
        "project/exlint.toml",
        "fail-on = \"error\"\n\n[rules.begging]\nseverity = \"warning\"\n",
    )
    .write("project/drafts/plea.txt", "hey. please come back\n");
    let r = w.run(&["check", "drafts/plea.txt"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("warning[begging]"), "{}", r.stdout);
    assert!(
        r.stdout.ends_with("1 warning — ready to send\n"),
        "{}",
        r.stdout
    );

    let r = w.run(&["check", "--isolated", "drafts/plea.txt"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("error[begging]"), "{}", r.stdout);

    // Flags beat files; the same config applies to standard input in the project folder.
    let r = w.run(&["check", "--fail-on", "warning", "drafts/plea.txt"]);
    assert_eq!(r.code, 1);
    let r = run(w
        .cmd(&["check", "-", "-f", "line"])
        .write_stdin("please come back"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("warning[begging]"), "{}", r.stdout);
}

#[test]
fn a_typo_exits_2_naming_file_line_column_and_the_right_key() {
    let w = World::new();
    let text = "[rules.too-long]\nwarn-wrds = 40\n";
    w.write("project/exlint.toml", text)
        .write("project/drafts/d.txt", "hi");
    let r = w.run(&["check", "drafts/d.txt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains(&location("exlint.toml", text, "warn-wrds")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean `warn-words`?"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
    assert_eq!(r.stdout, "");

    // An unknown rule id and a bad value are just as precise.
    let text = "[rules.beging]\nseverity = \"warning\"\n";
    w.write("project/exlint.toml", text);
    let r = w.run(&["check", "drafts/d.txt"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&location("exlint.toml", text, "beging")));
    assert!(r.stderr.contains("did you mean `begging`?"), "{}", r.stderr);
    w.write("project/exlint.toml", "");
    let r = w.run(&["check", "--select", "you-upp", "drafts/d.txt"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--select"), "{}", r.stderr);
}

#[test]
fn a_custom_rule_folder_fires_under_its_own_id() {
    let w = World::new();
    w.write("project/my-rules/dog.toml", DOG_RULE)
        .write("project/exlint.toml", "rule-dirs = [\"my-rules\"]\n")
        .write("project/drafts/d.txt", "hey! how is Biscuit doing?");
    let r = w.run(&["check", "drafts/d.txt"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("warning[my-rules/dog]"), "{}", r.stdout);
    let r = w.run(&["check", "-f", "json", "drafts/d.txt"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["files"][0]["diagnostics"][0]["rule"], "my-rules/dog");
    // The user's rule is listed and explained like a built-in one.
    let r = w.run(&["rules"]);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("my-rules/dog") && l.contains("warning")),
        "{}",
        r.stdout
    );
    let r = w.run(&["explain", "my-rules/dog"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Our own rule."));
}

#[test]
fn a_broken_regex_in_a_rule_file_points_at_it() {
    let w = World::new();
    let broken = "severity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nhelp = \"h\"\n\
                  guide = \"g\"\ndescription = \"d\"\n[check]\nkind = \"pattern\"\n\n\
                  [[check.patterns]]\nregex = '[a-z+'\n";
    w.write("project/my-rules/loud.toml", broken)
        .write("project/exlint.toml", "rule-dirs = [\"my-rules\"]\n")
        .write("project/drafts/d.txt", "hi");
    let r = w.run(&["check", "drafts/d.txt"]);
    assert_eq!(r.code, 2);
    let at = location("my-rules/loud.toml", broken, "'[a-z+'");
    assert!(r.stderr.contains(&at), "{at}\n{}", r.stderr);
    assert!(r.stderr.contains("invalid regex"), "{}", r.stderr);

    // `rules test` reports the same, exit 2.
    let r = w.run(&["rules", "test", "my-rules"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&at), "{}", r.stderr);
}

#[test]
fn rules_test_reports_each_failing_example_with_file_and_line() {
    let w = World::new();
    w.write("project/my-rules/dog.toml", DOG_RULE);
    let r = w.run(&["rules", "test", "my-rules"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "2 examples in 1 rule: all hold\n");

    let failing = format!("{DOG_RULE}[[example]]\ngood = \"walked the dog today\"\n");
    w.write("project/my-rules/dog.toml", &failing);
    let r = w.run(&["rules", "test", "my-rules"]);
    assert_eq!(r.code, 1);
    let line = failing.lines().count() - 1;
    assert!(
        r.stdout.contains(&format!(
            "my-rules/dog.toml:{line}: [my-rules/dog] good example fired"
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("1 of 3 examples in 1 rule failed\n"));

    assert_eq!(w.run(&["rules", "test", "nowhere"]).code, 2);
}

#[test]
fn an_ignored_finding_stays_ignored_when_the_draft_moves() {
    let w = World::new();
    w.write("project/exlint.toml", "").write(
        "project/drafts/d.txt",
        "hey, I know it's late.\nbut please come back. we need to talk\n",
    );
    let lines = |r: &Run| -> Vec<String> {
        r.stdout
            .lines()
            .map(|l| l.split(": ").nth(1).unwrap_or("").to_owned())
            .collect()
    };
    let r = w.run(&["check", "-f", "line", "drafts/d.txt"]);
    assert_eq!(lines(&r), ["error[begging]", "error[we-need-to-talk]"]);

    let r = w.run(&["ignore", "drafts/d.txt", "--rule", "begging", "--line", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("“please come back”"), "{}", r.stdout);
    let recorded = w.read("project/.exlintignore");
    assert!(recorded.contains("rule = \"begging\""), "{recorded}");
    assert!(
        !recorded.contains("line ="),
        "no positions in a fingerprint"
    );

    let r = w.run(&["check", "-f", "line", "drafts/d.txt"]);
    assert_eq!(lines(&r), ["error[we-need-to-talk]"]);

    // Lines added above the flagged words: still ignored.
    w.write(
        "project/drafts/d.txt",
        "hi\n\nso.\nhey, I know it's late.\nbut please come back. we need to talk\n",
    );
    let r = w.run(&["check", "-f", "line", "drafts/d.txt"]);
    assert_eq!(lines(&r), ["error[we-need-to-talk]"]);
    let r = w.run(&["check", "-f", "line", "--no-ignore", "drafts/d.txt"]);
    assert_eq!(lines(&r), ["error[begging]", "error[we-need-to-talk]"]);

    // Asking again says so and writes nothing new; a finding that is not there is an error.
    let r = w.run(&["ignore", "drafts/d.txt", "--rule", "begging"]);
    assert!(r.stdout.contains("already ignored"), "{}", r.stdout);
    assert_eq!(w.read("project/.exlintignore"), recorded);
    let r = w.run(&[
        "ignore",
        "drafts/d.txt",
        "--rule",
        "we-need-to-talk",
        "--match",
        "sorry",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("we need to talk"), "{}", r.stderr);
    let r = w.run(&["ignore", "drafts/d.txt", "--rule", "beging"]);
    assert!(r.stderr.contains("did you mean `begging`"), "{}", r.stderr);
}

#[test]
fn the_ignore_file_goes_next_to_the_draft_without_a_project_config() {
    let w = World::new();
    w.write("elsewhere/d.txt", "please come back");
    let draft = w.path("elsewhere/d.txt");
    let r = w.run(&["ignore", draft.to_str().unwrap(), "--rule", "begging"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.path("elsewhere/.exlintignore").is_file());
    assert_eq!(w.run(&["check", draft.to_str().unwrap()]).code, 0);
}

#[test]
fn the_user_file_comes_from_xdg_or_home() {
    let w = World::new();
    w.write("project/drafts/d.txt", "please come back");
    w.write("home/.config/exlint/config.toml", "fail-on = \"never\"\n");
    assert_eq!(w.run(&["check", "drafts/d.txt"]).code, 0);
    // XDG_CONFIG_HOME wins over HOME.
    w.write("xdg/exlint/config.toml", "fail-on = \"warning\"\n");
    let r = run(w
        .cmd(&["check", "drafts/d.txt"])
        .env("XDG_CONFIG_HOME", w.path("xdg")));
    assert_eq!(r.code, 1);
    // The project file beats the user file; profiles beat both.
    w.write(
        "project/exlint.toml",
        "fail-on = \"error\"\n[rules.begging]\nseverity = \"info\"\n\
         [profile.friend]\nfail-on = \"never\"\n[profile.strict]\nfail-on = \"info\"\n",
    );
    assert_eq!(w.run(&["check", "drafts/d.txt"]).code, 0);
    assert_eq!(
        w.run(&["check", "--profile", "strict", "drafts/d.txt"])
            .code,
        1
    );
    let r = w.run(&["check", "--profile", "strct", "drafts/d.txt"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `strict`?"), "{}", r.stderr);
}

#[test]
fn each_draft_is_held_to_its_own_folders_config() {
    let w = World::new();
    w.write("project/drafts/exlint.toml", "fail-on = \"never\"\n")
        .write("project/drafts/a.txt", "please come back")
        .write("project/b.txt", "please come back");
    assert_eq!(w.run(&["check", "drafts/a.txt"]).code, 0);
    assert_eq!(w.run(&["check", "b.txt"]).code, 1);
    let r = w.run(&["check", "drafts/a.txt", "b.txt"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .ends_with("2 drafts: 2 errors — not ready to send\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn config_prints_every_value_with_its_origin_and_reads_back() {
    let w = World::new();
    w.write(
        "home/.config/exlint/config.toml",
        "allow = [\"BAE\"]\ntimezone = \"Europe/Berlin\"\n",
    )
    .write("project/my-rules/dog.toml", DOG_RULE)
    .write(
        "project/exlint.toml",
        "fail-on = \"error\"\nrule-dirs = [\"my-rules\"]\nignore = [\"shouting\"]\n\
             [no-contact]\nsince = \"2026-10-01\"\n[rules.too-long]\nwarn-words = 40\n",
    );
    let r = w.run(&["config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    for expected in [
        "#   user     ../home/.config/exlint/config.toml",
        "#   project  exlint.toml",
        "fail-on = \"error\"",
        "# exlint.toml:1",
        "\"BAE\",",
        "# ../home/.config/exlint/config.toml:1",
        "timezone = \"Europe/Berlin\"",
        "since = \"2026-10-01\"",
        "days = 21",
        "# default",
        "[rules.\"my-rules/dog\"]",
        "warn-words = 40",
        "# exlint.toml:7",
        "error-words = 150",
        "# rules/too-long.toml",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    let shouting = out.split("[rules.shouting]").nth(1).unwrap();
    assert!(
        shouting.trim_start().starts_with("severity = \"off\""),
        "{shouting}"
    );

    // The output is a config file itself: read back in isolation, it gives the same values.
    let doc: toml::Table = toml::from_str(out).expect("exlint config prints TOML");
    assert!(doc.contains_key("rules"));
    w.write("project/effective.toml", out);
    let again = w.run(&["config", "--isolated", "--config", "effective.toml"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(" #").next().unwrap().trim_end().to_owned())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    };
    assert_eq!(values(&again.stdout), values(out));
}

#[test]
fn init_writes_a_starter_that_loads_and_never_overwrites() {
    let w = World::new();
    let r = w.run(&["init"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let starter = w.read("project/exlint.toml");
    assert!(starter.lines().all(|l| l.is_empty() || l.starts_with('#')));
    // As written it changes nothing...
    assert_eq!(w.run(&["config"]).code, 0);
    // ...and every example in it is valid once uncommented.
    let uncommented: String = starter
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.starts_with('[') || rest.split(' ').nth(1) == Some("=") => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(uncommented.contains("\nfail-on = "), "{uncommented}");
    w.write("project/my-rules/dog.toml", DOG_RULE)
        .write("project/exlint.toml", &uncommented);
    let r = w.run(&["config", "--profile", "alex"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    w.write("project/exlint.toml", "fail-on = \"never\"\n");
    let r = w.run(&["init"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(w.read("project/exlint.toml"), "fail-on = \"never\"\n");
    assert_eq!(w.run(&["init", "--force"]).code, 0);
    assert_eq!(w.read("project/exlint.toml"), starter);
}

/// Every subcommand, as clap knows it.
fn subcommands() -> Vec<String> {
    let r = run(Command::cargo_bin("exlint").unwrap().arg("--help"));
    let commands = r.stdout.split("Commands:").nth(1).unwrap();
    let names: Vec<String> = commands
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

fn has(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_parse_and_know_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, checker) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")] {
        let r = run(Command::cargo_bin("exlint")
            .unwrap()
            .args(["completions", shell]));
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for sub in subcommands() {
            assert!(r.stdout.contains(&sub), "{shell} completions lack {sub}");
        }
        for flag in ["--fail-on", "--no-ignore", "--profile", "--isolated"] {
            assert!(
                r.stdout.contains(flag.trim_start_matches('-')),
                "{shell}: {flag}"
            );
        }
        if has(checker) {
            let file = dir.path().join(format!("exlint.{shell}"));
            fs::write(&file, &r.stdout).unwrap();
            let flag = if checker == "fish" {
                "--no-execute"
            } else {
                "-n"
            };
            let out = std::process::Command::new(checker)
                .arg(flag)
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{shell} completions do not parse: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        } else {
            assert_ne!(
                shell, "bash",
                "bash is needed to check the bash completions"
            );
        }
    }
    assert_eq!(
        run(Command::cargo_bin("exlint")
            .unwrap()
            .args(["completions", "tcsh"]))
        .code,
        2
    );
}

#[test]
fn the_man_page_documents_every_subcommand() {
    let r = run(Command::cargo_bin("exlint").unwrap().arg("man"));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH exlint"),
        "roff"
    );
    assert!(r.stdout.contains(".SH SUBCOMMANDS"));
    for sub in subcommands() {
        assert!(
            r.stdout.contains(&format!("exlint\\-{sub}")),
            "man page lacks {sub}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let r = run(Command::cargo_bin("exlint")
        .unwrap()
        .args(["man", "--dir"])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = |name: &str| Path::new(dir.path()).join(format!("{name}.1"));
    for sub in subcommands() {
        assert!(
            page(&format!("exlint-{sub}")).is_file(),
            "no page for {sub}"
        );
    }
    let test_page = fs::read_to_string(page("exlint-rules-test")).unwrap();
    assert!(test_page.contains("examples"), "{test_page}");
}

/// The example in the README's Configuration section is a working config.
#[test]
fn the_readme_config_example_loads() {
    let readme = include_str!("../README.md");
    let section = readme.split("## Configuration").nth(1).unwrap();
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let w = World::new();
    w.write("project/exlint.toml", example)
        .write("project/my-rules/dog.toml", DOG_RULE);
    let r = w.run(&["config", "--profile", "alex"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("warn-words = 40"), "{}", r.stdout);
}
