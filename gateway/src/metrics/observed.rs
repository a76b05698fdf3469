//! The observers' figures on `/metrics`: analytics events (shipped, queued, dropped),
//! each analytics exporter's events (exported, dropped, failed), spans (exported,
//! dropped, failed, queued) and access-log lines (written, dropped). A figure appears
//! only when its observer is configured.

use super::exposition::{Exposition, Kind};
use crate::analytics::exporters::ExporterStats;
use crate::observers::Observers;

/// A counter family of the exporters: name, help, which count.
type ExporterFamily = (&'static str, &'static str, fn(&ExporterStats) -> u64);

/// Writes the figures of `observers`.
pub fn write(out: &mut Exposition, observers: &Observers) {
    if let Some(analytics) = &observers.analytics {
        counter(
            out,
            "portico_gateway_analytics_dropped_total",
            "Analytics events dropped because the queue was full.",
            analytics.dropped(),
        );
        counter(out, "portico_gateway_analytics_shipped_total", "Analytics events shipped.", analytics.shipped());
        gauge(
            out,
            "portico_gateway_analytics_queued",
            "Analytics events waiting to be shipped.",
            analytics.queued() as u64,
        );
        let exporters = analytics.exporter_stats();
        if !exporters.is_empty() {
            let families: [ExporterFamily; 3] = [
                ("portico_gateway_analytics_exported_total", "Analytics events an exporter took.", |s| s.exported),
                (
                    "portico_gateway_analytics_export_dropped_total",
                    "Analytics events dropped for an exporter whose queue was full.",
                    |s| s.dropped,
                ),
                (
                    "portico_gateway_analytics_export_failed_total",
                    "Analytics events dropped after an exporter refused them.",
                    |s| s.failed,
                ),
            ];
            for (name, help, pick) in families {
                out.family(name, Kind::Counter, help);
                for stats in &exporters {
                    out.sample(name, &[("exporter", &stats.name)], pick(stats) as f64);
                }
            }
        }
    }
    if let Some(tracer) = &observers.tracer {
        counter(out, "portico_gateway_spans_exported_total", "Spans the OTLP collector took.", tracer.exported());
        counter(
            out,
            "portico_gateway_spans_dropped_total",
            "Spans dropped because the queue was full.",
            tracer.dropped(),
        );
        counter(
            out,
            "portico_gateway_spans_failed_total",
            "Spans lost because the collector refused them or did not answer.",
            tracer.failed(),
        );
        gauge(out, "portico_gateway_spans_queued", "Spans waiting for export.", tracer.queued() as u64);
    }
    if let Some(log) = &observers.access_log {
        counter(out, "portico_gateway_access_log_lines_total", "Access-log lines written.", log.written());
        counter(
            out,
            "portico_gateway_access_log_dropped_total",
            "Access-log lines dropped because the writer fell behind.",
            log.dropped(),
        );
    }
}

fn counter(out: &mut Exposition, name: &str, help: &str, value: u64) {
    out.family(name, Kind::Counter, help).sample(name, &[], value as f64);
}

fn gauge(out: &mut Exposition, name: &str, help: &str, value: u64) {
    out.family(name, Kind::Gauge, help).sample(name, &[], value as f64);
}
