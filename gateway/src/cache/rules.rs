//! What one API's (or operation's) cache setting compiles to: which requests are looked
//! up and under which key, and which responses are stored and for how long.
//!
//! Requests: only `GET` and `HEAD` (a `HEAD` is answered from the `GET` entry); a client's
//! `Cache-Control: no-cache`/`no-store` or `Pragma: no-cache` bypasses the cache unless
//! the setting overrides `Cache-Control`; a request carrying `Authorization` that the
//! gateway did not authenticate always bypasses it (the upstream may answer it for that
//! caller alone).
//!
//! Responses: the statuses RFC 9110 calls heuristically cacheable; never one that sets a
//! cookie or varies on a header the key does not hold (`Vary: *` included). Unless
//! overridden, `Cache-Control` decides: `no-store`, `no-cache` and `private` are not
//! stored; `s-maxage`, else `max-age`, is the time to live (capped at a week), else the
//! setting's TTL.

use std::sync::Arc;
use std::time::Duration;

use http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderName, Method, request, response};
use sha2::{Digest, Sha256};

use crate::spec::{ApiSpec, CacheSpec, DEFAULT_CACHE_BODY_BYTES, LoadError, MAX_CACHE_TTL_SECS};

/// The digest a cached response is found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(pub [u8; 32]);

/// The cache rules of an API's calls: per listed operation (by position), and for calls
/// matching none.
#[derive(Debug)]
pub struct Caching {
    whole: Option<Arc<CacheRules>>,
    operations: Vec<Option<Arc<CacheRules>>>,
}

impl Caching {
    /// Compiles `apis[index]`'s cache settings; `None` when no call of it is cached.
    pub fn compile(index: usize, spec: &ApiSpec) -> Result<Option<Self>, LoadError> {
        let id: Arc<str> = Arc::from(spec.id.as_str());
        let compile = |at: String, cache: &CacheSpec| CacheRules::compile(&at, cache, &id, spec.cache_generation);
        let whole = match &spec.cache {
            Some(cache) => compile(format!("apis[{index}].cache"), cache)?,
            None => None,
        };
        let mut operations = Vec::with_capacity(spec.operations.len());
        for (o, operation) in spec.operations.iter().enumerate() {
            operations.push(match &operation.cache {
                Some(cache) => compile(format!("apis[{index}].operations[{o}].cache"), cache)?,
                None => whole.clone(),
            });
        }
        let any = whole.is_some() || operations.iter().any(Option::is_some);
        Ok(any.then_some(Self { whole, operations }))
    }

    /// The rules of a call of the operation at `operation` (or of none).
    pub fn rules(&self, operation: Option<usize>) -> Option<&Arc<CacheRules>> {
        match operation {
            Some(o) => self.operations.get(o).and_then(Option::as_ref),
            None => self.whole.as_ref(),
        }
    }
}

/// One compiled cache setting.
#[derive(Debug)]
pub struct CacheRules {
    api: Arc<str>,
    generation: u64,
    ttl: Duration,
    /// Query parameters in the key (sorted); `None`: the whole query.
    query_params: Option<Vec<String>>,
    /// Request headers in the key.
    headers: Vec<HeaderName>,
    override_cache_control: bool,
    max_body_bytes: u64,
}

/// Statuses a cache may store without explicit freshness (RFC 9110 §15.1).
const CACHEABLE: [u16; 10] = [200, 203, 204, 300, 301, 308, 404, 405, 410, 501];

impl CacheRules {
    /// Compiles the setting at `at` for API `api`; `None` when it turns caching off.
    pub fn compile(
        at: &str,
        spec: &CacheSpec,
        api: &Arc<str>,
        generation: u64,
    ) -> Result<Option<Arc<Self>>, LoadError> {
        if !spec.enabled {
            return Ok(None);
        }
        if !(1..=MAX_CACHE_TTL_SECS).contains(&spec.ttl_secs) {
            let message = format!("a cache TTL is 1 to {MAX_CACHE_TTL_SECS} seconds (a week), not {}", spec.ttl_secs);
            return Err(LoadError::at(format!("{at}.ttl_secs"), message));
        }
        let mut query_params = spec.query_params.clone();
        for (i, name) in query_params.iter().enumerate() {
            if name.is_empty() || name.bytes().any(|b| !b.is_ascii_graphic() || b"&=#".contains(&b)) {
                let message = format!("`{name}` is not a query parameter name");
                return Err(LoadError::at(format!("{at}.query_params[{i}]"), message));
            }
        }
        query_params.sort();
        let mut headers = Vec::with_capacity(spec.headers.len());
        for (i, name) in spec.headers.iter().enumerate() {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| LoadError::at(format!("{at}.headers[{i}]"), format!("`{name}` is not a header name")))?;
            headers.push(header);
        }
        let max_body_bytes = spec.max_body_bytes.unwrap_or(DEFAULT_CACHE_BODY_BYTES);
        if !(1..=64 * 1024 * 1024).contains(&max_body_bytes) {
            let message = "the largest cached body is 1 byte to 64 MiB";
            return Err(LoadError::at(format!("{at}.max_body_bytes"), message));
        }
        Ok(Some(Arc::new(Self {
            api: api.clone(),
            generation,
            ttl: Duration::from_secs(spec.ttl_secs),
            query_params: (!query_params.is_empty()).then_some(query_params),
            headers,
            override_cache_control: spec.override_cache_control,
            max_body_bytes,
        })))
    }

    /// Largest body stored.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The key a request is looked up by, or `None` when it bypasses the cache (see the
    /// module documentation). `consumer` is the authenticated application's id; `skip`
    /// a query parameter left out (the one that carried the API key).
    pub fn key(&self, head: &request::Parts, consumer: Option<&str>, skip: Option<&str>) -> Option<CacheKey> {
        if head.method != Method::GET && head.method != Method::HEAD {
            return None;
        }
        if consumer.is_none() && head.headers.contains_key(AUTHORIZATION) {
            return None;
        }
        if !self.override_cache_control && asks_fresh(&head.headers) {
            return None;
        }
        let mut digest = Sha256::new();
        let mut part = |bytes: &[u8]| {
            digest.update((bytes.len() as u64).to_be_bytes());
            digest.update(bytes);
        };
        part(self.api.as_bytes());
        part(&self.generation.to_be_bytes());
        part(head.uri.path().as_bytes());
        let mut pairs: Vec<&str> = head
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
                skip != Some(name)
                    && self
                        .query_params
                        .as_ref()
                        .is_none_or(|chosen| chosen.binary_search_by(|c| c.as_str().cmp(name)).is_ok())
            })
            .collect();
        pairs.sort_unstable();
        part(&(pairs.len() as u64).to_be_bytes());
        for pair in pairs {
            part(pair.as_bytes());
        }
        for header in &self.headers {
            for value in head.headers.get_all(header) {
                part(value.as_bytes());
            }
            part(b"\n");
        }
        part(consumer.unwrap_or_default().as_bytes());
        Some(CacheKey(digest.finalize().into()))
    }

    /// How long a response with this head may be served from the cache; `None` when it
    /// must not be stored (see the module documentation).
    pub fn time_to_live(&self, head: &response::Parts) -> Option<Duration> {
        if !CACHEABLE.contains(&head.status.as_u16()) || head.headers.contains_key(SET_COOKIE) {
            return None;
        }
        if !self.varies_only_on_key(&head.headers) {
            return None;
        }
        if self.override_cache_control {
            return Some(self.ttl);
        }
        let mut max_age = None;
        let mut shared_max_age = None;
        for directive in directives(&head.headers) {
            let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
            let seconds = || value.trim_matches('"').parse::<u64>().ok();
            match name.to_ascii_lowercase().as_str() {
                "no-store" | "no-cache" | "private" => return None,
                "max-age" => max_age = seconds(),
                "s-maxage" => shared_max_age = seconds(),
                _ => {}
            }
        }
        let ttl = match shared_max_age.or(max_age) {
            Some(seconds) => Duration::from_secs(seconds.min(MAX_CACHE_TTL_SECS)),
            None => self.ttl,
        };
        (!ttl.is_zero()).then_some(ttl)
    }

    /// True when every header the response varies on is part of the key.
    fn varies_only_on_key(&self, headers: &HeaderMap) -> bool {
        headers.get_all(VARY).iter().all(|value| {
            value.to_str().is_ok_and(|names| {
                names
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .all(|name| name != "*" && self.headers.iter().any(|h| h.as_str().eq_ignore_ascii_case(name)))
            })
        })
    }
}

/// The request asks for a fresh answer (`Cache-Control: no-cache|no-store`, `Pragma: no-cache`).
fn asks_fresh(headers: &HeaderMap) -> bool {
    let pragma = headers.get_all(PRAGMA).iter().any(|v| v.to_str().is_ok_and(|v| v.contains("no-cache")));
    pragma || directives(headers).any(|d| d.eq_ignore_ascii_case("no-cache") || d.eq_ignore_ascii_case("no-store"))
}

/// The `Cache-Control` directives of a head, trimmed.
fn directives(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests;
