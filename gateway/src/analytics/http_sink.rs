//! The generic HTTP JSON sink: each batch `POST`ed as one JSON document ([`super::Batch`]:
//! `node`, `seq`, `dropped`, `events`) to a URL, with an optional `Authorization` header.
//! A 2xx answer means taken; anything else (or no answer within [`TIMEOUT`]) is an error
//! and the batch is offered again. The receiver should store a `(node, seq)` once: a
//! batch whose answer was lost is sent again. Portico's control plane takes these at
//! `POST /api/gateway/v1/analytics` with a gateway token, so DB-less gateways can report
//! to it too.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderValue, Request, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{Batch, Sink};

/// Longest wait for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Posts batches to one URL.
pub struct HttpSink {
    url: Uri,
    authorization: Option<HeaderValue>,
    client: Client<Https, Full<Bytes>>,
}

impl HttpSink {
    /// A sink posting to `url` (`http://` or `https://`, web PKI roots) with
    /// `authorization` as the `Authorization` header, if given.
    pub fn new(url: &str, authorization: Option<&str>) -> Result<Self, String> {
        let url: Uri = url.parse().map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
            return Err(format!("`{url}` is not an http:// or https:// URL"));
        }
        let authorization = match authorization {
            Some(value) => {
                let mut value = HeaderValue::from_str(value).map_err(|_| "the authorization is not a header value")?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("TLS set-up: {e}"))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self { url, authorization, client: Client::builder(TokioExecutor::new()).build(https) })
    }
}

#[async_trait]
impl Sink for HttpSink {
    fn name(&self) -> &str {
        "http"
    }

    async fn publish(&self, batch: &Batch) -> Result<(), String> {
        let json = super::encode(batch).await?;
        let mut request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, concat!("portico-gateway/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(json)))
            .map_err(|e| e.to_string())?;
        if let Some(authorization) = &self.authorization {
            request.headers_mut().insert(header::AUTHORIZATION, authorization.clone());
        }
        let response = match tokio::time::timeout(TIMEOUT, self.client.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(format!("{}: {error}", self.url)),
            Err(_) => return Err(format!("{}: no answer within {} s", self.url, TIMEOUT.as_secs())),
        };
        let status = response.status();
        if status.is_success() {
            let _ = response.into_body().collect().await;
            return Ok(());
        }
        let body = Limited::new(response.into_body(), 4096).collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let body: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        Err(format!("{} answered {status}: {body}", self.url))
    }
}
