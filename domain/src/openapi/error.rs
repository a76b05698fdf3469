//! Import errors, each naming where it is (a JSON pointer and, when known, the line and
//! column), and the collector the importer reports them to while it walks the document.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::MAX_ERRORS;
use super::loc::Loc;

/// Most warnings kept; more are summed up in one last warning.
const MAX_WARNINGS: usize = 100;

/// One problem of an API description that stops it from being imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportError {
    /// JSON pointer (RFC 6901) to the offending value, e.g.
    /// `/paths/~1pets~1{petId}/get/responses`; empty for the whole document. A missing
    /// field is named by the pointer it would have.
    pub pointer: String,
    /// 1-based line of the value (for a missing field: of the nearest enclosing value), when
    /// the position is known: always for YAML, for JSON when the text could be scanned.
    pub line: Option<u32>,
    /// 1-based column (in characters) that goes with `line`.
    pub column: Option<u32>,
    /// What is wrong, in words.
    pub message: String,
}

impl ImportError {
    /// An error at `pointer` with no position yet.
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), line: None, column: None, message: message.into() }
    }

    /// An error at `pointer`, at a known 1-based line and column.
    pub(crate) fn at(pointer: impl Into<String>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), line: to_u32(line), column: to_u32(column), message: message.into() }
    }
}

fn to_u32(n: usize) -> Option<u32> {
    u32::try_from(n).ok()
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str("document")?;
        } else {
            f.write_str(&self.pointer)?;
        }
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, " (line {line}, column {column})")?,
            (Some(line), None) => write!(f, " (line {line})")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

/// Why an API description was refused: every problem found (at most
/// [`MAX_ERRORS`](super::MAX_ERRORS) of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportErrors {
    /// The problems, in document order when positions are known.
    pub errors: Vec<ImportError>,
    /// Whether more problems were found than are listed.
    pub truncated: bool,
}

impl ImportErrors {
    /// A refusal with a single error.
    pub(crate) fn one(error: ImportError) -> Self {
        Self { errors: vec![error], truncated: false }
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 5;
        let count = self.errors.len();
        let more = if self.truncated { " or more" } else { "" };
        write!(
            f,
            "the API description cannot be imported ({count}{more} error{}):",
            if count == 1 { "" } else { "s" }
        )?;
        for error in self.errors.iter().take(SHOWN) {
            write!(f, "\n  {error}")?;
        }
        if count > SHOWN {
            write!(f, "\n  … and {} more", count - SHOWN)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

/// Collects errors (de-duplicated, capped) and warnings while the importer walks a document.
#[derive(Debug, Default)]
pub(crate) struct Diag {
    errors: Vec<ImportError>,
    seen: HashSet<(String, String)>,
    truncated: bool,
    warnings: Vec<String>,
    warnings_seen: HashSet<String>,
    warnings_dropped: usize,
}

impl Diag {
    /// Reports an error at `loc`.
    pub(crate) fn error(&mut self, loc: &Loc<'_>, message: impl Into<String>) {
        self.error_at(loc.pointer(), message);
    }

    /// Reports an error at an already built pointer.
    pub(crate) fn error_at(&mut self, pointer: String, message: impl Into<String>) {
        let key = (pointer, message.into());
        if self.seen.contains(&key) {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.truncated = true;
            return;
        }
        self.errors.push(ImportError::new(key.0.clone(), key.1.clone()));
        self.seen.insert(key);
    }

    /// Reports a warning (the same text is kept once).
    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        let message = message.into();
        if self.warnings_seen.contains(&message) {
            return;
        }
        if self.warnings.len() >= MAX_WARNINGS {
            self.warnings_dropped += 1;
            return;
        }
        self.warnings_seen.insert(message.clone());
        self.warnings.push(message);
    }

    /// Whether any error was reported.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether errors were dropped for lack of room, so walking on is pointless.
    pub(crate) fn is_full(&self) -> bool {
        self.truncated
    }

    /// The errors reported so far (without positions).
    pub(crate) fn into_errors(self) -> ImportErrors {
        ImportErrors { errors: self.errors, truncated: self.truncated }
    }

    /// The warnings, with a last line counting those left out.
    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        let mut warnings = std::mem::take(&mut self.warnings);
        if self.warnings_dropped > 0 {
            warnings.push(format!("… and {} more warnings", self.warnings_dropped));
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_deduplicated_and_capped() {
        let mut diag = Diag::default();
        diag.error_at("/a".into(), "bad");
        diag.error_at("/a".into(), "bad");
        assert_eq!(diag.errors.len(), 1);
        for i in 0..2 * MAX_ERRORS {
            diag.error_at(format!("/b/{i}"), "bad");
        }
        let errors = diag.into_errors();
        assert_eq!(errors.errors.len(), MAX_ERRORS);
        assert!(errors.truncated);
    }

    #[test]
    fn display_names_the_place() {
        let error = ImportError::at("/info", 2, 3, "missing title");
        assert_eq!(error.to_string(), "/info (line 2, column 3): missing title");
        let errors = ImportErrors::one(ImportError::new("", "not a mapping"));
        assert_eq!(errors.to_string(), "the API description cannot be imported (1 error):\n  document: not a mapping");
    }
}
