//! The OTLP exporter of analytics events: each batch is one `ExportLogsServiceRequest`
//! posted to the collector's `/v1/logs` (`PORTICO_ANALYTICS_OTLP` with
//! `OTEL_EXPORTER_OTLP_ENDPOINT`), an event a log record named `portico.gateway.request`
//! with the OpenTelemetry HTTP attributes, Portico's own, and the trace id when the
//! request was traced — so any OTLP backend (Datadog, Grafana, Honeycomb, …) gets the
//! same events as Portico's own analytics.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Batch, Event, Sink};
use crate::outbound::Poster;
use crate::telemetry::Value;
use crate::telemetry::context::TraceId;
use crate::telemetry::otlp::{self, LogEntry, Resource, Severity};

/// Posts batches to a collector's `/v1/logs`.
pub struct OtlpLogSink {
    poster: Poster,
    resource: Resource,
}

impl OtlpLogSink {
    /// A sink posting to `poster` on behalf of `resource`.
    pub fn new(poster: Poster, resource: Resource) -> Self {
        Self { poster, resource }
    }
}

/// The log record of one event.
pub fn entry(event: &Event) -> LogEntry {
    let severity = match event.status {
        500.. => Severity::Error,
        400.. => Severity::Warn,
        _ => Severity::Info,
    };
    let operation = event.operation.as_deref().unwrap_or(&event.method);
    let mut attributes = crate::telemetry::event_attributes(event);
    attributes.extend([
        ("portico.node", Value::from(&*event.node)),
        ("portico.latency_us", Value::Int(event.latency_us as i64)),
        ("portico.gateway_us", Value::Int(event.gateway_us as i64)),
        ("portico.bytes_in", Value::Int(event.bytes_in as i64)),
        ("portico.bytes_out", Value::Int(event.bytes_out as i64)),
    ]);
    let optional = [
        ("portico.operation", event.operation.as_deref()),
        ("portico.error.source", event.error_source.map(|s| s.as_str())),
        ("portico.auth", event.auth.map(|a| a.as_str())),
    ];
    attributes.extend(optional.into_iter().filter_map(|(key, value)| Some((key, Value::from(value?)))));
    if let Some(upstream) = event.upstream_us {
        attributes.push(("portico.upstream_us", Value::Int(upstream as i64)));
    }
    LogEntry {
        time_unix_nanos: u64::try_from(event.time_ms).unwrap_or_default().saturating_mul(1_000_000),
        severity,
        event_name: "portico.gateway.request",
        body: format!("{operation} {}", event.status),
        trace_id: event.trace_id.as_deref().and_then(TraceId::from_hex).map(|id| id.0),
        attributes,
    }
}

#[async_trait]
impl Sink for OtlpLogSink {
    fn name(&self) -> &str {
        "otlp"
    }

    async fn publish(&self, batch: &Arc<Batch>) -> Result<(), String> {
        let (batch, resource) = (batch.clone(), self.resource.clone());
        let body = tokio::task::spawn_blocking(move || {
            let entries: Vec<LogEntry> = batch.events.iter().map(entry).collect();
            otlp::logs_request(&resource, &entries, crate::telemetry::now_unix_nanos())
        })
        .await
        .map_err(|e| format!("the encoding task failed: {e}"))?;
        self.poster.post(otlp::CONTENT_TYPE, body).await.map(drop)
    }
}
