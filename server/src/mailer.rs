//! The background task that delivers queued e-mail: woken when a message is queued,
//! and every few seconds anyway so that failed deliveries are retried.

use std::sync::Arc;
use std::time::Duration;

use domain::mail::{self, MailTransport};
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

/// How often the outbox is checked without a wake-up.
const POLL: Duration = Duration::from_secs(5);

/// Runs until the process ends.
pub async fn run(db: DatabaseConnection, transport: Arc<MailTransport>, wakeup: Arc<Notify>) {
    loop {
        match mail::deliver_pending(&db, &transport, 50).await {
            Ok(n) if n > 0 => tracing::debug!(delivered = n, "mail delivered"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "mail delivery pass failed"),
        }
        let _ = tokio::time::timeout(POLL, wakeup.notified()).await;
    }
}
