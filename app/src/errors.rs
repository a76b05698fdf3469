//! The typed error of every server function, and how the UI shows it: field errors next
//! to their inputs, anything else as a message above the form.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The field's `name`.
    pub field: String,
    /// Stable code (`too_short`, `email_taken`, ...).
    pub code: String,
    /// What to tell the user.
    pub message: String,
}

/// Why a server function did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some inputs are invalid.
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldProblem>),
    /// The request was refused (`not_found`, `forbidden`, `too_many_attempts`, ...).
    #[error("{message}")]
    Refused {
        /// Stable code.
        code: String,
        /// What to tell the user.
        message: String,
    },
    /// The caller must sign in (again, when `expired`).
    #[error("{}", if *expired { "Your session has expired. Please sign in again." } else { "Please sign in to continue." })]
    SignInRequired {
        /// The session existed but expired.
        expired: bool,
    },
    /// The request did not get through (network, server error).
    #[error("Something went wrong: {0}")]
    Failed(String),
}

impl AppError {
    /// The message for field `name`, if it has one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(fields) => fields.iter().find(|f| f.field == name).map(|f| f.message.clone()),
            _ => None,
        }
    }

    /// The stable code of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            AppError::Refused { code, .. } => Some(code),
            AppError::Invalid(_) => Some("validation_failed"),
            AppError::SignInRequired { expired: true } => Some("session_expired"),
            AppError::SignInRequired { expired: false } => Some("unauthenticated"),
            AppError::Failed(_) => None,
        }
    }

    /// A refusal with a code and message.
    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        AppError::Refused { code: code.to_owned(), message: message.into() }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Failed(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::DomainError> for AppError {
    fn from(error: domain::DomainError) -> Self {
        use domain::DomainError as E;
        let message = error.to_string();
        match error {
            E::Invalid(fields) => AppError::Invalid(
                fields.into_iter().map(|f| FieldProblem { field: f.field, code: f.code, message: f.message }).collect(),
            ),
            E::Unauthenticated => AppError::SignInRequired { expired: false },
            E::SessionExpired => AppError::SignInRequired { expired: true },
            E::NotFound(_) => AppError::refused("not_found", message),
            E::Conflict { code, .. } | E::AccountUnusable { code, .. } | E::LinkUnusable { code, .. } => {
                AppError::refused(code, message)
            }
            E::InvalidCredentials => AppError::refused("invalid_credentials", message),
            E::Forbidden => AppError::refused("forbidden", message),
            E::VersionMismatch { .. } => AppError::refused("precondition_failed", message),
            E::Throttled { .. } => AppError::refused("too_many_attempts", message),
            E::Database(_) | E::Internal(_) => {
                tracing::error!(error = %message, "internal error in a server function");
                AppError::Failed("an internal error occurred; please try again".into())
            }
        }
    }
}
