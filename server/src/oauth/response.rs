//! OAuth answers: JSON with `Cache-Control: no-store` (RFC 6749 §5.1), and errors as
//! `{"error", "error_description"}` with the code's status — 401 with a `Basic`
//! challenge for `invalid_client`, a `Bearer` challenge for the resource errors of
//! RFC 6750 (userinfo).

use axum::Json;
use axum::response::{IntoResponse, Response};
use domain::oauth::{OAuthError, OAuthErrorCode};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// The error document of RFC 6749 §5.2.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// The RFC 6749 code (`invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, …).
    pub error: String,
    /// What was wrong, for developers.
    pub error_description: String,
}

/// A successful answer that must not be cached.
pub fn no_store<T: Serialize>(value: T) -> Response {
    let mut response = Json(value).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The response for an OAuth error.
pub fn error(error: OAuthError) -> Response {
    let status = StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let challenge = match error.code {
        OAuthErrorCode::InvalidClient => Some(r#"Basic realm="portico""#.to_owned()),
        OAuthErrorCode::InvalidToken | OAuthErrorCode::InsufficientScope => Some(format!(
            r#"Bearer realm="portico", error="{}", error_description="{}""#,
            error.code.as_str(),
            error.description.replace('"', "'")
        )),
        _ => None,
    };
    let body = OAuthErrorBody { error: error.code.as_str().to_owned(), error_description: error.description };
    let mut response = (status, no_store(body)).into_response();
    if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
