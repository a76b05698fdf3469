//! OpenTelemetry settings, read from the ecosystem's standard `OTEL_*` variables (each
//! also a flag) so an existing collector set-up works unchanged: where spans and logs go,
//! extra headers, the service's name and resource attributes, the sampler, and the batch
//! processor's delay and sizes. Only the `http/protobuf` protocol is spoken.

use std::sync::Arc;
use std::time::Duration;

use super::Tracer;
use super::context::{TraceId, TraceParent};
use super::otlp::{Exporter, Resource};
use crate::outbound::{Poster, parse_header_list};
use crate::settings::Redacted;

/// Which requests are traced (`OTEL_TRACES_SAMPLER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum SamplerKind {
    /// Every request.
    AlwaysOn,
    /// None.
    AlwaysOff,
    /// A share of traces, chosen by trace id (`OTEL_TRACES_SAMPLER_ARG`, 0 to 1).
    #[value(name = "traceidratio")]
    TraceIdRatio,
    /// As the caller decided when it sent a `traceparent`, else every request.
    #[default]
    ParentbasedAlwaysOn,
    /// As the caller decided, else none.
    ParentbasedAlwaysOff,
    /// As the caller decided, else a share by trace id.
    #[value(name = "parentbased_traceidratio")]
    ParentbasedTraceIdRatio,
}

/// A sampler: its kind and ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampler {
    /// The rule.
    pub kind: SamplerKind,
    /// The share of traces the ratio rules keep, 0 to 1.
    pub ratio: f64,
}

impl Default for Sampler {
    fn default() -> Self {
        Self { kind: SamplerKind::default(), ratio: 1.0 }
    }
}

impl Sampler {
    /// Whether a request with `parent` (its valid `traceparent`, if any) in `trace_id` is
    /// recorded. The ratio compares the trace id's low 64 bits, so every process using
    /// the same ratio keeps the same traces.
    pub fn samples(&self, parent: Option<&TraceParent>, trace_id: TraceId) -> bool {
        let by_ratio = || {
            let ratio = self.ratio.clamp(0.0, 1.0);
            ratio >= 1.0 || (trace_id.low_u64() >> 11) < (ratio * (1u64 << 53) as f64) as u64
        };
        match (self.kind, parent) {
            (SamplerKind::AlwaysOn, _) => true,
            (SamplerKind::AlwaysOff, _) => false,
            (SamplerKind::TraceIdRatio, _) => by_ratio(),
            (_, Some(parent)) => parent.sampled,
            (SamplerKind::ParentbasedAlwaysOn, None) => true,
            (SamplerKind::ParentbasedAlwaysOff, None) => false,
            (SamplerKind::ParentbasedTraceIdRatio, None) => by_ratio(),
        }
    }
}

/// The OpenTelemetry settings.
#[derive(Debug, Clone, clap::Args)]
pub struct OtelSettings {
    /// Base URL of an OTLP/HTTP collector, e.g. `http://127.0.0.1:4318`: spans are posted
    /// to `<url>/v1/traces` (and, with `PORTICO_ANALYTICS_OTLP`, analytics events to
    /// `<url>/v1/logs`). Default: unset (no tracing).
    #[arg(long = "otel-endpoint", env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Full URL spans are posted to, instead of `<endpoint>/v1/traces`.
    #[arg(long = "otel-traces-endpoint", env = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    pub traces_endpoint: Option<String>,
    /// Full URL log records are posted to, instead of `<endpoint>/v1/logs`.
    #[arg(long = "otel-logs-endpoint", env = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")]
    pub logs_endpoint: Option<String>,
    /// Headers sent to the collector, `name=value` pairs separated by commas (values may
    /// be percent-encoded), e.g. a vendor's API key. Never logged.
    #[arg(long = "otel-headers", env = "OTEL_EXPORTER_OTLP_HEADERS", hide_env_values = true)]
    pub headers: Option<Redacted>,
    /// The OTLP transport; only `http/protobuf` is supported.
    #[arg(long = "otel-protocol", env = "OTEL_EXPORTER_OTLP_PROTOCOL", default_value = "http/protobuf")]
    pub protocol: String,
    /// Milliseconds to wait for the collector's answer.
    #[arg(long = "otel-timeout-ms", env = "OTEL_EXPORTER_OTLP_TIMEOUT", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// `service.name` of the spans. Default: `portico` for the control plane,
    /// `portico-gateway` for gateways.
    #[arg(long = "otel-service-name", env = "OTEL_SERVICE_NAME")]
    pub service_name: Option<String>,
    /// More resource attributes, `key=value` pairs separated by commas (e.g.
    /// `deployment.environment=prod`).
    #[arg(long = "otel-resource-attributes", env = "OTEL_RESOURCE_ATTRIBUTES")]
    pub resource_attributes: Option<String>,
    /// Which requests are traced: `always_on`, `always_off`, `traceidratio`,
    /// `parentbased_always_on` (follow the caller's `traceparent`, else trace),
    /// `parentbased_always_off` or `parentbased_traceidratio`.
    #[arg(long = "otel-traces-sampler", env = "OTEL_TRACES_SAMPLER", value_enum, default_value_t = SamplerKind::default())]
    pub sampler: SamplerKind,
    /// The share of traces the ratio samplers keep, 0 to 1.
    #[arg(long = "otel-traces-sampler-arg", env = "OTEL_TRACES_SAMPLER_ARG", default_value_t = 1.0)]
    pub sampler_arg: f64,
    /// Milliseconds between two exports of finished spans.
    #[arg(long = "otel-bsp-schedule-delay", env = "OTEL_BSP_SCHEDULE_DELAY", default_value_t = 5_000)]
    pub schedule_delay_ms: u64,
    /// Finished spans held while waiting for export; beyond that new ones are dropped
    /// (and counted).
    #[arg(long = "otel-bsp-max-queue-size", env = "OTEL_BSP_MAX_QUEUE_SIZE", default_value_t = 2_048)]
    pub max_queue_size: usize,
    /// Most spans in one export.
    #[arg(long = "otel-bsp-max-export-batch-size", env = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default_value_t = 512)]
    pub max_export_batch_size: usize,
}

impl Default for OtelSettings {
    /// The defaults of the flags: no endpoint, so no tracing.
    fn default() -> Self {
        Self {
            endpoint: None,
            traces_endpoint: None,
            logs_endpoint: None,
            headers: None,
            protocol: "http/protobuf".into(),
            timeout_ms: 10_000,
            service_name: None,
            resource_attributes: None,
            sampler: SamplerKind::default(),
            sampler_arg: 1.0,
            schedule_delay_ms: 5_000,
            max_queue_size: 2_048,
            max_export_batch_size: 512,
        }
    }
}

impl OtelSettings {
    /// Settings for tests: spans to `endpoint`, exported every 50 ms.
    pub fn to_collector(endpoint: &str) -> Self {
        Self { endpoint: Some(endpoint.to_owned()), timeout_ms: 2_000, schedule_delay_ms: 50, ..Self::default() }
    }

    /// The tracer and the exporter to spawn, when a traces endpoint is set; an error
    /// names the setting that is wrong. `service` is the default `service.name`.
    pub fn tracer(&self, service: &str) -> Result<Option<(Arc<Tracer>, Exporter)>, String> {
        let Some(url) = self.signal_url(self.traces_endpoint.as_deref(), "traces") else { return Ok(None) };
        let poster = self.poster("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &url)?;
        if !(0.0..=1.0).contains(&self.sampler_arg) {
            return Err(format!("OTEL_TRACES_SAMPLER_ARG: {} is not a ratio from 0 to 1", self.sampler_arg));
        }
        let sampler = Sampler { kind: self.sampler, ratio: self.sampler_arg };
        let tracer = Tracer::new(sampler, self.max_queue_size);
        let exporter = Exporter {
            tracer: tracer.clone(),
            poster,
            resource: self.resource(service)?,
            every: Duration::from_millis(self.schedule_delay_ms.max(10)),
            batch: self.max_export_batch_size.max(1),
        };
        Ok(Some((tracer, exporter)))
    }

    /// Where log records go and who sends them, when a logs endpoint is set.
    pub fn logs(&self, service: &str) -> Result<Option<(Poster, Resource)>, String> {
        let Some(url) = self.signal_url(self.logs_endpoint.as_deref(), "logs") else { return Ok(None) };
        Ok(Some((self.poster("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", &url)?, self.resource(service)?)))
    }

    fn signal_url(&self, explicit: Option<&str>, signal: &str) -> Option<String> {
        let explicit = explicit.map(str::trim).filter(|u| !u.is_empty());
        let base = self.endpoint.as_deref().map(str::trim).filter(|u| !u.is_empty());
        explicit.map(str::to_owned).or_else(|| base.map(|base| format!("{}/v1/{signal}", base.trim_end_matches('/'))))
    }

    fn poster(&self, what: &str, url: &str) -> Result<Poster, String> {
        if self.protocol != "http/protobuf" {
            return Err(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL: `{}` is not supported; use http/protobuf",
                self.protocol
            ));
        }
        let headers = match &self.headers {
            Some(Redacted(text)) => parse_header_list(text).map_err(|e| format!("OTEL_EXPORTER_OTLP_HEADERS: {e}"))?,
            None => Vec::new(),
        };
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        Ok(Poster::new(what, url, &headers)?.with_timeout(Duration::from_millis(self.timeout_ms.max(1))))
    }

    /// The resource: `service.name` (`OTEL_SERVICE_NAME`, else the one in
    /// `OTEL_RESOURCE_ATTRIBUTES`, else `service`), version, host, and the other
    /// resource attributes.
    fn resource(&self, service: &str) -> Result<Resource, String> {
        let extra = match &self.resource_attributes {
            Some(text) => parse_header_list(text).map_err(|e| format!("OTEL_RESOURCE_ATTRIBUTES: {e}"))?,
            None => Vec::new(),
        };
        let named = extra.iter().find(|(key, _)| key == "service.name").map(|(_, name)| name.clone());
        let name = self.service_name.clone().or(named).unwrap_or_else(|| service.to_owned());
        let mut attributes = vec![
            ("service.name".to_owned(), name),
            ("service.version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
            ("host.name".to_owned(), crate::control_plane::hostname()),
        ];
        for (key, value) in extra.into_iter().filter(|(key, _)| key != "service.name") {
            attributes.retain(|(k, _)| *k != key);
            attributes.push((key, value));
        }
        Ok(Resource { attributes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::context::SpanId;

    fn parent(sampled: bool) -> TraceParent {
        TraceParent { trace_id: TraceId([1; 16]), parent_id: SpanId([2; 8]), sampled }
    }

    #[test]
    fn samplers_follow_the_parent_or_their_rule() {
        let on = Sampler::default();
        assert!(on.samples(None, TraceId([7; 16])));
        assert!(!on.samples(Some(&parent(false)), TraceId([1; 16])));
        let off = Sampler { kind: SamplerKind::AlwaysOff, ratio: 1.0 };
        assert!(!off.samples(Some(&parent(true)), TraceId([1; 16])));
        let tenth = Sampler { kind: SamplerKind::TraceIdRatio, ratio: 0.1 };
        let kept = (0..10_000).filter(|_| tenth.samples(None, TraceId::random())).count();
        assert!((700..1300).contains(&kept), "kept {kept} of 10000 at 10 %");
        let none = Sampler { kind: SamplerKind::ParentbasedTraceIdRatio, ratio: 0.0 };
        assert!(!none.samples(None, TraceId::random()) && none.samples(Some(&parent(true)), TraceId([1; 16])));
    }

    #[test]
    fn endpoints_resource_and_protocol_are_checked() {
        let mut settings = OtelSettings::to_collector("http://127.0.0.1:4318/");
        assert_eq!(settings.signal_url(None, "traces").unwrap(), "http://127.0.0.1:4318/v1/traces");
        settings.service_name = Some("edge".into());
        settings.resource_attributes = Some("deployment.environment=prod,service.name=ignored".into());
        let resource = settings.resource("portico-gateway").unwrap();
        let get = |k: &str| resource.attributes.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!((get("service.name"), get("deployment.environment")), (Some("edge"), Some("prod")));
        settings.protocol = "grpc".into();
        assert!(settings.tracer("x").err().unwrap().contains("http/protobuf"));
        let mut ratio = OtelSettings::to_collector("http://127.0.0.1:4318");
        ratio.sampler_arg = 2.0;
        assert!(ratio.tracer("x").err().unwrap().contains("OTEL_TRACES_SAMPLER_ARG"));
        assert!(OtelSettings::default().tracer("x").unwrap().is_none());
    }
}
