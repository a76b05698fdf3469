//! The alerting loops of the control plane: every rule evaluated each
//! `PORTICO_ALERTS_INTERVAL_SECS` (60) against the analytics rollups, and due webhook
//! deliveries sent every ten seconds (see [`domain::alerts`]).

use std::time::Duration;

use chrono::Utc;
use domain::openapi::fetch::FetchPolicy;
use sea_orm::DatabaseConnection;

/// Evaluates the rules every `every`, forever.
pub async fn evaluate(db: DatabaseConnection, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = domain::alerts::evaluate_all(&db, Utc::now()).await {
            tracing::warn!(%error, "alert rules could not be evaluated");
        }
    }
}

/// Sends due webhook deliveries every ten seconds, forever. `allow_private` lets
/// webhooks reach loopback and private addresses (`PORTICO_ALERTS_WEBHOOK_ALLOW_PRIVATE`).
pub async fn deliver(db: DatabaseConnection, allow_private: bool) {
    let policy = FetchPolicy {
        timeout: Duration::from_secs(10),
        allow_private_addresses: allow_private,
        ..FetchPolicy::default()
    };
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = domain::alerts::deliver_due(&db, Utc::now(), &policy).await {
            tracing::warn!(%error, "alert webhooks could not be sent");
        }
    }
}
