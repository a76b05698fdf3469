//! Opening upstream connections: TCP (connect timeout, no Nagle), TLS when the endpoint is
//! `https` (a private CA, a client certificate and an SNI override when the spec asks for
//! them; ALPN offers `h2` and `http/1.1`), then the HTTP/1.1 or HTTP/2 handshake. The
//! connection's I/O runs on its own task; what comes back is the handle to send on.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::uri::Scheme;
use http_body_util::{Either, Empty, Limited};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::RootCertStore;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::Endpoint;
use crate::spec::{LoadError, UpstreamSpec, UpstreamTlsSpec};
use crate::tls::pem;

/// Body of a request sent upstream: the client's (size-limited, streamed) or none.
pub type UpstreamBody = Either<Limited<crate::analytics::log::Counted>, Empty<Bytes>>;

/// A connection ready to carry requests.
pub enum Connection {
    /// HTTP/1.1: one request at a time, pooled between requests.
    Http1(http1::SendRequest<UpstreamBody>),
    /// HTTP/2: multiplexed, shared by concurrent requests.
    Http2(http2::SendRequest<UpstreamBody>),
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// TCP connect failed or timed out.
    #[error("connect: {0}")]
    Tcp(std::io::Error),
    /// The TLS handshake failed.
    #[error("TLS: {0}")]
    Tls(std::io::Error),
    /// The HTTP handshake failed.
    #[error("HTTP handshake: {0}")]
    Http(hyper::Error),
    /// A new connection closed before it could carry the request.
    #[error("the connection closed before the request was sent")]
    Closed,
}

/// Opens connections for one upstream.
pub struct Connector {
    /// TLS for `https://` endpoints (none when the upstream has none).
    tls: Option<TlsConnector>,
    /// The same, offering only HTTP/1.1 (WebSocket handshakes need it).
    tls_http1: Option<TlsConnector>,
    sni: Option<ServerName<'static>>,
    connect_timeout: Duration,
    http2_prior_knowledge: bool,
}

impl Connector {
    /// The connector for an upstream spec; `at` is its field path for errors, `https`
    /// whether any of its endpoints uses TLS.
    pub fn new(at: &str, spec: &UpstreamSpec, https: bool) -> Result<Self, LoadError> {
        let sni = match spec.tls.as_ref().and_then(|tls| tls.sni.as_ref()) {
            Some(name) => Some(
                ServerName::try_from(name.clone())
                    .map_err(|_| LoadError::at(format!("{at}.tls.sni"), format!("`{name}` is not a server name")))?,
            ),
            None => None,
        };
        let config = match &spec.tls {
            Some(tls_spec) => Some(Arc::new(tls_config(at, tls_spec)?)),
            None if https => Some(web_roots(at)?),
            None => None,
        };
        let http1_only = |config: &Arc<rustls::ClientConfig>| {
            let mut config = (**config).clone();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            TlsConnector::from(Arc::new(config))
        };
        Ok(Self {
            tls_http1: config.as_ref().map(http1_only),
            tls: config.map(TlsConnector::from),
            sni,
            connect_timeout: Duration::from_millis(spec.timeouts.connect_ms),
            http2_prior_knowledge: spec.http2,
        })
    }

    /// Opens a connection to `endpoint`.
    pub async fn connect(&self, endpoint: &Endpoint) -> Result<Connection, ConnectError> {
        // One deadline for TCP and TLS together: `connect_ms` bounds the whole setup.
        let deadline = tokio::time::Instant::now() + self.connect_timeout;
        let tcp = self.tcp(endpoint, deadline).await?;
        if endpoint.scheme != Scheme::HTTPS {
            return handshake(TokioIo::new(tcp), self.http2_prior_knowledge).await;
        }
        let tls = self.tls(self.tls.as_ref(), endpoint, tcp, deadline).await?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        handshake(TokioIo::new(tls), h2).await
    }

    /// Opens an HTTP/1.1 connection to `endpoint` that may be upgraded (a WebSocket
    /// handshake's): never pooled, never HTTP/2.
    pub async fn connect_upgradeable(
        &self,
        endpoint: &Endpoint,
    ) -> Result<http1::SendRequest<Empty<Bytes>>, ConnectError> {
        let deadline = tokio::time::Instant::now() + self.connect_timeout;
        let tcp = self.tcp(endpoint, deadline).await?;
        if endpoint.scheme != Scheme::HTTPS {
            return upgradeable(TokioIo::new(tcp)).await;
        }
        upgradeable(TokioIo::new(self.tls(self.tls_http1.as_ref(), endpoint, tcp, deadline).await?)).await
    }

    async fn tcp(&self, endpoint: &Endpoint, deadline: tokio::time::Instant) -> Result<TcpStream, ConnectError> {
        let tcp = tokio::time::timeout_at(deadline, TcpStream::connect(endpoint.authority.as_str()))
            .await
            .map_err(|_| ConnectError::Tcp(timed_out()))?
            .map_err(ConnectError::Tcp)?;
        let _ = tcp.set_nodelay(true);
        Ok(tcp)
    }

    async fn tls(
        &self,
        connector: Option<&TlsConnector>,
        endpoint: &Endpoint,
        tcp: TcpStream,
        deadline: tokio::time::Instant,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectError> {
        let tls = connector.ok_or_else(|| ConnectError::Tls(std::io::Error::other("TLS is not set up")))?;
        let name = match &self.sni {
            Some(name) => name.clone(),
            None => ServerName::try_from(endpoint.authority.host().trim_matches(['[', ']']).to_owned())
                .map_err(|e| ConnectError::Tls(std::io::Error::other(e)))?,
        };
        tokio::time::timeout_at(deadline, tls.connect(name, tcp))
            .await
            .map_err(|_| ConnectError::Tls(timed_out()))?
            .map_err(ConnectError::Tls)
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")
}

/// The HTTP/1.1 handshake of an upgradeable connection; its I/O runs on its own task,
/// which hands the connection over when the request upgrades.
async fn upgradeable<T>(io: TokioIo<T>) -> Result<http1::SendRequest<Empty<Bytes>>, ConnectError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(io).await.map_err(ConnectError::Http)?;
    let open = crate::metrics::UPSTREAM_CONNECTIONS.opened();
    tokio::spawn(async move {
        let _open = open;
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "upstream upgradeable connection ended");
        }
    });
    Ok(sender)
}

async fn handshake<T>(io: TokioIo<T>, http2: bool) -> Result<Connection, ConnectError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    if http2 {
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .keep_alive_interval(Duration::from_secs(30))
            .handshake(io)
            .await
            .map_err(ConnectError::Http)?;
        let open = crate::metrics::UPSTREAM_CONNECTIONS.opened();
        tokio::spawn(async move {
            let _open = open;
            if let Err(error) = connection.await {
                tracing::debug!(%error, "upstream HTTP/2 connection ended");
            }
        });
        return Ok(Connection::Http2(sender));
    }
    let (sender, connection) = http1::handshake(io).await.map_err(ConnectError::Http)?;
    let open = crate::metrics::UPSTREAM_CONNECTIONS.opened();
    tokio::spawn(async move {
        let _open = open;
        if let Err(error) = connection.await {
            tracing::debug!(%error, "upstream connection ended");
        }
    });
    Ok(Connection::Http1(sender))
}

/// The client configuration of upstreams without a `tls` spec (public web roots), shared
/// by all of them and kept across configuration swaps, so TLS sessions resume.
fn web_roots(at: &str) -> Result<Arc<rustls::ClientConfig>, LoadError> {
    static SHARED: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(config) = SHARED.get() {
        return Ok(config.clone());
    }
    let config = Arc::new(tls_config(at, &UpstreamTlsSpec::default())?);
    Ok(SHARED.get_or_init(|| config).clone())
}

fn tls_config(at: &str, spec: &UpstreamTlsSpec) -> Result<rustls::ClientConfig, LoadError> {
    let builder = rustls::ClientConfig::builder_with_provider(pem::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| LoadError::at(format!("{at}.tls"), e.to_string()))?;
    let mut roots = RootCertStore::empty();
    match &spec.ca_pem {
        Some(ca) => {
            for cert in pem::certificates(&format!("{at}.tls.ca_pem"), ca)? {
                roots.add(cert).map_err(|e| LoadError::at(format!("{at}.tls.ca_pem"), e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let builder = builder.with_root_certificates(roots);
    let mut config = match (&spec.client_cert_pem, &spec.client_key_pem) {
        (Some(cert), Some(key)) => {
            let chain = pem::certificates(&format!("{at}.tls.client_cert_pem"), cert)?;
            let key = pem::private_key(&format!("{at}.tls.client_key_pem"), key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| LoadError::at(format!("{at}.tls.client_key_pem"), e.to_string()))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            let message = "give both `client_cert_pem` and `client_key_pem`, or neither";
            return Err(LoadError::at(format!("{at}.tls"), message));
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
