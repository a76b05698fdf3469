//! The proxy listener's request path: route → lifecycle checks → policy chain → response
//! cache → upstream (or, for a WebSocket handshake, the pass-through of
//! [`crate::websocket`]) → response → log phase. Bodies stream both ways; nothing is buffered
//! (a response being cached is copied as it streams, see [`crate::cache`]). The log phase
//! runs when the response body is done ([`Metered`]): it queues the analytics event.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{AGE, CONTENT_LENGTH, HOST};
use http::uri::PathAndQuery;
use http::{HeaderValue, Method, Request, Response, Uri, Version};
use http_body_util::{Either, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::upgrade::OnUpgrade;

use crate::analytics::CacheOutcome;
use crate::analytics::log::{Counted, Log, Metered};
use crate::api::Api;
use crate::cache::{self, CacheKey, CacheRules, Recording, Stored};
use crate::config::ConfigStore;
use crate::error::ProxyError;
use crate::forwarding::{Forwarding, Peer, strip_hop_by_hop};
use crate::observers::Observers;
use crate::policy::{APPLICATION_HEADER, Flow, RequestCtx};
use crate::request_id;
use crate::router::Lookup;
use crate::spec::ApiState;
use crate::telemetry::context::TRACEPARENT;
use crate::upstream::PooledBody;
use crate::websocket::{self, FrameLog};

/// Body of a gateway response: the upstream's, streamed (and copied to the cache on a
/// miss), or one the gateway holds (an error document or a cached body); metered for
/// analytics.
pub type ResponseBody = Metered<Inner>;

/// The response body before metering.
type Inner = Either<Either<PooledBody, Recording<PooledBody>>, Full<Bytes>>;

/// Runs the API's policy chain on a request; the first refusal is the error.
async fn run_chain(api: &Api, head: &mut http::request::Parts, cx: &mut RequestCtx) -> Result<(), ProxyError> {
    for policy in &api.policies {
        if let Flow::Respond(error) = policy.on_request(head, cx).await? {
            return Err(error);
        }
    }
    Ok(())
}

/// The proxy: live configuration and forwarding rules.
pub struct Proxy {
    store: Arc<ConfigStore>,
    forwarding: Forwarding,
    /// Scheme clients use to reach this listener (`http` or `https`).
    scheme: &'static str,
    /// Analytics, tracing and the access log, each when configured.
    observers: Observers,
}

impl Proxy {
    /// A proxy serving `store`'s configuration, telling `observers` about every request.
    pub fn new(store: Arc<ConfigStore>, forwarding: Forwarding, scheme: &'static str, observers: Observers) -> Self {
        Self { store, forwarding, scheme, observers }
    }

    /// Describes a new connection from `ip` (see [`Forwarding::peer`]).
    pub fn peer(&self, ip: IpAddr) -> Peer {
        self.forwarding.peer(ip, self.scheme)
    }

    /// Handles one request from `peer`; every failure is a JSON error with the request id.
    pub async fn handle(&self, req: Request<Incoming>, peer: &Peer) -> Result<Response<ResponseBody>, Infallible> {
        let request_id = request_id::from_headers(req.headers());
        let client_ip = || self.forwarding.client_ip(peer, req.headers());
        let mut log = Log::start(&self.observers, &req, &request_id, self.scheme, client_ip);
        let response = match self.forward(req, peer, &request_id, &mut log).await {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(request_id = ?request_id, code = error.code(), "request refused");
                log.failed(&error);
                error.into_response(&request_id).map(Either::Right)
            }
        };
        if !log.is_routed() {
            log.unrouted(self.store.metrics().unrouted());
        }
        log.responding(response.status());
        Ok(response.map(|body| Metered::new(body, log)))
    }

    async fn forward(
        &self,
        req: Request<Incoming>,
        peer: &Peer,
        request_id: &HeaderValue,
        log: &mut Log,
    ) -> Result<Response<Inner>, ProxyError> {
        let config = self.store.current().ok_or(ProxyError::NotReady)?;
        let found = match config.router.lookup(request_host(&req), req.uri().path(), req.method()) {
            Lookup::Found(found) => found,
            Lookup::MethodNotAllowed => {
                let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
                return Err(ProxyError::MethodNotAllowed { method, path });
            }
            Lookup::NotFound => {
                let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
                return Err(ProxyError::NoRoute { method, path });
            }
        };
        let api = found.api.clone();
        log.routed(&api, found.operation, found.auth, config.environment.as_ref());
        if api.state == ApiState::Blocked {
            return Err(ProxyError::ApiBlocked);
        }
        let declared_length = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > api.max_body_bytes) {
            return Err(ProxyError::RequestTooLarge);
        }
        let (mut head, body) = req.into_parts();
        let mut cx = RequestCtx {
            request_id: request_id.clone(),
            client_ip: self.forwarding.client_ip(peer, &head.headers),
            api: api.clone(),
            auth: found.auth,
            operation: found.operation,
            application: None,
            strip_query_param: None,
            token: None,
            limiter: self.store.limiter().clone(),
            shown_limit: None,
            in_flight: None,
        };
        let strip = found.strip;
        let chain = run_chain(&api, &mut head, &mut cx).await;
        log.caller(cx.application.as_ref());
        chain?;
        let websocket = websocket::requested(&head);
        let caching = api.caching.as_ref().and_then(|c| c.rules(cx.operation)).filter(|_| websocket.is_none());
        let (mut miss, mut x_cache) = (None, None);
        if let Some(rules) = caching {
            let consumer = cx.application.as_ref().map(|a| &*a.id);
            match rules.key(&head, consumer, cx.strip_query_param.as_deref()) {
                Some(key) => match self.store.cache().get(&key).await {
                    Some(stored) => {
                        log.cache(CacheOutcome::Hit);
                        return Ok(hit(&stored, &head.method, request_id, &cx));
                    }
                    None => {
                        log.cache(CacheOutcome::Miss);
                        miss = Some((rules, key));
                    }
                },
                None => {
                    log.cache(CacheOutcome::Bypass);
                    x_cache = Some(cache::BYPASS);
                }
            }
        }
        let path = upstream_path(&api.upstream.base_path, &head.uri, strip, cx.strip_query_param.as_deref())?;
        strip_hop_by_hop(&mut head.headers);
        if head.version == Version::HTTP_2 && !head.headers.contains_key(HOST) {
            // HTTP/2 carries the host in `:authority`; HTTP/1.1 upstreams need `Host`.
            if let Some(authority) = head.uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
                head.headers.insert(HOST, authority);
            }
        }
        self.forwarding.apply(&mut head.headers, peer);
        head.headers.insert(request_id::HEADER, request_id.clone());
        head.version = Version::HTTP_11;
        match &cx.application {
            Some(application) => head.headers.insert(APPLICATION_HEADER, application.id_header.clone()),
            // A client must never be able to claim an identity.
            None => head.headers.remove(APPLICATION_HEADER),
        };
        for policy in &api.policies {
            policy.on_upstream_request(&mut head, &cx);
        }
        if let Some(traceparent) = log.upstream_traceparent() {
            head.headers.insert(TRACEPARENT, traceparent);
        }
        if let Some(protocol) = websocket {
            return self.upgrade(&api, head, path, &protocol, &cx, log).await;
        }
        let counter = log.body_in(declared_length, !body.is_end_stream());
        let limit = usize::try_from(api.max_body_bytes).unwrap_or(usize::MAX);
        let body = (!body.is_end_stream()).then(|| Either::Left(Limited::new(Counted::new(body, counter), limit)));
        let is_get = head.method == Method::GET;
        let sent = Instant::now();
        let response = api.upstream.send(head, path, body).await;
        log.upstream_answered(sent);
        let response = response?;
        let (mut head, body) = response.into_parts();
        strip_hop_by_hop(&mut head.headers);
        let body = match miss {
            Some((rules, key)) => {
                x_cache = Some(cache::MISS);
                self.record(rules, key, is_get, &head, body)
            }
            None => Either::Left(body),
        };
        head.headers.insert(request_id::HEADER, request_id.clone());
        if let Some(status) = x_cache {
            head.headers.insert(cache::X_CACHE, status);
        }
        for policy in &api.policies {
            policy.on_response(&mut head, &cx);
        }
        Ok(Response::from_parts(head, Either::Left(body)))
    }

    /// Passes a WebSocket handshake through (see [`crate::websocket`]): on the upstream's
    /// `101` the sessions are spliced and the client gets the upstream's head; any other
    /// answer goes back as it came.
    async fn upgrade(
        &self,
        api: &Api,
        mut head: http::request::Parts,
        path: PathAndQuery,
        protocol: &HeaderValue,
        cx: &RequestCtx,
        log: &mut Log,
    ) -> Result<Response<Inner>, ProxyError> {
        let client = head
            .extensions
            .remove::<OnUpgrade>()
            .ok_or_else(|| ProxyError::BadRequest { reason: "this connection cannot be upgraded".into() })?;
        websocket::mark_upgrade(&mut head.headers, protocol);
        let sent = Instant::now();
        let answer = api.upstream.upgrade(head, path).await;
        log.upstream_answered(sent);
        let frames = api.log_frames.then(|| FrameLog {
            request_id: String::from_utf8_lossy(cx.request_id.as_bytes()).into_owned(),
            api: api.id.clone(),
            access_log: self.observers.access_log.clone(),
        });
        let (mut head, body) = match websocket::answer(client, answer?, protocol, frames) {
            Ok(head) => (head, Either::Right(Full::new(Bytes::new()))),
            Err(refused) => {
                let (mut head, body) = refused.into_parts();
                strip_hop_by_hop(&mut head.headers);
                (head, Either::Left(Either::Left(PooledBody::new(body, None))))
            }
        };
        head.headers.insert(request_id::HEADER, cx.request_id.clone());
        for policy in &api.policies {
            policy.on_response(&mut head, cx);
        }
        Ok(Response::from_parts(head, body))
    }

    /// The body of a cache miss's response: copied into the cache as it streams when the
    /// response may be stored (a `GET`'s, cacheable, not longer than the bound).
    fn record(
        &self,
        rules: &CacheRules,
        key: CacheKey,
        is_get: bool,
        head: &http::response::Parts,
        body: PooledBody,
    ) -> Either<PooledBody, Recording<PooledBody>> {
        let declared = head.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let ttl = rules.time_to_live(head).filter(|_| is_get && declared.is_none_or(|n| n <= rules.max_body_bytes()));
        match ttl {
            Some(ttl) => {
                let cache = self.store.cache().clone();
                Either::Right(Recording::new(body, cache, key, head, ttl, rules.max_body_bytes()))
            }
            None => Either::Left(body),
        }
    }
}

/// The answer to a request found in the cache (no body for a `HEAD`), through the
/// policies' response hooks like any other.
fn hit(stored: &Stored, method: &Method, request_id: &HeaderValue, cx: &RequestCtx) -> Response<Inner> {
    let (mut head, ()) = Response::new(()).into_parts();
    head.status = stored.status;
    head.headers = stored.headers.clone();
    head.headers.insert(AGE, HeaderValue::from(stored.age_secs()));
    head.headers.insert(cache::X_CACHE, cache::HIT);
    head.headers.insert(request_id::HEADER, request_id.clone());
    for policy in &cx.api.policies {
        policy.on_response(&mut head, cx);
    }
    let body = if method == Method::HEAD { Bytes::new() } else { stored.body.clone() };
    Response::from_parts(head, Either::Right(Full::new(body)))
}

/// The host the client addressed, without port (`:authority` for HTTP/2).
fn request_host<B>(req: &Request<B>) -> Option<&str> {
    match req.uri().authority() {
        Some(authority) => Some(authority.host()),
        None => {
            let host = req.headers().get(HOST)?.to_str().ok()?;
            Some(match host.rsplit_once(':') {
                Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
                _ => host,
            })
        }
    }
}

/// The upstream path: base path + the request path after the API's prefix + the query
/// (without the credential parameter, when the key came in the query).
fn upstream_path(base: &str, uri: &Uri, strip: usize, drop_param: Option<&str>) -> Result<PathAndQuery, ProxyError> {
    let rest = uri.path().get(strip..).unwrap_or_default();
    let query = uri.query().unwrap_or_default();
    let mut path = String::with_capacity(base.len() + rest.len() + query.len() + 2);
    path.push_str(base);
    path.push_str(rest);
    if path.is_empty() {
        path.push('/');
    }
    let mut first = true;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if drop_param.is_some_and(|name| pair.split_once('=').map_or(pair, |(k, _)| k) == name) {
            continue;
        }
        path.push(if first { '?' } else { '&' });
        path.push_str(pair);
        first = false;
    }
    PathAndQuery::from_maybe_shared(Bytes::from(path))
        .map_err(|_| ProxyError::BadRequest { reason: "the request path cannot be forwarded".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_paths_drop_the_prefix_and_the_key_parameter() {
        let uri: Uri = "/petstore/v1/pets/7?api_key=s3cret&limit=2".parse().unwrap();
        let path = upstream_path("/api", &uri, "/petstore/v1".len(), Some("api_key")).unwrap();
        assert_eq!(path, "/api/pets/7?limit=2");
        let uri: Uri = "/petstore/v1".parse().unwrap();
        assert_eq!(upstream_path("", &uri, "/petstore/v1".len(), None).unwrap(), "/");
        let uri: Uri = "/petstore?x".parse().unwrap();
        assert_eq!(upstream_path("/base", &uri, "/petstore".len(), None).unwrap(), "/base?x");
    }
}
