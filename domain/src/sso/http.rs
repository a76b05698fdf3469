//! The HTTP client of single sign-on: discovery, keys and the token request, over hyper
//! and rustls (ring, web PKI roots). A total timeout and a size limit bound every call;
//! redirects are not followed (OAuth 2.0 endpoints must not redirect).
//!
//! Provider URLs are set by platform administrators, so private and loopback addresses
//! are allowed here (an identity provider inside the network is common), unlike the
//! OpenAPI importer, where any publisher chooses the URL.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Time for one call: connecting, sending and reading the whole answer.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read.
const MAX_BYTES: usize = 1024 * 1024;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// Building the request or the TLS client failed.
    #[error("invalid request: {0}")]
    Request(String),
    /// Connecting, TLS or sending failed.
    #[error("cannot reach {host}: {message}")]
    Connect { host: String, message: String },
    /// No complete answer in time.
    #[error("no answer from {0} within {secs} s", secs = TIMEOUT.as_secs())]
    Timeout(String),
    /// Reading the body failed or it was too large.
    #[error("reading the answer of {host} failed: {message}")]
    Body { host: String, message: String },
}

/// Sends one request and reads the whole answer.
pub(crate) async fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
    let host = request.uri().host().unwrap_or_default().to_owned();
    match tokio::time::timeout(TIMEOUT, send_now(request, &host)).await {
        Ok(result) => result,
        Err(_) => Err(HttpError::Timeout(host)),
    }
}

async fn send_now(request: http::Request<Vec<u8>>, host: &str) -> Result<http::Response<Vec<u8>>, HttpError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| HttpError::Request(e.to_string()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(https);
    let (parts, body) = request.into_parts();
    let mut request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
    if !request.headers().contains_key(http::header::USER_AGENT) {
        request.headers_mut().insert(
            http::header::USER_AGENT,
            http::HeaderValue::from_static(concat!("Portico/", env!("CARGO_PKG_VERSION"), " (single sign-on)")),
        );
    }
    let response = client
        .request(request)
        .await
        .map_err(|e| HttpError::Connect { host: host.to_owned(), message: error_chain(&e) })?;
    let (parts, body) = response.into_parts();
    let bytes = Limited::new(body, MAX_BYTES)
        .collect()
        .await
        .map_err(|e| HttpError::Body { host: host.to_owned(), message: e.to_string() })?
        .to_bytes();
    Ok(http::Response::from_parts(parts, bytes.to_vec()))
}

/// GETs a JSON document; a status other than 200 is an error.
pub(crate) async fn get_json(url: &str) -> Result<serde_json::Value, String> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| format!("invalid URL {url}: {e}"))?;
    let response = send(request).await.map_err(|e| e.to_string())?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("{url} answered {}", response.status()));
    }
    serde_json::from_slice(response.body()).map_err(|e| format!("{url} did not answer JSON: {e}"))
}

/// An error with its causes.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
