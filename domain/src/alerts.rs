//! Alerts on API traffic. A rule watches one API, or every API of its organization, for
//! one condition over a window of minutes, read from the analytics rollups: the error rate
//! (5xx share of calls, %), a latency percentile (p95 or p99, ms), a traffic drop or spike
//! (% change against the mean of the six windows before), or quota use (the highest
//! share of its tier's quota any subscription has used this period, %). Rules are
//! evaluated every minute ([`evaluate_all`]); a rule that starts or stops matching writes
//! an event — the alert history — which is shown in the console and, when the rule has a
//! webhook, posted there ([`deliver_due`]), retried with backoff, and marked failed after
//! [`MAX_ATTEMPTS`].

mod delivery;
mod evaluate;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionSession,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AdminScope;
use crate::audit::{self, Change};
use crate::entities::{alert_event, alert_rule, api, organization};
use crate::{Actor, Db, DomainError, DomainResult, Permission};

pub use delivery::{MAX_ATTEMPTS, deliver_due};
pub use evaluate::evaluate_all;

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Calls answered 5xx, as a percentage of all calls in the window.
    ErrorRate,
    /// 95th percentile latency in the window, ms.
    LatencyP95,
    /// 99th percentile latency in the window, ms.
    LatencyP99,
    /// Calls fell by at least `threshold` % against the baseline.
    TrafficDrop,
    /// Calls rose by at least `threshold` % against the baseline.
    TrafficSpike,
    /// A subscription has used at least `threshold` % of its tier's quota this period.
    Quota,
}

impl Metric {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErrorRate => "error_rate",
            Self::LatencyP95 => "latency_p95",
            Self::LatencyP99 => "latency_p99",
            Self::TrafficDrop => "traffic_drop",
            Self::TrafficSpike => "traffic_spike",
            Self::Quota => "quota",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::ErrorRate, Self::LatencyP95, Self::LatencyP99, Self::TrafficDrop, Self::TrafficSpike, Self::Quota]
            .into_iter()
            .find(|m| m.as_str() == name)
    }

    /// The unit of its values and threshold.
    pub fn unit(self) -> &'static str {
        match self {
            Self::LatencyP95 | Self::LatencyP99 => "ms",
            _ => "%",
        }
    }
}

/// A rule as created or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRuleInput {
    /// The organization whose APIs it watches (ignored when changing a rule).
    pub org_id: Uuid,
    /// One API of that organization; none: all of them.
    #[serde(default)]
    pub api_id: Option<Uuid>,
    /// A name for people.
    pub name: String,
    /// What it watches.
    pub metric: Metric,
    /// It fires at or above this value (`%` or `ms`, see [`Metric`]).
    pub threshold: f64,
    /// Minutes of traffic each evaluation looks at (1 to 1440; quota rules ignore it).
    pub window_minutes: i32,
    /// Where fired and resolved alerts are posted as JSON; none: shown in the console only.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Whether it is evaluated.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A rule as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRuleView {
    /// Its id.
    pub id: Uuid,
    /// The organization whose APIs it watches.
    pub org_id: Uuid,
    /// The API it watches; none: every API of the organization.
    pub api_id: Option<Uuid>,
    /// Its name.
    pub name: String,
    /// What it watches.
    pub metric: Metric,
    /// The threshold.
    pub threshold: f64,
    /// The window, minutes.
    pub window_minutes: i32,
    /// The webhook.
    pub webhook_url: Option<String>,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// Whether its condition held at the last evaluation.
    pub firing: bool,
    /// The value at the last evaluation.
    pub last_value: Option<f64>,
    /// When it was last evaluated.
    pub last_evaluated_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<alert_rule::Model> for AlertRuleView {
    fn from(row: alert_rule::Model) -> Self {
        Self {
            id: row.id,
            org_id: row.org_id,
            api_id: row.api_id,
            metric: Metric::parse(&row.metric).unwrap_or(Metric::ErrorRate),
            name: row.name,
            threshold: row.threshold,
            window_minutes: row.window_minutes,
            webhook_url: row.webhook_url,
            enabled: row.enabled,
            firing: row.firing,
            last_value: row.last_value,
            last_evaluated_at: row.last_evaluated_at,
            created_at: row.created_at,
        }
    }
}

/// One entry of the alert history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertEventView {
    /// Its id (also sent as `X-Portico-Alert-Id`, so a receiver can drop repeats).
    pub id: Uuid,
    /// The rule.
    pub rule_id: Uuid,
    /// `fired` or `resolved`.
    pub kind: String,
    /// The value measured.
    pub value: f64,
    /// The rule's threshold then.
    pub threshold: f64,
    /// What happened, for people.
    pub message: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The webhook delivery: `none` (no webhook), `pending`, `delivered` or `failed`.
    pub delivery: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl From<alert_event::Model> for AlertEventView {
    fn from(row: alert_event::Model) -> Self {
        Self {
            id: row.id,
            rule_id: row.rule_id,
            kind: row.kind,
            value: row.value,
            threshold: row.threshold,
            message: row.message,
            at: row.at,
            delivery: row.delivery,
            attempts: row.attempts,
            last_error: row.last_error,
        }
    }
}

fn org_filter(column: impl ColumnTrait, scope: &AdminScope) -> sea_orm::Condition {
    match scope {
        AdminScope::All => sea_orm::Condition::all(),
        AdminScope::Orgs(orgs) => sea_orm::Condition::all().add(column.is_in(orgs.clone())),
    }
}

/// The rules of the organizations where the caller holds `apis_read`.
pub async fn list_rules(db: &impl Db, actor: &Actor) -> DomainResult<Vec<AlertRuleView>> {
    let scope = actor.require_somewhere(Permission::ApisRead)?;
    let rows = alert_rule::Entity::find()
        .filter(org_filter(alert_rule::Column::OrgId, &scope))
        .order_by_asc(alert_rule::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(AlertRuleView::from).collect())
}

/// The provider organizations (id, name) whose APIs the caller may put rules on: where
/// it holds `apis_write`, by name.
pub async fn watchable_orgs(db: &impl Db, actor: &Actor) -> DomainResult<Vec<(Uuid, String)>> {
    let scope = actor.require_somewhere(Permission::ApisWrite)?;
    let rows = organization::Entity::find()
        .filter(org_filter(organization::Column::Id, &scope))
        .filter(organization::Column::Kind.eq(crate::orgs::OrgKind::Provider.as_str()))
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|org| (org.id, org.name)).collect())
}

/// The latest `limit` (at most 500) alerts of the organizations where the caller holds
/// `apis_read`, newest first; of one rule when `rule_id` is given.
pub async fn history(
    db: &impl Db,
    actor: &Actor,
    rule_id: Option<Uuid>,
    limit: u64,
) -> DomainResult<Vec<AlertEventView>> {
    let scope = actor.require_somewhere(Permission::ApisRead)?;
    let mut query = alert_event::Entity::find().filter(org_filter(alert_event::Column::OrgId, &scope));
    if let Some(rule_id) = rule_id {
        query = query.filter(alert_event::Column::RuleId.eq(rule_id));
    }
    let rows = query.order_by_desc(alert_event::Column::At).limit(limit.clamp(1, 500)).all(db).await?;
    Ok(rows.into_iter().map(AlertEventView::from).collect())
}

/// Checks `input` (the caller may write APIs in its organization); returns the cleaned
/// name and webhook.
async fn checked(
    db: &impl Db,
    actor: &Actor,
    org_id: Uuid,
    input: &AlertRuleInput,
) -> DomainResult<(String, Option<String>)> {
    actor.require_or(org_id, Permission::ApisWrite, "organization")?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::field("name", "invalid", "Give the rule a name of 1 to 100 characters."));
    }
    if !input.threshold.is_finite() || input.threshold < 0.0 {
        return Err(DomainError::field("threshold", "invalid", "The threshold is a number of 0 or more."));
    }
    if matches!(input.metric, Metric::ErrorRate | Metric::TrafficDrop | Metric::Quota) && input.threshold > 100.0 {
        return Err(DomainError::field("threshold", "invalid", "This threshold is a percentage: 0 to 100."));
    }
    if !(1..=1440).contains(&input.window_minutes) {
        return Err(DomainError::field("window_minutes", "invalid", "The window is 1 to 1440 minutes."));
    }
    if let Some(api_id) = input.api_id {
        let owned = api::Entity::find_by_id(api_id).one(db).await?.is_some_and(|a| a.org_id == org_id);
        if !owned {
            return Err(DomainError::field("api_id", "not_found", "No such API in this organization."));
        }
    }
    let webhook = input.webhook_url.as_deref().map(str::trim).filter(|url| !url.is_empty());
    if let Some(url) = webhook {
        let parsed = url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if parsed.is_none_or(|u| !u.username().is_empty() || u.password().is_some()) || url.len() > 2000 {
            return Err(DomainError::field(
                "webhook_url",
                "invalid",
                "The webhook is an http(s) URL without credentials.",
            ));
        }
    }
    Ok((name.to_owned(), webhook.map(str::to_owned)))
}

/// Creates a rule (needs `apis_write` in its organization).
pub async fn create_rule(db: &impl Db, actor: &Actor, input: AlertRuleInput) -> DomainResult<AlertRuleView> {
    let (name, webhook_url) = checked(db, actor, input.org_id, &input).await?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let row = alert_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(input.org_id),
        api_id: Set(input.api_id),
        name: Set(name),
        metric: Set(input.metric.as_str().to_owned()),
        threshold: Set(input.threshold),
        window_minutes: Set(input.window_minutes),
        webhook_url: Set(webhook_url),
        enabled: Set(input.enabled),
        firing: Set(false),
        last_value: Set(None),
        last_evaluated_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let view = AlertRuleView::from(row);
    audited(&txn, actor, "alert_rule.create", &view, None).await?;
    txn.commit().await?;
    Ok(view)
}

async fn find_rule(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<alert_rule::Model> {
    let row = alert_rule::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("alert rule"))?;
    // Someone who may not read the organization's APIs learns nothing of its rules.
    if !actor.orgs_with(Permission::ApisRead).is_some_and(|scope| scope.contains(row.org_id)) {
        return Err(DomainError::NotFound("alert rule"));
    }
    Ok(row)
}

/// Changes a rule (its organization stays). A changed rule starts again as not firing.
pub async fn update_rule(db: &impl Db, actor: &Actor, id: Uuid, input: AlertRuleInput) -> DomainResult<AlertRuleView> {
    let row = find_rule(db, actor, id).await?;
    let (name, webhook_url) = checked(db, actor, row.org_id, &input).await?;
    let txn = db.begin_write().await?;
    let before = AlertRuleView::from(row.clone());
    let mut active = row.into_active_model();
    active.api_id = Set(input.api_id);
    active.name = Set(name);
    active.metric = Set(input.metric.as_str().to_owned());
    active.threshold = Set(input.threshold);
    active.window_minutes = Set(input.window_minutes);
    active.webhook_url = Set(webhook_url);
    active.enabled = Set(input.enabled);
    active.firing = Set(false);
    active.updated_at = Set(Utc::now());
    let view = AlertRuleView::from(active.update(&txn).await?);
    audited(&txn, actor, "alert_rule.update", &view, Some(&before)).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a rule and its history.
pub async fn delete_rule(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    let row = find_rule(db, actor, id).await?;
    actor.require_or(row.org_id, Permission::ApisWrite, "organization")?;
    let txn = db.begin_write().await?;
    let view = AlertRuleView::from(row.clone());
    alert_event::Entity::delete_many().filter(alert_event::Column::RuleId.eq(id)).exec(&txn).await?;
    alert_rule::Entity::delete_by_id(id).exec(&txn).await?;
    audited(&txn, actor, "alert_rule.delete", &view, Some(&view)).await?;
    txn.commit().await?;
    Ok(())
}

async fn audited(
    txn: &impl Db,
    actor: &Actor,
    action: &'static str,
    view: &AlertRuleView,
    before: Option<&AlertRuleView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(view.org_id),
        action,
        target_type: "alert_rule",
        target_id: Some(view.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: if action == "alert_rule.delete" { None } else { audit::snapshot(view) },
    };
    audit::record(txn, &actor.into(), change).await
}
