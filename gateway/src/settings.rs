//! The gateway's settings: flags with `PORTICO_*` environment variables, embedded in
//! `portico`'s settings and used alone by `portico-gateway`.

use std::net::SocketAddr;
use std::time::Duration;

use ipnet::IpNet;

/// Where the gateway listens and how it treats connections.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewaySettings {
    /// Address of the proxy listener (API traffic only).
    #[arg(long = "gateway-listen", env = "PORTICO_GATEWAY_LISTEN", default_value = "127.0.0.1:8000")]
    pub proxy_listen: SocketAddr,
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
    /// Milliseconds a client has to send a request's headers, and the longest an idle
    /// keep-alive connection is kept (slow clients cannot pin connections).
    #[arg(long = "gateway-header-timeout-ms", env = "PORTICO_GATEWAY_HEADER_TIMEOUT_MS", default_value_t = 30_000)]
    pub header_timeout_ms: u64,
}

impl GatewaySettings {
    /// Both listeners on free loopback ports (for tests).
    pub fn ephemeral() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self { proxy_listen: any, status_listen: any, trusted_proxies: Vec::new(), header_timeout_ms: 30_000 }
    }

    /// The header-read / idle timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }
}
