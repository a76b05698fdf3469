//! Analytics on the control plane: gateway batches stored ([`ingest`]), reports read from
//! the per-minute rollups ([`publisher_report`], [`application_report`]), each
//! subscription's current use against its tier ([`subscription_usage`]), and retention
//! ([`prune`]).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AdminScope;
use crate::entities::{analytics_batch, analytics_event, analytics_minute, api, application, organization};
use crate::tiers::TierLimits;
use crate::{Actor, Db, DomainError, DomainResult, Permission};

mod csv;
pub mod histogram;
mod ingest;
mod nodes;
mod report;

pub use csv::{Table, to_csv};
pub use ingest::{Ingested, ingest};
pub use nodes::{NodeAnalytics, nodes};
pub(crate) use report::totals;
pub use report::{Group, GroupBy, MAX_RANGE_DAYS, Point, Report, ReportQuery, Scope, Stats, StatusCount};

/// Traffic of the APIs the caller publishes: one API's (`query.api_id`, needs
/// `apis_read` in its organization) or every API of the organizations where the caller
/// holds `apis_read`.
pub async fn publisher_report(db: &impl Db, actor: &Actor, query: &ReportQuery) -> DomainResult<Report> {
    let scope = match query.api_id {
        Some(api_id) => {
            crate::apis::find_for_publisher(db, actor, api_id, Permission::ApisRead).await?;
            Scope::Api(api_id)
        }
        None => Scope::ApiOrgs(actor.require_somewhere(Permission::ApisRead)?),
    };
    report::build(db, &scope, query).await
}

/// The platform's traffic for administrators: every organization's APIs for platform
/// administrators, the organizations they administer for org admins; one organization's
/// with `org_id` (others are *not found*). Group by [`GroupBy::Organization`] for the
/// per-tenant view.
pub async fn admin_report(
    db: &impl Db,
    actor: &Actor,
    org_id: Option<Uuid>,
    query: &ReportQuery,
) -> DomainResult<Report> {
    let scope = actor.require_admin()?;
    let scope = match org_id {
        Some(org) if scope.contains(org) => AdminScope::Orgs(vec![org]),
        Some(_) => return Err(DomainError::NotFound("organization")),
        None => scope,
    };
    report::build(db, &Scope::ApiOrgs(scope), query).await
}

/// Traffic of one application the caller may use.
pub async fn application_report(
    db: &impl Db,
    actor: &Actor,
    application_id: Uuid,
    query: &ReportQuery,
) -> DomainResult<Report> {
    crate::applications::find_usable(db, actor, application_id).await?;
    report::build(db, &Scope::Application(application_id), query).await
}

/// Display names of report groups (APIs and applications by id).
pub(crate) async fn labels(db: &impl Db, keys: &[String], group_by: GroupBy) -> DomainResult<HashMap<String, String>> {
    let ids: Vec<Uuid> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(match group_by {
        GroupBy::Api => api::Entity::find()
            .filter(api::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), format!("{} {}", a.name, a.api_version)))
            .collect(),
        GroupBy::Application => application::Entity::find()
            .filter(application::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect(),
        GroupBy::Organization => organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        GroupBy::Operation | GroupBy::Status | GroupBy::Environment => HashMap::new(),
    })
}

/// One subscription's use of its tier now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionUsage {
    /// The subscription.
    pub subscription_id: Uuid,
    /// The API.
    pub api_id: Uuid,
    /// The API's name.
    pub api_name: String,
    /// The subscription's tier.
    pub tier: String,
    /// The tier's limits (none when the tier no longer exists).
    pub limits: Option<TierLimits>,
    /// Calls in the last full minute and the current one.
    pub requests_last_minute: i64,
    /// Calls admitted in the current quota period (the tier's, else the UTC day).
    pub quota_used: i64,
    /// When the current quota period began.
    pub period_start: DateTime<Utc>,
    /// When it ends (the quota resets).
    pub period_end: DateTime<Utc>,
    /// Calls refused by a limit in the current period.
    pub throttled: i64,
}

/// Each subscription of an application the caller may use, with its current use. The
/// gateways count exactly; this reads the rollups, so it trails them by the analytics
/// flush interval (about a second).
pub async fn subscription_usage(
    db: &impl Db,
    actor: &Actor,
    application_id: Uuid,
) -> DomainResult<Vec<SubscriptionUsage>> {
    let subscriptions = crate::applications::subscriptions(db, actor, application_id).await?;
    let tiers: HashMap<String, TierLimits> =
        crate::tiers::list(db).await?.into_iter().map(|t| (t.name, t.limits)).collect();
    let now = Utc::now();
    let mut usage = Vec::with_capacity(subscriptions.len());
    for subscription in subscriptions {
        let limits = tiers.get(&subscription.tier).cloned();
        let monthly = limits.as_ref().and_then(|l| l.quota_period.as_deref()) == Some("month");
        let (period_start, period_end) = period(now, monthly);
        let count =
            |from: DateTime<Utc>| counts(db, application_id, subscription.api_id, from.timestamp().div_euclid(60));
        let (requests_last_minute, _) = count(now - chrono::Duration::minutes(1)).await?;
        let (requests, throttled) = count(period_start).await?;
        usage.push(SubscriptionUsage {
            subscription_id: subscription.id,
            api_id: subscription.api_id,
            api_name: subscription.api_name,
            tier: subscription.tier,
            limits,
            requests_last_minute,
            quota_used: requests - throttled,
            period_start,
            period_end,
            throttled,
        });
    }
    Ok(usage)
}

/// The UTC calendar day or month around `now`.
pub(crate) fn period(now: DateTime<Utc>, monthly: bool) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single().unwrap_or(now);
    if monthly {
        let start = day(now.year(), now.month(), 1);
        let end = if now.month() == 12 { day(now.year() + 1, 1, 1) } else { day(now.year(), now.month() + 1, 1) };
        (start, end)
    } else {
        let start = day(now.year(), now.month(), now.day());
        (start, start + chrono::Duration::days(1))
    }
}

/// Calls and throttled calls of `application` to `api` since the minute `from`.
pub(crate) async fn counts(db: &impl Db, application: Uuid, api: Uuid, from: i64) -> DomainResult<(i64, i64)> {
    use analytics_minute::Column as C;
    let row: Option<(Option<i64>, Option<i64>)> = analytics_minute::Entity::find()
        .select_only()
        .expr(Expr::cust("CAST(SUM(requests) AS BIGINT)"))
        .expr(Expr::cust("CAST(SUM(throttled) AS BIGINT)"))
        .filter(C::ApplicationId.eq(application.to_string()))
        .filter(C::ApiId.eq(api.to_string()))
        .filter(C::Minute.gte(from))
        .into_tuple()
        .one(db)
        .await?;
    let (requests, throttled) = row.unwrap_or_default();
    Ok((requests.unwrap_or(0), throttled.unwrap_or(0)))
}

/// What [`prune`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Raw events.
    pub events: u64,
    /// Rollup rows.
    pub rollups: u64,
}

/// Deletes raw events older than `raw_days`, rollups older than `rollup_days`, and the
/// record of batches older than two days (a gateway resends within minutes).
pub async fn prune(db: &impl Db, now: DateTime<Utc>, raw_days: u32, rollup_days: u32) -> DomainResult<Pruned> {
    let cutoff = |days: u32| now - chrono::Duration::days(i64::from(days));
    let events = analytics_event::Entity::delete_many()
        .filter(analytics_event::Column::AtMs.lt(cutoff(raw_days).timestamp_millis()))
        .exec(db)
        .await?
        .rows_affected;
    let rollups = analytics_minute::Entity::delete_many()
        .filter(analytics_minute::Column::Minute.lt(cutoff(rollup_days).timestamp().div_euclid(60)))
        .exec(db)
        .await?
        .rows_affected;
    analytics_batch::Entity::delete_many().filter(analytics_batch::Column::ReceivedAt.lt(cutoff(2))).exec(db).await?;
    Ok(Pruned { events, rollups })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_periods_are_utc_calendar_days_and_months() {
        let now = Utc.with_ymd_and_hms(2026, 12, 31, 13, 5, 0).unwrap();
        let (start, end) = period(now, true);
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2026-12-01T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
        let (start, end) = period(now, false);
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2026-12-31T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
    }
}
