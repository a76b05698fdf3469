//! Distributed tracing (OpenTelemetry) for the gateway and the control plane.
//!
//! Each traced request is a **server span**, the child of the caller's `traceparent` when
//! it sent a valid one ([`context`]) or the root of a new trace; a proxied request adds a
//! **client span** for the upstream call, and the upstream receives a `traceparent` naming
//! it, so the upstream's own spans join the same trace. Whether a request is traced is
//! the sampler's decision ([`settings::Sampler`], `OTEL_TRACES_SAMPLER`).
//!
//! Finished spans go onto a bounded lock-free queue ([`Tracer::record`]); when it is full
//! the new span is dropped and counted, so a slow or absent collector costs a bounded
//! amount of memory and never a request's time. [`otlp::Exporter`] drains the queue in
//! batches and posts them as OTLP/HTTP protobuf to `OTEL_EXPORTER_OTLP_ENDPOINT`
//! `/v1/traces`. Without an endpoint there is no tracer at all and the request path does
//! not look at trace headers (a client's `traceparent` still reaches the upstream as any
//! other header).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crossbeam_queue::ArrayQueue;
use http::HeaderMap;

pub mod context;
pub mod otlp;
pub mod proto;
pub mod request;
pub mod settings;

use context::{SpanId, TraceId, TraceParent};
use settings::Sampler;

/// What a span describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// Handling a request that arrived.
    Server,
    /// A request sent to another service (the upstream).
    Client,
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Str(text)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Value::Int(number)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

/// A finished span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanData {
    /// The trace.
    pub trace_id: TraceId,
    /// This span.
    pub span_id: SpanId,
    /// Its parent, if any.
    pub parent_id: Option<SpanId>,
    /// Whether the parent came from another process (a `traceparent`).
    pub parent_is_remote: bool,
    /// The incoming `tracestate`, kept with the span.
    pub trace_state: String,
    /// E.g. `GET /orders/{id}`.
    pub name: String,
    /// What it describes.
    pub kind: SpanKind,
    /// Start, Unix nanoseconds.
    pub start_unix_nanos: u64,
    /// End, Unix nanoseconds.
    pub end_unix_nanos: u64,
    /// OpenTelemetry semantic-convention attributes (`http.request.method`, …) and
    /// Portico's own (`portico.*`).
    pub attributes: Vec<(&'static str, Value)>,
    /// Set when the span failed: the span's status is `ERROR` with this message.
    pub error: Option<String>,
}

/// The start of a span that will be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanStart {
    /// The trace.
    pub trace_id: TraceId,
    /// The new span.
    pub span_id: SpanId,
    /// The caller's span, when the request carried a `traceparent`.
    pub parent_id: Option<SpanId>,
    /// The request's `tracestate`, if any.
    pub trace_state: String,
    /// Unix nanoseconds.
    pub start_unix_nanos: u64,
}

impl SpanStart {
    /// A finished span of this start.
    pub fn finish(&self, name: String, kind: SpanKind, attributes: Vec<(&'static str, Value)>) -> SpanData {
        SpanData {
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_id: self.parent_id,
            parent_is_remote: self.parent_id.is_some(),
            trace_state: self.trace_state.clone(),
            name,
            kind,
            start_unix_nanos: self.start_unix_nanos,
            end_unix_nanos: now_unix_nanos(),
            attributes,
            error: None,
        }
    }
}

/// The spans of one process, waiting for export.
pub struct Tracer {
    sampler: Sampler,
    queue: ArrayQueue<SpanData>,
    dropped: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
}

impl Tracer {
    /// A tracer deciding with `sampler`, holding at most `capacity` finished spans.
    pub fn new(sampler: Sampler, capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            sampler,
            queue: ArrayQueue::new(capacity.max(1)),
            dropped: AtomicU64::new(0),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// The server span of a request with `headers`, if the sampler records it: a child of
    /// the request's valid `traceparent`, else the root of a new trace.
    pub fn start(&self, headers: &HeaderMap) -> Option<SpanStart> {
        let parent = headers.get(context::TRACEPARENT).and_then(TraceParent::parse);
        let trace_id = parent.map_or_else(TraceId::random, |p| p.trace_id);
        if !self.sampler.samples(parent.as_ref(), trace_id) {
            return None;
        }
        let trace_state = match (parent, headers.get(context::TRACESTATE)) {
            (Some(_), Some(state)) => state.to_str().unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        Some(SpanStart {
            trace_id,
            span_id: SpanId::random(),
            parent_id: parent.map(|p| p.parent_id),
            trace_state,
            start_unix_nanos: now_unix_nanos(),
        })
    }

    /// Queues a finished span; when the queue is full the span is dropped and counted.
    pub fn record(&self, span: SpanData) {
        if self.queue.push(span).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes at most `max` spans, oldest first.
    pub fn drain(&self, max: usize) -> Vec<SpanData> {
        let mut spans = Vec::with_capacity(self.queue.len().min(max));
        while spans.len() < max {
            match self.queue.pop() {
                Some(span) => spans.push(span),
                None => break,
            }
        }
        spans
    }

    /// Spans waiting for export.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Spans dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Spans the collector took.
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// Spans lost because the collector refused them or did not answer.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    fn count_export(&self, spans: usize, ok: bool) {
        let counter = if ok { &self.exported } else { &self.failed };
        counter.fetch_add(spans as u64, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer")
            .field("sampler", &self.sampler)
            .field("queued", &self.queued())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

/// What a span or log record says of a request's analytics `event`: the OpenTelemetry
/// HTTP attributes and Portico's own (API, application, environment, cache, error code,
/// throttling). Spans and exported log records share them, so both name a call alike.
pub fn event_attributes(event: &crate::analytics::Event) -> Vec<(&'static str, Value)> {
    let route = event.operation.as_deref().and_then(|op| op.split_once(' ')).map(|(_, template)| template);
    let mut attributes = vec![
        ("http.request.method", Value::from(&*event.method)),
        ("http.response.status_code", Value::Int(i64::from(event.status))),
        ("portico.request_id", Value::Str(event.request_id.as_str().into_owned())),
    ];
    let optional = [
        ("http.route", route),
        ("portico.api.id", event.api_id.as_deref()),
        ("portico.api.version", event.api_version.as_deref()),
        ("portico.application.id", event.application_id.as_deref()),
        ("portico.environment", event.environment.as_deref()),
        ("portico.cache", event.cache.map(|c| c.as_str())),
        ("error.type", event.error_code.as_deref()),
    ];
    attributes.extend(optional.into_iter().filter_map(|(key, value)| Some((key, Value::from(value?)))));
    if event.throttled {
        attributes.push(("portico.throttled", Value::Bool(true)));
    }
    attributes
}

/// Now, Unix nanoseconds.
pub fn now_unix_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn a_span_continues_the_callers_trace_or_starts_one() {
        let tracer = Tracer::new(Sampler::default(), 8);
        let mut headers = HeaderMap::new();
        let fresh = tracer.start(&headers).unwrap();
        assert!(fresh.parent_id.is_none());
        headers.insert(
            context::TRACEPARENT,
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        headers.insert(context::TRACESTATE, HeaderValue::from_static("vendor=1"));
        let child = tracer.start(&headers).unwrap();
        assert_eq!(child.trace_id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(child.parent_id.unwrap().to_hex(), "00f067aa0ba902b7");
        assert_eq!(child.trace_state, "vendor=1");
        // The caller decided not to sample: the default sampler follows it.
        headers.insert(
            context::TRACEPARENT,
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
        );
        assert!(tracer.start(&headers).is_none());
    }

    #[test]
    fn a_full_queue_drops_new_spans_and_counts_them() {
        let tracer = Tracer::new(Sampler::default(), 2);
        let start = tracer.start(&HeaderMap::new()).unwrap();
        for _ in 0..3 {
            tracer.record(start.finish("GET".into(), SpanKind::Server, Vec::new()));
        }
        assert_eq!((tracer.queued(), tracer.dropped()), (2, 1));
        assert_eq!(tracer.drain(10).len(), 2);
    }
}
