//! Every error the gateway answers with, mapped to a response in one place. Bodies are
//! always JSON: `{"error":"<code>","message":"…","request_id":"…"}`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
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
    /// The gateway has no configuration yet.
    #[error("the gateway has no configuration yet")]
    NotReady,
    /// No API matches the request's host, path and method.
    #[error("no API matches {method} {path}")]
    NoRoute {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The path exists but not for this method.
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// The API is blocked by its publisher.
    #[error("this API is blocked")]
    ApiBlocked,
    /// No credential was presented to an operation that needs one.
    #[error("an API key is required in the {header} header")]
    MissingCredentials {
        /// Where the key is expected.
        header: String,
    },
    /// The key is unknown, revoked or expired.
    #[error("the API key is not valid")]
    InvalidApiKey,
    /// No `Authorization: Bearer` token was presented to an operation that needs one.
    #[error("an OAuth2 access token is required (Authorization: Bearer)")]
    MissingBearerToken,
    /// The bearer token was refused; the cause says why.
    #[error("{0}")]
    InvalidToken(crate::jwt::TokenError),
    /// The token lacks a scope the operation requires.
    #[error("the token lacks the scope this operation requires: {required}")]
    InsufficientScope {
        /// The operation's scopes, space-separated.
        required: String,
    },
    /// No basic-auth credentials were presented to an operation that needs them.
    #[error("a username and password are required (Authorization: Basic)")]
    MissingBasicCredentials,
    /// Unknown username or wrong password.
    #[error("the username or password is not valid")]
    InvalidBasicCredentials,
    /// The key's application is not subscribed to this API.
    #[error("the application is not subscribed to this API")]
    NotSubscribed,
    /// The subscription is blocked.
    #[error("the application's subscription to this API is blocked")]
    SubscriptionBlocked,
    /// The body exceeds the API's limit.
    #[error("the request body is too large")]
    RequestTooLarge,
    /// The request cannot be forwarded as sent.
    #[error("bad request: {reason}")]
    BadRequest {
        /// Why.
        reason: String,
    },
    /// Every endpoint is down (health checks) or its circuit is open.
    #[error("no healthy upstream endpoint")]
    NoHealthyUpstream,
    /// Connecting to or talking with the upstream failed.
    #[error("the upstream could not be reached")]
    UpstreamUnavailable,
    /// The upstream did not answer in time.
    #[error("the upstream did not answer in time")]
    UpstreamTimeout,
    /// A rate limit, quota, concurrency or backend limit refused the request.
    #[error("{}", .0.kind.message())]
    Throttled(Box<Throttle>),
}

/// Which kind of limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    /// A request rate (tier, API or operation limit): 429 `rate_limited`.
    Rate,
    /// A daily or monthly quota: 429 `quota_exceeded`.
    Quota,
    /// Too many requests in flight: 429 `too_many_concurrent_requests`.
    Concurrency,
    /// The upstream's throughput limit: 503 `backend_saturated`.
    Backend,
}

impl ThrottleKind {
    fn message(self) -> &'static str {
        match self {
            ThrottleKind::Rate => "rate limit exceeded; retry after the time in Retry-After",
            ThrottleKind::Quota => "quota exhausted for this period; it resets at the time in Retry-After",
            ThrottleKind::Concurrency => "too many requests in flight for this API; retry shortly",
            ThrottleKind::Backend => {
                "the API's backend is at its throughput limit; retry after the time in Retry-After"
            }
        }
    }
}

/// What refused a request and what the client is told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    /// The kind of limit.
    pub kind: ThrottleKind,
    /// The limit's `RateLimit-Policy` item, if it has one.
    pub policy: Option<std::sync::Arc<str>>,
    /// Requests left under it.
    pub remaining: u64,
    /// How long until a retry can succeed.
    pub retry_after: std::time::Duration,
}

impl Throttle {
    /// A refusal by the limit described by `policy`.
    pub fn new(
        kind: ThrottleKind,
        policy: &std::sync::Arc<str>,
        remaining: u64,
        retry_after: std::time::Duration,
    ) -> Self {
        Self { kind, policy: Some(policy.clone()), remaining, retry_after }
    }

    /// A refusal by a concurrency limit (retry in a second).
    pub fn concurrency() -> Self {
        Self {
            kind: ThrottleKind::Concurrency,
            policy: None,
            remaining: 0,
            retry_after: std::time::Duration::from_secs(1),
        }
    }

    fn write(&self, headers: &mut http::HeaderMap) {
        use crate::ratelimit::headers as fields;
        if let Ok(value) = HeaderValue::from_str(&fields::retry_after(self.retry_after)) {
            headers.insert(header::RETRY_AFTER, value);
        }
        if let Some(policy) = &self.policy {
            fields::write(headers, policy, self.remaining, self.retry_after);
        }
    }
}

impl ProxyError {
    /// Stable snake_case code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::NotReady => "not_ready",
            ProxyError::NoRoute { .. } => "no_route",
            ProxyError::MethodNotAllowed { .. } => "method_not_allowed",
            ProxyError::ApiBlocked => "api_blocked",
            ProxyError::MissingCredentials { .. } => "missing_credentials",
            ProxyError::InvalidApiKey => "invalid_api_key",
            ProxyError::MissingBearerToken | ProxyError::MissingBasicCredentials => "missing_credentials",
            ProxyError::InvalidToken(cause) => cause.code(),
            ProxyError::InsufficientScope { .. } => "insufficient_scope",
            ProxyError::InvalidBasicCredentials => "invalid_credentials",
            ProxyError::NotSubscribed => "not_subscribed",
            ProxyError::SubscriptionBlocked => "subscription_blocked",
            ProxyError::RequestTooLarge => "request_too_large",
            ProxyError::BadRequest { .. } => "bad_request",
            ProxyError::NoHealthyUpstream => "no_healthy_upstream",
            ProxyError::UpstreamUnavailable => "upstream_unavailable",
            ProxyError::UpstreamTimeout => "upstream_timeout",
            ProxyError::Throttled(throttle) => match throttle.kind {
                ThrottleKind::Rate => "rate_limited",
                ThrottleKind::Quota => "quota_exceeded",
                ThrottleKind::Concurrency => "too_many_concurrent_requests",
                ThrottleKind::Backend => "backend_saturated",
            },
        }
    }

    /// The HTTP status answered.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ProxyError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ProxyError::MissingCredentials { .. }
            | ProxyError::InvalidApiKey
            | ProxyError::MissingBearerToken
            | ProxyError::InvalidToken(_)
            | ProxyError::MissingBasicCredentials
            | ProxyError::InvalidBasicCredentials => StatusCode::UNAUTHORIZED,
            ProxyError::NotSubscribed | ProxyError::SubscriptionBlocked | ProxyError::InsufficientScope { .. } => {
                StatusCode::FORBIDDEN
            }
            ProxyError::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ProxyError::NotReady | ProxyError::ApiBlocked | ProxyError::NoHealthyUpstream => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ProxyError::UpstreamUnavailable => StatusCode::BAD_GATEWAY,
            ProxyError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Throttled(throttle) if throttle.kind == ThrottleKind::Backend => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ProxyError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// Where the error came from.
    pub fn source(&self) -> ErrorSource {
        match self {
            ProxyError::NotReady => ErrorSource::Internal,
            ProxyError::NoHealthyUpstream | ProxyError::UpstreamUnavailable | ProxyError::UpstreamTimeout => {
                ErrorSource::Upstream
            }
            _ => ErrorSource::Downstream,
        }
    }

    /// The `WWW-Authenticate` challenge of an authentication error (RFC 6750 §3 for
    /// bearer tokens, RFC 7617 for basic).
    pub fn challenge(&self) -> Option<String> {
        const BEARER: &str = r#"Bearer realm="portico""#;
        const BASIC: &str = r#"Basic realm="portico", charset="UTF-8""#;
        Some(match self {
            ProxyError::MissingBearerToken => BEARER.to_owned(),
            ProxyError::InvalidToken(cause) => {
                format!(r#"{BEARER}, error="invalid_token", error_description="{cause}""#)
            }
            ProxyError::InsufficientScope { required } => {
                format!(r#"{BEARER}, error="insufficient_scope", scope="{required}""#)
            }
            ProxyError::MissingBasicCredentials | ProxyError::InvalidBasicCredentials => BASIC.to_owned(),
            _ => return None,
        })
    }

    /// The JSON response for this error.
    pub fn into_response(self, request_id: &HeaderValue) -> Response<Full<Bytes>> {
        let id = request_id.to_str().unwrap_or_default();
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string(), "request_id": id });
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(crate::request_id::HEADER, request_id.clone());
        if let Some(challenge) = self.challenge().and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let ProxyError::Throttled(throttle) = &self {
            throttle.write(headers);
        }
        response
    }
}
