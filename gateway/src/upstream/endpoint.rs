//! One upstream endpoint and its health: the circuit breaker (passive) and the result of
//! active health checks. All state is atomics — no lock on the request path.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use http::HeaderValue;
use http::uri::{Authority, Scheme};

use super::pool::Pool;
use crate::spec::{CircuitBreakerSpec, EndpointSpec, LoadError};

/// Milliseconds since the gateway started (monotonic).
pub fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// An upstream endpoint.
pub struct Endpoint {
    /// The endpoint's URL as configured (logs, errors).
    pub url: String,
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host and port.
    pub authority: Authority,
    /// `Host` header value naming this endpoint.
    pub host_header: HeaderValue,
    /// Share of requests with weighted balancing.
    pub weight: u32,
    /// Keep-alive connections to this endpoint.
    pub pool: Arc<Pool>,
    breaker: Breaker,
    /// False while active health checks find the endpoint down.
    healthy: AtomicBool,
}

impl Endpoint {
    /// Parses an endpoint; `at` is its field path for errors.
    pub fn compile(at: &str, spec: &EndpointSpec, breaker: CircuitBreakerSpec) -> Result<Self, LoadError> {
        let invalid = |why: &str| LoadError::at(format!("{at}.url"), format!("`{}` {why}", spec.url));
        let uri: http::Uri = spec.url.parse().map_err(|_| invalid("is not a URL"))?;
        let scheme = uri.scheme().cloned().ok_or_else(|| invalid("needs a scheme (http:// or https://)"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("must use http or https"));
        }
        let authority = uri.authority().cloned().ok_or_else(|| invalid("needs a host"))?;
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return Err(invalid("needs a host (and no user name)"));
        }
        if uri.path_and_query().is_some_and(|pq| pq.as_str() != "/") {
            return Err(invalid("must not have a path or query; put the path in `upstream.base_path`"));
        }
        if !(1..=1000).contains(&spec.weight) {
            return Err(LoadError::at(format!("{at}.weight"), "weight must be between 1 and 1000"));
        }
        let host_header = HeaderValue::from_str(authority.as_str()).map_err(|_| invalid("has an invalid host"))?;
        Ok(Self {
            url: spec.url.clone(),
            scheme,
            authority,
            host_header,
            weight: spec.weight,
            pool: Arc::default(),
            breaker: Breaker::new(breaker),
            healthy: AtomicBool::new(true),
        })
    }

    /// Whether a request may be sent here now (healthy and circuit closed, or this request
    /// is the half-open probe).
    pub fn admit(&self) -> bool {
        self.healthy.load(Ordering::Relaxed) && self.breaker.admit(now_ms())
    }

    /// Records the outcome of a request sent here.
    pub fn record(&self, ok: bool) {
        self.breaker.record(ok, now_ms());
    }

    /// The active health checks' verdict (true when none run).
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Sets the active health-check verdict.
    pub fn set_healthy(&self, healthy: bool) {
        if self.healthy.swap(healthy, Ordering::Relaxed) != healthy {
            tracing::warn!(endpoint = %self.url, healthy, "upstream endpoint health changed");
        }
    }
}

/// Circuit breaker: closed until `threshold` consecutive failures, then open for
/// `open_ms`; after that one request at a time probes it (half-open) until one succeeds.
#[derive(Debug)]
struct Breaker {
    threshold: u32,
    open_ms: u64,
    failures: AtomicU32,
    open_until: AtomicU64,
    /// When the current half-open probe started (0: none). A probe whose outcome never
    /// arrives (client went away) stops blocking others after `open_ms`.
    probe_started: AtomicU64,
}

impl Breaker {
    fn new(spec: CircuitBreakerSpec) -> Self {
        Self {
            threshold: spec.failures,
            open_ms: spec.open_ms.max(1),
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
            probe_started: AtomicU64::new(0),
        }
    }

    fn admit(&self, now: u64) -> bool {
        if self.threshold == 0 || self.failures.load(Ordering::Relaxed) < self.threshold {
            return true;
        }
        if now < self.open_until.load(Ordering::Relaxed) {
            return false;
        }
        let started = self.probe_started.load(Ordering::Relaxed);
        (started == 0 || started + self.open_ms <= now)
            && self.probe_started.compare_exchange(started, now.max(1), Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }

    fn record(&self, ok: bool, now: u64) {
        if self.threshold == 0 {
            return;
        }
        if ok {
            if self.failures.load(Ordering::Relaxed) != 0 {
                self.failures.store(0, Ordering::Relaxed);
                self.probe_started.store(0, Ordering::Relaxed);
            }
            return;
        }
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if failures >= self.threshold {
            self.open_until.store(now + self.open_ms, Ordering::Relaxed);
            self.probe_started.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_probes_once_and_closes() {
        let breaker = Breaker::new(CircuitBreakerSpec { failures: 2, open_ms: 100 });
        assert!(breaker.admit(1000));
        breaker.record(false, 1000);
        assert!(breaker.admit(1000), "one failure is below the threshold");
        breaker.record(false, 1000);
        assert!(!breaker.admit(1050), "open");
        assert!(breaker.admit(1100), "half-open: the first request probes");
        assert!(!breaker.admit(1101), "only one probe at a time");
        breaker.record(false, 1110);
        assert!(!breaker.admit(1150), "a failed probe reopens");
        assert!(breaker.admit(1210));
        breaker.record(true, 1220);
        assert!(breaker.admit(1221) && breaker.admit(1222), "a good probe closes");
    }

    #[test]
    fn endpoints_are_validated() {
        let spec = |url: &str| EndpointSpec { url: url.into(), weight: 1 };
        let ok = Endpoint::compile("e", &spec("http://127.0.0.1:9000"), CircuitBreakerSpec::default()).unwrap();
        assert_eq!(ok.host_header, "127.0.0.1:9000");
        for bad in ["127.0.0.1:9000", "ftp://x", "http://x/base", "http://u@x", "not a url"] {
            let error = Endpoint::compile("e", &spec(bad), CircuitBreakerSpec::default()).err().unwrap();
            assert_eq!(error.path, "e.url", "{bad}");
        }
    }
}
