//! Throttling tiers: the plans platform administrators define (a rate with a burst, a
//! daily or monthly quota, a priority), that subscriptions and applications are made
//! with and every gateway enforces. Tiers are platform-wide, like WSO2's default tiers:
//! every organization's portal offers the same plans. A change reaches the gateways of
//! every environment by config delta, without resetting their counters.

use chrono::{DateTime, Utc};
use gateway::spec::{QuotaPeriod, QuotaSpec, RateSpec, TierSpec};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::{application, environment, subscription, tier};
use crate::{Actor, Db, DomainError, DomainResult, FieldError, Permission, validate};

/// Longest rate period: a day (longer ones are quotas).
const MAX_PERIOD_SECS: i64 = 86_400;
/// Highest priority.
const MAX_PRIORITY: i32 = 100;

/// A tier as the UI and API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TierView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(flatten)]
    pub limits: TierLimits,
    pub created_at: DateTime<Utc>,
}

/// What a tier allows; also the input to create or change one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TierLimits {
    /// Requests per `rate_period_secs`; null for no rate limit.
    pub rate_limit: Option<i64>,
    /// The rate's period in seconds, 1–86,400 (default 60).
    #[serde(default = "default_period")]
    pub rate_period_secs: i64,
    /// Requests that may arrive at once, 1 to `rate_limit`; null for the whole limit.
    #[serde(default)]
    pub burst: Option<i64>,
    /// Requests per `quota_period`; null for no quota.
    #[serde(default)]
    pub quota_limit: Option<i64>,
    /// `day` or `month` (UTC calendar), required with a quota.
    #[serde(default)]
    pub quota_period: Option<String>,
    /// 0–100; when a backend limit is saturated, lower priorities are refused first.
    #[serde(default)]
    pub priority: i32,
    /// Decide the rate on each gateway and share counts through Redis every 100 ms (for
    /// very high rates; may admit about `gateways × rate × 0.1 s` too many).
    #[serde(default)]
    pub approximate: bool,
}

fn default_period() -> i64 {
    60
}

/// Input to create or change a tier.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TierInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(flatten)]
    pub limits: TierLimits,
}

impl From<tier::Model> for TierView {
    fn from(row: tier::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            limits: TierLimits {
                rate_limit: row.rate_limit,
                rate_period_secs: row.rate_period_secs,
                burst: row.burst,
                quota_limit: row.quota_limit,
                quota_period: row.quota_period,
                priority: row.priority,
                approximate: row.approximate,
            },
            created_at: row.created_at,
        }
    }
}

impl TierView {
    /// What the tier allows, in words: `5,000 requests / 60 s (bursts of 100), 1,000,000 a month`.
    pub fn summary(&self) -> String {
        let l = &self.limits;
        let mut parts = Vec::new();
        if let Some(limit) = l.rate_limit {
            let burst = l.burst.map(|b| format!(" (bursts of {})", grouped(b))).unwrap_or_default();
            let approximate = if l.approximate { " (approximate)" } else { "" };
            parts.push(format!(
                "{} requests / {}{burst}{approximate}",
                grouped(limit),
                period_words(l.rate_period_secs)
            ));
        }
        if let (Some(limit), Some(period)) = (l.quota_limit, &l.quota_period) {
            parts.push(format!("{} a {period}", grouped(limit)));
        }
        if parts.is_empty() { "unlimited".to_owned() } else { parts.join(", ") }
    }

    /// The tier as gateways read it.
    pub fn to_spec(&self) -> TierSpec {
        let limits = &self.limits;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        TierSpec {
            name: self.name.clone(),
            rate: limits.rate_limit.map(|limit| RateSpec {
                limit: count(limit),
                period_secs: count(limits.rate_period_secs),
                burst: limits.burst.map(count),
            }),
            quota: limits
                .quota_limit
                .zip(limits.quota_period.as_deref().and_then(period))
                .map(|(limit, period)| QuotaSpec { limit: count(limit), period }),
            priority: u32::try_from(limits.priority).unwrap_or(0),
            approximate: limits.approximate,
        }
    }
}

fn period_words(secs: i64) -> String {
    match secs {
        1 => "second".to_owned(),
        60 => "minute".to_owned(),
        3600 => "hour".to_owned(),
        86_400 => "day".to_owned(),
        n => format!("{n} s"),
    }
}

/// `5000000` → `5,000,000`.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn period(name: &str) -> Option<QuotaPeriod> {
    match name {
        "day" => Some(QuotaPeriod::Day),
        "month" => Some(QuotaPeriod::Month),
        _ => None,
    }
}

/// Every field error of `limits`.
fn check(limits: &TierLimits) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, code: &str, message: &str| errors.push(FieldError::new(field, code, message));
    if limits.rate_limit.is_some_and(|n| n < 1) {
        refuse("rate_limit", "out_of_range", "A rate allows at least 1 request; leave it empty for no rate limit.");
    }
    if !(1..=MAX_PERIOD_SECS).contains(&limits.rate_period_secs) {
        refuse("rate_period_secs", "out_of_range", "The period is 1 to 86,400 seconds; use a quota for longer ones.");
    }
    match (limits.burst, limits.rate_limit) {
        (Some(_), None) => refuse("burst", "needs_rate", "A burst needs a rate limit."),
        (Some(burst), Some(limit)) if burst < 1 || burst > limit => {
            refuse("burst", "out_of_range", "The burst is 1 to the rate limit.");
        }
        _ => {}
    }
    if limits.quota_limit.is_some_and(|n| n < 1) {
        refuse("quota_limit", "out_of_range", "A quota allows at least 1 request; leave it empty for no quota.");
    }
    match (limits.quota_limit, limits.quota_period.as_deref()) {
        (Some(_), None) => refuse("quota_period", "required", "Choose whether the quota is per day or per month."),
        (_, Some(name)) if period(name).is_none() => {
            refuse("quota_period", "invalid_choice", "The quota period is `day` or `month`.");
        }
        _ => {}
    }
    if !(0..=MAX_PRIORITY).contains(&limits.priority) {
        refuse("priority", "out_of_range", "The priority is 0 to 100.");
    }
    errors
}

/// Every tier, the most important first.
pub async fn list(db: &impl Db) -> DomainResult<Vec<TierView>> {
    let rows =
        tier::Entity::find().order_by_desc(tier::Column::Priority).order_by_asc(tier::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(TierView::from).collect())
}

/// The tiers as gateways read them.
pub async fn specs(db: &impl Db) -> DomainResult<Vec<TierSpec>> {
    Ok(list(db).await?.iter().map(TierView::to_spec).collect())
}

/// Whether a tier called `name` exists.
pub async fn exists(db: &impl Db, name: &str) -> DomainResult<bool> {
    Ok(tier::Entity::find().filter(tier::Column::Name.eq(name)).count(db).await? > 0)
}

/// Checks that every tier an API offers exists (`definition.tiers`).
pub async fn check_offered(db: &impl Db, offered: &[String]) -> DomainResult<()> {
    for (i, name) in offered.iter().enumerate() {
        if !exists(db, name).await? {
            let message = format!("{name} is not a tier; choose among the tiers the administrators defined.");
            return Err(DomainError::field(&format!("definition.tiers[{i}]"), "unknown_tier", message));
        }
    }
    Ok(())
}

/// The tiers an API with `offered` tiers may be subscribed with (all when none are named).
pub async fn offered(db: &impl Db, offered: &[String]) -> DomainResult<Vec<TierView>> {
    let all = list(db).await?;
    Ok(if offered.is_empty() { all } else { all.into_iter().filter(|t| offered.contains(&t.name)).collect() })
}

/// Defines a tier (platform administrators).
pub async fn create(db: &impl Db, actor: &Actor, input: TierInput) -> DomainResult<TierView> {
    actor.require_platform(Permission::TiersManage)?;
    let (name, limits) = checked(&input)?;
    let txn = db.begin_write().await?;
    let row = tier::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        description: Set(input.description.trim().chars().take(500).collect()),
        rate_limit: Set(limits.rate_limit),
        rate_period_secs: Set(limits.rate_period_secs),
        burst: Set(limits.burst),
        quota_limit: Set(limits.quota_limit),
        quota_period: Set(limits.quota_period.clone()),
        priority: Set(limits.priority),
        approximate: Set(limits.approximate),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "tier_exists", "A tier with this name exists."))?;
    let view = TierView::from(row);
    changed(&txn, actor, "tier.create", &view, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a tier's description and limits (its name is what subscriptions hold, so it
/// stays). Gateways apply the new limits to the counts they already have.
pub async fn update(db: &impl Db, actor: &Actor, id: Uuid, input: TierInput) -> DomainResult<TierView> {
    actor.require_platform(Permission::TiersManage)?;
    let (_, limits) = checked(&input)?;
    let txn = db.begin_write().await?;
    let row = tier::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("tier"))?;
    if row.name != input.name.trim() {
        return Err(DomainError::field("name", "immutable", "A tier keeps its name: subscriptions refer to it."));
    }
    let before = TierView::from(row.clone());
    let mut active: tier::ActiveModel = row.into();
    active.description = Set(input.description.trim().chars().take(500).collect());
    active.rate_limit = Set(limits.rate_limit);
    active.rate_period_secs = Set(limits.rate_period_secs);
    active.burst = Set(limits.burst);
    active.quota_limit = Set(limits.quota_limit);
    active.quota_period = Set(limits.quota_period.clone());
    active.priority = Set(limits.priority);
    active.approximate = Set(limits.approximate);
    let view = TierView::from(active.update(&txn).await?);
    changed(&txn, actor, "tier.update", &view, Some(&before)).await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes a tier no subscription or application uses.
pub async fn delete(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    actor.require_platform(Permission::TiersManage)?;
    let txn = db.begin_write().await?;
    let row = tier::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("tier"))?;
    let subscriptions =
        subscription::Entity::find().filter(subscription::Column::Tier.eq(&row.name)).count(&txn).await?;
    let applications = application::Entity::find().filter(application::Column::Tier.eq(&row.name)).count(&txn).await?;
    if subscriptions + applications > 0 {
        return Err(DomainError::Conflict {
            code: "tier_in_use",
            message: format!(
                "{} is used by {subscriptions} subscription(s) and {applications} application(s); move them to another tier first.",
                row.name
            ),
        });
    }
    let before = TierView::from(row.clone());
    tier::Entity::delete_by_id(id).exec(&txn).await?;
    changed(&txn, actor, "tier.delete", &before, Some(&before)).await?;
    txn.commit().await?;
    Ok(())
}

fn checked(input: &TierInput) -> DomainResult<(String, TierLimits)> {
    let name = validate::name("name", &input.name);
    let mut errors = check(&input.limits);
    match name {
        Ok(name) if errors.is_empty() => Ok((name, input.limits.clone())),
        Ok(_) => Err(DomainError::Invalid(errors)),
        Err(error) => {
            errors.insert(0, error);
            Err(DomainError::Invalid(errors))
        }
    }
}

/// Audits a change and sends it to every environment's gateways.
async fn changed(
    txn: &impl Db,
    actor: &Actor,
    action: &'static str,
    view: &TierView,
    before: Option<&TierView>,
) -> DomainResult<()> {
    let environments = environment::Entity::find().all(txn).await?;
    crate::environments::bump(txn, environments.into_iter().map(|e| e.id)).await?;
    let after = if action == "tier.delete" { None } else { audit::snapshot(view) };
    let change = Change {
        org_id: None,
        action,
        target_type: "tier",
        target_id: Some(view.id.to_string()),
        before: before.and_then(audit::snapshot),
        after,
    };
    audit::record(txn, &actor.into(), change).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> TierLimits {
        TierLimits {
            rate_limit: Some(100),
            rate_period_secs: 60,
            burst: None,
            quota_limit: None,
            quota_period: None,
            priority: 0,
            approximate: false,
        }
    }

    #[test]
    fn bad_limits_are_refused_field_by_field() {
        assert!(check(&limits()).is_empty());
        let fields = |l: TierLimits| check(&l).into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(TierLimits { rate_limit: Some(0), ..limits() }), ["rate_limit"]);
        assert_eq!(fields(TierLimits { rate_limit: Some(-5), ..limits() }), ["rate_limit"]);
        assert_eq!(fields(TierLimits { rate_period_secs: 0, ..limits() }), ["rate_period_secs"]);
        assert_eq!(fields(TierLimits { burst: Some(101), ..limits() }), ["burst"]);
        assert_eq!(fields(TierLimits { rate_limit: None, burst: Some(1), ..limits() }), ["burst"]);
        assert_eq!(fields(TierLimits { quota_limit: Some(10), ..limits() }), ["quota_period"]);
        let weekly = TierLimits { quota_limit: Some(10), quota_period: Some("week".into()), ..limits() };
        assert_eq!(fields(weekly), ["quota_period"]);
        assert_eq!(fields(TierLimits { priority: 101, ..limits() }), ["priority"]);
    }

    #[test]
    fn a_tier_becomes_the_gateway_spec() {
        let view = TierView {
            id: Uuid::nil(),
            name: "Gold".into(),
            description: String::new(),
            limits: TierLimits {
                burst: Some(10),
                quota_limit: Some(1000),
                quota_period: Some("month".into()),
                priority: 2,
                ..limits()
            },
            created_at: Utc::now(),
        };
        assert_eq!(view.summary(), "100 requests / minute (bursts of 10), 1,000 a month");
        let spec = view.to_spec();
        assert_eq!(spec.rate, Some(RateSpec { limit: 100, period_secs: 60, burst: Some(10) }));
        assert_eq!(spec.quota, Some(QuotaSpec { limit: 1000, period: QuotaPeriod::Month }));
        assert_eq!(spec.priority, 2);
    }
}
