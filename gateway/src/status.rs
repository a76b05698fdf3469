//! The status listener: `/healthz` (the process is alive), `/readyz` (a configuration is
//! installed, so the gateway can route) and `/config` (which one: version, hash and
//! counts of APIs, keys and TLS certificates), and `/limits` (where rate limits are
//! decided now — `local`, `shared` through Redis, or `fallback` while Redis is
//! unreachable — and how many requests limits refused), and `/analytics` (events queued,
//! shipped and dropped because the queue was full), and `/metrics` (everything measured,
//! in Prometheus' text format: see [`crate::metrics`]).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::config::ConfigStore;
use crate::metrics::exposition::CONTENT_TYPE;
use crate::observers::Observers;
use crate::ratelimit::limiter::Mode;

/// Handles one status request about `store`.
pub async fn handle<B>(
    req: Request<B>,
    store: Arc<ConfigStore>,
    observers: Observers,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() == "/metrics" {
        let text = crate::metrics::render(&store, &observers);
        let mut response = Response::new(Full::new(Bytes::from(text)));
        response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(CONTENT_TYPE));
        return Ok(response);
    }
    let config = store.current();
    let (status, body) = match (req.uri().path(), &config) {
        ("/analytics", _) => match &observers.analytics {
            Some(analytics) => (StatusCode::OK, analytics.status()),
            None => (StatusCode::OK, serde_json::json!({"enabled": false})),
        },
        ("/limits", _) => {
            let limiter = store.limiter();
            let mode = match limiter.mode() {
                Mode::Local => "local",
                Mode::Shared => "shared",
                Mode::Fallback => "fallback",
            };
            (StatusCode::OK, serde_json::json!({"mode": mode, "throttled": limiter.throttled()}))
        }
        ("/healthz", _) => (StatusCode::OK, serde_json::json!({"status": "ok"})),
        ("/readyz", Some(_)) => (StatusCode::OK, serde_json::json!({"status": "ready"})),
        ("/readyz", None) => (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"status": "no_configuration"})),
        ("/config", Some(config)) => (
            StatusCode::OK,
            serde_json::json!({
                "version": config.version,
                "hash": config.hash,
                "environment": config.environment,
                "apis": config.apis.len(),
                "keys": config.credentials.len(),
                "certificates": config.certificates.len(),
            }),
        ),
        ("/config", None) => (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"error": "no_configuration"})),
        _ => (
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "not_found", "message": "status endpoints are /healthz, /readyz, /config, /limits, /analytics and /metrics"}),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    Ok(response)
}
