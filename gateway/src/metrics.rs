//! The gateway's Prometheus metrics, served as `/metrics` on the status listener.
//!
//! Per API (label `api`, its id; `""` for requests no route matched): requests by status
//! code, latency histograms (whole request, upstream, the gateway's own processing) and
//! body bytes. Recording is a handful of relaxed atomic additions on counters the API
//! holds ([`ApiMetrics`], attached when a configuration is installed and kept across
//! configurations while the API exists). Everything else — configuration version and apply
//! time, upstream health and connections, rate-limit decisions, analytics, exporters,
//! spans and access-log lines, client connections, process figures — is read when scraped.

pub mod exposition;
mod observed;
pub mod process;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exposition::{Exposition, Histogram, Kind};

use crate::config::{Config, ConfigStore};
use crate::observers::Observers;
use crate::ratelimit::limiter::Mode;

/// Connections from clients to the proxy listeners.
pub static CLIENT_CONNECTIONS: Connections = Connections::new();
/// Connections from the gateway to upstream endpoints.
pub static UPSTREAM_CONNECTIONS: Connections = Connections::new();

/// Connections opened so far and open now.
pub struct Connections {
    opened: AtomicU64,
    open: AtomicI64,
}

impl Connections {
    /// No connections yet.
    pub const fn new() -> Self {
        Self { opened: AtomicU64::new(0), open: AtomicI64::new(0) }
    }

    /// Counts a connection that opened; it stays open until the returned guard is dropped.
    pub fn opened(&'static self) -> OpenConnection {
        self.opened.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection(self)
    }
}

impl Connections {
    /// Connections opened so far.
    pub fn opened_total(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Connections open now.
    pub fn open_now(&self) -> i64 {
        self.open.load(Ordering::Relaxed)
    }
}

impl Default for Connections {
    fn default() -> Self {
        Self::new()
    }
}

/// An open connection, counted until dropped.
pub struct OpenConnection(&'static Connections);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The counters of one API's calls.
#[derive(Default)]
pub struct ApiMetrics {
    /// Responses by status class (index 0: 1xx), each by code within the class.
    statuses: [OnceLock<Box<[AtomicU64; 100]>>; 9],
    total: Histogram,
    upstream: Histogram,
    processing: Histogram,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

/// One finished call, as [`ApiMetrics::record`] counts it.
pub struct Call {
    /// The response status.
    pub status: u16,
    /// From the request's arrival until its response body was done.
    pub total_us: u64,
    /// Until the upstream's response head, when the upstream was called.
    pub upstream_us: Option<u64>,
    /// The gateway's own time (until the response head, less the upstream's).
    pub processing_us: u64,
    /// Request body bytes.
    pub bytes_in: u64,
    /// Response body bytes sent.
    pub bytes_out: u64,
}

impl ApiMetrics {
    /// Counts one call.
    pub fn record(&self, call: &Call) {
        let class = usize::from(call.status / 100).wrapping_sub(1);
        if let Some(codes) = self.statuses.get(class) {
            let codes = codes.get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
            codes[usize::from(call.status % 100)].fetch_add(1, Ordering::Relaxed);
        }
        self.total.observe_us(call.total_us);
        if let Some(us) = call.upstream_us {
            self.upstream.observe_us(us);
        }
        self.processing.observe_us(call.processing_us);
        self.bytes_in.fetch_add(call.bytes_in, Ordering::Relaxed);
        self.bytes_out.fetch_add(call.bytes_out, Ordering::Relaxed);
    }

    fn statuses(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.statuses.iter().enumerate().filter_map(|(class, codes)| Some((class, codes.get()?))).flat_map(
            |(class, codes)| {
                codes.iter().enumerate().filter_map(move |(code, count)| {
                    let count = count.load(Ordering::Relaxed);
                    (count > 0).then_some(((class as u16 + 1) * 100 + code as u16, count))
                })
            },
        )
    }
}

/// The metrics that outlive configurations; [`ConfigStore`] holds them.
#[derive(Default)]
pub struct Metrics {
    apis: Mutex<HashMap<Arc<str>, Arc<ApiMetrics>>>,
    unrouted: Arc<ApiMetrics>,
    applied: AtomicU64,
    rejected: AtomicU64,
    last_applied_ms: AtomicU64,
    apply_time: Histogram,
}

impl Metrics {
    /// The counters of requests that matched no route.
    pub fn unrouted(&self) -> &Arc<ApiMetrics> {
        &self.unrouted
    }

    /// Attaches each API of `config` to its counters (kept from the previous configuration
    /// when the API was already there); counters of APIs no longer configured go.
    pub fn attach(&self, config: &Config) {
        let mut apis = self.apis.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kept = HashMap::with_capacity(config.apis.len());
        for api in &config.apis {
            let metrics = apis.remove(&api.id).unwrap_or_default();
            let _ = api.metrics.set(metrics.clone());
            kept.insert(api.id.clone(), metrics);
        }
        *apis = kept;
    }

    /// Counts an installed configuration that took `took` to compile and install.
    pub fn applied(&self, took: Duration) {
        self.applied.fetch_add(1, Ordering::Relaxed);
        self.apply_time.observe_us(took.as_micros() as u64);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.last_applied_ms.store(now, Ordering::Relaxed);
    }

    /// Counts a configuration that was refused (it did not compile).
    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }
}

/// The exposition of everything the gateway measures.
pub fn render(store: &ConfigStore, observers: &Observers) -> String {
    let mut out = Exposition::default();
    let config = store.current();
    let metrics = store.metrics();
    write_calls(&mut out, metrics);
    write_config(&mut out, metrics, config.as_deref());
    if let Some(config) = &config {
        write_upstreams(&mut out, config);
    }
    write_connections(&mut out);
    write_limits(&mut out, store);
    observed::write(&mut out, observers);
    process::write(&mut out);
    out.finish()
}

fn write_calls(out: &mut Exposition, metrics: &Metrics) {
    let mut apis: Vec<(Arc<str>, Arc<ApiMetrics>)> = {
        let apis = metrics.apis.lock().unwrap_or_else(PoisonError::into_inner);
        apis.iter().map(|(id, m)| (id.clone(), m.clone())).collect()
    };
    apis.sort_by(|a, b| a.0.cmp(&b.0));
    apis.push((Arc::from(""), metrics.unrouted.clone()));
    out.family("portico_gateway_requests_total", Kind::Counter, "Requests answered, by API id and status code.");
    for (api, m) in &apis {
        for (code, count) in m.statuses() {
            out.sample("portico_gateway_requests_total", &[("api", api), ("code", &code.to_string())], count as f64);
        }
    }
    type Pick<T> = fn(&ApiMetrics) -> &T;
    let histograms: [(&str, &str, Pick<Histogram>); 3] = [
        ("portico_gateway_request_duration_seconds", "Whole request, until the response body was sent.", |m| &m.total),
        ("portico_gateway_upstream_duration_seconds", "Upstream time, until its response head.", |m| &m.upstream),
        (
            "portico_gateway_processing_duration_seconds",
            "The gateway's own time: until the response head, less the upstream's.",
            |m| &m.processing,
        ),
    ];
    for (name, help, histogram) in histograms {
        out.family(name, Kind::Histogram, help);
        for (api, m) in &apis {
            if histogram(m).count() > 0 {
                histogram(m).write(out, name, &[("api", api)]);
            }
        }
    }
    let bytes: [(&str, &str, Pick<AtomicU64>); 2] = [
        ("portico_gateway_request_bytes_total", "Request body bytes received.", |m| &m.bytes_in),
        ("portico_gateway_response_bytes_total", "Response body bytes sent.", |m| &m.bytes_out),
    ];
    for (name, help, counter) in bytes {
        out.family(name, Kind::Counter, help);
        for (api, m) in &apis {
            out.sample(name, &[("api", api)], counter(m).load(Ordering::Relaxed) as f64);
        }
    }
}

fn write_config(out: &mut Exposition, metrics: &Metrics, config: Option<&Config>) {
    out.family("portico_gateway_config_version", Kind::Gauge, "Version of the installed configuration (0: none).")
        .sample("portico_gateway_config_version", &[], config.map_or(0, |c| c.version) as f64);
    out.family("portico_gateway_config_applied_total", Kind::Counter, "Configurations installed.").sample(
        "portico_gateway_config_applied_total",
        &[],
        metrics.applied.load(Ordering::Relaxed) as f64,
    );
    out.family(
        "portico_gateway_config_rejected_total",
        Kind::Counter,
        "Configurations refused because they did not compile.",
    )
    .sample("portico_gateway_config_rejected_total", &[], metrics.rejected.load(Ordering::Relaxed) as f64);
    out.family(
        "portico_gateway_config_last_applied_timestamp_seconds",
        Kind::Gauge,
        "When the installed configuration was installed, in seconds since the Unix epoch.",
    )
    .sample(
        "portico_gateway_config_last_applied_timestamp_seconds",
        &[],
        metrics.last_applied_ms.load(Ordering::Relaxed) as f64 / 1e3,
    );
    out.family(
        "portico_gateway_config_apply_duration_seconds",
        Kind::Histogram,
        "Time to compile and install a configuration.",
    );
    metrics.apply_time.write(out, "portico_gateway_config_apply_duration_seconds", &[]);
    if let Some(config) = config {
        out.family("portico_gateway_api_info", Kind::Gauge, "Each configured API: its name and version.");
        for api in &config.apis {
            out.sample(
                "portico_gateway_api_info",
                &[("api", &api.id), ("name", &api.name), ("version", &api.version)],
                1,
            );
        }
    }
}

fn write_upstreams(out: &mut Exposition, config: &Config) {
    out.family("portico_gateway_upstream_healthy", Kind::Gauge, "1 while active health checks find the endpoint up.");
    for api in &config.apis {
        for endpoint in api.upstream.endpoints() {
            let labels = [("api", &*api.id), ("endpoint", endpoint.url.as_str())];
            out.sample("portico_gateway_upstream_healthy", &labels, u8::from(endpoint.is_healthy()));
        }
    }
    out.family(
        "portico_gateway_upstream_idle_connections",
        Kind::Gauge,
        "Idle keep-alive HTTP/1.1 connections in the pool.",
    );
    for api in &config.apis {
        for endpoint in api.upstream.endpoints() {
            let labels = [("api", &*api.id), ("endpoint", endpoint.url.as_str())];
            out.sample("portico_gateway_upstream_idle_connections", &labels, endpoint.pool.state().0 as f64);
        }
    }
}

fn write_connections(out: &mut Exposition) {
    for (side, connections) in [("client", &CLIENT_CONNECTIONS), ("upstream", &UPSTREAM_CONNECTIONS)] {
        let (opened, open) = (connections.opened_total(), connections.open_now());
        let name = format!("portico_gateway_{side}_connections_opened_total");
        out.family(&name, Kind::Counter, &format!("Connections opened ({side} side).")).sample(
            &name,
            &[],
            opened as f64,
        );
        let name = format!("portico_gateway_{side}_connections_open");
        out.family(&name, Kind::Gauge, &format!("Connections open now ({side} side).")).sample(&name, &[], open as f64);
    }
}

fn write_limits(out: &mut Exposition, store: &ConfigStore) {
    let limiter = store.limiter();
    let name = |mode: Mode| match mode {
        Mode::Local => "local",
        Mode::Shared => "shared",
        Mode::Fallback => "fallback",
    };
    out.family(
        "portico_gateway_ratelimit_decisions_total",
        Kind::Counter,
        "Rate-limit and quota decisions, by where they were made (local, shared through Redis, fallback) and outcome.",
    );
    for (mode, admitted, refused) in limiter.decisions() {
        out.sample(
            "portico_gateway_ratelimit_decisions_total",
            &[("mode", name(mode)), ("decision", "admitted")],
            admitted as f64,
        );
        out.sample(
            "portico_gateway_ratelimit_decisions_total",
            &[("mode", name(mode)), ("decision", "refused")],
            refused as f64,
        );
    }
    out.family("portico_gateway_ratelimit_mode", Kind::Gauge, "1 for where rate limits are decided now.");
    let now = limiter.mode();
    for mode in [Mode::Local, Mode::Shared, Mode::Fallback] {
        out.sample("portico_gateway_ratelimit_mode", &[("mode", name(mode))], u8::from(mode == now));
    }
    out.family(
        "portico_gateway_throttled_total",
        Kind::Counter,
        "Requests refused by a rate limit, quota or concurrency limit.",
    )
    .sample("portico_gateway_throttled_total", &[], limiter.throttled() as f64);
}
