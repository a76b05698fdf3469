//! The one error type of the domain layer. `server` maps it to problem+json responses in
//! one place; the UI maps it to field errors and messages.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A problem with one input field: shown next to the field in forms and listed in the
/// `errors` member of a `validation_failed` problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Name of the field (`email`, `password`, ...).
    pub field: String,
    /// Stable snake_case code (`invalid_email`, `too_short`, ...).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error with its code and message.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), code: code.to_owned(), message: message.into() }
    }
}

/// Everything a domain operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The resource does not exist *for this caller* (also used for other tenants' data).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input is invalid; one entry per offending field.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The request conflicts with existing state (e.g. `email_taken`).
    #[error("{message}")]
    Conflict {
        /// Stable snake_case code.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// No (valid) credentials were presented.
    #[error("authentication required")]
    Unauthenticated,
    /// The session existed but has expired.
    #[error("your session has expired, please sign in again")]
    SessionExpired,
    /// Wrong e-mail/password combination (never says which).
    #[error("the e-mail or password is incorrect")]
    InvalidCredentials,
    /// Authenticated, allowed to see the resource, but not to do this.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// The account cannot be used yet or any more (`email_not_verified`,
    /// `approval_pending`, `account_disabled`).
    #[error("{message}")]
    AccountUnusable {
        /// Stable snake_case code.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// A single-use link is unknown, expired or already used (`link_invalid`,
    /// `link_expired`, `link_used`).
    #[error("{message}")]
    LinkUnusable {
        /// Stable snake_case code.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// `If-Match` named a version that is no longer current.
    #[error("the resource was changed by someone else (expected version {expected}, current {current})")]
    VersionMismatch {
        /// The version the caller based its change on.
        expected: i64,
        /// The version stored now.
        current: i64,
    },
    /// Too many failed attempts; try again after the given time.
    #[error("too many failed attempts, try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled {
        /// How long the caller must wait.
        retry_after: Duration,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Any other internal failure (the message is logged, never shown).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// A one-line description naming every invalid field (for logs and the command line,
    /// where there is no form to show field errors on).
    pub fn describe(&self) -> String {
        match self {
            DomainError::Invalid(fields) => {
                fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        }
    }

    /// A validation error for one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// Maps a unique-constraint violation to a [`DomainError::Conflict`]; other database
    /// errors pass through.
    pub(crate) fn conflict_on_unique(err: sea_orm::DbErr, code: &'static str, message: &str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::Conflict { code, message: message.to_owned() },
            _ => Self::Database(err),
        }
    }
}
