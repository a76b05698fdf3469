//! Per-request context, the outermost middleware: every request gets an `X-Request-Id`
//! (the client's when it is a sane value, otherwise a new UUID — the gateway's rule),
//! echoed in the response and available anywhere in the request's task (problem
//! documents, logs, the audit log); and the client address, honouring
//! `X-Forwarded-For` only when the proxy in front is trusted — and then its rightmost
//! entry, the one that proxy appended (entries to its left are whatever the client sent).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use domain::actor::RequestOrigin;
use gateway::request_id;

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

/// The middleware; see the module documentation.
pub async fn layer(State(trust): State<TrustForwarded>, mut req: Request, next: Next) -> Response {
    let value = request_id::from_headers(req.headers());
    let id = value.to_str().unwrap_or_default().to_owned();
    req.headers_mut().insert(request_id::HEADER, value.clone());
    let forwarded = trust
        .0
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next().map(|s| s.trim().to_owned()))
        .flatten()
        .filter(|s| s.parse::<std::net::IpAddr>().is_ok());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    req.extensions_mut().insert(RequestOrigin { ip: forwarded.or(peer), request_id: Some(id.clone()) });
    let mut response = REQUEST_ID.scope(Some(id.clone()), next.run(req)).await;
    response.headers_mut().insert(request_id::HEADER, value);
    response
}
