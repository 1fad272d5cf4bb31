//! Write a generated year of WhatsApp chat (see `whatsapp_export.rs`) to standard output, for
//! measuring `exlint check` on big exports:
//!
//! ```sh
//! cargo run --release --example gen-export -- 100MiB > /tmp/export.txt
//! /usr/bin/time -v target/release/exlint check /tmp/export.txt --me Sam -q
//! ```
//!
//! Arguments: a size (`10MiB`, `500KB`, a byte count) and an optional seed (default 1).

use std::io::Write;
use std::process::ExitCode;

#[path = "whatsapp_export.rs"]
mod whatsapp_export;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (size, seed) = match &args[..] {
        [size] => (size.as_str(), "1"),
        [size, seed] => (size.as_str(), seed.as_str()),
        _ => {
            eprintln!("usage: gen-export SIZE [SEED]   (SIZE like 10MiB, 500KB or a byte count)");
            return ExitCode::from(2);
        }
    };
    let bytes = match exlint::input::parse_size(size) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Ok(seed) = seed.parse::<u64>() else {
        eprintln!("error: the seed is a whole number, not `{seed}`");
        return ExitCode::from(2);
    };
    let Ok(bytes) = usize::try_from(bytes) else {
        eprintln!("error: {size} is too big for this machine");
        return ExitCode::from(2);
    };
    let text = whatsapp_export::whatsapp_export(bytes, seed);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
