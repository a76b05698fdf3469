//! Keeps external key managers' JWKS fresh: every few minutes each enabled key manager's
//! discovery document and JWKS are fetched again; changed keys bump every environment
//! (gateways get them as a delta), failures keep the last good keys and are shown in the
//! admin UI.

use std::sync::Arc;
use std::time::Duration;

use domain::openapi::fetch::FetchPolicy;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

/// How key managers are fetched: small documents, a short timeout, and internal
/// addresses allowed (identity providers usually live on the internal network, and only
/// platform administrators register them).
pub fn fetch_policy() -> FetchPolicy {
    FetchPolicy {
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(10),
        max_redirects: 3,
        allow_private_addresses: true,
    }
}

/// Runs forever, refreshing every `interval`.
pub async fn run(db: DatabaseConnection, config_changed: Arc<Notify>, interval: Duration) {
    let policy = fetch_policy();
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
