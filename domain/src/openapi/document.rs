//! Reading the bytes of an API description: size limit, UTF-8, JSON-or-YAML detection and
//! parsing into a JSON value tree; and turning the pointers of errors into line/column
//! positions afterwards.

use std::collections::HashSet;

use serde_json::Value;

use super::error::{ImportError, ImportErrors};
use super::loc::parent;
use super::{MAX_DEPTH, MAX_INPUT_BYTES, yaml};

/// A parsed document.
#[derive(Debug)]
pub(crate) struct Document<'t> {
    /// The text, without a byte-order mark.
    pub text: &'t str,
    /// The value tree.
    pub root: Value,
}

/// Parses `bytes` (JSON or YAML, at most [`MAX_INPUT_BYTES`]).
pub(crate) fn parse(bytes: &[u8]) -> Result<Document<'_>, ImportErrors> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImportErrors::one(ImportError::new(
            "",
            format!(
                "the document is {:.1} MiB; the limit is {} MiB",
                bytes.len() as f64 / (1024.0 * 1024.0),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        )));
    }
    let text = decode(bytes).map_err(ImportErrors::one)?;
    // JSON when the first non-blank character is `{`, else YAML.
    let root = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|error| ImportErrors::one(json_error(&error)))?
    } else {
        yaml::load(text).map_err(|errors| ImportErrors { errors, truncated: false })?
    };
    Ok(Document { text, root })
}

/// The text of `bytes`: UTF-8, with an optional byte-order mark.
fn decode(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(ImportError::new("", "the document is UTF-16 or UTF-32 text; save it as UTF-8"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        ImportError::at("", line, column, "the document is not UTF-8 text")
    })
}

fn json_error(error: &serde_json::Error) -> ImportError {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the position has fields of its own.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    let message = if message.contains("recursion limit exceeded") {
        format!("the document is nested more than {MAX_DEPTH} levels deep")
    } else {
        format!("JSON syntax error: {message}")
    };
    ImportError::at("", error.line(), error.column(), message)
}

impl Document<'_> {
    /// Adds line and column to the errors (the position of the nearest enclosing value
    /// for a pointer that is not in the text) and sorts them by position.
    pub(crate) fn locate(&self, mut errors: ImportErrors) -> ImportErrors {
        let mut wanted = HashSet::new();
        for error in &errors.errors {
            let mut pointer = Some(error.pointer.as_str());
            while let Some(here) = pointer {
                if !wanted.insert(here.to_owned()) {
                    break;
                }
                pointer = parent(here);
            }
        }
        let found = yaml::locate(self.text, &wanted);
        for error in &mut errors.errors {
            let mut pointer = Some(error.pointer.as_str());
            while let Some(here) = pointer {
                if let Some(&(line, column)) = found.get(here) {
                    error.line = u32::try_from(line).ok();
                    error.column = u32::try_from(column).ok();
                    break;
                }
                pointer = parent(here);
            }
        }
        errors.errors.sort_by_key(|error| (error.line.unwrap_or(u32::MAX), error.column.unwrap_or(u32::MAX)));
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_are_told_apart() {
        // `0x10` is a number in YAML and a syntax error in JSON.
        let json = parse(b"  \n {\"a\": 0x10}").map(|d| d.root);
        assert!(json.is_err());
        let yaml = parse(b"a: 0x10\n").map(|d| d.root);
        assert_eq!(yaml.ok(), Some(serde_json::json!({"a": 16})));
        let bom = parse(b"\xEF\xBB\xBF{\"a\": 1}").map(|d| d.root);
        assert_eq!(bom.ok(), Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn bad_bytes_name_their_position() {
        let errors = parse(b"a: 1\nb: \xFF\n").err().map(|e| e.errors).unwrap_or_default();
        assert_eq!(errors, vec![ImportError::at("", 2, 4, "the document is not UTF-8 text")]);
        let errors = parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}").err().map(|e| e.errors).unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(7)));
        assert!(errors[0].message.starts_with("JSON syntax error: expected `:`"), "{}", errors[0].message);
    }

    #[test]
    fn limits_are_enforced() {
        let big = vec![b' '; MAX_INPUT_BYTES + 1];
        let errors = parse(&big).err().map(|e| e.errors).unwrap_or_default();
        assert!(errors[0].message.contains("the limit is 20 MiB"), "{errors:?}");
        let deep = format!("{}{}", "{\"a\":".repeat(200), "}".repeat(200));
        let errors = parse(deep.as_bytes()).err().map(|e| e.errors).unwrap_or_default();
        assert!(errors[0].message.contains("nested more than"), "{errors:?}");
    }
}
