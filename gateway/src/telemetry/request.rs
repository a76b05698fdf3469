//! The trace of one proxied request: its server span, started when the request arrives,
//! and the client span of the upstream call, whose id the upstream receives in
//! `traceparent`. Both are recorded in the log phase from the request's analytics
//! [`Event`], so the span attributes and the analytics event always agree.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use super::context::{self, SpanId, TraceId};
use super::{SpanData, SpanKind, SpanStart, Tracer, Value, now_unix_nanos};
use crate::analytics::{ErrorSide, Event};

/// The tracing notes of one request.
pub struct RequestTrace {
    tracer: Arc<Tracer>,
    server: SpanStart,
    path: String,
    scheme: &'static str,
    /// The upstream call: its span id, start and end (Unix nanoseconds).
    client: Option<(SpanId, u64, Option<u64>)>,
}

impl RequestTrace {
    /// Starts the trace of a request to `path` with `headers`, if the sampler records it.
    pub fn start(tracer: &Arc<Tracer>, headers: &HeaderMap, path: &str, scheme: &'static str) -> Option<Box<Self>> {
        let server = tracer.start(headers)?;
        Some(Box::new(Self { tracer: tracer.clone(), server, path: path.to_owned(), scheme, client: None }))
    }

    /// The trace's id.
    pub fn trace_id(&self) -> TraceId {
        self.server.trace_id
    }

    /// Starts the upstream call's span; the `traceparent` the upstream receives.
    pub fn upstream_header(&mut self) -> HeaderValue {
        let span_id = SpanId::random();
        self.client = Some((span_id, now_unix_nanos(), None));
        context::header(self.server.trace_id, span_id, true)
    }

    /// The upstream's response head arrived (or the call failed).
    pub fn upstream_answered(&mut self) {
        if let Some((_, _, end)) = &mut self.client {
            *end = Some(now_unix_nanos());
        }
    }

    /// Records the spans of the finished request described by `event`.
    pub fn finish(self, event: &Event) {
        let route = event.operation.as_deref().and_then(|op| op.split_once(' ')).map(|(_, template)| template);
        let name = match route {
            Some(route) => format!("{} {route}", event.method),
            None => event.method.to_string(),
        };
        let mut attributes = super::event_attributes(event);
        attributes.push(("url.path", Value::Str(self.path)));
        attributes.push(("url.scheme", Value::from(self.scheme)));
        let server_span = self.server.span_id;
        let mut server = self.server.finish(name, SpanKind::Server, attributes);
        if event.status >= 500 {
            server.error =
                Some(event.error_code.as_deref().map_or_else(|| format!("HTTP {}", event.status), str::to_owned));
        }
        if let Some((span_id, start, end)) = self.client {
            // The gateway's own upstream errors (no connection, timeout) carry a code; an
            // upstream that answered has its status on the span.
            let failed = event.error_source == Some(ErrorSide::Upstream) && event.error_code.is_some();
            let mut attributes = vec![("http.request.method", Value::from(&*event.method))];
            if !failed {
                attributes.push(("http.response.status_code", Value::Int(i64::from(event.status))));
            }
            self.tracer.record(SpanData {
                trace_id: server.trace_id,
                span_id,
                parent_id: Some(server_span),
                parent_is_remote: false,
                trace_state: server.trace_state.clone(),
                name: event.method.to_string(),
                kind: SpanKind::Client,
                start_unix_nanos: start,
                end_unix_nanos: end.unwrap_or(server.end_unix_nanos),
                attributes,
                error: failed.then(|| event.error_code.as_deref().unwrap_or("upstream error").to_owned()),
            });
        }
        self.tracer.record(server);
    }
}
