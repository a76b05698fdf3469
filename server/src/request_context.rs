//! Per-request context available anywhere in the request's task: the request id (for
//! problem documents and logs) and the client address (for the audit log and login
//! throttling), honouring `X-Forwarded-For` only when the proxy in front is trusted.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use domain::actor::RequestOrigin;

tokio::task_local! {
    static REQUEST_ID: Option<String>;
}

/// The current request's id, when called inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok().flatten()
}

/// Whether `X-Forwarded-For` is believed (set when Portico runs behind a proxy).
#[derive(Debug, Clone, Copy)]
pub struct TrustForwarded(pub bool);

/// Middleware: records the request id for the request's task and puts the request's
/// [`RequestOrigin`] into its extensions.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let trust = req.extensions().get::<TrustForwarded>().is_some_and(|t| t.0);
    let forwarded = trust
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok()?.split(',').next().map(|s| s.trim().to_owned()))
        .flatten()
        .filter(|s| s.parse::<std::net::IpAddr>().is_ok());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    req.extensions_mut().insert(RequestOrigin { ip: forwarded.or(peer), request_id: id.clone() });
    REQUEST_ID.scope(id, next.run(req)).await
}
