//! Accepting connections: HTTP/1.1 and HTTP/2 (h2c) on both listeners, each connection
//! on its own task, header-read and idle timeouts, and graceful shutdown (stop accepting,
//! let in-flight requests finish).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};

use crate::config::ConfigStore;
use crate::forwarding::Forwarding;
use crate::proxy::Proxy;
use crate::{GatewaySettings, status};

/// How long in-flight requests get to finish after shutdown begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The gateway, ready to bind its listeners.
pub struct Gateway {
    settings: GatewaySettings,
    store: Arc<ConfigStore>,
}

/// The gateway with both listeners bound (ports are known), not yet serving.
pub struct BoundGateway {
    proxy: TcpListener,
    status: TcpListener,
    settings: GatewaySettings,
    store: Arc<ConfigStore>,
    /// Actual address of the proxy listener.
    pub proxy_addr: SocketAddr,
    /// Actual address of the status listener.
    pub status_addr: SocketAddr,
}

impl Gateway {
    /// A gateway with these settings, serving the configuration in `store` (which its
    /// configuration source — a file, the control plane — keeps current).
    pub fn new(settings: GatewaySettings, store: Arc<ConfigStore>) -> Self {
        Self { settings, store }
    }

    /// Binds both listeners; fails with a message naming the address that could not be bound.
    pub async fn bind(self) -> Result<BoundGateway, String> {
        let bind = |addr: SocketAddr, what: &'static str| async move {
            TcpListener::bind(addr).await.map_err(|e| format!("cannot listen for {what} on {addr}: {e}"))
        };
        let proxy = bind(self.settings.proxy_listen, "gateway traffic").await?;
        let status = bind(self.settings.status_listen, "gateway status").await?;
        let addr = |l: &TcpListener| l.local_addr().map_err(|e| format!("listener address: {e}"));
        Ok(BoundGateway {
            proxy_addr: addr(&proxy)?,
            status_addr: addr(&status)?,
            proxy,
            status,
            settings: self.settings,
            store: self.store,
        })
    }
}

impl BoundGateway {
    /// Serves both listeners until `shutdown` completes, then drains in-flight requests
    /// (for at most [`DRAIN_TIMEOUT`]).
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) {
        let graceful = GracefulShutdown::new();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(self.settings.header_timeout());
        builder.http2().timer(TokioTimer::new()).keep_alive_interval(Duration::from_secs(30));
        let proxy =
            Arc::new(Proxy::new(self.store.clone(), Forwarding::new(self.settings.trusted_proxies.clone()), "http"));
        tracing::info!(proxy = %self.proxy_addr, status = %self.status_addr, "gateway listening");
        tokio::pin!(shutdown);
        loop {
            let (stream, is_status) = tokio::select! {
                accepted = self.proxy.accept() => (accepted, false),
                accepted = self.status.accept() => (accepted, true),
                () = &mut shutdown => break,
            };
            let (stream, peer) = match stream {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "gateway accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let (builder, watcher, first_byte) = (builder.clone(), graceful.watcher(), self.settings.header_timeout());
            if is_status {
                let store = self.store.clone();
                let service = service_fn(move |req| status::handle(req, store.current()));
                tokio::spawn(async move {
                    if first_bytes(&stream, first_byte).await {
                        report(watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()))
                            .await;
                    }
                });
            } else {
                let (proxy, peer) = (proxy.clone(), Arc::new(proxy.peer(peer.ip())));
                let service = service_fn(move |req| {
                    let (proxy, peer) = (proxy.clone(), peer.clone());
                    async move { proxy.handle(req, &peer).await }
                });
                tokio::spawn(async move {
                    if first_bytes(&stream, first_byte).await {
                        report(watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()))
                            .await;
                    }
                });
            }
        }
        tracing::info!("gateway draining connections");
        if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
            tracing::warn!("gateway drain timed out; closing remaining connections");
        }
    }
}

/// Waits for a new connection's first bytes; a client silent for `timeout` is dropped
/// (hyper's header timeout starts only once the HTTP version is known).
async fn first_bytes(stream: &TcpStream, timeout: Duration) -> bool {
    let mut first = [0u8; 1];
    matches!(tokio::time::timeout(timeout, stream.peek(&mut first)).await, Ok(Ok(1..)))
}

async fn report<E: std::fmt::Display>(connection: impl Future<Output = Result<(), E>>) {
    if let Err(error) = connection.await {
        tracing::debug!(%error, "gateway connection ended with an error");
    }
}

#[cfg(test)]
mod tests;
