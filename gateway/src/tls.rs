//! TLS on the proxy listener. The certificate is chosen at each handshake from the live
//! configuration, by the name the client asks for (SNI): a snapshot certificate for that
//! exact name, then one whose `*.` wildcard covers it, then the default certificate
//! (`PORTICO_GATEWAY_TLS_CERT` / `PORTICO_GATEWAY_TLS_KEY`); with none, the handshake
//! fails. A deploy that brings a new certificate is served by the next handshake, without
//! a restart. ALPN offers `h2` and `http/1.1`; the handshake must finish within the
//! header timeout.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::ConfigStore;
use crate::settings::GatewaySettings;

mod certificates;
pub(crate) mod pem;

pub use certificates::Certificates;

/// The acceptor of the TLS listener, when `settings` ask for one: the default
/// certificate files are read now, so a missing or invalid file stops start-up with a
/// message naming it.
pub async fn acceptor(settings: &GatewaySettings, store: Arc<ConfigStore>) -> Result<Option<TlsAcceptor>, String> {
    if settings.tls_listen.is_none() {
        return Ok(None);
    }
    let default = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(load_default(cert, key).await?)),
        (None, None) => None,
        _ => return Err("set both PORTICO_GATEWAY_TLS_CERT and PORTICO_GATEWAY_TLS_KEY, or neither".to_owned()),
    };
    let config = server_config(store, default)?;
    Ok(Some(TlsAcceptor::from(Arc::new(config))))
}

/// The listener's rustls configuration: certificates from `store`, else `default`.
pub fn server_config(store: Arc<ConfigStore>, default: Option<Arc<CertifiedKey>>) -> Result<ServerConfig, String> {
    let mut config = ServerConfig::builder_with_provider(pem::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Resolver { store, default }));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Reads the default certificate chain and key (PEM files).
async fn load_default(cert: &Path, key: &Path) -> Result<CertifiedKey, String> {
    let read = |path: &Path| {
        let path = path.to_owned();
        async move { tokio::fs::read_to_string(&path).await.map_err(|e| format!("cannot read {}: {e}", path.display())) }
    };
    let (cert_pem, key_pem) = (read(cert).await?, read(key).await?);
    let (cert_at, key_at) = (cert.display().to_string(), key.display().to_string());
    pem::certified_key(&cert_at, &cert_pem, &key_at, &key_pem).map_err(|e| format!("default TLS certificate: {e}"))
}

/// Runs the TLS handshake on an accepted connection, within `timeout`. Gives the stream
/// and whether ALPN chose HTTP/2, or `None` when the handshake failed or took too long.
pub async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
) -> Option<(TlsStream<TcpStream>, bool)> {
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => {
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            Some((stream, h2))
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}

/// Picks the certificate for a handshake from the configuration live at that moment.
struct Resolver {
    store: Arc<ConfigStore>,
    default: Option<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let named = hello.server_name().and_then(|name| self.store.current()?.certificates.find(name));
        named.or_else(|| self.default.clone())
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").field("default", &self.default.is_some()).finish_non_exhaustive()
    }
}
