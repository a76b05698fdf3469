//! An API's upstream at run time: its endpoints (primary and backup), the balancing
//! schedule, the connection pools, and sending one request with timeouts, failover,
//! retries when no connection can be opened (nothing was sent, so any method is safe to
//! retry), and circuit breaking.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::HOST;
use http::uri::{PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, StatusCode, Uri, Version, request};
use http_body_util::{Either, Empty, LengthLimitError};
use hyper::body::Incoming;

use crate::error::ProxyError;
use crate::spec::{HostHeader, LoadError, UpstreamSpec};

mod balancer;
mod connector;
mod endpoint;
mod health;
mod pool;

pub use connector::UpstreamBody;
pub use endpoint::Endpoint;
pub use pool::PooledBody;

use balancer::Schedule;
use connector::{ConnectError, Connection, Connector};

/// Most endpoints (primary + backup) one upstream may have.
const MAX_ENDPOINTS: usize = 64;

/// A compiled upstream.
pub struct Upstream {
    /// Primary endpoints, then backups.
    endpoints: Vec<Endpoint>,
    primaries: Schedule,
    backups: Schedule,
    primary_count: usize,
    connector: Connector,
    /// Path prepended to the request path (no trailing `/`).
    pub base_path: String,
    host_header: HostMode,
    response_timeout: Duration,
    retries: u32,
    health_check: Option<crate::spec::HealthCheckSpec>,
    /// The active health checker, once the configuration is live; dropping the upstream
    /// (config swapped out) stops it.
    checker: OnceLock<health::Checker>,
}

enum HostMode {
    Upstream,
    Preserve,
    Rewrite(HeaderValue),
}

impl Upstream {
    /// Compiles an upstream; `at` is its field path for errors.
    pub fn compile(at: &str, spec: &UpstreamSpec) -> Result<Arc<Self>, LoadError> {
        if spec.endpoints.is_empty() {
            return Err(LoadError::at(format!("{at}.endpoints"), "at least one endpoint is needed"));
        }
        if spec.endpoints.len() + spec.backup.len() > MAX_ENDPOINTS {
            return Err(LoadError::at(format!("{at}.endpoints"), format!("at most {MAX_ENDPOINTS} endpoints")));
        }
        let compile =
            |list: &str, i: usize, e| Endpoint::compile(&format!("{at}.{list}[{i}]"), e, spec.circuit_breaker);
        let mut endpoints = Vec::with_capacity(spec.endpoints.len() + spec.backup.len());
        for (i, e) in spec.endpoints.iter().enumerate() {
            endpoints.push(compile("endpoints", i, e)?);
        }
        for (i, e) in spec.backup.iter().enumerate() {
            endpoints.push(compile("backup", i, e)?);
        }
        let primary_count = spec.endpoints.len();
        let weights: Vec<u32> = endpoints.iter().map(|e| e.weight).collect();
        let base_path = spec.base_path.trim_end_matches('/');
        if !base_path.is_empty() && (!base_path.starts_with('/') || base_path.parse::<PathAndQuery>().is_err()) {
            return Err(LoadError::at(format!("{at}.base_path"), "must be a path starting with `/`"));
        }
        if spec.timeouts.connect_ms == 0 || spec.timeouts.response_ms == 0 {
            return Err(LoadError::at(format!("{at}.timeouts"), "timeouts must be at least 1 ms"));
        }
        let host_header = match &spec.host_header {
            HostHeader::Upstream => HostMode::Upstream,
            HostHeader::Preserve => HostMode::Preserve,
            HostHeader::Rewrite(host) => HostMode::Rewrite(
                HeaderValue::from_str(host)
                    .map_err(|_| LoadError::at(format!("{at}.host_header.rewrite"), "not a valid host"))?,
            ),
        };
        if let Some(check) = &spec.health_check {
            health::validate(&format!("{at}.health_check"), check)?;
        }
        let https = endpoints.iter().any(|e| e.scheme == Scheme::HTTPS);
        let connector = Connector::new(at, spec, https)?;
        Ok(Arc::new(Self {
            primaries: Schedule::new(spec.balancing, &weights[..primary_count]),
            backups: Schedule::new(spec.balancing, &weights[primary_count..]),
            endpoints,
            primary_count,
            connector,
            base_path: base_path.to_owned(),
            host_header,
            response_timeout: Duration::from_millis(spec.timeouts.response_ms),
            retries: spec.retries,
            health_check: spec.health_check.clone(),
            checker: OnceLock::new(),
        }))
    }

    /// Starts the active health checks (once the configuration serves traffic; compiling
    /// a snapshot only to validate it never probes anything).
    pub fn activate(self: &Arc<Self>) {
        if let Some(spec) = &self.health_check {
            self.checker.get_or_init(|| health::Checker::start(Arc::downgrade(self), spec.clone()));
        }
    }

    /// The endpoints, primaries first.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Picks an admissible endpoint not yet tried: primaries in balancing order, then
    /// (failover) backups.
    fn pick(&self, tried: u64) -> Option<usize> {
        let untried = |i: &usize| tried & (1 << i) == 0;
        let primary = self.primaries.turns().filter(untried).find(|&i| self.endpoints[i].admit());
        primary.or_else(|| {
            self.backups.turns().map(|i| i + self.primary_count).filter(untried).find(|&i| self.endpoints[i].admit())
        })
    }

    /// Sends a request upstream: picks an endpoint, and when no connection can be opened
    /// to it (nothing was sent), tries the next one (see [`Turns`]). `head` carries method,
    /// headers (forwarding headers set) and version; `path` is the upstream path and query.
    pub async fn send(
        &self,
        head: request::Parts,
        path: PathAndQuery,
        body: Option<UpstreamBody>,
    ) -> Result<Response<PooledBody>, ProxyError> {
        let mut request = Request::from_parts(head, body.unwrap_or_else(|| Either::Right(Empty::new())));
        let mut turns = Turns::new(self);
        loop {
            let endpoint = turns.next()?;
            self.set_host(endpoint, request.headers_mut());
            match self.exchange(endpoint, request, &path).await {
                Ok(response) => {
                    endpoint.record(!is_failure_status(response.status()));
                    return Ok(response);
                }
                Err(Failure::Connect(unsent, error)) => {
                    turns.unreachable(endpoint, &error)?;
                    request = *unsent;
                }
                Err(Failure::Timeout) => {
                    endpoint.record(false);
                    return Err(ProxyError::UpstreamTimeout);
                }
                Err(Failure::Exchange(error)) => return Err(self.request_failed(endpoint, &error)),
                Err(Failure::Invalid) => {
                    return Err(ProxyError::BadRequest { reason: "the request path cannot be forwarded".into() });
                }
            }
        }
    }

    /// Sends a WebSocket handshake (`head` already marked as an upgrade) on a connection
    /// of its own, which carries the session once upgraded; endpoints are tried as by
    /// [`Upstream::send`]. The answer is the upstream's (`101` on success).
    pub async fn upgrade(&self, head: request::Parts, path: PathAndQuery) -> Result<Response<Incoming>, ProxyError> {
        let mut request = Request::from_parts(head, Empty::<Bytes>::new());
        *request.uri_mut() = Uri::from(path);
        *request.version_mut() = Version::HTTP_11;
        let mut turns = Turns::new(self);
        loop {
            let endpoint = turns.next()?;
            let mut sender = match self.connector.connect_upgradeable(endpoint).await {
                Ok(sender) => sender,
                Err(error) => {
                    turns.unreachable(endpoint, &error)?;
                    continue;
                }
            };
            self.set_host(endpoint, request.headers_mut());
            return match tokio::time::timeout(self.response_timeout, sender.send_request(request)).await {
                Err(_) => {
                    endpoint.record(false);
                    Err(ProxyError::UpstreamTimeout)
                }
                Ok(Ok(response)) => {
                    endpoint.record(!is_failure_status(response.status()));
                    Ok(response)
                }
                Ok(Err(error)) => Err(self.request_failed(endpoint, &error)),
            };
        }
    }

    fn set_host(&self, endpoint: &Endpoint, headers: &mut http::HeaderMap) {
        match &self.host_header {
            HostMode::Upstream => {
                headers.insert(HOST, endpoint.host_header.clone());
            }
            HostMode::Preserve => {}
            HostMode::Rewrite(host) => {
                headers.insert(HOST, host.clone());
            }
        }
    }

    /// One request–response exchange with `endpoint`, on a pooled connection when one is
    /// open (a stale one gives the request back and the next is tried), else a new one.
    pub(crate) async fn exchange(
        &self,
        endpoint: &Endpoint,
        mut request: Request<UpstreamBody>,
        path: &PathAndQuery,
    ) -> Result<Response<PooledBody>, Failure> {
        loop {
            let pooled = endpoint
                .pool
                .take_http1()
                .map(Connection::Http1)
                .or_else(|| endpoint.pool.http2().map(Connection::Http2));
            let fresh = pooled.is_none();
            let connection = match pooled {
                Some(connection) => connection,
                None => match self.connector.connect(endpoint).await {
                    Ok(connection) => connection,
                    Err(error) => return Err(Failure::Connect(Box::new(request), error)),
                },
            };
            let unsent = match connection {
                Connection::Http1(mut sender) => {
                    if sender.ready().await.is_err() {
                        if fresh {
                            return Err(Failure::Connect(Box::new(request), ConnectError::Closed));
                        }
                        continue;
                    }
                    *request.uri_mut() = Uri::from(path.clone());
                    *request.version_mut() = Version::HTTP_11;
                    match tokio::time::timeout(self.response_timeout, sender.try_send_request(request)).await {
                        Err(_) => return Err(Failure::Timeout),
                        Ok(Ok(response)) => {
                            let give_back = Some((sender, endpoint.pool.clone()));
                            return Ok(response.map(|body| PooledBody::new(body, give_back)));
                        }
                        Ok(Err(mut error)) => match error.take_message() {
                            Some(unsent) => unsent,
                            None => return Err(Failure::Exchange(error.into_error())),
                        },
                    }
                }
                Connection::Http2(mut sender) => {
                    if fresh {
                        endpoint.pool.set_http2(sender.clone());
                    }
                    if sender.ready().await.is_err() {
                        if fresh {
                            return Err(Failure::Connect(Box::new(request), ConnectError::Closed));
                        }
                        continue;
                    }
                    *request.uri_mut() = self.absolute(endpoint, path)?;
                    *request.version_mut() = Version::HTTP_2;
                    match tokio::time::timeout(self.response_timeout, sender.try_send_request(request)).await {
                        Err(_) => return Err(Failure::Timeout),
                        Ok(Ok(response)) => return Ok(response.map(|body| PooledBody::new(body, None))),
                        Ok(Err(mut error)) => match error.take_message() {
                            Some(unsent) => unsent,
                            None => return Err(Failure::Exchange(error.into_error())),
                        },
                    }
                }
            };
            if fresh {
                return Err(Failure::Connect(Box::new(unsent), ConnectError::Closed));
            }
            request = unsent;
        }
    }

    fn absolute(&self, endpoint: &Endpoint, path: &PathAndQuery) -> Result<Uri, Failure> {
        Uri::builder()
            .scheme(endpoint.scheme.clone())
            .authority(endpoint.authority.clone())
            .path_and_query(path.clone())
            .build()
            .map_err(|_| Failure::Invalid)
    }

    fn request_failed(&self, endpoint: &Endpoint, error: &hyper::Error) -> ProxyError {
        if caused_by::<LengthLimitError>(error) {
            return ProxyError::RequestTooLarge;
        }
        endpoint.record(false);
        tracing::warn!(endpoint = %endpoint.url, %error, "upstream request failed");
        ProxyError::UpstreamUnavailable
    }
}

/// The endpoints one request may try: primaries in balancing order, then (failover)
/// backups, each at most once, and at most `retries + 1` in all; only an endpoint that
/// could not be reached (nothing was sent) passes the request on to the next.
struct Turns<'a> {
    upstream: &'a Upstream,
    tried: u64,
    left: u32,
}

impl<'a> Turns<'a> {
    fn new(upstream: &'a Upstream) -> Self {
        Self { upstream, tried: 0, left: upstream.retries + 1 }
    }

    /// The next endpoint; an error when none is left to try.
    fn next(&mut self) -> Result<&'a Endpoint, ProxyError> {
        let Some(index) = self.upstream.pick(self.tried) else {
            return Err(if self.tried == 0 { ProxyError::NoHealthyUpstream } else { ProxyError::UpstreamUnavailable });
        };
        self.tried |= 1 << index;
        self.left -= 1;
        Ok(&self.upstream.endpoints[index])
    }

    /// `endpoint` could not be reached: counted against it; an error when no try is left.
    fn unreachable(&self, endpoint: &Endpoint, error: &ConnectError) -> Result<(), ProxyError> {
        endpoint.record(false);
        tracing::warn!(endpoint = %endpoint.url, %error, "upstream connection failed");
        if self.left == 0 { Err(ProxyError::UpstreamUnavailable) } else { Ok(()) }
    }
}

/// How an exchange failed.
pub(crate) enum Failure {
    /// No connection could be used; the request was not sent and is given back.
    Connect(Box<Request<UpstreamBody>>, ConnectError),
    /// No response headers within the response timeout.
    Timeout,
    /// The exchange failed after the request was (partly) sent.
    Exchange(hyper::Error),
    /// The request cannot be addressed to this endpoint.
    Invalid,
}

/// True when `E` is somewhere in the error's source chain.
fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<E>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// Status of a response that counts as the upstream failing (for the breaker).
fn is_failure_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}
