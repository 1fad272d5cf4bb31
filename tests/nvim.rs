//! End to end with a real editor as the client: headless Neovim (Debian's 0.7 or newer) runs
//! tests/nvim/lsp_e2e.lua, which starts `exlint lsp` for a draft, waits for diagnostics, edits the
//! buffer without saving and sees them update, hovers, and applies a quick fix.
//!
//! Skipped (with a note) when `nvim` is not installed; `.ci/run` installs it so CI always runs it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_shows_live_diagnostics_hover_and_fixes() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED neovim_shows_live_diagnostics_hover_and_fixes: `nvim` is not installed (apt-get install neovim)"
        );
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nvim-e2e");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let draft = dir.join("draft.txt");
    std::fs::write(&draft, "😀 we need to talk.\nplease come back\n").unwrap();
    let report = dir.join("report.txt");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/lsp_e2e.lua");

    let mut nvim = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("EXLINT_BIN", env!("CARGO_BIN_EXE_exlint"))
        .env("EXLINT_DRAFT", &draft)
        .env("EXLINT_OUT", &report)
        // Keep Neovim's log and state inside the test's folder.
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        // And exlint's clock, zone and user config: the time rules must not fire at night.
        .env("HOME", dir.join("home"))
        .env("EXLINT_NOW", "2026-11-28T14:00:00+00:00")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = nvim.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = nvim.kill();
            let _ = nvim.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let report = std::fs::read_to_string(&report).unwrap_or_default();
    eprintln!("--- report from Neovim ---\n{report}---");
    let status = status.expect("Neovim did not finish within 90 s");
    assert!(
        report.trim_end().ends_with("OK"),
        "the script failed: {report}"
    );
    assert!(status.success(), "nvim exited with {status}");

    let lines: Vec<&str> = report.lines().collect();
    let has = |line: &str| lines.contains(&line);
    assert!(
        has("filetype text"),
        "Neovim sends languageId `text` for .txt"
    );
    // Byte columns as Neovim shows them: "😀 " is 5 bytes (2 UTF-16 units + 1 on the wire).
    assert!(has("open we-need-to-talk 0:5-0:20"), "{report}");
    assert!(has("open begging 1:0-1:16"), "{report}");
    assert!(has("modified true"), "the edit is not saved");
    assert!(has("edited shouting 1:0-1:16"), "{report}");
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("edited ") && !l.starts_with("edited shouting")),
        "only shouting after the edit: {report}"
    );
    assert!(
        has(
            "hover **shouting** (warning): words in capitals or piles of !!! / ??? that read as shouting"
        ),
        "{report}"
    );
    assert!(
        has("action Replace “THAT IS SO FUNNY” with “that is so funny” (read it before sending)"),
        "{report}"
    );
    assert!(
        has("action Disable rule `shouting` in exlint.toml"),
        "{report}"
    );
    assert!(has("line after fix that is so funny"), "{report}");
}
