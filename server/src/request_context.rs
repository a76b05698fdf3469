//! Per-request context, the outermost middleware: every request gets an `X-Request-Id`
//! (the client's when it is a sane value, otherwise a new UUID — the gateway's rule),
//! echoed in the response and available anywhere in the request's task (problem
//! documents, logs, the audit log); the client address, honouring `X-Forwarded-For` only
//! when the proxy in front is trusted — and then its rightmost entry, the one that proxy
//! appended (entries to its left are whatever the client sent); and, when tracing is on,
//! the request's server span — a child of the caller's `traceparent` — whose trace id
//! the access log's span carries, so logs, traces and the request id join up.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use domain::actor::RequestOrigin;
use gateway::request_id;
use gateway::telemetry::{SpanKind, Tracer, Value};

tokio::task_local! {
    static REQUEST_ID: Option<String>;
}

/// The current request's id, when called inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok().flatten()
}

/// What the middleware needs besides the request.
#[derive(Clone, Default)]
pub struct ContextOptions {
    /// Whether `X-Forwarded-For` is believed (set when Portico runs behind a proxy).
    pub trust_forwarded: bool,
    /// Where the control plane's spans go; `None` when tracing is off.
    pub tracer: Option<Arc<Tracer>>,
}

/// The trace id of a traced request (32 hex digits), in its extensions for the access log.
#[derive(Debug, Clone)]
pub struct TraceIdHex(pub String);

/// The route template that served a request (set by the metrics layer on the response).
#[derive(Debug, Clone)]
pub struct MatchedRoute(pub Arc<str>);

/// The middleware; see the module documentation.
pub async fn layer(State(options): State<ContextOptions>, mut req: Request, next: Next) -> Response {
    let value = request_id::from_headers(req.headers());
    let id = value.to_str().unwrap_or_default().to_owned();
    req.headers_mut().insert(request_id::HEADER, value.clone());
    let forwarded = options
        .trust_forwarded
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next().map(|s| s.trim().to_owned()))
        .flatten()
        .filter(|s| s.parse::<std::net::IpAddr>().is_ok());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let client = forwarded.or(peer);
    let span = options.tracer.as_ref().and_then(|tracer| tracer.start(req.headers()));
    let traced = span.as_ref().map(|span| {
        req.extensions_mut().insert(TraceIdHex(span.trace_id.to_hex()));
        (req.method().to_string(), req.uri().path().to_owned())
    });
    req.extensions_mut().insert(RequestOrigin { ip: client.clone(), request_id: Some(id.clone()) });
    let mut response = REQUEST_ID.scope(Some(id.clone()), next.run(req)).await;
    response.headers_mut().insert(request_id::HEADER, value);
    if let (Some(tracer), Some(span), Some((method, path))) = (&options.tracer, span, traced) {
        let route = response.extensions().get::<MatchedRoute>().map(|r| r.0.clone());
        let status = response.status().as_u16();
        let mut attributes = vec![
            ("http.request.method", Value::from(method.as_str())),
            ("url.path", Value::Str(path)),
            ("http.response.status_code", Value::Int(i64::from(status))),
            ("portico.request_id", Value::Str(id)),
        ];
        if let Some(route) = &route {
            attributes.push(("http.route", Value::from(&**route)));
        }
        if let Some(client) = client {
            attributes.push(("client.address", Value::Str(client)));
        }
        let name = route.map_or_else(|| method.clone(), |route| format!("{method} {route}"));
        let mut data = span.finish(name, SpanKind::Server, attributes);
        if status >= 500 {
            data.error = Some(format!("HTTP {status}"));
        }
        tracer.record(data);
    }
    response
}
