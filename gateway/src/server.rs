//! Accepting connections: HTTP/1.1 and HTTP/2 (h2c) on the proxy and status listeners,
//! HTTPS with HTTP/2 or HTTP/1.1 by ALPN on the TLS proxy listener when one is configured
//! (see [`crate::tls`]); each connection on its own task, header-read, idle and TLS
//! handshake timeouts, and graceful shutdown (stop accepting, let in-flight requests
//! finish).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::access_log::AccessLog;
use crate::analytics::Analytics;
use crate::config::ConfigStore;
use crate::forwarding::Forwarding;
use crate::metrics::CLIENT_CONNECTIONS;
use crate::observers::Observers;
use crate::proxy::Proxy;
use crate::{GatewaySettings, status, tls};

/// How long in-flight requests get to finish after shutdown begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The gateway, ready to bind its listeners.
pub struct Gateway {
    settings: GatewaySettings,
    store: Arc<ConfigStore>,
    observers: Observers,
}

/// The gateway with its listeners bound (ports are known), not yet serving.
pub struct BoundGateway {
    proxy: TcpListener,
    status: TcpListener,
    tls: Option<(TcpListener, TlsAcceptor)>,
    settings: GatewaySettings,
    store: Arc<ConfigStore>,
    observers: Observers,
    /// Actual address of the proxy listener.
    pub proxy_addr: SocketAddr,
    /// Actual address of the TLS proxy listener, when TLS is configured.
    pub tls_addr: Option<SocketAddr>,
    /// Actual address of the status listener.
    pub status_addr: SocketAddr,
}

impl Gateway {
    /// A gateway with these settings, serving the configuration in `store` (which its
    /// configuration source — a file, the control plane — keeps current).
    pub fn new(settings: GatewaySettings, store: Arc<ConfigStore>) -> Self {
        Self { settings, store, observers: Observers::default() }
    }

    /// Records an analytics event for every request in `analytics` (whoever ships them;
    /// the exporters of the settings also receive every batch).
    pub fn with_analytics(mut self, analytics: Arc<Analytics>) -> Self {
        self.observers.analytics = Some(analytics);
        self
    }

    /// Binds the listeners and reads the default TLS certificate, and starts what the
    /// settings ask for besides: tracing (OTLP export), the access log and the analytics
    /// exporters. Fails with a message naming the address that could not be bound or the
    /// setting or file that could not be used.
    pub async fn bind(mut self) -> Result<BoundGateway, String> {
        if let Some((tracer, exporter)) = self.settings.telemetry.tracer("portico-gateway")? {
            tokio::spawn(exporter.run());
            self.observers.tracer = Some(tracer);
        }
        if let Some(destination) = self.settings.access_log.as_deref().filter(|d| *d != "off") {
            let log = AccessLog::open(destination, &self.settings.access_log_fields, &self.settings.access_log_redact)?;
            self.observers.access_log = Some(log);
        }
        if let Some(analytics) = &self.observers.analytics {
            crate::analytics::exporters::start(&self.settings, analytics)?;
        }
        let bind = |addr: SocketAddr, what: &'static str| async move {
            TcpListener::bind(addr).await.map_err(|e| format!("cannot listen for {what} on {addr}: {e}"))
        };
        let proxy = bind(self.settings.proxy_listen, "gateway traffic").await?;
        let status = bind(self.settings.status_listen, "gateway status").await?;
        let tls = match (self.settings.tls_listen, tls::acceptor(&self.settings, self.store.clone()).await?) {
            (Some(addr), Some(acceptor)) => Some((bind(addr, "gateway TLS traffic").await?, acceptor)),
            _ => None,
        };
        let addr = |l: &TcpListener| l.local_addr().map_err(|e| format!("listener address: {e}"));
        Ok(BoundGateway {
            proxy_addr: addr(&proxy)?,
            tls_addr: tls.as_ref().map(|(l, _)| addr(l)).transpose()?,
            status_addr: addr(&status)?,
            proxy,
            status,
            tls,
            settings: self.settings,
            store: self.store,
            observers: self.observers,
        })
    }
}

/// Which listener a connection came in on.
enum Listener {
    Proxy,
    Tls,
    Status,
}

impl BoundGateway {
    /// Serves every listener until `shutdown` completes, then drains in-flight requests
    /// (for at most [`DRAIN_TIMEOUT`]).
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) {
        let graceful = GracefulShutdown::new();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(self.settings.header_timeout());
        builder.http2().timer(TokioTimer::new()).keep_alive_interval(Duration::from_secs(30));
        let forwarding = Forwarding::new(self.settings.trusted_proxies.clone());
        let http = Arc::new(Proxy::new(self.store.clone(), forwarding.clone(), "http", self.observers.clone()));
        let https = Arc::new(Proxy::new(self.store.clone(), forwarding, "https", self.observers.clone()));
        tracing::info!(proxy = %self.proxy_addr, tls = ?self.tls_addr, status = %self.status_addr, "gateway listening");
        // Connections still being set up (first bytes, TLS handshake) are not yet watched
        // by `graceful`; this tells them to give up when shutdown begins.
        let (closing, closed) = watch::channel(false);
        tokio::pin!(shutdown);
        loop {
            let (stream, listener) = tokio::select! {
                accepted = self.proxy.accept() => (accepted, Listener::Proxy),
                accepted = accept_tls(self.tls.as_ref()) => (accepted, Listener::Tls),
                accepted = self.status.accept() => (accepted, Listener::Status),
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
            let (builder, first_byte) = (builder.clone(), self.settings.header_timeout());
            let mut closed = closed.clone();
            match listener {
                Listener::Status => {
                    let watcher = graceful.watcher();
                    let (store, observers) = (self.store.clone(), self.observers.clone());
                    let service = service_fn(move |req| status::handle(req, store.clone(), observers.clone()));
                    tokio::spawn(async move {
                        if unless_closed(&mut closed, first_bytes(&stream, first_byte)).await {
                            report(watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()))
                                .await;
                        }
                    });
                }
                Listener::Proxy => {
                    let proxy = http.clone();
                    tokio::spawn(async move {
                        let _open = CLIENT_CONNECTIONS.opened();
                        if unless_closed(&mut closed, first_bytes(&stream, first_byte)).await {
                            serve_proxy(builder, closed, TokioIo::new(stream), proxy, peer, first_byte).await;
                        }
                    });
                }
                Listener::Tls => {
                    let (proxy, acceptor) = (https.clone(), self.tls.as_ref().map(|(_, acceptor)| acceptor.clone()));
                    tokio::spawn(async move {
                        let _open = CLIENT_CONNECTIONS.opened();
                        let Some(acceptor) = acceptor else { return };
                        let handshake = tls::handshake(&acceptor, stream, first_byte);
                        let Some((stream, h2)) = unless_closed(&mut closed, handshake).await else { return };
                        // HTTP/2 over TLS is chosen by ALPN only (RFC 9113 §3.2); anything
                        // else is HTTP/1.1, whose header timeout starts at once.
                        let builder = if h2 { builder.http2_only() } else { builder.http1_only() };
                        serve_proxy(builder, closed, TokioIo::new(stream), proxy, peer, first_byte).await;
                    });
                }
            }
        }
        tracing::info!("gateway draining connections");
        let _ = closing.send(true);
        // Every connection task holds a receiver until it ends: the drain is over when the
        // status connections (watched by `graceful`) and the proxy connections are done.
        drop(closed);
        let drained = async {
            graceful.shutdown().await;
            closing.closed().await;
        };
        if tokio::time::timeout(DRAIN_TIMEOUT, drained).await.is_err() {
            tracing::warn!("gateway drain timed out; closing remaining connections");
        }
    }
}

/// Accepts on the TLS listener; never completes when there is none.
async fn accept_tls(tls: Option<&(TcpListener, TlsAcceptor)>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match tls {
        Some((listener, _)) => listener.accept().await,
        None => std::future::pending().await,
    }
}

/// Serves proxy traffic on one connection (plain or TLS) from `peer` until it closes,
/// finishing its requests and closing once shutdown begins (`closed` turns true). The
/// connection may be upgraded (WebSocket); an upgraded session lives on its own task.
/// A connection whose first request has not arrived within `first_request` is dropped
/// (hyper's header timeout covers the requests after it; before the first, the protocol
/// is still being detected).
async fn serve_proxy<I>(
    builder: auto::Builder<TokioExecutor>,
    mut closed: watch::Receiver<bool>,
    io: I,
    proxy: Arc<Proxy>,
    peer: SocketAddr,
    first_request: Duration,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let peer = Arc::new(proxy.peer(peer.ip()));
    let arrived = Arc::new(AtomicBool::new(false));
    let seen = arrived.clone();
    let service = service_fn(move |req| {
        let (proxy, peer) = (proxy.clone(), peer.clone());
        seen.store(true, Ordering::Relaxed);
        async move { proxy.handle(req, &peer).await }
    });
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);
    let too_slow = async {
        tokio::time::sleep(first_request).await;
        if arrived.load(Ordering::Relaxed) {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        done = connection.as_mut() => return report(std::future::ready(done)).await,
        () = too_slow => return,
        () = shutdown_begins(&mut closed) => connection.as_mut().graceful_shutdown(),
    }
    report(connection).await;
}

/// Completes once shutdown has begun.
async fn shutdown_begins(closed: &mut watch::Receiver<bool>) {
    let _ = closed.wait_for(|closed| *closed).await;
}

/// Runs a connection's set-up step, or gives `T::default()` (drop the connection) once
/// shutdown has begun: a client that has not sent a request yet does not hold up the drain.
async fn unless_closed<T: Default>(closed: &mut watch::Receiver<bool>, step: impl Future<Output = T>) -> T {
    tokio::select! {
        done = step => done,
        _ = closed.wait_for(|closed| *closed) => T::default(),
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
