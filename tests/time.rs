//! Send time, headers, conversations and `send_after`, through the real binary. The clock is
//! pinned (`EXLINT_NOW`) and so is the zone (`TZ`, or `--timezone` with an explicit IANA name):
//! nothing here depends on the machine.

use assert_cmd::Command;

fn exlint() -> Command {
    let mut cmd = Command::cargo_bin("exlint").unwrap();
    cmd.env_remove("NO_COLOR")
        .env("EXLINT_NOW", "2026-11-28T14:00:00+01:00")
        .env("TZ", "Europe/Berlin");
    cmd
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(cmd: &mut Command) -> (i32, serde_json::Value) {
    let r = run(cmd.args(["-f", "json"]));
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", r.stdout, r.stderr));
    (r.code, v)
}

fn rules(file: &serde_json::Value) -> Vec<String> {
    file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The flagged text of each finding of one rule, read from the file by byte offsets.
fn flagged(path: &str, file: &serde_json::Value, rule: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| {
            let (s, e) = (
                d["start"].as_u64().unwrap() as usize,
                d["end"].as_u64().unwrap() as usize,
            );
            text[s..e].to_owned()
        })
        .collect()
}

const CALM: &str = "Hey, I found your blue scarf in my car. Want me to leave it with Jo?";

#[test]
fn late_night_at_two_but_not_at_two_in_the_afternoon() {
    let (code, v) = json(
        exlint()
            .args(["check", "-", "--at", "2026-11-28T02:13"])
            .write_stdin(CALM),
    );
    assert_eq!(code, 1);
    let f = &v["files"][0];
    assert_eq!(rules(f), ["late-night"]);
    assert_eq!(f["send_time"], "2026-11-28T02:13:00+01:00");
    assert_eq!(f["send_after"], "2026-11-28T07:00:00+01:00");

    let (code, v) = json(
        exlint()
            .args(["check", "-", "--at", "2026-11-28T14:00"])
            .write_stdin(CALM),
    );
    assert_eq!(code, 0);
    let f = &v["files"][0];
    assert!(rules(f).is_empty());
    assert_eq!(f["send_time"], "2026-11-28T14:00:00+01:00");
    assert_eq!(f["send_after"], "2026-11-28T14:00:00+01:00");

    // No --at and no header: now (14:00) is the send time.
    let (_, v) = json(exlint().args(["check", "-"]).write_stdin(CALM));
    assert_eq!(v["files"][0]["send_time"], "2026-11-28T14:00:00+01:00");
}

#[test]
fn the_window_is_right_across_daylight_saving_changes() {
    // New York falls back in the night of 31 Oct – 1 Nov 2026: 07:00 that morning is EST.
    let (_, v) = json(
        exlint()
            .args([
                "check",
                "-",
                "--timezone",
                "America/New_York",
                "--at",
                "2026-10-31T23:30",
            ])
            .write_stdin(CALM),
    );
    let f = &v["files"][0];
    assert_eq!(rules(f), ["late-night"]);
    assert_eq!(f["send_time"], "2026-10-31T23:30:00-04:00");
    assert_eq!(f["send_after"], "2026-11-01T07:00:00-05:00");
    // Berlin springs forward on 29 Mar 2026: 07:00 that morning is CEST.
    let (_, v) = json(
        exlint()
            .args([
                "check",
                "-",
                "--timezone",
                "Europe/Berlin",
                "--at",
                "2026-03-29T01:30",
            ])
            .write_stdin(CALM),
    );
    assert_eq!(v["files"][0]["send_after"], "2026-03-29T07:00:00+02:00");
    // An instant given with another offset is judged on the writer's clock: 02:13 in New York
    // is 08:13 in Berlin.
    let (code, v) = json(
        exlint()
            .args(["check", "-", "--at", "2026-11-28T02:13:00-05:00"])
            .write_stdin(CALM),
    );
    assert_eq!(code, 0);
    assert_eq!(v["files"][0]["send_time"], "2026-11-28T08:13:00+01:00");
}

#[test]
fn no_contact_day_8_of_21_and_the_earliest_good_time() {
    let args = [
        "check",
        "-",
        "--timezone",
        "Europe/Berlin",
        "--no-contact-since",
        "2026-11-20",
        "--at",
        "2026-11-28T12:00",
    ];
    let (code, v) = json(exlint().args(args).write_stdin(CALM));
    assert_eq!(code, 1);
    let f = &v["files"][0];
    assert_eq!(rules(f), ["no-contact"]);
    let message = f["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("day 8 of 21"), "{message}");
    assert!(message.contains("Fri 11 Dec"), "{message}");
    assert_eq!(f["send_time"], "2026-11-28T12:00:00+01:00");
    assert_eq!(f["send_after"], "2026-12-11T07:00:00+01:00");

    let r = run(exlint().args(args).write_stdin(CALM));
    assert!(
        r.stdout
            .ends_with("1 warning — not ready to send — earliest good time: Fri 11 Dec 07:00\n"),
        "{}",
        r.stdout
    );
    // A longer period moves the end; the flags are validated.
    let (_, v) = json(
        exlint()
            .args(args)
            .args(["--no-contact-days", "30"])
            .write_stdin(CALM),
    );
    assert_eq!(v["files"][0]["send_after"], "2026-12-20T07:00:00+01:00");
    let r = run(exlint()
        .args(["check", "-", "--no-contact-since", "last week"])
        .write_stdin(CALM));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--no-contact-since"), "{}", r.stderr);
    let r = run(exlint()
        .args(["check", "-", "--timezone", "Mars/Olympus"])
        .write_stdin(CALM));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("IANA"), "{}", r.stderr);
}

#[test]
fn headers_give_the_send_time_and_are_not_linted() {
    let path = fixture("timed/front_matter_2am_scarf.txt");
    let (code, v) = json(exlint().args(["check", &path]));
    assert_eq!(code, 1);
    let f = &v["files"][0];
    assert_eq!(rules(f), ["late-night"]);
    assert_eq!(flagged(&path, f, "late-night"), ["2026-11-28T02:13"]);
    assert_eq!(f["send_after"], "2026-11-28T07:00:00+01:00");
    // --at wins over the header.
    let (code, v) = json(exlint().args(["check", &path, "--at", "2026-11-28T15:00"]));
    assert_eq!(code, 0, "{v}");

    let path = fixture("timed/email_saturday_morning.txt");
    let (code, v) = json(exlint().args(["check", &path]));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["files"][0]["send_time"], "2026-11-28T10:30:00+01:00");

    let r = run(exlint().args(["check", &fixture("timed/front_matter_typo.txt")]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("front_matter_typo.txt:3:"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("did you mean `send-at`"), "{}", r.stderr);
}

#[test]
fn a_whatsapp_export_flags_the_third_unanswered_message() {
    for name in ["threads/whatsapp_android.txt", "threads/whatsapp_ios.txt"] {
        let path = fixture(name);
        let (code, v) = json(exlint().args(["check", &path, "--me", "Sam"]));
        assert_eq!(code, 1);
        let f = &v["files"][0];
        assert_eq!(
            flagged(&path, f, "double-text"),
            ["are you awake?"],
            "{name}"
        );
        // Each of my messages is judged at its own time: 23:41, 23:58, 23:59, 02:14.
        assert_eq!(flagged(&path, f, "late-night").len(), 4, "{name}");
        assert_eq!(f["send_time"], serde_json::Value::Null);
    }
    // The other side's view of the same chat: Alex never double-texts.
    let (_, v) = json(exlint().args([
        "check",
        &fixture("threads/whatsapp_android.txt"),
        "--me",
        "alex",
    ]));
    assert!(!rules(&v["files"][0]).contains(&"double-text".to_owned()));
}

#[test]
fn us_exports_telegram_and_errors() {
    let path = fixture("threads/whatsapp_us_12h.txt");
    let (_, v) = json(exlint().args(["check", &path, "--me", "Jordan"]));
    let f = &v["files"][0];
    assert_eq!(
        flagged(&path, f, "double-text"),
        ["I had a really good time tonight"]
    );

    // Telegram: "me" is the one who is not the chat's name; text arrays map back into the file.
    let path = fixture("threads/telegram_result.json");
    let (_, v) = json(exlint().args(["check", &path]));
    let f = &v["files"][0];
    assert_eq!(flagged(&path, f, "social-media-tell"), ["saw your story"]);
    assert!(flagged(&path, f, "begging").contains(&"I can't do this without you".to_owned()));
    assert_eq!(rules(f).iter().filter(|r| *r == "double-text").count(), 1);

    let r = run(exlint().args([
        "check",
        &fixture("threads/whatsapp_truncated.txt"),
        "--me",
        "Sam",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("whatsapp_truncated.txt:8:"),
        "{}",
        r.stderr
    );
    let r = run(exlint().args(["check", &fixture("threads/whatsapp_android.txt")]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--me") && r.stderr.contains("Alex, Sam"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_draft_after_a_thread() {
    let draft = fixture("timed/after_the_thread.txt");
    let thread = fixture("threads/exlint_thread.json");
    let (code, v) = json(exlint().args(["check", &draft, "--thread", &thread, "--me", "Sam"]));
    assert_eq!(code, 1);
    let f = &v["files"][0];
    assert_eq!(rules(f), ["double-text", "no-contact"]);
    // The thread's last message was on 26 Nov; 21 days later is 17 Dec.
    assert_eq!(f["send_after"], "2026-12-17T07:00:00+01:00");
    // A configured since wins over the thread.
    let (_, v) = json(exlint().args([
        "check",
        &draft,
        "--thread",
        &thread,
        "--me",
        "Sam",
        "--no-contact-since",
        "2026-10-01",
    ]));
    assert_eq!(rules(&v["files"][0]), ["double-text"]);

    let r = run(exlint().args(["check", &draft, "--thread", &thread, "--me", "Jo"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--thread") && r.stderr.contains("Alex, Sam"),
        "{}",
        r.stderr
    );
    let r = run(exlint().args(["check", &draft, "--thread", &draft]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a chat export"), "{}", r.stderr);
}

#[test]
fn review_output_is_stable() {
    for (name, me) in [
        ("threads/whatsapp_android.txt", "Sam"),
        ("threads/telegram_result.json", "Sam"),
        ("timed/front_matter_2am_scarf.txt", "Sam"),
    ] {
        let r = run(exlint().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "check",
            &format!("fixtures/{name}"),
            "--me",
            me,
            "--color",
            "never",
        ]));
        let stem = name.replace(['/', '.'], "_");
        insta::assert_snapshot!(stem, r.stdout);
    }
}

#[test]
fn android_and_ios_fixtures_parse_to_the_same_messages() {
    let cx = exlint::Context {
        timezone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
        ..exlint::Context::default()
    };
    let read = |name: &str| {
        let bytes = std::fs::read(fixture(name)).unwrap();
        match exlint::input::load(bytes, name, &cx).unwrap() {
            exlint::input::Input::Conversation(c) => c
                .messages()
                .map(|m| {
                    let at = exlint::time::rfc3339(m.at.as_ref().unwrap());
                    (m.from.clone(), at, m.text().to_owned())
                })
                .collect::<Vec<_>>(),
            exlint::input::Input::Draft(_) => panic!("{name} is not read as a conversation"),
        }
    };
    let android = read("threads/whatsapp_android.txt");
    assert_eq!(android, read("threads/whatsapp_ios.txt"));
    assert_eq!(android.len(), 8, "the system notice is not a message");
    assert_eq!(
        android[2].2,
        "I'm sorry it ended like this.\nI think we both need some space for a while."
    );
}

/// Garbled input never panics: every prefix of every export either reads or is an error, and
/// what reads can be reviewed.
#[test]
fn truncated_exports_never_panic() {
    let cx = exlint::Context {
        timezone: jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
        me: Some("Sam".into()),
        ..exlint::Context::default()
    };
    let rules = exlint::RuleSet::builtin().unwrap().with_context(cx.clone());
    for name in [
        "threads/whatsapp_android.txt",
        "threads/whatsapp_ios.txt",
        "threads/whatsapp_us_12h.txt",
        "threads/telegram_result.json",
        "threads/exlint_thread.json",
        "timed/front_matter_2am_scarf.txt",
        "timed/email_saturday_morning.txt",
    ] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        // Every byte, so cuts inside a character are covered too.
        for cut in 0..=text.len() {
            let bytes = text.as_bytes()[..cut].to_vec();
            if let Ok(exlint::input::Input::Conversation(c)) = exlint::input::load(bytes, name, &cx)
            {
                if let Ok(me) = c.find_me(Some("Sam"), name) {
                    let _ = c.review(&rules, &me);
                }
            }
        }
    }
}
