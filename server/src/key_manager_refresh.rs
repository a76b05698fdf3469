//! Keeps external key managers' JWKS fresh: every few minutes each enabled key manager's
//! discovery document and JWKS are fetched again; changed keys bump every environment
//! (gateways get them as a delta), failures keep the last good keys and are shown in the
//! admin UI.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

/// Runs forever, refreshing every `interval`.
pub async fn run(db: DatabaseConnection, config_changed: Arc<Notify>, interval: Duration) {
    let policy = domain::key_managers::fetch_policy();
    loop {
        tokio::time::sleep(interval).await;
        match domain::key_managers::refresh_all(&db, &policy).await {
            Ok(failed) => {
                if failed > 0 {
                    tracing::warn!(failed, "some key managers could not be refreshed; their last keys keep working");
                }
                config_changed.notify_one();
            }
            Err(error) => tracing::error!(%error, "key manager refresh failed"),
        }
    }
}
