//! Files exlint writes (`exlint init`'s exlint.toml, `exlint ignore`'s .exlintignore) go through
//! `exlint::fs::write_atomic`: many processes writing at once never leave a partial or corrupt
//! file, and a reader never sees one.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use assert_cmd::cargo::CommandCargoExt;
use exlint::config::ignore::IgnoreList;
use exlint::error::TextFile;

fn exlint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("exlint").unwrap();
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-home");
    cmd.current_dir(dir)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("EXLINT_NOW", "2026-11-28T14:00:00+00:00")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn parses_as_ignore_file(text: &str) -> bool {
    IgnoreList::parse(&TextFile {
        path: ".exlintignore".into(),
        text: text.to_owned(),
    })
    .is_ok()
}

#[test]
fn concurrent_init_and_ignore_never_leave_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    // A project file to start from, and a draft with a finding on each of several lines.
    fs::write(root.join("exlint.toml"), exlint::config::STARTER).unwrap();
    let phrases = [
        "we need to talk.",
        "we have to talk.",
        "we need to talk tonight.",
    ];
    let draft: String = (0..9)
        .map(|i| format!("{}\n", phrases[i % phrases.len()]))
        .collect();
    fs::write(root.join("d.txt"), draft).unwrap();

    // A reader checking, as fast as it can, that whatever is on disk parses.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, root) = (stop.clone(), root.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                let config = fs::read_to_string(root.join("exlint.toml")).unwrap();
                assert_eq!(
                    config,
                    exlint::config::STARTER,
                    "exlint.toml was seen half written"
                );
                if let Ok(ignore) = fs::read_to_string(root.join(".exlintignore")) {
                    assert!(
                        parses_as_ignore_file(&ignore),
                        "a partial .exlintignore:\n{ignore}"
                    );
                }
                reads += 1;
            }
            reads
        })
    };

    let mut children = Vec::new();
    for round in 0..4 {
        for line in 1..=9 {
            let mut cmd = exlint(&root);
            if line % 3 == 0 {
                cmd.args(["init", "--force", "."]);
            } else {
                let line = line.to_string();
                cmd.args([
                    "ignore",
                    "d.txt",
                    "--rule",
                    "we-need-to-talk",
                    "--line",
                    &line,
                ]);
            }
            children.push((round, line, cmd.spawn().unwrap()));
        }
    }
    for (round, line, child) in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round}, line {line}: {stderr}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 0);

    let ignore = fs::read_to_string(root.join(".exlintignore")).unwrap();
    assert!(parses_as_ignore_file(&ignore), "{ignore}");
    assert!(
        !IgnoreList::parse(&TextFile {
            path: "i".into(),
            text: ignore.clone()
        })
        .unwrap()
        .is_empty()
    );
    assert_eq!(
        fs::read_to_string(root.join("exlint.toml")).unwrap(),
        exlint::config::STARTER
    );
    // No temporary files left behind.
    let mut names: Vec<String> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".exlintignore", "d.txt", "exlint.toml"]);
}

#[cfg(unix)]
#[test]
fn init_force_keeps_the_files_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exlint.toml");
    fs::write(&path, "fail-on = \"error\"\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let out = exlint(dir.path())
        .args(["init", "--force", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fs::read_to_string(&path).unwrap(), exlint::config::STARTER);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
}
