//! The upstream part of an API's spec: endpoints, balancing, failover, timeouts, retries,
//! circuit breaker, active health checks and upstream TLS.

use serde::{Deserialize, Serialize};

/// Where an API's requests go and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSpec {
    /// Primary endpoints, balanced between.
    pub endpoints: Vec<EndpointSpec>,
    /// Backup endpoints, used only while no primary endpoint is available (failover).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backup: Vec<EndpointSpec>,
    /// How requests are spread over the available endpoints.
    #[serde(default)]
    pub balancing: Balancing,
    /// Path prepended to the request path (after the context and version are removed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_path: String,
    /// The `Host` header the upstream receives.
    #[serde(default)]
    pub host_header: HostHeader,
    /// Connect and response timeouts.
    #[serde(default)]
    pub timeouts: TimeoutsSpec,
    /// How many other endpoints an idempotent, body-less request is retried on after a
    /// connection failure.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Passive health: take an endpoint out after consecutive failures.
    #[serde(default)]
    pub circuit_breaker: CircuitBreakerSpec,
    /// Active health: probe each endpoint periodically (off when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckSpec>,
    /// TLS settings for `https://` endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<UpstreamTlsSpec>,
    /// Speak HTTP/2 to `http://` endpoints (prior knowledge, h2c). `https://` endpoints
    /// negotiate HTTP/2 or HTTP/1.1 by ALPN regardless.
    #[serde(default)]
    pub http2: bool,
}

fn default_retries() -> u32 {
    1
}

/// One upstream endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// `http://host:port` or `https://host:port`, without a path (use `base_path`).
    pub url: String,
    /// Relative share of requests with `weighted` balancing (1–1000).
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

/// Load-balancing algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balancing {
    /// Each available endpoint in turn.
    #[default]
    RoundRobin,
    /// In proportion to the endpoints' weights (smooth: no bursts to one endpoint).
    Weighted,
}

/// The `Host` header sent upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostHeader {
    /// The endpoint's host and port.
    #[default]
    Upstream,
    /// The client's `Host`.
    Preserve,
    /// This value.
    Rewrite(String),
}

/// Upstream timeouts, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsSpec {
    /// Time to establish a connection (TCP and TLS); then the next endpoint is tried.
    #[serde(default = "default_connect_ms")]
    pub connect_ms: u64,
    /// Time from sending the request to receiving the response headers; then 504.
    #[serde(default = "default_response_ms")]
    pub response_ms: u64,
}

impl Default for TimeoutsSpec {
    fn default() -> Self {
        Self { connect_ms: default_connect_ms(), response_ms: default_response_ms() }
    }
}

fn default_connect_ms() -> u64 {
    5_000
}

fn default_response_ms() -> u64 {
    60_000
}

/// Circuit breaker per endpoint: after `failures` consecutive failures (connection errors,
/// timeouts, 502/503/504) the endpoint is skipped for `open_ms`; then one request probes it
/// (half-open) and its outcome closes or reopens the circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Consecutive failures that open the circuit; 0 turns the breaker off.
    #[serde(default = "default_failures")]
    pub failures: u32,
    /// How long an open circuit stays open before a probe, in milliseconds.
    #[serde(default = "default_open_ms")]
    pub open_ms: u64,
}

impl Default for CircuitBreakerSpec {
    fn default() -> Self {
        Self { failures: default_failures(), open_ms: default_open_ms() }
    }
}

fn default_failures() -> u32 {
    5
}

fn default_open_ms() -> u64 {
    10_000
}

/// Active health check: `GET path` on every endpoint every `interval_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Path probed, e.g. `/health`.
    pub path: String,
    /// Time between probes, in milliseconds.
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// Time a probe may take, in milliseconds.
    #[serde(default = "default_probe_timeout_ms")]
    pub timeout_ms: u64,
    /// Consecutive failed probes (no 2xx/3xx answer in time) that mark an endpoint down.
    #[serde(default = "default_unhealthy")]
    pub unhealthy_threshold: u32,
    /// Consecutive good probes that bring a down endpoint back.
    #[serde(default = "default_healthy")]
    pub healthy_threshold: u32,
}

fn default_interval_ms() -> u64 {
    5_000
}

fn default_probe_timeout_ms() -> u64 {
    2_000
}

fn default_unhealthy() -> u32 {
    3
}

fn default_healthy() -> u32 {
    2
}

/// TLS towards `https://` endpoints. Without it, the public web roots are trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamTlsSpec {
    /// PEM certificates trusted instead of the public web roots (a private CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// PEM client certificate chain presented to the upstream (mutual TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
    /// PEM private key of that certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_pem: Option<String>,
    /// Server name sent in SNI and verified, instead of the endpoint's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
}
