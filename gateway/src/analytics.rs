//! Analytics: an [`Event`] for every request, made in the log phase (see [`log`]) and
//! queued off the request path, then shipped in [`Batch`]es.
//!
//! The queue is bounded and lock-free; when it is full the **oldest** event is dropped
//! and counted ([`Analytics::dropped`], on the status listener's `/analytics` and in every
//! batch), so a stalled consumer costs memory up to the bound and never blocks a request.
//!
//! Where batches go:
//! * the co-located gateway hands them to a [`Sink`] in-process ([`ship`]: the control
//!   plane's store), retrying a failed batch until it is taken;
//! * a remote gateway sends them over its control-plane stream and keeps each one until
//!   the control plane says it is stored (see [`crate::control_plane`]); while the control
//!   plane is away the events wait in the queue;
//! * a DB-less gateway posts them to [`http_sink::HttpSink`] when
//!   `PORTICO_ANALYTICS_HTTP_URL` is set (e.g. a control plane's
//!   `/api/gateway/v1/analytics`); with no destination it records nothing;
//! * anything else (a custom publisher) implements [`Sink`].
//!
//! Besides that one destination, every batch is also offered to the configured
//! [`exporters`] (OpenSearch / Elasticsearch bulk, OTLP logs, custom sinks), each on its
//! own bounded queue so a slow one never holds anything back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use crossbeam_queue::ArrayQueue;
use serde::{Deserialize, Serialize};

mod event;
pub mod exporters;
pub mod http_sink;
pub mod log;
pub mod opensearch;
pub mod otlp_logs;

pub use event::{CacheOutcome, ErrorSide, Event, RequestId};

/// Events held when nothing is shipping them (about 400 bytes each).
pub const DEFAULT_QUEUE_CAPACITY: usize = 100_000;
/// Most events in one batch (about 1 ms to encode: a worker serving requests never
/// waits long behind one).
pub const MAX_BATCH: usize = 2_000;

/// The event queue of one gateway process.
pub struct Analytics {
    queue: ArrayQueue<Event>,
    dropped: AtomicU64,
    shipped: AtomicU64,
    /// This gateway node's id, written in every event.
    node: Arc<str>,
    /// Number of the next batch; starts at the process's start time in microseconds, so
    /// a restarted node never reuses one (the control plane stores a batch once).
    next_batch: AtomicU64,
    /// The exporters that receive a copy of every batch.
    exporters: std::sync::Mutex<Vec<Arc<exporters::ExportQueue>>>,
}

/// Events shipped together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The node that made them.
    pub node: String,
    /// The batch's number, unique for the node (a batch sent twice is stored once).
    pub seq: u64,
    /// Events the node has dropped since it started because its queue was full.
    pub dropped: u64,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

/// Where batches are published: the control plane's store, an exporter, a custom
/// publisher.
#[async_trait]
pub trait Sink: Send + Sync + 'static {
    /// Short name for logs.
    fn name(&self) -> &str;

    /// Takes a batch (shared with the other destinations: clone the `Arc` to keep it);
    /// an error means it was not taken and will be offered again.
    async fn publish(&self, batch: &Arc<Batch>) -> Result<(), String>;
}

impl Analytics {
    /// A queue of `capacity` events for `node`.
    pub fn new(node: impl Into<Arc<str>>, capacity: usize) -> Arc<Self> {
        let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Arc::new(Self {
            queue: ArrayQueue::new(capacity.max(1)),
            dropped: AtomicU64::new(0),
            shipped: AtomicU64::new(0),
            node: node.into(),
            next_batch: AtomicU64::new(u64::try_from(start.as_micros()).unwrap_or_default()),
            exporters: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// This node's id.
    pub fn node(&self) -> &Arc<str> {
        &self.node
    }

    /// Queues an event; when the queue is full the oldest one makes room and is counted.
    pub fn record(&self, event: Event) {
        if self.queue.force_push(event).is_some() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events dropped since the start because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Events shipped (taken by the control plane) since the start.
    pub fn shipped(&self) -> u64 {
        self.shipped.load(Ordering::Relaxed)
    }

    /// Events waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The next batch of at most [`MAX_BATCH`] events, if any are waiting (also offered,
    /// shared, to every exporter).
    pub fn next_batch(&self) -> Option<Arc<Batch>> {
        let first = self.queue.pop()?;
        let mut events = Vec::with_capacity(self.queue.len().min(MAX_BATCH - 1) + 1);
        events.push(first);
        while events.len() < MAX_BATCH {
            match self.queue.pop() {
                Some(event) => events.push(event),
                None => break,
            }
        }
        let seq = self.next_batch.fetch_add(1, Ordering::Relaxed);
        let batch = Arc::new(Batch { node: self.node.to_string(), seq, dropped: self.dropped(), events });
        for exporter in self.exporters.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            exporter.offer(&batch);
        }
        Some(batch)
    }

    /// Notes that `batch` was taken.
    pub fn shipped_batch(&self, batch: &Batch) {
        self.shipped.fetch_add(batch.events.len() as u64, Ordering::Relaxed);
    }

    /// The status listener's `/analytics` document.
    pub fn status(&self) -> serde_json::Value {
        serde_json::json!({
            "node": &*self.node,
            "queued": self.queued(),
            "capacity": self.queue.capacity(),
            "shipped": self.shipped(),
            "dropped": self.dropped(),
        })
    }
}

/// `value` as JSON, encoded on the blocking pool: a batch is thousands of events, and the
/// runtime's workers are serving requests.
pub async fn encode<T: Serialize + Clone + Send + 'static>(value: &T) -> Result<Vec<u8>, String> {
    let value = value.clone();
    tokio::task::spawn_blocking(move || serde_json::to_vec(&value))
        .await
        .map_err(|e| format!("the encoding task failed: {e}"))?
        .map_err(|e| format!("cannot encode: {e}"))
}

/// Ships batches to `sink` every `every` (at once while full batches are waiting),
/// forever; a batch the sink refuses is offered again after a pause, never skipped.
pub async fn ship(analytics: Arc<Analytics>, sink: Arc<dyn Sink>, every: Duration) {
    let mut pending: Option<Arc<Batch>> = None;
    let mut failures = 0u32;
    loop {
        if pending.is_none() {
            pending = analytics.next_batch();
        }
        let Some(batch) = &pending else {
            tokio::time::sleep(every).await;
            continue;
        };
        match sink.publish(batch).await {
            Ok(()) => {
                analytics.shipped_batch(batch);
                let full = batch.events.len() == MAX_BATCH;
                pending = None;
                failures = 0;
                if full {
                    // Requests waiting on this worker go first.
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(every).await;
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                if failures == 1 || failures.is_multiple_of(60) {
                    tracing::warn!(sink = sink.name(), %error, failures, "cannot ship analytics events; retrying");
                }
                tokio::time::sleep(every.max(Duration::from_millis(200)) * failures.min(5)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64) -> Event {
        Event { time_ms: n, ..Event::example() }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_it() {
        let analytics = Analytics::new("n", 3);
        for n in 0..5 {
            analytics.record(event(n));
        }
        assert_eq!(analytics.dropped(), 2);
        let batch = analytics.next_batch().unwrap();
        assert_eq!(batch.events.iter().map(|e| e.time_ms).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(batch.dropped, 2);
        assert!(analytics.next_batch().is_none());
    }

    #[test]
    fn batches_are_numbered_in_order_and_bounded() {
        let analytics = Analytics::new("n", MAX_BATCH + 10);
        for n in 0..(MAX_BATCH as i64 + 10) {
            analytics.record(event(n));
        }
        let (first, second) = (analytics.next_batch().unwrap(), analytics.next_batch().unwrap());
        assert_eq!((first.events.len(), second.events.len()), (MAX_BATCH, 10));
        assert_eq!(second.seq, first.seq + 1);
        let json = serde_json::to_string(&second).unwrap();
        assert_eq!(serde_json::from_str::<Batch>(&json).unwrap(), *second);
    }
}
