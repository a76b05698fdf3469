//! Fetching an API description by URL — and posting webhooks ([`post_json`]) — safely
//! from a server: http and https only, a
//! total timeout, a size limit (reading stops as soon as it is passed), at most a few
//! redirects, and no server-side request forgery — the host is resolved here, every
//! address it resolves to is checked (see `address`), and the connection goes to exactly
//! the checked addresses (the HTTP client gets a resolver that returns them, so there is
//! no second DNS lookup to rebind). Each redirect hop is checked the same way.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_LENGTH, LOCATION, USER_AGENT};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;

use super::MAX_INPUT_BYTES;
use super::address::refusal;

/// What a fetch may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Largest body accepted, in bytes.
    pub max_bytes: usize,
    /// Time for the whole fetch: resolving, connecting, redirects and reading.
    pub timeout: Duration,
    /// Most redirects followed.
    pub max_redirects: usize,
    /// Whether loopback, private, link-local and CGNAT addresses may be fetched from (an
    /// administrator's setting). Unspecified, multicast, broadcast and reserved addresses
    /// are refused regardless.
    pub allow_private_addresses: bool,
}

impl Default for FetchPolicy {
    /// [`MAX_INPUT_BYTES`], 30 s, 3 redirects, public addresses only.
    fn default() -> Self {
        Self {
            max_bytes: MAX_INPUT_BYTES,
            timeout: Duration::from_secs(30),
            max_redirects: 3,
            allow_private_addresses: false,
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL (or a redirect's `Location`) is not a usable absolute URL.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Only `http` and `https` can be fetched.
    #[error("only http and https URLs can be fetched, not {0}")]
    UnsupportedScheme(String),
    /// The host name did not resolve.
    #[error("cannot resolve {host}: {message}")]
    Resolve {
        /// The host name.
        host: String,
        /// The resolver's error.
        message: String,
    },
    /// The host is, or resolves to, an address that may not be fetched from.
    #[error("{host} is refused: {address} is a {kind} address")]
    RefusedAddress {
        /// The host name or address of the URL.
        host: String,
        /// The refused address.
        address: IpAddr,
        /// What kind of address it is (`loopback`, `private`, …).
        kind: &'static str,
    },
    /// Connecting, the TLS handshake or sending the request failed.
    #[error("cannot fetch from {host}: {message}")]
    Connect {
        /// The host name.
        host: String,
        /// The client's error.
        message: String,
    },
    /// The server answered with a status other than 2xx (or a redirect).
    #[error("the server answered {0}")]
    Status(u16),
    /// More redirects than the policy allows.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// The body is larger than the policy allows.
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    /// The whole fetch took longer than the policy allows.
    #[error("no complete answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    /// Reading the body failed.
    #[error("reading the answer failed: {0}")]
    Body(String),
}

impl FetchError {
    /// A stable snake_case code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid_url",
            FetchError::UnsupportedScheme(_) => "unsupported_scheme",
            FetchError::Resolve { .. } => "unresolvable_host",
            FetchError::RefusedAddress { .. } => "refused_address",
            FetchError::Connect { .. } => "connect_failed",
            FetchError::Status(_) => "bad_status",
            FetchError::TooManyRedirects(_) => "too_many_redirects",
            FetchError::TooLarge(_) => "too_large",
            FetchError::Timeout(_) => "timeout",
            FetchError::Body(_) => "body_failed",
        }
    }
}

/// Fetches the document at `url` under `policy` and returns its bytes.
///
/// # Errors
/// A [`FetchError`] saying which rule or step failed.
pub async fn fetch_spec(url: &str, policy: &FetchPolicy) -> Result<Vec<u8>, FetchError> {
    tokio::time::timeout(policy.timeout, fetch(url, policy)).await.unwrap_or(Err(FetchError::Timeout(policy.timeout)))
}

async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Vec<u8>, FetchError> {
    let mut target = Target::parse(url)?;
    let mut redirects = 0;
    loop {
        let addresses = vet(&target, policy.allow_private_addresses).await?;
        let request = Request::get(target.uri.clone())
            .header(USER_AGENT, concat!("Portico/", env!("CARGO_PKG_VERSION"), " (OpenAPI import)"))
            .header(ACCEPT, "application/json, application/yaml, text/yaml, */*;q=0.5")
            .body(Full::new(Bytes::new()));
        let response = send(&target, addresses, request).await?;
        let status = response.status();
        if is_redirect(status) {
            if redirects >= policy.max_redirects {
                return Err(FetchError::TooManyRedirects(policy.max_redirects));
            }
            redirects += 1;
            let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok()).ok_or_else(|| {
                FetchError::InvalidUrl { url: target.uri.to_string(), reason: "a redirect without a readable Location" }
            })?;
            target = Target::parse(&target.join(location))?;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        return read_body(response, policy.max_bytes).await;
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// A URL to fetch, taken apart.
#[derive(Debug, Clone)]
struct Target {
    uri: Uri,
    https: bool,
    /// Host name or address, without IPv6 brackets.
    host: String,
    port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Target, FetchError> {
        let invalid = |reason| FetchError::InvalidUrl { url: url.to_owned(), reason };
        let without_fragment = url.trim().split('#').next().unwrap_or_default();
        let uri: Uri = without_fragment.parse().map_err(|_| invalid("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => return Err(FetchError::UnsupportedScheme(other.to_owned())),
            None => return Err(invalid("not an absolute http(s) URL")),
        };
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials in URLs are not allowed"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        let port = match authority.port() {
            Some(port) => port.as_u16(),
            None if https => 443,
            None => 80,
        };
        Ok(Target { uri, https, host, port })
    }

    /// The absolute URL a redirect's `Location` names.
    fn join(&self, location: &str) -> String {
        let location = location.split('#').next().unwrap_or_default().trim();
        let scheme = if self.https { "https" } else { "http" };
        let authority = self.uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if has_scheme(location) {
            location.to_owned()
        } else if let Some(rest) = location.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{scheme}://{authority}{location}")
        } else {
            let path = self.uri.path();
            let directory = &path[..path.rfind('/').map_or(0, |at| at + 1)];
            let directory = if directory.is_empty() { "/" } else { directory };
            format!("{scheme}://{authority}{directory}{location}")
        }
    }
}

/// Whether a URL reference starts with a scheme (`https:`), i.e. is absolute.
fn has_scheme(reference: &str) -> bool {
    reference.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Resolves the target's host and checks every address; returns the addresses to use.
async fn vet(target: &Target, allow_private: bool) -> Result<Vec<SocketAddr>, FetchError> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|error| FetchError::Resolve { host: target.host.clone(), message: error.to_string() })?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(FetchError::Resolve { host: target.host.clone(), message: "no addresses".to_owned() });
    }
    for address in &addresses {
        if let Some(kind) = refusal(address.ip(), allow_private) {
            return Err(FetchError::RefusedAddress { host: target.host.clone(), address: address.ip(), kind });
        }
    }
    Ok(addresses)
}

/// A resolver that answers only for the vetted host, with the vetted addresses.
#[derive(Debug, Clone)]
struct VettedResolver {
    host: Arc<str>,
    addresses: Vec<SocketAddr>,
}

impl tower::Service<Name> for VettedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let answer = if name.as_str().eq_ignore_ascii_case(&self.host) {
            Ok(self.addresses.clone().into_iter())
        } else {
            Err(std::io::Error::other(format!("{} was not checked", name.as_str())))
        };
        std::future::ready(answer)
    }
}

/// Posts `body` as JSON to `url` under the same rules as [`fetch_spec`] (no redirects
/// followed: a webhook answers where it is); returns the status of a 2xx answer.
///
/// # Errors
/// A [`FetchError`]; a non-2xx answer is [`FetchError::Status`].
pub async fn post_json(
    url: &str,
    body: Bytes,
    headers: &[(&'static str, String)],
    policy: &FetchPolicy,
) -> Result<u16, FetchError> {
    let post = async {
        let target = Target::parse(url)?;
        let addresses = vet(&target, policy.allow_private_addresses).await?;
        let mut request = Request::post(target.uri.clone())
            .header(USER_AGENT, concat!("Portico/", env!("CARGO_PKG_VERSION"), " (webhook)"))
            .header(hyper::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let response = send(&target, addresses, request.body(Full::new(body))).await?;
        let status = response.status();
        // Read (a little of) the answer so the exchange completes; its content is not used.
        let _ = read_body(response, 64 * 1024).await;
        if status.is_success() { Ok(status.as_u16()) } else { Err(FetchError::Status(status.as_u16())) }
    };
    tokio::time::timeout(policy.timeout, post).await.unwrap_or(Err(FetchError::Timeout(policy.timeout)))
}

/// Sends `request` to the target, connecting only to `addresses`.
async fn send(
    target: &Target,
    addresses: Vec<SocketAddr>,
    request: Result<Request<Full<Bytes>>, hyper::http::Error>,
) -> Result<Response<Incoming>, FetchError> {
    let failed = |message: String| FetchError::Connect { host: target.host.clone(), message };
    let resolver = VettedResolver { host: target.host.as_str().into(), addresses };
    let mut http = HttpConnector::new_with_resolver(resolver);
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|error| failed(error.to_string()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(https);
    let request = request.map_err(|error| failed(error.to_string()))?;
    client.request(request).await.map_err(|error| failed(error_chain(&error)))
}

/// An error with its causes ("client error (Connect): tcp connect error: Connection refused").
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

/// Reads the body, failing as soon as it is larger than `max_bytes`.
async fn read_body(response: Response<Incoming>, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    let declared = response.headers().get(CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_bytes as u64) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = response.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| FetchError::Body(error_chain(&error)))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<Target, FetchError> {
        Target::parse(url)
    }

    #[test]
    fn urls_are_checked() {
        let ok = target("https://Example.com:8443/specs/api.yaml?x=1").map(|t| (t.https, t.host, t.port));
        assert_eq!(ok, Ok((true, "example.com".to_owned(), 8443)));
        assert_eq!(target("http://[::1]/").map(|t| (t.host, t.port)), Ok(("::1".to_owned(), 80)));
        assert_eq!(target("ftp://example.com/a").err(), Some(FetchError::UnsupportedScheme("ftp".into())));
        assert!(matches!(target("/relative"), Err(FetchError::InvalidUrl { .. })));
        assert!(matches!(target("http://user:pw@example.com/"), Err(FetchError::InvalidUrl { .. })));
        assert!(matches!(target("not a url"), Err(FetchError::InvalidUrl { .. })));
        assert_eq!(
            target("http://example.com/a.json#/paths").map(|t| t.uri.to_string()),
            Ok("http://example.com/a.json".into())
        );
    }

    #[test]
    fn redirects_are_joined() {
        let Ok(base) = target("https://example.com:8443/specs/v1/api.yaml") else { panic!("valid URL refused") };
        assert_eq!(base.join("http://other.org/x"), "http://other.org/x");
        assert_eq!(base.join("//cdn.example.com/a.json"), "https://cdn.example.com/a.json");
        assert_eq!(base.join("/root.json#frag"), "https://example.com:8443/root.json");
        assert_eq!(base.join("v2.yaml?y=2"), "https://example.com:8443/specs/v1/v2.yaml?y=2");
        assert_eq!(base.join("/go?to=http://x"), "https://example.com:8443/go?to=http://x");
        assert_eq!(base.join("ftp://example.com/a"), "ftp://example.com/a");
    }
}
