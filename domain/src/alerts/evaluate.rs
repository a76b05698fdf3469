//! Evaluating every enabled rule against the analytics rollups, and recording the rules
//! that started or stopped matching.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionSession};
use uuid::Uuid;

use super::{AlertEventView, Metric};
use crate::actor::AdminScope;
use crate::analytics::{self, Scope};
use crate::entities::{alert_event, alert_rule, api, application, subscription};
use crate::{Db, DomainResult};

/// A rule's reading: its value and what to tell people about it.
struct Reading {
    value: f64,
    matches: bool,
    detail: String,
}

/// Evaluates every enabled rule at `now`; returns the alerts that fired or resolved.
pub async fn evaluate_all(db: &impl Db, now: DateTime<Utc>) -> DomainResult<Vec<AlertEventView>> {
    let rules = alert_rule::Entity::find().filter(alert_rule::Column::Enabled.eq(true)).all(db).await?;
    let mut changes = Vec::new();
    for rule in rules {
        let Some(metric) = Metric::parse(&rule.metric) else { continue };
        let reading = read(db, &rule, metric, now).await?;
        if let Some(event) = record(db, rule, metric, reading, now).await? {
            changes.push(event);
        }
    }
    Ok(changes)
}

async fn read(db: &impl Db, rule: &alert_rule::Model, metric: Metric, now: DateTime<Utc>) -> DomainResult<Reading> {
    let scope = match rule.api_id {
        Some(api) => Scope::Api(api),
        None => Scope::ApiOrgs(AdminScope::Orgs(vec![rule.org_id])),
    };
    // The window ends with the current minute (the rollups trail by about a second).
    let window = i64::from(rule.window_minutes.max(1));
    let to = now.timestamp().div_euclid(60) + 1;
    let from = to - window;
    let minutes = format!("in the last {window} min");
    let reading = match metric {
        Metric::ErrorRate => {
            let stats = analytics::totals(db, &scope, from, to).await?;
            let rate =
                if stats.requests > 0 { stats.server_errors as f64 * 100.0 / stats.requests as f64 } else { 0.0 };
            Reading {
                value: round(rate),
                matches: stats.requests > 0 && rate >= rule.threshold,
                detail: format!("{} of {} calls answered 5xx {minutes}", stats.server_errors, stats.requests),
            }
        }
        Metric::LatencyP95 | Metric::LatencyP99 => {
            let stats = analytics::totals(db, &scope, from, to).await?;
            let p = if metric == Metric::LatencyP95 { stats.p95_ms } else { stats.p99_ms };
            Reading {
                value: p.unwrap_or(0.0),
                matches: p.is_some_and(|p| p >= rule.threshold),
                detail: format!("over {} calls {minutes}", stats.requests),
            }
        }
        Metric::TrafficDrop | Metric::TrafficSpike => {
            let current = analytics::totals(db, &scope, from, to).await?.requests as f64;
            let baseline = analytics::totals(db, &scope, from - 6 * window, from).await?.requests as f64 / 6.0;
            let change = if baseline > 0.0 { (current - baseline) * 100.0 / baseline } else { 0.0 };
            let matches = baseline > 0.0
                && if metric == Metric::TrafficDrop { -change >= rule.threshold } else { change >= rule.threshold };
            Reading {
                value: round(change),
                matches,
                detail: format!("{current} calls {minutes}; the six windows before averaged {}", round(baseline)),
            }
        }
        Metric::Quota => quota(db, rule, now).await?,
    };
    Ok(reading)
}

/// The subscription that has used most of its tier's quota this period.
async fn quota(db: &impl Db, rule: &alert_rule::Model, now: DateTime<Utc>) -> DomainResult<Reading> {
    let mut query = subscription::Entity::find()
        .filter(subscription::Column::ApiOrgId.eq(rule.org_id))
        .filter(subscription::Column::State.eq("active"));
    if let Some(api) = rule.api_id {
        query = query.filter(subscription::Column::ApiId.eq(api));
    }
    let tiers: HashMap<String, crate::tiers::TierLimits> =
        crate::tiers::list(db).await?.into_iter().map(|t| (t.name, t.limits)).collect();
    let mut highest: Option<(f64, Uuid, Uuid, i64, u64)> = None;
    for subscription in query.all(db).await? {
        let Some(limits) = tiers.get(&subscription.tier) else { continue };
        let Some(quota) = limits.quota_limit.filter(|q| *q > 0) else { continue };
        let (start, _) = analytics::period(now, limits.quota_period.as_deref() == Some("month"));
        let (requests, throttled) =
            analytics::counts(db, subscription.application_id, subscription.api_id, start.timestamp().div_euclid(60))
                .await?;
        let used = requests - throttled;
        let share = used as f64 * 100.0 / quota as f64;
        if highest.is_none_or(|(top, ..)| share > top) {
            highest = Some((share, subscription.application_id, subscription.api_id, used, quota as u64));
        }
    }
    let Some((share, application_id, api_id, used, quota)) = highest else {
        return Ok(Reading { value: 0.0, matches: false, detail: "no subscription has a quota".to_owned() });
    };
    let application = application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .map_or_else(|| application_id.to_string(), |a| a.name);
    let api = api::Entity::find_by_id(api_id).one(db).await?.map_or_else(|| api_id.to_string(), |a| a.name);
    Ok(Reading {
        value: round(share),
        matches: share >= rule.threshold,
        detail: format!("{application} has used {used} of its {quota} calls to {api} this period"),
    })
}

/// Stores the reading; when the rule starts or stops matching, writes the alert.
async fn record(
    db: &impl Db,
    rule: alert_rule::Model,
    metric: Metric,
    reading: Reading,
    now: DateTime<Utc>,
) -> DomainResult<Option<AlertEventView>> {
    let changed = reading.matches != rule.firing;
    let txn = db.begin_write().await?;
    let mut event = None;
    if changed {
        let kind = if reading.matches { "fired" } else { "resolved" };
        let unit = metric.unit();
        let message = format!(
            "{}: {} is {}{unit} (threshold {}{unit}) — {}",
            rule.name,
            metric.as_str().replace('_', " "),
            reading.value,
            rule.threshold,
            reading.detail
        );
        let row = alert_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            rule_id: Set(rule.id),
            org_id: Set(rule.org_id),
            kind: Set(kind.to_owned()),
            value: Set(reading.value),
            threshold: Set(rule.threshold),
            message: Set(message),
            at: Set(now),
            delivery: Set(if rule.webhook_url.is_some() { "pending" } else { "none" }.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(rule.webhook_url.is_some().then_some(now)),
            last_error: Set(None),
        }
        .insert(&txn)
        .await?;
        tracing::info!(rule = %rule.id, kind, message = %row.message, "alert");
        event = Some(AlertEventView::from(row));
    }
    let mut active = rule.into_active_model();
    active.firing = Set(reading.matches);
    active.last_value = Set(Some(reading.value));
    active.last_evaluated_at = Set(Some(now));
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(event)
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
