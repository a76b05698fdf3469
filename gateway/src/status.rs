//! The status listener: `/healthz` (the process is alive) and `/readyz` (the gateway
//! can serve traffic: its proxy listener is bound and it has a configuration).

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;

/// Handles one status request.
pub async fn handle<B>(req: Request<B>, ready: bool) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = match req.uri().path() {
        "/healthz" => (StatusCode::OK, r#"{"status":"ok"}"#),
        "/readyz" if ready => (StatusCode::OK, r#"{"status":"ready"}"#),
        "/readyz" => (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"starting"}"#),
        _ => (StatusCode::NOT_FOUND, r#"{"error":"not_found","message":"status endpoints are /healthz and /readyz"}"#),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    Ok(response)
}
