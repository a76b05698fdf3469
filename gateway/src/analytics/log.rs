//! The log phase: what the proxy notes about a request as it goes ([`Log`]), and the
//! response body wrapper ([`Metered`]) that counts the bytes sent and, when the body is
//! done or the client has gone, counts the call in the API's metrics and turns the notes
//! into an [`Event`] — queued for analytics, and the source of the request's spans and
//! access-log line, so all three always agree.
//! Request bodies of unknown length are counted by [`Counted`] on their way upstream.

use std::borrow::Cow;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::{Analytics, CacheOutcome, ErrorSide, Event, RequestId};
use crate::access_log::{AccessLog, Captured};
use crate::api::Api;
use crate::credentials::Application;
use crate::error::{ErrorSource, ProxyError};
use crate::metrics::{ApiMetrics, Call};
use crate::observers::Observers;
use crate::spec::AuthKind;
use crate::telemetry::request::RequestTrace;

/// What is known about one request so far. Only what the metrics need is kept when no
/// observer (analytics, tracing, access log) is on.
pub struct Log {
    analytics: Option<Arc<Analytics>>,
    trace: Option<Box<RequestTrace>>,
    access: Option<(Arc<AccessLog>, Box<Captured>)>,
    /// Whether any observer needs the details below.
    details: bool,
    metrics: Option<Arc<ApiMetrics>>,
    started: Instant,
    time_ms: i64,
    request_id: HeaderValue,
    method: Method,
    api: Option<Arc<Api>>,
    operation: Option<usize>,
    application: Option<Arc<Application>>,
    environment: Option<Arc<str>>,
    auth: Option<AuthKind>,
    upstream_us: Option<u64>,
    gateway_us: u64,
    status: u16,
    error: Option<(Cow<'static, str>, ErrorSide, bool)>,
    cache: Option<CacheOutcome>,
    bytes_in: u64,
    counted_in: Option<Arc<AtomicU64>>,
}

impl Log {
    /// Starts the notes of `req`, which arrived now over `scheme` from `client_ip`.
    pub fn start(
        observers: &Observers,
        req: &Request<Incoming>,
        request_id: &HeaderValue,
        scheme: &'static str,
        client_ip: impl FnOnce() -> IpAddr,
    ) -> Self {
        let details = observers.any();
        let time_ms =
            if details { SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64) } else { 0 };
        let trace =
            observers.tracer.as_ref().and_then(|t| RequestTrace::start(t, req.headers(), req.uri().path(), scheme));
        let access = observers.access_log.as_ref().map(|log| {
            let captured = log.capture((req.uri().path(), req.uri().query()), client_ip(), req.headers());
            (log.clone(), Box::new(captured))
        });
        Self {
            analytics: observers.analytics.clone(),
            trace,
            access,
            details,
            metrics: None,
            started: Instant::now(),
            time_ms,
            request_id: if details { request_id.clone() } else { HeaderValue::from_static("") },
            method: if details { req.method().clone() } else { Method::GET },
            api: None,
            operation: None,
            application: None,
            environment: None,
            auth: None,
            upstream_us: None,
            gateway_us: 0,
            status: 0,
            error: None,
            cache: None,
            bytes_in: 0,
            counted_in: None,
        }
    }

    /// Whether anything is recorded beyond the metrics.
    pub fn is_on(&self) -> bool {
        self.details
    }

    /// Whether a route was found (and so the API's metrics will count the call).
    pub fn is_routed(&self) -> bool {
        self.metrics.is_some()
    }

    /// No route was found: the call counts in `metrics`.
    pub fn unrouted(&mut self, metrics: &Arc<ApiMetrics>) {
        self.metrics = Some(metrics.clone());
    }

    /// The route: API, operation, required credential and environment. An API that is
    /// not tracked records no analytics event (its metrics, spans and access-log line
    /// remain).
    pub fn routed(&mut self, api: &Arc<Api>, operation: Option<usize>, auth: AuthKind, environment: Option<&Arc<str>>) {
        self.metrics = api.metrics.get().cloned();
        if !api.tracked {
            self.analytics = None;
            self.details = self.trace.is_some() || self.access.is_some();
        }
        if self.details {
            self.api = Some(api.clone());
            (self.operation, self.auth, self.environment) = (operation, Some(auth), environment.cloned());
        }
    }

    /// The authenticated application.
    pub fn caller(&mut self, application: Option<&Arc<Application>>) {
        if self.details {
            self.application = application.cloned();
        }
    }

    /// The response cache's decision.
    pub fn cache(&mut self, outcome: CacheOutcome) {
        self.cache = Some(outcome);
    }

    /// The request body's size: declared, or counted as it streams (the returned counter).
    pub fn body_in(&mut self, declared: Option<u64>, streams: bool) -> Option<Arc<AtomicU64>> {
        match declared {
            Some(length) => {
                self.bytes_in = length;
                None
            }
            None if streams && (self.details || self.metrics.is_some()) => {
                Some(self.counted_in.insert(Arc::new(AtomicU64::new(0))).clone())
            }
            None => None,
        }
    }

    /// The `traceparent` the upstream receives, when the request is traced (its client
    /// span starts now).
    pub fn upstream_traceparent(&mut self) -> Option<HeaderValue> {
        self.trace.as_mut().map(|trace| trace.upstream_header())
    }

    /// The upstream took `since` until its response head (or failed then).
    pub fn upstream_answered(&mut self, since: Instant) {
        self.upstream_us = Some(since.elapsed().as_micros() as u64);
        if let Some(trace) = &mut self.trace {
            trace.upstream_answered();
        }
    }

    /// The gateway answered with `error`.
    pub fn failed(&mut self, error: &ProxyError) {
        if self.details {
            let side = match error.source() {
                ErrorSource::Downstream => ErrorSide::Client,
                ErrorSource::Upstream => ErrorSide::Upstream,
                ErrorSource::Internal => ErrorSide::Gateway,
            };
            self.error = Some((Cow::Borrowed(error.code()), side, matches!(error, ProxyError::Throttled(_))));
        }
    }

    /// The response head is ready with `status`: the gateway's own time ends here.
    pub fn responding(&mut self, status: StatusCode) {
        self.status = status.as_u16();
        let elapsed = self.started.elapsed().as_micros() as u64;
        self.gateway_us = elapsed.saturating_sub(self.upstream_us.unwrap_or(0));
    }

    /// The call counted in the metrics, and its event handed to the observers, once
    /// `bytes_out` body bytes were sent.
    fn finish(self, bytes_out: u64) {
        let latency_us = self.started.elapsed().as_micros() as u64;
        let bytes_in = self.counted_in.as_ref().map_or(self.bytes_in, |counter| counter.load(Ordering::Relaxed));
        if let Some(metrics) = &self.metrics {
            metrics.record(&Call {
                status: self.status,
                total_us: latency_us,
                upstream_us: self.upstream_us,
                processing_us: self.gateway_us,
                bytes_in,
                bytes_out,
            });
        }
        if !self.details {
            return;
        }
        let api = self.api.as_deref();
        let error_source = match &self.error {
            Some((_, side, _)) => Some(*side),
            None if self.status >= 500 => Some(ErrorSide::Upstream),
            None if self.status >= 400 => Some(ErrorSide::Client),
            None => None,
        };
        let (error_code, throttled) = match self.error {
            Some((code, _, throttled)) => (Some(code), throttled),
            None => (None, false),
        };
        let trace_id = self.trace.as_ref().map(|t| t.trace_id().to_hex());
        let event = Event {
            time_ms: self.time_ms,
            request_id: RequestId(self.request_id),
            method: method_name(&self.method),
            api_id: api.map(|a| a.id.clone()),
            api_version: api.map(|a| a.version.clone()),
            operation: api.zip(self.operation).and_then(|(a, i)| a.operation_names.get(i).cloned()),
            application_id: self.application.map(|a| a.id.clone()),
            environment: self.environment,
            node: self.analytics.as_ref().map_or_else(|| Arc::from(""), |a| a.node().clone()),
            status: self.status,
            latency_us,
            upstream_us: self.upstream_us,
            gateway_us: self.gateway_us,
            bytes_in,
            bytes_out,
            error_source,
            error_code: error_code.map(|c| Arc::from(&*c)),
            throttled,
            cache: self.cache,
            auth: self.auth,
            trace_id: trace_id.as_deref().map(Arc::from),
        };
        if let Some((log, captured)) = self.access {
            log.write(*captured, &event, api, trace_id.as_deref());
        }
        if let Some(trace) = self.trace {
            trace.finish(&event);
        }
        if let Some(analytics) = self.analytics {
            analytics.record(event);
        }
    }
}

/// The method's name without allocating for the standard ones.
fn method_name(method: &Method) -> Arc<str> {
    static STANDARD: std::sync::OnceLock<Vec<(Method, Arc<str>)>> = std::sync::OnceLock::new();
    let standard = STANDARD.get_or_init(|| {
        [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS]
            .into_iter()
            .map(|m| {
                let name = Arc::from(m.as_str());
                (m, name)
            })
            .collect()
    });
    standard.iter().find(|(m, _)| m == method).map_or_else(|| Arc::from(method.as_str()), |(_, name)| name.clone())
}

/// A response body that counts what it sends and records the request's event when it is
/// dropped (finished, or abandoned by the client).
pub struct Metered<B> {
    inner: B,
    sent: u64,
    log: Option<Log>,
}

impl<B> Metered<B> {
    /// Wraps `inner`; `log` is recorded when the body is done.
    pub fn new(inner: B, log: Log) -> Self {
        let log = (log.is_on() || log.is_routed()).then_some(log);
        Self { inner, sent: 0, log }
    }
}

impl<B> Drop for Metered<B> {
    fn drop(&mut self) {
        if let Some(log) = self.log.take() {
            log.finish(self.sent);
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for Metered<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.sent += data.len() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body on its way upstream, counted when its length was not declared.
pub struct Counted {
    inner: Incoming,
    counter: Option<Arc<AtomicU64>>,
}

impl Counted {
    /// Wraps `inner`, adding what passes to `counter` when there is one.
    pub fn new(inner: Incoming, counter: Option<Arc<AtomicU64>>) -> Self {
        Self { inner, counter }
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let (Poll::Ready(Some(Ok(frame))), Some(counter)) = (&polled, &self.counter)
            && let Some(data) = frame.data_ref()
        {
            counter.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
