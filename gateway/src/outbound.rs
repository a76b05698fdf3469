//! Posting to the gateway's telemetry destinations — the analytics HTTP sink, the
//! OpenSearch / Elasticsearch bulk API, an OTLP collector: one URL, fixed headers
//! (marked sensitive, so they are never logged), a bounded wait and a bounded error
//! body. A 2xx answer is success; anything else is an error naming the URL and status.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Uri, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Longest wait for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer body read (a bulk API's answer lists every item).
const MAX_ANSWER: usize = 4 * 1024 * 1024;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Posts bodies to one URL.
pub struct Poster {
    url: Uri,
    headers: HeaderMap,
    timeout: Duration,
    client: Client<Https, Full<Bytes>>,
}

impl Poster {
    /// A poster to `url` (`http://` or `https://`, web PKI roots) sending `headers` with
    /// every request; `what` names the setting in errors.
    pub fn new(what: &str, url: &str, headers: &[(&str, &str)]) -> Result<Self, String> {
        let url: Uri = url.parse().map_err(|e| format!("{what}: `{url}` is not a URL: {e}"))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
            return Err(format!("{what}: `{url}` is not an http:// or https:// URL"));
        }
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name =
                HeaderName::try_from(name.trim()).map_err(|_| format!("{what}: `{name}` is not a header name"))?;
            let mut value = HeaderValue::from_str(value.trim())
                .map_err(|_| format!("{what}: the value of `{name}` is not valid"))?;
            value.set_sensitive(true);
            map.append(name, value);
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("{what}: TLS set-up: {e}"))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { url, headers: map, timeout: TIMEOUT, client })
    }

    /// The same poster waiting at most `timeout` for an answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URL posted to.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// Posts `body` as `content_type`; the answer's body on a 2xx status, else an error
    /// with the status and the start of the answer.
    pub async fn post(&self, content_type: &'static str, body: Bytes) -> Result<Bytes, String> {
        let mut request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, content_type)
            .header(header::USER_AGENT, concat!("portico-gateway/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        for (name, value) in &self.headers {
            request.headers_mut().append(name, value.clone());
        }
        let response = match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(format!("{}: {error}", self.url)),
            Err(_) => return Err(format!("{}: no answer within {} s", self.url, self.timeout.as_secs_f32())),
        };
        let status = response.status();
        let answer = Limited::new(response.into_body(), MAX_ANSWER).collect().await.map(|b| b.to_bytes());
        if status.is_success() {
            return answer.map_err(|e| format!("{}: reading the answer: {e}", self.url));
        }
        let answer = answer.unwrap_or_default();
        let answer: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
        Err(format!("{} answered {status}: {answer}", self.url))
    }
}

/// Parses `name=value` pairs separated by commas (the `OTEL_EXPORTER_OTLP_HEADERS`
/// format; values may be percent-encoded).
pub fn parse_header_list(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not name=value"))?;
            let value = percent_decode(value.trim()).ok_or_else(|| format!("the value of `{name}` is not UTF-8"))?;
            Ok((name.trim().to_owned(), value))
        })
        .collect()
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_are_pairs_with_percent_encoded_values() {
        let pairs = parse_header_list("api-key=a%20b, x-team = core ,").unwrap();
        assert_eq!(pairs, vec![("api-key".into(), "a b".into()), ("x-team".into(), "core".into())]);
        assert!(parse_header_list("novalue").is_err());
    }

    #[test]
    fn posters_refuse_what_is_not_an_http_url_or_header() {
        assert!(Poster::new("X", "ftp://example.com", &[]).is_err());
        assert!(Poster::new("X", "http://example.com", &[("bad name", "v")]).is_err());
        assert!(Poster::new("X", "http://example.com/v1", &[("authorization", "Bearer t")]).is_ok());
    }
}
