//! Accepting connections: HTTP/1.1 and HTTP/2 (h2c) on both listeners, each connection
//! on its own task, and graceful shutdown (stop accepting, let in-flight requests finish).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::{GatewaySettings, proxy, status};

/// How long in-flight requests get to finish after shutdown begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The gateway, ready to bind its listeners.
pub struct Gateway {
    settings: GatewaySettings,
}

/// The gateway with both listeners bound (ports are known), not yet serving.
pub struct BoundGateway {
    proxy: TcpListener,
    status: TcpListener,
    /// Actual address of the proxy listener.
    pub proxy_addr: SocketAddr,
    /// Actual address of the status listener.
    pub status_addr: SocketAddr,
}

impl Gateway {
    /// A gateway with these settings.
    pub fn new(settings: GatewaySettings) -> Self {
        Self { settings }
    }

    /// Binds both listeners; fails with a message naming the address that could not be bound.
    pub async fn bind(self) -> Result<BoundGateway, String> {
        let bind = |addr: SocketAddr, what: &'static str| async move {
            TcpListener::bind(addr).await.map_err(|e| format!("cannot listen for {what} on {addr}: {e}"))
        };
        let proxy = bind(self.settings.proxy_listen, "gateway traffic").await?;
        let status = bind(self.settings.status_listen, "gateway status").await?;
        let addr = |l: &TcpListener| l.local_addr().map_err(|e| format!("listener address: {e}"));
        Ok(BoundGateway { proxy_addr: addr(&proxy)?, status_addr: addr(&status)?, proxy, status })
    }
}

impl BoundGateway {
    /// Serves both listeners until `shutdown` completes, then drains in-flight requests
    /// (for at most [`DRAIN_TIMEOUT`]).
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) {
        let ready = Arc::new(AtomicBool::new(false));
        let graceful = GracefulShutdown::new();
        let builder = auto::Builder::new(TokioExecutor::new());
        tracing::info!(proxy = %self.proxy_addr, status = %self.status_addr, "gateway listening");
        ready.store(true, Ordering::Release);
        tokio::pin!(shutdown);
        loop {
            let (stream, is_status) = tokio::select! {
                accepted = self.proxy.accept() => (accepted, false),
                accepted = self.status.accept() => (accepted, true),
                () = &mut shutdown => break,
            };
            let stream = match stream {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "gateway accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let io = TokioIo::new(stream);
            if is_status {
                let ready = ready.clone();
                let service = service_fn(move |req| status::handle(req, ready.load(Ordering::Acquire)));
                spawn(graceful.watch(builder.serve_connection(io, service).into_owned()));
            } else {
                spawn(
                    graceful.watch(builder.serve_connection_with_upgrades(io, service_fn(proxy::handle)).into_owned()),
                );
            }
        }
        ready.store(false, Ordering::Release);
        tracing::info!("gateway draining connections");
        if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
            tracing::warn!("gateway drain timed out; closing remaining connections");
        }
    }
}

fn spawn<E: std::fmt::Display>(connection: impl Future<Output = Result<(), E>> + Send + 'static) {
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "gateway connection ended with an error");
        }
    });
}

#[cfg(test)]
mod tests;
