//! Every input a fuzzer ever crashed exlint with, replayed through the same harness the fuzz
//! targets use (`fuzz/src/lib.rs`). Files live in `tests/fuzz_regressions/<target>/`; CI runs
//! these, not the fuzzers (see README, "Fuzzing").

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use std::fs;
use std::path::Path;

#[test]
fn every_saved_crash_input_is_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut replayed = 0;
    for entry in fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some((_, target)) = harness::TARGETS.iter().find(|(n, _)| *n == name) else {
            panic!("tests/fuzz_regressions/{name}: no fuzz target of that name");
        };
        let mut inputs: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        for input in inputs {
            let data = fs::read(&input).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(result.is_ok(), "{} still fails", input.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} saved fuzz inputs");
}

/// The harness itself runs on ordinary inputs: every fixture through every target.
#[test]
fn fixtures_pass_every_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("threads"), root.join("timed")] {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    for file in files {
        let data = fs::read(&file).unwrap();
        for (name, target) in harness::TARGETS {
            if *name == "lsp" || *name == "config" {
                continue; // not meaningful on drafts, and covered by their own tests
            }
            target(&data);
        }
    }
}
