//! Reading input: bytes → a `Draft`. UTF-8 only; a BOM is skipped but kept in the source so
//! spans still point into the bytes as read.

use std::fmt;

use crate::draft::{ColumnUnit, Draft, LineIndex};

/// Why some input could not become a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The bytes are not UTF-8. `offset` is the first bad byte; line and column (1-based, in
    /// chars) locate it in the valid text before it.
    InvalidUtf8 {
        path: String,
        offset: usize,
        line: usize,
        column: usize,
    },
    /// The file could not be read.
    Io { path: String, message: String },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::InvalidUtf8 {
                path,
                offset,
                line,
                column,
            } => write!(
                f,
                "{path}: not valid UTF-8 at byte {offset} (line {line}, column {column}); exlint reads UTF-8 text only"
            ),
            InputError::Io { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for InputError {}

const BOM: &str = "\u{feff}";

/// Turn raw bytes into a draft. `path` is only used in errors.
pub fn read(bytes: Vec<u8>, path: &str) -> Result<Draft, InputError> {
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // The prefix is valid by definition, so this cannot fail; be defensive anyway.
            let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
            let pos = LineIndex::new(valid).line_col(offset, ColumnUnit::Char);
            return Err(InputError::InvalidUtf8 {
                path: path.to_owned(),
                offset,
                line: pos.line + 1,
                column: pos.col + 1,
            });
        }
    };
    let start = if source.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let end = source.len();
    Ok(Draft::with_body(source, start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_offset_and_position() {
        let err = read(b"ok\nab\xffcd".to_vec(), "d.txt").unwrap_err();
        assert_eq!(
            err,
            InputError::InvalidUtf8 {
                path: "d.txt".into(),
                offset: 5,
                line: 2,
                column: 3
            }
        );
        assert!(err.to_string().contains("byte 5"));
    }

    #[test]
    fn bom_is_skipped_but_spans_stay_in_the_bytes() {
        let draft = read("\u{feff}hi there".as_bytes().to_vec(), "-").unwrap();
        assert_eq!(draft.body(), "hi there");
        assert_eq!(draft.body_span(), 3..11);
        assert_eq!(draft.words()[0], 3..5);
    }

    #[test]
    fn truncated_multibyte_char_is_an_error() {
        let mut bytes = "héllo 😀".as_bytes().to_vec();
        bytes.pop();
        assert!(matches!(
            read(bytes, "-"),
            Err(InputError::InvalidUtf8 { offset: 7, .. })
        ));
    }
}
