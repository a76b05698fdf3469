//! The control plane's side of analytics for the co-located gateway and for retention:
//! [`Store`] takes the in-process gateway's batches straight into the database (remote
//! gateways' batches arrive over their stream, see `api::gateway_stream`), and [`prune`]
//! drops raw events and rollups past their retention every hour.

use std::time::Duration;

use async_trait::async_trait;
use gateway::analytics::{Batch, Sink};
use sea_orm::DatabaseConnection;

/// Stores batches in the control plane's database.
pub struct Store {
    /// The database.
    pub db: DatabaseConnection,
}

#[async_trait]
impl Sink for Store {
    fn name(&self) -> &str {
        "control plane"
    }

    async fn publish(&self, batch: &std::sync::Arc<Batch>) -> Result<(), String> {
        domain::analytics::ingest(&self.db, None, batch).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Deletes raw events older than `raw_days` and rollups older than `rollup_days`, now and
/// every hour, forever.
pub async fn prune(db: DatabaseConnection, raw_days: u32, rollup_days: u32) {
    loop {
        match domain::analytics::prune(&db, chrono::Utc::now(), raw_days, rollup_days).await {
            Ok(pruned) if pruned.events + pruned.rollups > 0 => {
                tracing::info!(events = pruned.events, rollups = pruned.rollups, "old analytics pruned");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot prune old analytics"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
