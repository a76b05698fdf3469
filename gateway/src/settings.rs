//! The gateway's settings: flags with `PORTICO_*` environment variables, embedded in
//! `portico`'s settings and used alone by `portico-gateway`.

use std::net::SocketAddr;

/// Where the gateway listens.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewaySettings {
    /// Address of the proxy listener (API traffic only).
    #[arg(long = "gateway-listen", env = "PORTICO_GATEWAY_LISTEN", default_value = "127.0.0.1:8000")]
    pub proxy_listen: SocketAddr,
    /// Address of the status listener (`/healthz`, `/readyz`).
    #[arg(long = "gateway-status-listen", env = "PORTICO_GATEWAY_STATUS_LISTEN", default_value = "127.0.0.1:8100")]
    pub status_listen: SocketAddr,
}

impl GatewaySettings {
    /// Both listeners on free loopback ports (for tests).
    pub fn ephemeral() -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self { proxy_listen: any, status_listen: any }
    }
}
