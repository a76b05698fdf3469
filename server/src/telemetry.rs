//! Logging: structured `tracing` output (JSON or text) and the HTTP access log, whose
//! spans carry each request's id and, when the request is traced, its trace id (see
//! [`crate::request_context`]).

use axum::http::Request;
use tower_http::trace::TraceLayer;
use tracing_subscriber::EnvFilter;

use crate::request_context::TraceIdHex;
use crate::settings::LogFormat;

/// Installs the global subscriber (once; later calls are ignored, as in tests).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Adds the access log: one span per request with method, path, request id and trace id.
pub fn access_log<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router.layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let trace = req.extensions().get::<TraceIdHex>().map_or("", |t| t.0.as_str());
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, trace_id = %trace)
    }))
}
