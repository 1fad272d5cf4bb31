//! The real binary, end to end: inputs, formats, exit codes, errors.

use std::path::Path;

use assert_cmd::Command;
use unicode_width::UnicodeWidthStr;

fn exlint() -> Command {
    let mut cmd = Command::cargo_bin("exlint").unwrap();
    // Deterministic: no colour from the environment, a pinned clock and zone, and no user config
    // (a HOME that does not exist).
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-home");
    cmd.env_remove("NO_COLOR")
        .env("EXLINT_NOW", "2026-11-28T14:00:00+00:00")
        .env("TZ", "UTC")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("APPDATA");
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
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(cmd: &mut Command) -> (i32, serde_json::Value) {
    let r = run(cmd);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout));
    (r.code, v)
}

#[test]
fn begging_on_stdin_exits_1_and_underlines_the_plea() {
    let input = "pls come back, i cant live w/o u";
    let r = run(exlint().args(["check", "-"]).write_stdin(input));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("error[begging]"), "{}", r.stdout);

    let (code, v) = json(
        exlint()
            .args(["check", "-", "--format", "json"])
            .write_stdin(input),
    );
    assert_eq!(code, 1);
    let flagged: Vec<&str> = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "begging")
        .map(|d| &input[d["start"].as_u64().unwrap() as usize..d["end"].as_u64().unwrap() as usize])
        .collect();
    assert!(flagged.contains(&"pls come back"), "{flagged:?}");
    assert!(flagged.contains(&"i cant live w/o u"), "{flagged:?}");
}

#[test]
fn calm_draft_exits_0_with_a_clean_summary() {
    let r = run(exlint().args(["check", "-"]).write_stdin(
        "Hey, hope you're doing well. Saw a dog that looked just like Biscuit today 🙂",
    ));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "no problems — ready to send\n");
    let r = run(exlint().args(["check", &fixture("calm_first_message.txt")]));
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn json_is_one_object_with_spans_on_char_boundaries() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    let (code, v) = json(
        exlint()
            .arg("check")
            .args(&files)
            .args(["--format", "json"]),
    );
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let mut total = 0;
    for file in v["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        for d in file["diagnostics"].as_array().unwrap() {
            total += 1;
            let (start, end) = (
                d["start"].as_u64().unwrap() as usize,
                d["end"].as_u64().unwrap() as usize,
            );
            assert!(start < end && end <= text.len(), "{path}: {d}");
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{path}: {d}"
            );
            // line/column agree with the byte offset (columns in chars, 1-based).
            let before = &text[..start];
            let line = before.split_inclusive(['\n']).count().max(1);
            let line = if before.ends_with('\n') {
                line + 1
            } else {
                line
            };
            let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            assert_eq!(d["line"].as_u64().unwrap() as usize, line, "{path}: {d}");
            assert_eq!(
                d["column"].as_u64().unwrap() as usize,
                text[line_start..start].chars().count() + 1
            );
            for key in [
                "rule",
                "severity",
                "message",
                "help",
                "end_line",
                "end_column",
            ] {
                assert!(!d[key].is_null(), "{path}: missing {key}");
            }
            // Phrase and pattern messages quote the user's own words.
            let flagged: String = text[start..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if d["message"].as_str().unwrap().contains('“') && flagged.chars().count() < 55 {
                assert!(
                    d["message"].as_str().unwrap().contains(&flagged),
                    "{path}: {d}"
                );
            }
        }
    }
    assert!(total > 40, "only {total} diagnostics over all fixtures");
    let s = &v["summary"];
    assert_eq!(
        s["errors"].as_u64().unwrap()
            + s["warnings"].as_u64().unwrap()
            + s["infos"].as_u64().unwrap(),
        total
    );
}

#[test]
fn invalid_utf8_on_stdin_exits_2_naming_the_byte() {
    let r = run(exlint()
        .args(["check", "-"])
        .write_stdin(b"hey\nyou \xff up".to_vec()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("byte 8"), "{}", r.stderr);
    assert!(r.stderr.contains("line 2, column 5"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"));
}

#[test]
fn line_format_is_quickfix_friendly() {
    let r = run(exlint().args(["check", "--format", "line", &fixture("late_night_plea.txt")]));
    assert_eq!(r.code, 1);
    let re = regex::Regex::new(r"^\S+:\d+:\d+: (error|warning|info)\[[a-z-]+\]: .+$").unwrap();
    assert!(!r.stdout.is_empty());
    for line in r.stdout.lines() {
        assert!(re.is_match(line), "{line:?}");
    }
}

#[test]
fn fail_on_and_quiet_decide_the_exit_code() {
    let warn_only = "hey, how are you? how's work? is the flat ok? did the cat settle in?";
    let code = |args: &[&str]| {
        run(exlint()
            .args(["check", "-"])
            .args(args)
            .write_stdin(warn_only))
        .code
    };
    assert_eq!(code(&[]), 1, "warnings fail by default");
    assert_eq!(code(&["--fail-on", "error"]), 0);
    assert_eq!(code(&["--fail-on", "info"]), 1);
    assert_eq!(code(&["--fail-on", "never"]), 0);
    let r = run(exlint()
        .args(["check", "-", "--quiet"])
        .write_stdin(warn_only));
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (1, "", ""));
    let r = run(exlint()
        .args(["check", "-", "--fail-on", "error"])
        .write_stdin(warn_only));
    assert!(
        r.stdout.ends_with("1 warning — ready to send\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let plea = "please come back";
    let esc = |r: &Run| r.stdout.contains('\x1b');
    assert!(
        !esc(&run(exlint().args(["check", "-"]).write_stdin(plea))),
        "piped output is plain"
    );
    assert!(esc(&run(exlint()
        .args(["check", "-", "--color", "always"])
        .write_stdin(plea))));
    assert!(!esc(&run(exlint()
        .args(["check", "-", "--color", "never"])
        .write_stdin(plea))));
    assert!(!esc(&run(exlint()
        .args(["check", "-"])
        .env("NO_COLOR", "1")
        .write_stdin(plea))));
}

/// ariadne draws the underline in display columns: after emoji (2 columns wide each) it must still
/// sit exactly under the flagged words.
#[test]
fn underline_stays_under_the_words_after_emoji_and_cjk() {
    for line in [
        "🥺💔 pls come back",
        "美咲、🥺 please come back",
        "Zoe\u{308} 🥺 please come back",
    ] {
        let r = run(exlint()
            .args(["check", "-", "--color", "never"])
            .write_stdin(line));
        let lines: Vec<&str> = r.stdout.lines().collect();
        let src = lines
            .iter()
            .position(|l| l.ends_with(line))
            .expect("source line shown");
        let text_col = lines[src].width() - line.width();
        let under = lines[src + 1];
        let first = under
            .char_indices()
            .find(|(i, c)| *i > 0 && "─┬".contains(*c))
            .unwrap()
            .0;
        let underline_col = under[..first].width();
        let flagged_start = ["pls", "please"]
            .iter()
            .filter_map(|w| line.find(w))
            .min()
            .unwrap();
        assert_eq!(
            underline_col - text_col,
            line[..flagged_start].width(),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn rules_and_explain_document_every_rule() {
    let r = run(exlint().arg("rules"));
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 20);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("begging") && l.contains("error"))
    );

    let r = run(exlint().args(["explain", "begging"]));
    assert_eq!(r.code, 0);
    for part in [
        "From the guide: step",
        "## Why it matters",
        "✗ flagged:",
        "✓ fine:",
    ] {
        assert!(r.stdout.contains(part), "missing {part:?}:\n{}", r.stdout);
    }
    let r = run(exlint().args(["explain", "beging"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `begging`"), "{}", r.stderr);
}

#[test]
fn a_missing_file_does_not_stop_the_others() {
    let r = run(exlint().args([
        "check",
        "--format",
        "line",
        &fixture("late_night_plea.txt"),
        "does/not/exist.txt",
        &fixture("calm_first_message.txt"),
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does/not/exist.txt: no such file"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("late_night_plea.txt:"), "{}", r.stdout);
}

#[test]
fn a_directory_is_a_clear_error() {
    let r = run(exlint().args(["check", env!("CARGO_MANIFEST_DIR")]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

#[test]
fn bom_and_crlf_spans_point_into_the_bytes_as_read() {
    for (name, input) in [
        ("bom", "\u{feff}we need to talk".to_string()),
        ("crlf", "hi\r\nwe need to talk\r\n".to_string()),
        ("cr", "hi\rwe need to talk\r".to_string()),
    ] {
        let (_, v) = json(
            exlint()
                .args(["check", "-", "-f", "json"])
                .write_stdin(input.clone()),
        );
        let d = &v["files"][0]["diagnostics"][0];
        let (s, e) = (
            d["start"].as_u64().unwrap() as usize,
            d["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&input[s..e], "we need to talk", "{name}");
        let expected_line = if name == "bom" { 1 } else { 2 };
        assert_eq!(
            (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()),
            (expected_line, if name == "bom" { 2 } else { 1 }),
            "{name}"
        );
    }
}

#[test]
fn at_is_validated_and_bad_usage_exits_2() {
    assert_eq!(
        run(exlint()
            .args(["check", "-", "--at", "2026-11-28T14:13"])
            .write_stdin("hi"))
        .code,
        0
    );
    // 02:13 is late at night: a time rule fires, so the exit code is 1.
    assert_eq!(
        run(exlint()
            .args(["check", "-", "--at", "2026-11-28T02:13:00+01:00"])
            .write_stdin("hi"))
        .code,
        1
    );
    let r = run(exlint()
        .args(["check", "-", "--at", "tomorrowish"])
        .write_stdin("hi"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--at"), "{}", r.stderr);
    assert_eq!(
        run(exlint()
            .args(["check", "--format", "yaml", "-"])
            .write_stdin("hi"))
        .code,
        2
    );
    assert_eq!(run(exlint().arg("frobnicate")).code, 2);
    assert_eq!(run(exlint().arg("--help")).code, 0);
}

#[test]
fn empty_and_whitespace_input_are_clean() {
    for input in ["", "   \n\n\t ", "🙂"] {
        let r = run(exlint().args(["check", "-"]).write_stdin(input));
        assert_eq!(r.code, 0, "{input:?}: {}", r.stdout);
    }
}
