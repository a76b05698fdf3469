//! Reading a snapshot from JSON or YAML text, with errors that say where they are: the
//! field path (`apis[0].upstream.endpoints[1].url`) and, for syntax and type errors, the
//! line and column.

use serde::de::DeserializeOwned;

use super::Snapshot;

/// A snapshot that could not be read or compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location_prefix(.path, .line, .column))]
pub struct LoadError {
    /// Field path of the offending value (`apis[0].context`); empty for the document.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl LoadError {
    /// An error about the value at `path` (no position known).
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), line: None, column: None, message: message.into() }
    }
}

fn location_prefix(path: &str, line: &Option<usize>, column: &Option<usize>) -> String {
    let position = match (line, column) {
        (Some(line), Some(column)) => format!("line {line} column {column}"),
        (Some(line), None) => format!("line {line}"),
        _ => String::new(),
    };
    match (path.is_empty(), position.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("{position}: "),
        (false, true) => format!("{path}: "),
        (false, false) => format!("{path} ({position}): "),
    }
}

/// Parses a snapshot: JSON when the text starts with `{`, YAML otherwise.
pub fn parse(text: &[u8]) -> Result<Snapshot, LoadError> {
    let snapshot: Snapshot =
        if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') { from_json(text)? } else { from_yaml(text)? };
    if snapshot.format != super::FORMAT {
        return Err(LoadError::at(
            "format",
            format!("unknown format `{}`; this gateway reads `{}`", snapshot.format, super::FORMAT),
        ));
    }
    Ok(snapshot)
}

fn from_json<T: DeserializeOwned>(text: &[u8]) -> Result<T, LoadError> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = clean_path(error.path().to_string());
        let inner = error.into_inner();
        LoadError { path, line: Some(inner.line()), column: Some(inner.column()), message: strip_position(&inner) }
    })
}

fn from_yaml<T: DeserializeOwned>(text: &[u8]) -> Result<T, LoadError> {
    let deserializer = serde_norway::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = clean_path(error.path().to_string());
        let inner = error.into_inner();
        let location = inner.location();
        let message = strip_path(strip_position(&inner), &path);
        LoadError {
            path,
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message,
        }
    })
}

/// The YAML parser starts some messages with (part of) the path, reported separately.
fn strip_path(message: String, path: &str) -> String {
    match message.split_once(": ") {
        Some((head, tail)) if !head.is_empty() && path.starts_with(head) => tail.to_owned(),
        _ => message,
    }
}

/// `serde_path_to_error` writes `.` for the root; we write nothing.
fn clean_path(path: String) -> String {
    if path == "." { String::new() } else { path }
}

/// Parser messages end with their own "at line X column Y"; the position is reported
/// separately, so it is cut from the message.
fn strip_position(error: &impl std::fmt::Display) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_errors_name_the_field_and_the_line() {
        let text = b"apis:\n  - id: a\n    name: A\n    context: /a\n    version: v1\n    upstream:\n      endpoints:\n        - url: http://x\n          weight: heavy\n";
        let error = parse(text).unwrap_err();
        assert_eq!(error.path, "apis[0].upstream.endpoints[0].weight");
        assert_eq!(error.line, Some(9));
        assert!(error.to_string().starts_with("apis[0].upstream.endpoints[0].weight (line 9 column"), "{error}");
    }

    #[test]
    fn json_errors_name_the_field_and_the_line() {
        let text = b"{\"apis\": [\n {\"id\": \"a\", \"nme\": \"A\"}]}";
        let error = parse(text).unwrap_err();
        assert_eq!(error.path, "apis[0].nme");
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("unknown field `nme`"), "{error}");
    }

    #[test]
    fn an_empty_file_is_an_empty_configuration_and_formats_are_checked() {
        assert_eq!(parse(b"{}").unwrap().apis.len(), 0);
        assert_eq!(parse(b"format: other/v9\n").unwrap_err().path, "format");
    }
}
