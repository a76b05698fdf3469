//! Every error the gateway answers with, mapped to a response in one place. Bodies are
//! always JSON: `{"error":"<code>","message":"…","request_id":"…"}`.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;

/// Where an error came from (kept for analytics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSource {
    /// The client sent something the gateway refuses.
    Downstream,
    /// The upstream failed.
    Upstream,
    /// The gateway itself failed.
    Internal,
}

/// An error the gateway answers a request with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// No API matches the request's host, path and method.
    #[error("no API matches {method} {path}")]
    NoRoute {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
}

impl ProxyError {
    /// Stable snake_case code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::NoRoute { .. } => "no_route",
        }
    }

    /// The HTTP status answered.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NoRoute { .. } => StatusCode::NOT_FOUND,
        }
    }

    /// Where the error came from.
    pub fn source(&self) -> ErrorSource {
        match self {
            ProxyError::NoRoute { .. } => ErrorSource::Downstream,
        }
    }

    /// The JSON response for this error.
    pub fn into_response(self, request_id: &str) -> Response<Full<Bytes>> {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string(), "request_id": request_id });
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        if let Ok(id) = header::HeaderValue::from_str(request_id) {
            headers.insert(crate::request_id::HEADER, id);
        }
        response
    }
}
