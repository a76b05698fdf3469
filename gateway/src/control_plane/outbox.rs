//! A remote gateway's analytics shipping over the control-plane stream: one batch at a
//! time, kept until the control plane says it is stored. While the control plane is away
//! the events wait in the [`Analytics`] queue (bounded; the oldest dropped and counted);
//! after a reconnect the unacknowledged batch goes first, and the control plane stores a
//! batch it already has only once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::protocol::GatewayMessage;
use crate::analytics::{Analytics, Batch, MAX_BATCH};

/// A batch not acknowledged within this is sent again on the same connection.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// The batch in flight and the queue it comes from.
pub struct Outbox {
    analytics: Arc<Analytics>,
    /// Sent (or to send) and not yet acknowledged.
    unacked: Option<Arc<Batch>>,
    /// When `unacked` went out on the current connection.
    sent_at: Option<Instant>,
}

impl Outbox {
    /// Ships `analytics`' events.
    pub fn new(analytics: Arc<Analytics>) -> Self {
        Self { analytics, unacked: None, sent_at: None }
    }

    /// A new connection: whatever was in flight must be sent again.
    pub fn reconnected(&mut self) {
        self.sent_at = None;
    }

    /// The message to send now, if any: the unacknowledged batch when it has not gone out
    /// on this connection (or its answer is overdue), else the next batch.
    pub fn due(&mut self) -> Option<GatewayMessage> {
        if self.sent_at.is_some_and(|at| at.elapsed() < ACK_TIMEOUT) {
            return None;
        }
        if self.unacked.is_none() {
            self.unacked = self.analytics.next_batch();
        }
        let batch = self.unacked.clone()?;
        self.sent_at = Some(Instant::now());
        Some(GatewayMessage::Analytics(batch))
    }

    /// The control plane stored batch `seq`; returns whether more full batches wait
    /// (then the next one should go at once).
    pub fn stored(&mut self, seq: u64) -> bool {
        match &self.unacked {
            Some(batch) if batch.seq == seq => {
                self.analytics.shipped_batch(batch);
                let full = batch.events.len() == MAX_BATCH;
                (self.unacked, self.sent_at) = (None, None);
                full
            }
            _ => false,
        }
    }
}
