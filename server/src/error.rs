//! The REST API's one error type: every [`DomainError`] (and every request the API
//! refuses before reaching the domain) becomes an RFC 9457 `application/problem+json`
//! response with a stable snake_case `code` and the request id, in this one place. 5xx
//! bodies are generic; their cause is logged, never sent.

use axum::response::{IntoResponse, Response};
use domain::{DomainError, FieldError};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::request_context;

/// An error answered by the REST API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
}

/// The problem document (RFC 9457) with Portico's extension members.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the `code` member identifies the problem.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// Short summary of the status.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for humans.
    pub detail: String,
    /// Stable snake_case code for programs (`validation_failed`, `not_found`, ...).
    pub code: String,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
    /// For `validation_failed`: one entry per invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// A problem with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    /// 400 for a request the API cannot read (malformed JSON, bad query parameter).
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 404 for an unknown route.
    pub fn no_such_route(method: &http::Method, path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("There is no API at {method} {path}."))
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The response for a UI server function: the same status with the error encoded as
    /// the UI's `AppError`, so the page can show it.
    pub fn into_ui_response(self) -> Response {
        let error = match self.code {
            "session_expired" => app::errors::AppError::SignInRequired { expired: true },
            "unauthenticated" => app::errors::AppError::SignInRequired { expired: false },
            code => app::errors::AppError::refused(code, self.detail),
        };
        let body = serde_json::to_vec(&error).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        use DomainError as E;
        let message = error.to_string();
        match error {
            E::NotFound(what) => Self::new(StatusCode::NOT_FOUND, "not_found", format!("The {what} does not exist.")),
            E::Invalid(errors) => Self {
                errors,
                ..Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "Some fields are invalid; see `errors`.",
                )
            },
            E::Conflict { code, .. } => Self::new(StatusCode::CONFLICT, code, message),
            E::Unauthenticated => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Sign in, or send a personal access token as `Authorization: Bearer pat_…`.",
            ),
            E::SessionExpired => Self::new(StatusCode::UNAUTHORIZED, "session_expired", message),
            E::InvalidCredentials => Self::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message),
            E::Forbidden => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::AccountUnusable { code, .. } => Self::new(StatusCode::FORBIDDEN, code, message),
            E::LinkUnusable { code, .. } => Self::new(StatusCode::BAD_REQUEST, code, message),
            E::VersionMismatch { .. } => Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message),
            E::Throttled { retry_after } => Self {
                retry_after: Some(retry_after.as_secs().max(1)),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
            },
            E::Database(_) | E::Internal(_) => {
                tracing::error!(error = %message, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Something went wrong on our side. Quote the request id if you report it.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            problem_type: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
            request_id: request_context::request_id(),
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Result of a REST handler.
pub type ApiResult<T> = Result<T, ApiError>;
