//! Posting alerts to their rules' webhooks: every alert due is sent as JSON with its id in
//! `X-Portico-Alert-Id` (a receiver can drop repeats); an attempt that fails (no answer,
//! refused address, non-2xx) is tried again after 30 s, 1, 2 and 4 minutes, and after
//! [`MAX_ATTEMPTS`] the alert is marked `failed` with the last error — shown in the
//! console's alert history, never dropped silently.

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::entities::{alert_event, alert_rule};
use crate::openapi::fetch::{FetchPolicy, post_json};
use crate::{Db, DomainResult};

/// Attempts before an alert's delivery is marked failed.
pub const MAX_ATTEMPTS: i32 = 5;

/// Alerts handled per call.
const BATCH: u64 = 100;

/// Posts every alert whose delivery is due at `now`; returns how many were delivered.
/// `policy` bounds each attempt (timeout; whether private addresses may be called).
pub async fn deliver_due(db: &impl Db, now: DateTime<Utc>, policy: &FetchPolicy) -> DomainResult<usize> {
    let due = alert_event::Entity::find()
        .filter(alert_event::Column::Delivery.eq("pending"))
        .filter(alert_event::Column::NextAttemptAt.lte(now))
        .order_by_asc(alert_event::Column::At)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut delivered = 0;
    for event in due {
        let rule = alert_rule::Entity::find_by_id(event.rule_id).one(db).await?;
        let outcome = match rule.as_ref().and_then(|r| r.webhook_url.clone().map(|url| (r, url))) {
            Some((rule, url)) => {
                let body = payload(rule, &event);
                let headers = [("x-portico-alert-id", event.id.to_string())];
                post_json(&url, Bytes::from(body.to_string()), &headers, policy).await.map_err(|e| e.to_string())
            }
            None => Err("the rule no longer has a webhook".to_owned()),
        };
        let attempts = event.attempts + 1;
        let mut active = event.into_active_model();
        active.attempts = Set(attempts);
        match outcome {
            Ok(_) => {
                delivered += 1;
                active.delivery = Set("delivered".to_owned());
                active.next_attempt_at = Set(None);
                active.last_error = Set(None);
            }
            Err(error) => {
                tracing::warn!(attempts, %error, "alert webhook delivery failed");
                active.last_error = Set(Some(error.chars().take(500).collect()));
                if attempts >= MAX_ATTEMPTS {
                    active.delivery = Set("failed".to_owned());
                    active.next_attempt_at = Set(None);
                } else {
                    active.next_attempt_at = Set(Some(now + Duration::seconds(30 << (attempts - 1))));
                }
            }
        }
        active.update(db).await?;
    }
    Ok(delivered)
}

/// The JSON a webhook receives.
fn payload(rule: &alert_rule::Model, event: &alert_event::Model) -> serde_json::Value {
    json!({
        "id": event.id,
        "kind": event.kind,
        "at": event.at,
        "value": event.value,
        "threshold": event.threshold,
        "message": event.message,
        "rule": {
            "id": rule.id,
            "name": rule.name,
            "metric": rule.metric,
            "window_minutes": rule.window_minutes,
            "org_id": rule.org_id,
            "api_id": rule.api_id,
        },
    })
}
