//! `path:line:col: severity[rule]: message` — one finding per line, for vim/emacs quickfix lists
//! and CI problem matchers.

use std::io::{self, Write};

use super::{FileResult, Outcome, position};

pub fn render(out: &mut dyn Write, files: &[FileResult<'_>]) -> io::Result<()> {
    for file in files {
        if let Outcome::Linted { draft, diagnostics } = &file.outcome {
            for d in diagnostics.iter() {
                let (line, col) = position(draft, d.span.start);
                writeln!(
                    out,
                    "{}:{line}:{col}: {}[{}]: {}",
                    file.path, d.severity, d.rule, d.message
                )?;
            }
        }
    }
    Ok(())
}
