//! OTLP/HTTP export: finished spans encoded as `ExportTraceServiceRequest` protobuf and
//! posted to the collector's `/v1/traces` in batches ([`Exporter::run`]); and the
//! encoding of log records for `/v1/logs` ([`logs_request`], used by the analytics
//! exporter). A collector that refuses or does not answer loses that batch (counted in
//! [`Tracer::failed`]): spans are diagnostics, and holding them back would only grow
//! memory while the collector is away.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;

use super::proto::{self, any_value};
use super::{SpanData, SpanKind, Tracer, Value};
use crate::outbound::Poster;

/// The protobuf content type of OTLP/HTTP.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// The instrumentation scope's name.
const SCOPE: &str = "portico";

/// The resource every exported span or record belongs to (`service.name`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Attributes, in order.
    pub attributes: Vec<(String, String)>,
}

impl Resource {
    fn proto(&self) -> proto::Resource {
        let attributes = self.attributes.iter().map(|(k, v)| key_value(k, &Value::Str(v.clone()))).collect();
        proto::Resource { attributes }
    }
}

/// Exports one tracer's spans.
pub struct Exporter {
    /// Whose spans.
    pub tracer: Arc<Tracer>,
    /// The collector's `/v1/traces`.
    pub poster: Poster,
    /// The resource the spans belong to.
    pub resource: Resource,
    /// The pause between exports (sooner while full batches wait).
    pub every: Duration,
    /// Most spans per export.
    pub batch: usize,
}

impl Exporter {
    /// Exports forever.
    pub async fn run(self) {
        let mut failures = 0u64;
        loop {
            let spans = self.tracer.drain(self.batch);
            let full = spans.len() == self.batch;
            if !spans.is_empty() {
                let count = spans.len();
                let resource = self.resource.clone();
                let body = tokio::task::spawn_blocking(move || traces_request(&resource, &spans)).await;
                let sent = match body {
                    Ok(body) => self.poster.post(CONTENT_TYPE, body).await.map(drop),
                    Err(error) => Err(format!("the encoding task failed: {error}")),
                };
                self.tracer.count_export(count, sent.is_ok());
                match sent {
                    Ok(()) => failures = 0,
                    Err(error) => {
                        failures += 1;
                        if failures == 1 || failures.is_multiple_of(100) {
                            tracing::warn!(%error, spans = count, failures, "cannot export spans; they are dropped");
                        }
                    }
                }
            }
            if full {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(self.every).await;
            }
        }
    }
}

/// `spans` as an `ExportTraceServiceRequest`.
pub fn traces_request(resource: &Resource, spans: &[SpanData]) -> Bytes {
    let spans = spans.iter().map(span).collect();
    let request = proto::ExportTraceServiceRequest {
        resource_spans: vec![proto::ResourceSpans {
            resource: Some(resource.proto()),
            scope_spans: vec![proto::ScopeSpans { scope: Some(scope()), spans }],
        }],
    };
    Bytes::from(request.encode_to_vec())
}

/// One log record to export.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// When it happened, Unix nanoseconds.
    pub time_unix_nanos: u64,
    /// `INFO`, `WARN` or `ERROR`.
    pub severity: Severity,
    /// The event's name (e.g. `portico.request`).
    pub event_name: &'static str,
    /// The human-readable body.
    pub body: String,
    /// The trace it belongs to, if it was traced.
    pub trace_id: Option<[u8; 16]>,
    /// Attributes.
    pub attributes: Vec<(&'static str, Value)>,
}

/// A log record's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Normal.
    Info,
    /// A client error.
    Warn,
    /// A server error.
    Error,
}

/// `entries` as an `ExportLogsServiceRequest`.
pub fn logs_request(resource: &Resource, entries: &[LogEntry], observed_unix_nanos: u64) -> Bytes {
    let log_records = entries
        .iter()
        .map(|entry| {
            let (number, text) = match entry.severity {
                Severity::Info => (9, "INFO"),
                Severity::Warn => (13, "WARN"),
                Severity::Error => (17, "ERROR"),
            };
            proto::LogRecord {
                time_unix_nano: entry.time_unix_nanos,
                severity_number: number,
                severity_text: text.to_owned(),
                body: Some(any(&Value::Str(entry.body.clone()))),
                attributes: entry.attributes.iter().map(|(k, v)| key_value(k, v)).collect(),
                trace_id: entry.trace_id.map(|id| id.to_vec()).unwrap_or_default(),
                observed_time_unix_nano: observed_unix_nanos,
                event_name: entry.event_name.to_owned(),
            }
        })
        .collect();
    let request = proto::ExportLogsServiceRequest {
        resource_logs: vec![proto::ResourceLogs {
            resource: Some(resource.proto()),
            scope_logs: vec![proto::ScopeLogs { scope: Some(scope()), log_records }],
        }],
    };
    Bytes::from(request.encode_to_vec())
}

fn span(span: &SpanData) -> proto::Span {
    let kind = match span.kind {
        SpanKind::Server => 2,
        SpanKind::Client => 3,
    };
    // Sampled (bit 0); bit 8: "has remote parent" is known, bit 9: it is remote.
    let flags = 1 | 0x100 | if span.parent_is_remote { 0x200 } else { 0 };
    proto::Span {
        trace_id: span.trace_id.0.to_vec(),
        span_id: span.span_id.0.to_vec(),
        trace_state: span.trace_state.clone(),
        parent_span_id: span.parent_id.map(|p| p.0.to_vec()).unwrap_or_default(),
        name: span.name.clone(),
        kind,
        start_time_unix_nano: span.start_unix_nanos,
        end_time_unix_nano: span.end_unix_nanos.max(span.start_unix_nanos),
        attributes: span.attributes.iter().map(|(k, v)| key_value(k, v)).collect(),
        status: span.error.as_ref().map(|message| proto::Status { message: message.clone(), code: 2 }),
        flags,
    }
}

fn scope() -> proto::InstrumentationScope {
    proto::InstrumentationScope { name: SCOPE.to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() }
}

fn key_value(key: &str, value: &Value) -> proto::KeyValue {
    proto::KeyValue { key: key.to_owned(), value: Some(any(value)) }
}

fn any(value: &Value) -> proto::AnyValue {
    let value = match value {
        Value::Str(text) => any_value::Value::StringValue(text.clone()),
        Value::Int(number) => any_value::Value::IntValue(*number),
        Value::Bool(flag) => any_value::Value::BoolValue(*flag),
    };
    proto::AnyValue { value: Some(value) }
}
