//! The control plane's Prometheus metrics, served as `/metrics` (behind a bearer token
//! when `PORTICO_METRICS_TOKEN` is set): HTTP requests by route template, method and
//! status with a latency histogram per route, the database pool, connected remote
//! gateways, each environment's published configuration version, and the process.
//! The co-located gateway's own metrics are on its status listener.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Instant;

use app::state::AppState;
use axum::Extension;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gateway::metrics::exposition::{CONTENT_TYPE, Exposition, Histogram, Kind};
use gateway::metrics::{Connections, process};
use sea_orm::DatabaseBackend;

use crate::distribution::ConfigHub;

/// Remote gateways connected over their stream.
pub static GATEWAY_STREAMS: Connections = Connections::new();

/// Calls by (route, method, status) and latencies by route.
#[derive(Default)]
struct HttpMetrics {
    calls: HashMap<(Arc<str>, Arc<str>, u16), u64>,
    latency: HashMap<Arc<str>, Arc<Histogram>>,
}

static HTTP: LazyLock<Mutex<HttpMetrics>> = LazyLock::new(Mutex::default);

/// The bearer token `/metrics` asks for (`PORTICO_METRICS_TOKEN`); none: open.
#[derive(Clone, Default)]
pub struct MetricsToken(pub Option<String>);

/// Middleware counting each request under its route template (`(unmatched)` when no
/// route matched), so the label set stays bounded whatever paths clients send.
pub async fn track(request: Request, next: Next) -> Response {
    let route: Arc<str> =
        request.extensions().get::<MatchedPath>().map_or(Arc::from("(unmatched)"), |p| Arc::from(p.as_str()));
    let method: Arc<str> = Arc::from(request.method().as_str());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed().as_micros() as u64;
    response.extensions_mut().insert(crate::request_context::MatchedRoute(route.clone()));
    let histogram = {
        let mut http = HTTP.lock().unwrap_or_else(PoisonError::into_inner);
        *http.calls.entry((route.clone(), method, response.status().as_u16())).or_default() += 1;
        http.latency.entry(route).or_default().clone()
    };
    histogram.observe_us(elapsed);
    response
}

/// `GET /metrics`.
pub async fn handle(
    State(state): State<AppState>,
    hub: Option<Extension<Arc<ConfigHub>>>,
    token: Option<Extension<MetricsToken>>,
    headers: HeaderMap,
) -> Response {
    if let Some(Extension(MetricsToken(Some(expected)))) = token {
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let matches =
            given.is_some_and(|given| subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes()).into());
        if !matches {
            let body = serde_json::json!({"error": "unauthorized", "message": "/metrics needs `Authorization: Bearer <PORTICO_METRICS_TOKEN>`."});
            return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        }
    }
    let mut out = Exposition::default();
    write_http(&mut out);
    write_database(&mut out, &state.db);
    out.family("portico_gateway_streams_open", Kind::Gauge, "Remote gateways connected now.").sample(
        "portico_gateway_streams_open",
        &[],
        GATEWAY_STREAMS.open_now() as f64,
    );
    out.family("portico_gateway_streams_opened_total", Kind::Counter, "Remote gateway connections accepted.").sample(
        "portico_gateway_streams_opened_total",
        &[],
        GATEWAY_STREAMS.opened_total() as f64,
    );
    if let Some(Extension(hub)) = hub {
        out.family(
            "portico_config_published_version",
            Kind::Gauge,
            "Each environment's published configuration version.",
        );
        for (environment, version) in hub.published() {
            out.sample("portico_config_published_version", &[("environment", &environment)], version as f64);
        }
    }
    process::write(&mut out);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], out.finish()).into_response()
}

fn write_http(out: &mut Exposition) {
    let (mut calls, mut latency): (Vec<_>, Vec<_>) = {
        let http = HTTP.lock().unwrap_or_else(PoisonError::into_inner);
        (
            http.calls.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            http.latency.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    };
    calls.sort_by(|a, b| a.0.cmp(&b.0));
    latency.sort_by(|a, b| a.0.cmp(&b.0));
    out.family(
        "portico_http_requests_total",
        Kind::Counter,
        "Requests answered, by route template, method and status code.",
    );
    for ((route, method, code), count) in calls {
        let labels = [("route", &*route), ("method", &*method), ("code", &code.to_string())];
        out.sample("portico_http_requests_total", &labels, count as f64);
    }
    out.family(
        "portico_http_request_duration_seconds",
        Kind::Histogram,
        "Time to the response head, by route template.",
    );
    for (route, histogram) in latency {
        histogram.write(out, "portico_http_request_duration_seconds", &[("route", &route)]);
    }
}

fn write_database(out: &mut Exposition, db: &sea_orm::DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    out.family("portico_db_pool_connections", Kind::Gauge, "Database connections in the pool, by state.")
        .sample("portico_db_pool_connections", &[("state", "idle")], idle as f64)
        .sample("portico_db_pool_connections", &[("state", "in_use")], f64::from(size).max(idle as f64) - idle as f64);
}
