//! The analytics event: one per request the proxy answered, made in its log phase (when
//! the response's last byte left, or the client went away). Its fields are shared
//! (`Arc<str>`) with the compiled configuration, so making one allocates nothing but
//! the event itself; it is serialized only when a batch is shipped.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::spec::AuthKind;

/// One request, as analytics sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the request arrived, Unix milliseconds.
    pub time_ms: i64,
    /// The request id (the client's `X-Request-Id`, or the one the gateway made).
    pub request_id: RequestId,
    /// HTTP method.
    pub method: Arc<str>,
    /// The API it was routed to (`None`: no route matched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_id: Option<Arc<str>>,
    /// That API's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Arc<str>>,
    /// The matched operation as `METHOD /template`, when the API lists operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Arc<str>>,
    /// The calling application, once authenticated. (Its organization, the consumer org,
    /// is resolved by the control plane when it stores the event.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Arc<str>>,
    /// The gateway environment of the configuration that served it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Arc<str>>,
    /// The gateway node that served it.
    pub node: Arc<str>,
    /// Status sent to the client.
    pub status: u16,
    /// Arrival to the response's last byte (or the client leaving), microseconds.
    pub latency_us: u64,
    /// Request sent upstream to the upstream's response head, microseconds; `None` when
    /// no upstream was called (a gateway error, a cache hit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_us: Option<u64>,
    /// The gateway's own time: arrival to the response head, less the upstream's.
    pub gateway_us: u64,
    /// Request body bytes received.
    pub bytes_in: u64,
    /// Response body bytes sent.
    pub bytes_out: u64,
    /// Who caused an error status (4xx, 5xx), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_source: Option<ErrorSide>,
    /// The gateway's error code (`rate_limited`, `invalid_api_key`, …) when the gateway
    /// answered with an error itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<Arc<str>>,
    /// Refused by a rate limit, quota, concurrency or backend limit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub throttled: bool,
    /// What the response cache did, when the operation is cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheOutcome>,
    /// The credential the operation asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthKind>,
    /// The trace the request belongs to (32 hex digits), when it was traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Arc<str>>,
}

/// Who caused an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSide {
    /// The client: a bad, unauthenticated, forbidden or throttled request (and the
    /// upstream's own 4xx answers).
    Client,
    /// The upstream: unreachable, timed out, or answered 5xx.
    Upstream,
    /// The gateway itself (no configuration yet).
    Gateway,
}

impl ErrorSide {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorSide::Client => "client",
            ErrorSide::Upstream => "upstream",
            ErrorSide::Gateway => "gateway",
        }
    }
}

/// What the response cache did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheOutcome {
    /// Answered from the cache; the upstream was not called.
    Hit,
    /// Not in the cache; the upstream was called.
    Miss,
    /// The request may not be cached (e.g. `Cache-Control: no-cache`).
    Bypass,
}

impl CacheOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Bypass => "bypass",
        }
    }
}

/// A request id, kept as the header value it arrived in (no copy on the request path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub http::HeaderValue);

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(self.0.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        http::HeaderValue::try_from(text).map(RequestId).map_err(serde::de::Error::custom)
    }
}

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.0.as_bytes())
    }
}

#[cfg(test)]
impl Event {
    /// A plain `GET` answered 200, for tests to adjust.
    pub(crate) fn example() -> Self {
        Self {
            time_ms: 1_765_152_000_123,
            request_id: RequestId(http::HeaderValue::from_static("r")),
            method: "GET".into(),
            api_id: None,
            api_version: None,
            operation: None,
            application_id: None,
            environment: None,
            node: "n".into(),
            status: 200,
            latency_us: 1,
            upstream_us: None,
            gateway_us: 1,
            bytes_in: 0,
            bytes_out: 0,
            error_source: None,
            error_code: None,
            throttled: false,
            cache: None,
            auth: None,
            trace_id: None,
        }
    }
}
