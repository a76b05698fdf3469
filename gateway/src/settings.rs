//! The gateway's settings: flags with `PORTICO_*` environment variables, embedded in
//! `portico`'s settings and used alone by `portico-gateway`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

/// Where the gateway listens and how it treats connections.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewaySettings {
    /// Address of the proxy listener (API traffic only).
    #[arg(long = "gateway-listen", env = "PORTICO_GATEWAY_LISTEN", default_value = "127.0.0.1:8000")]
    pub proxy_listen: SocketAddr,
    /// Address of the TLS proxy listener, e.g. `127.0.0.1:8443` (HTTPS; HTTP/2 or HTTP/1.1
    /// by ALPN; the certificate is chosen by SNI among the configuration's `certificates`,
    /// else the default certificate). Default: unset (no TLS listener).
    #[arg(long = "gateway-tls-listen", env = "PORTICO_GATEWAY_TLS_LISTEN")]
    pub tls_listen: Option<SocketAddr>,
    /// PEM file with the default certificate chain of the TLS listener, served when no
    /// configuration certificate matches the name the client asks for or it sends none
    /// (with `PORTICO_GATEWAY_TLS_KEY`). Default: unset (such handshakes fail).
    #[arg(long = "gateway-tls-cert", env = "PORTICO_GATEWAY_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the private key of the default certificate. Default: unset.
    #[arg(long = "gateway-tls-key", env = "PORTICO_GATEWAY_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Address of the status listener (`/healthz`, `/readyz`, `/config`).
    #[arg(long = "gateway-status-listen", env = "PORTICO_GATEWAY_STATUS_LISTEN", default_value = "127.0.0.1:8100")]
    pub status_listen: SocketAddr,
    /// Networks whose forwarding headers (`X-Forwarded-For`, `Forwarded`) the gateway
    /// believes, comma-separated CIDRs (e.g. `10.0.0.0/8,192.168.1.5/32`). Default: none.
    #[arg(
        long = "gateway-trusted-proxies",
        env = "PORTICO_GATEWAY_TRUSTED_PROXIES",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub trusted_proxies: Vec<IpNet>,
    /// Milliseconds a client has to send a request's headers (and to finish the TLS
    /// handshake), and the longest an idle keep-alive connection is kept (slow clients
    /// cannot pin connections).
    #[arg(long = "gateway-header-timeout-ms", env = "PORTICO_GATEWAY_HEADER_TIMEOUT_MS", default_value_t = 30_000)]
    pub header_timeout_ms: u64,
    /// How many gateway nodes share the rate limits of this environment. While Redis is
    /// unreachable each node enforces `1/N` of every limit on its own.
    #[arg(long = "gateway-nodes", env = "PORTICO_GATEWAY_NODES", default_value_t = 1)]
    pub nodes: u64,
    /// Megabytes of responses the in-process response cache holds (least used dropped
    /// first); with Redis configured, responses are also shared through it.
    #[arg(long = "gateway-cache-mb", env = "PORTICO_GATEWAY_CACHE_MB", default_value_t = 64)]
    pub cache_mb: u64,
    /// Record an analytics event for every request and ship it to the control plane
    /// (`false` turns analytics off on this gateway).
    #[arg(long = "analytics", env = "PORTICO_ANALYTICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub analytics: bool,
    /// Analytics events a gateway holds while they wait to be shipped; when full, the
    /// oldest are dropped and counted.
    #[arg(long = "analytics-queue", env = "PORTICO_ANALYTICS_QUEUE", default_value_t = crate::analytics::DEFAULT_QUEUE_CAPACITY)]
    pub analytics_queue: usize,
    /// Milliseconds between two shipments of analytics events (sooner while full batches
    /// are waiting).
    #[arg(long = "analytics-flush-ms", env = "PORTICO_ANALYTICS_FLUSH_MS", default_value_t = 1_000)]
    pub analytics_flush_ms: u64,
    /// Where a DB-less gateway (`--config`) posts its analytics batches as JSON, e.g. a
    /// control plane's `https://portico.example.com/api/gateway/v1/analytics`. Without
    /// it a DB-less gateway records no analytics.
    #[arg(long = "analytics-http-url", env = "PORTICO_ANALYTICS_HTTP_URL")]
    pub analytics_http_url: Option<String>,
    /// `Authorization` header sent with those batches (for Portico: `Bearer <gateway
    /// token>`). Never logged.
    #[arg(long = "analytics-http-authorization", env = "PORTICO_ANALYTICS_HTTP_AUTHORIZATION", hide_env_values = true)]
    pub analytics_http_authorization: Option<Redacted>,
    /// Base URL of an OpenSearch or Elasticsearch cluster that also receives every
    /// analytics event (`POST <url>/_bulk`), e.g. `https://search.example.com:9200`.
    /// Default: unset.
    #[arg(long = "analytics-opensearch-url", env = "PORTICO_ANALYTICS_OPENSEARCH_URL")]
    pub analytics_opensearch_url: Option<String>,
    /// Index name prefix for those events: they go to `<prefix>-YYYY.MM.DD` (UTC day).
    #[arg(
        long = "analytics-opensearch-index",
        env = "PORTICO_ANALYTICS_OPENSEARCH_INDEX",
        default_value = "portico-analytics"
    )]
    pub analytics_opensearch_index: String,
    /// `Authorization` header for the cluster (`Basic …` or `ApiKey …`). Never logged.
    #[arg(
        long = "analytics-opensearch-authorization",
        env = "PORTICO_ANALYTICS_OPENSEARCH_AUTHORIZATION",
        hide_env_values = true
    )]
    pub analytics_opensearch_authorization: Option<Redacted>,
    /// Also export every analytics event as an OTLP log record to the collector of
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/logs`).
    #[arg(long = "analytics-otlp", env = "PORTICO_ANALYTICS_OTLP", default_value_t = false, action = clap::ArgAction::Set)]
    pub analytics_otlp: bool,
    /// The JSON access log: `stdout`, `stderr`, a file path (appended to), or `off`.
    /// Default: off.
    #[arg(long = "gateway-access-log", env = "PORTICO_GATEWAY_ACCESS_LOG")]
    pub access_log: Option<String>,
    /// The access log's fields, comma-separated: `time`, `request_id`, `trace_id`,
    /// `client_ip`, `method`, `path`, `query`, `status`, `latency_ms`, `upstream_ms`,
    /// `gateway_ms`, `bytes_in`, `bytes_out`, `api`, `api_version`, `operation`,
    /// `application`, `environment`, `node`, `error_code`, `error_source`, `throttled`,
    /// `cache`, `auth`, and `header:NAME` for a request header.
    #[arg(
        long = "gateway-access-log-fields",
        env = "PORTICO_GATEWAY_ACCESS_LOG_FIELDS",
        value_delimiter = ',',
        default_value = crate::access_log::DEFAULT_FIELDS
    )]
    pub access_log_fields: Vec<String>,
    /// More query parameters and headers whose values the access log replaces with
    /// `[REDACTED]`, comma-separated (credentials such as `Authorization`, cookies, API
    /// keys, `access_token` and the API's key parameter always are).
    #[arg(long = "gateway-access-log-redact", env = "PORTICO_GATEWAY_ACCESS_LOG_REDACT", value_delimiter = ',', num_args = 0..)]
    pub access_log_redact: Vec<String>,
    /// OpenTelemetry: traces and OTLP export.
    #[command(flatten)]
    pub telemetry: crate::telemetry::settings::OtelSettings,
}

/// A setting's value that must never be printed: its `Debug` is `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(pub String);

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl GatewaySettings {
    /// Proxy and status listeners on free loopback ports, TLS off (for tests).
    pub fn ephemeral() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            proxy_listen: any,
            tls_listen: None,
            tls_cert: None,
            tls_key: None,
            status_listen: any,
            trusted_proxies: Vec::new(),
            header_timeout_ms: 30_000,
            nodes: 1,
            cache_mb: 64,
            analytics: true,
            analytics_queue: crate::analytics::DEFAULT_QUEUE_CAPACITY,
            analytics_flush_ms: 100,
            analytics_http_url: None,
            analytics_http_authorization: None,
            analytics_opensearch_url: None,
            analytics_opensearch_index: "portico-analytics".into(),
            analytics_opensearch_authorization: None,
            analytics_otlp: false,
            access_log: None,
            access_log_fields: crate::access_log::DEFAULT_FIELDS.split(',').map(str::to_owned).collect(),
            access_log_redact: Vec::new(),
            telemetry: crate::telemetry::settings::OtelSettings::default(),
        }
    }

    /// Bytes the in-process response cache holds.
    pub fn cache_bytes(&self) -> u64 {
        self.cache_mb.saturating_mul(1024 * 1024)
    }

    /// The pause between two analytics shipments.
    pub fn analytics_flush(&self) -> Duration {
        Duration::from_millis(self.analytics_flush_ms.max(10))
    }

    /// The header-read / idle timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }
}
