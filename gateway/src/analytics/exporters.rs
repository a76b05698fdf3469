//! Analytics exporters: destinations that receive a copy of every batch besides the one
//! that stores it — OpenSearch / Elasticsearch ([`super::opensearch`]), an OTLP
//! collector as log records ([`super::otlp_logs`]), or any custom [`Sink`] given to
//! [`Analytics::add_exporter`].
//!
//! Each exporter has its own bounded queue of batches and its own task, so one that is
//! slow or down never holds back the others, the main shipment, or a request: when its
//! queue is full the new batch is dropped for it and counted; a batch it refuses is
//! tried [`ATTEMPTS`] times with a growing pause, then dropped and counted as failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::opensearch::BulkSink;
use super::otlp_logs::OtlpLogSink;
use super::{Analytics, Batch, Sink};
use crate::GatewaySettings;

/// Batches an exporter holds while it is busy (about 64 × 2,000 events).
const QUEUE_BATCHES: usize = 64;
/// Tries per batch.
pub const ATTEMPTS: u32 = 3;
/// The first pause between two tries (doubled each time).
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// One exporter as the analytics queue sees it.
pub struct ExportQueue {
    name: String,
    batches: mpsc::Sender<Arc<Batch>>,
    exported: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

/// An exporter's counts, in events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExporterStats {
    /// Its name (`opensearch`, `otlp`, or the custom sink's).
    pub name: String,
    /// Events it took.
    pub exported: u64,
    /// Events dropped because its queue was full.
    pub dropped: u64,
    /// Events dropped after it refused them [`ATTEMPTS`] times.
    pub failed: u64,
}

impl ExportQueue {
    /// Offers `batch`; drops it (counted) when the queue is full.
    pub(super) fn offer(&self, batch: &Arc<Batch>) {
        if self.batches.try_send(batch.clone()).is_err() {
            self.dropped.fetch_add(batch.events.len() as u64, Ordering::Relaxed);
        }
    }

    /// Its counts.
    pub fn stats(&self) -> ExporterStats {
        ExporterStats {
            name: self.name.clone(),
            exported: self.exported.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

impl Analytics {
    /// Sends a copy of every batch to `sink` from now on, on its own task (see the module
    /// documentation).
    pub fn add_exporter(&self, sink: Arc<dyn Sink>) {
        let (batches, mut receiver) = mpsc::channel::<Arc<Batch>>(QUEUE_BATCHES);
        let queue = Arc::new(ExportQueue {
            name: sink.name().to_owned(),
            batches,
            exported: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        self.exporters.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(queue.clone());
        tokio::spawn(async move {
            while let Some(batch) = receiver.recv().await {
                publish(&*sink, &queue, &batch).await;
            }
        });
    }

    /// Each exporter's counts.
    pub fn exporter_stats(&self) -> Vec<ExporterStats> {
        self.exporters.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().map(|q| q.stats()).collect()
    }
}

async fn publish(sink: &dyn Sink, queue: &ExportQueue, batch: &Arc<Batch>) {
    let events = batch.events.len() as u64;
    let mut pause = FIRST_PAUSE;
    for attempt in 1..=ATTEMPTS {
        match sink.publish(batch).await {
            Ok(()) => {
                queue.exported.fetch_add(events, Ordering::Relaxed);
                return;
            }
            Err(error) if attempt == ATTEMPTS => {
                queue.failed.fetch_add(events, Ordering::Relaxed);
                tracing::warn!(exporter = %queue.name, %error, events, "analytics export failed; the batch is dropped");
            }
            Err(error) => {
                tracing::debug!(exporter = %queue.name, %error, attempt, "analytics export failed; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
}

/// Adds the exporters the settings configure to `analytics`.
pub fn start(settings: &GatewaySettings, analytics: &Analytics) -> Result<(), String> {
    if let Some(url) = &settings.analytics_opensearch_url {
        let authorization = settings.analytics_opensearch_authorization.as_ref().map(|a| a.0.as_str());
        let sink = BulkSink::new(url, &settings.analytics_opensearch_index, authorization)?;
        analytics.add_exporter(Arc::new(sink));
    }
    if settings.analytics_otlp {
        let Some((poster, resource)) = settings.telemetry.logs("portico-gateway")? else {
            return Err(
                "PORTICO_ANALYTICS_OTLP needs OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_LOGS_ENDPOINT".into()
            );
        };
        analytics.add_exporter(Arc::new(OtlpLogSink::new(poster, resource)));
    }
    Ok(())
}
