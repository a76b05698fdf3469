//! The status listener: `/healthz` (the process is alive), `/readyz` (a configuration is
//! installed, so the gateway can route) and `/config` (which one: version, hash and
//! counts of APIs, keys and TLS certificates).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;

use crate::config::Config;

/// Handles one status request, given the live configuration.
pub async fn handle<B>(req: Request<B>, config: Option<Arc<Config>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = match (req.uri().path(), &config) {
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
            serde_json::json!({"error": "not_found", "message": "status endpoints are /healthz, /readyz and /config"}),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    Ok(response)
}
