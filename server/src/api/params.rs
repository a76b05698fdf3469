//! Request parts shared by the API handlers: JSON bodies and query strings whose
//! rejections are problem documents, `If-Match` preconditions and `ETag`s.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; malformed or mistyped bodies are `400 malformed_json` /
/// `422 invalid_body`, oversized ones `413 payload_too_large`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.body_text())
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", e.body_text()),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
        }
        other => ApiError::bad_request("invalid_body", other.body_text()),
    }
}

/// Query parameters; invalid ones are `400 invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::bad_request("invalid_query", e.body_text()))
            }
            Err(other) => Err(ApiError::bad_request("invalid_query", other.body_text())),
        }
    }
}

/// Path parameters; malformed ones (e.g. an id that is not a UUID) are
/// `400 invalid_path`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::bad_request("invalid_path", rejection.body_text())),
        }
    }
}

/// The version an update is conditional on (`If-Match: "<version>"`); `None` when the
/// header is absent or `*`.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(Self(None)) };
        let raw = value.to_str().unwrap_or_default().trim();
        if raw == "*" {
            return Ok(Self(None));
        }
        raw.trim_start_matches("W/").trim_matches('"').parse::<i64>().map(|v| Self(Some(v))).map_err(|_| {
            ApiError::bad_request("invalid_if_match", "If-Match must be an ETag this API returned, like \"3\".")
        })
    }
}

/// The `ETag` header for a resource version.
pub fn etag(version: i64) -> [(header::HeaderName, HeaderValue); 1] {
    [(header::ETAG, HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\"")))]
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn if_match(value: &str) -> Result<Option<i64>, ApiError> {
        let (mut parts, ()) = Request::get("/").header(header::IF_MATCH, value).body(()).expect("request").into_parts();
        IfMatch::from_request_parts(&mut parts, &()).await.map(|m| m.0)
    }

    #[tokio::test]
    async fn if_match_accepts_strong_weak_and_any() {
        assert_eq!(if_match("\"7\"").await.ok(), Some(Some(7)));
        assert_eq!(if_match("W/\"7\"").await.ok(), Some(Some(7)));
        assert_eq!(if_match("*").await.ok(), Some(None));
        assert_eq!(if_match("\"abc\"").await.err().map(|e| e.code()), Some("invalid_if_match"));
    }
}
