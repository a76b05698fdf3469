//! Reading analytics: traffic over a time range, from the per-minute rollups only (a
//! year's range reads rollups through the `(org, minute)` indexes, never the raw rows).
//! One [`Report`] shape serves the publisher's, the consumer's and the admin's views: a
//! time series (requests, errors, throttled, cache hits, latency percentiles), the
//! breakdown by status, and the totals grouped by API, application, operation, status or
//! environment. Every query is scoped by tenant by [`Scope`].

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::histogram::Histogram;
use crate::actor::AdminScope;
use crate::entities::analytics_minute::{self, Column as C};
use crate::{Db, DomainError, DomainResult, FieldError};

/// Longest range a report covers.
pub const MAX_RANGE_DAYS: i64 = 400;
/// Most points in a time series.
const MAX_POINTS: i64 = 120;
/// Most groups listed.
const MAX_GROUPS: usize = 50;
/// Steps of a time series, minutes.
const STEPS: [i64; 12] = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 4320, 10080];

/// What a report covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Start of the range, Unix milliseconds (default: 24 hours before `to`).
    pub from: Option<i64>,
    /// End of the range, Unix milliseconds (default: now).
    pub to: Option<i64>,
    /// Only calls of this API.
    pub api_id: Option<Uuid>,
    /// Only calls of this application.
    pub application_id: Option<Uuid>,
    /// Only calls served in this gateway environment.
    pub environment: Option<String>,
    /// Break the totals down by this (default `api`).
    pub group_by: Option<GroupBy>,
}

/// What the totals are grouped by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By API.
    #[default]
    Api,
    /// By calling application.
    Application,
    /// By operation (`METHOD /template`).
    Operation,
    /// By HTTP status.
    Status,
    /// By gateway environment.
    Environment,
    /// By the organization that owns the API (the tenant).
    Organization,
}

/// Whose traffic a report may read (decided by the caller's guard).
#[derive(Debug, Clone)]
pub enum Scope {
    /// Calls of APIs owned by these organizations (publishers, admins).
    ApiOrgs(AdminScope),
    /// Calls of one API.
    Api(Uuid),
    /// Calls made by one application.
    Application(Uuid),
    /// Calls made by applications of these organizations (consumer orgs).
    ApplicationOrgs(AdminScope),
}

/// Counts and latencies of a set of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stats {
    /// Calls.
    pub requests: i64,
    /// Calls answered 4xx.
    pub client_errors: i64,
    /// Calls answered 5xx.
    pub server_errors: i64,
    /// Calls refused by a rate limit, quota, concurrency or backend limit.
    pub throttled: i64,
    /// Calls answered from the response cache.
    pub cache_hits: i64,
    /// Request body bytes.
    pub bytes_in: i64,
    /// Response body bytes.
    pub bytes_out: i64,
    /// Mean total latency, ms.
    pub avg_ms: Option<f64>,
    /// Mean upstream latency (time to the upstream's response head), ms.
    pub avg_upstream_ms: Option<f64>,
    /// Mean time spent in the gateway itself, ms.
    pub avg_gateway_ms: Option<f64>,
    /// Median total latency, ms (estimated from the rollups' histogram).
    pub p50_ms: Option<f64>,
    /// 95th percentile total latency, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile total latency, ms.
    pub p99_ms: Option<f64>,
}

/// One point of a time series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Point {
    /// Start of the step, Unix milliseconds.
    pub t: i64,
    /// The calls in the step.
    #[serde(flatten)]
    pub stats: Stats,
}

/// Totals of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    /// The grouped value (an API or application id, an operation, a status, an
    /// environment; empty for calls that have none, e.g. unauthenticated ones).
    pub key: String,
    /// Its display name (the API's or application's name, when known).
    pub label: String,
    /// The group's calls.
    #[serde(flatten)]
    pub stats: Stats,
}

/// Calls answered with one status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatusCount {
    /// The HTTP status.
    pub status: i32,
    /// Calls.
    pub requests: i64,
}

/// Traffic over a time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// Start of the range, Unix milliseconds (inclusive, at a minute).
    pub from: i64,
    /// End of the range, Unix milliseconds (exclusive).
    pub to: i64,
    /// Length of one step of `series`, seconds.
    pub step_secs: i64,
    /// Every call in the range.
    pub totals: Stats,
    /// One point per step, oldest first (steps without calls included, as zeros).
    pub series: Vec<Point>,
    /// Calls per status, most frequent first.
    pub statuses: Vec<StatusCount>,
    /// What the totals are grouped by.
    pub group_by: GroupBy,
    /// The groups, most calls first (at most 50).
    pub groups: Vec<Group>,
}

/// Accumulates rollup rows into [`Stats`].
#[derive(Default)]
struct Acc {
    stats: Stats,
    histogram: Histogram,
    latency: i64,
    upstream: i64,
    gateway: i64,
}

impl Acc {
    fn add(&mut self, row: &Row) {
        let s = &mut self.stats;
        s.requests += row.requests;
        match row.status {
            400..=499 => s.client_errors += row.requests,
            500..=599 => s.server_errors += row.requests,
            _ => {}
        }
        s.throttled += row.throttled;
        s.cache_hits += row.cache_hits;
        s.bytes_in += row.bytes_in;
        s.bytes_out += row.bytes_out;
        self.latency += row.latency_sum_us;
        self.upstream += row.upstream_sum_us;
        self.gateway += row.gateway_sum_us;
        self.histogram.add(usize::try_from(row.latency_bucket).unwrap_or(0), u64::try_from(row.requests).unwrap_or(0));
    }

    fn finish(mut self) -> Stats {
        let n = self.stats.requests;
        let mean = |sum: i64| (n > 0).then(|| round(sum as f64 / n as f64 / 1000.0));
        (self.stats.avg_ms, self.stats.avg_upstream_ms, self.stats.avg_gateway_ms) =
            (mean(self.latency), mean(self.upstream), mean(self.gateway));
        self.stats.p50_ms = self.histogram.quantile_ms(0.50).map(round);
        self.stats.p95_ms = self.histogram.quantile_ms(0.95).map(round);
        self.stats.p99_ms = self.histogram.quantile_ms(0.99).map(round);
        self.stats
    }
}

fn round(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// Sums of the rollup rows sharing a key.
#[derive(Debug, FromQueryResult)]
struct Row {
    key: String,
    status: i32,
    latency_bucket: i32,
    requests: i64,
    throttled: i64,
    cache_hits: i64,
    latency_sum_us: i64,
    upstream_sum_us: i64,
    gateway_sum_us: i64,
    bytes_in: i64,
    bytes_out: i64,
}

/// The range as whole minutes `[from, to)`, checked.
fn range(query: &ReportQuery) -> DomainResult<(i64, i64)> {
    let to = query.to.unwrap_or_else(|| Utc::now().timestamp_millis());
    let from = query.from.unwrap_or(to - 24 * 3_600_000);
    if from >= to {
        return Err(DomainError::Invalid(vec![FieldError::new("from", "range", "`from` must be before `to`")]));
    }
    if to - from > MAX_RANGE_DAYS * 86_400_000 {
        let message = format!("a report covers at most {MAX_RANGE_DAYS} days");
        return Err(DomainError::Invalid(vec![FieldError::new("from", "range", message)]));
    }
    Ok((from.div_euclid(60_000), (to + 59_999).div_euclid(60_000)))
}

/// The series' step for a range of `minutes`, in minutes.
fn step_for(minutes: i64) -> i64 {
    STEPS.into_iter().find(|step| minutes / step <= MAX_POINTS).unwrap_or(10080)
}

fn scope_condition(scope: &Scope) -> Condition {
    let orgs = |column: C, scope: &AdminScope| match scope {
        AdminScope::All => Condition::all(),
        AdminScope::Orgs(orgs) => {
            Condition::all().add(column.is_in(orgs.iter().map(Uuid::to_string).collect::<Vec<_>>()))
        }
    };
    match scope {
        Scope::ApiOrgs(scope) => orgs(C::ApiOrgId, scope),
        Scope::Api(id) => Condition::all().add(C::ApiId.eq(id.to_string())),
        Scope::Application(id) => Condition::all().add(C::ApplicationId.eq(id.to_string())),
        Scope::ApplicationOrgs(scope) => orgs(C::ApplicationOrgId, scope),
    }
}

/// The rollup rows in scope and range, summed by `key`, status and latency bucket.
async fn sums(db: &impl Db, filter: Condition, key: SimpleExpr) -> DomainResult<Vec<Row>> {
    let sum = |column: &str| Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"));
    let rows = analytics_minute::Entity::find()
        .select_only()
        .expr_as(key.clone(), "key")
        .column(C::Status)
        .column(C::LatencyBucket)
        .expr_as(sum("requests"), "requests")
        .expr_as(sum("throttled"), "throttled")
        .expr_as(sum("cache_hits"), "cache_hits")
        .expr_as(sum("latency_sum_us"), "latency_sum_us")
        .expr_as(sum("upstream_sum_us"), "upstream_sum_us")
        .expr_as(sum("gateway_sum_us"), "gateway_sum_us")
        .expr_as(sum("bytes_in"), "bytes_in")
        .expr_as(sum("bytes_out"), "bytes_out")
        .filter(filter)
        .group_by(key)
        .group_by(C::Status)
        .group_by(C::LatencyBucket)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows)
}

/// Every call in `scope` from the minute `from` (inclusive) to `to` (exclusive).
pub(crate) async fn totals(db: &impl Db, scope: &Scope, from: i64, to: i64) -> DomainResult<Stats> {
    let filter = scope_condition(scope).add(C::Minute.gte(from)).add(C::Minute.lt(to));
    let mut totals = Acc::default();
    for row in sums(db, filter, Expr::col(C::ApiId)).await? {
        totals.add(&row);
    }
    Ok(totals.finish())
}

/// The report of the calls in `scope` that match `query`. The caller has checked that
/// the actor may read `scope`.
pub(crate) async fn build(db: &impl Db, scope: &Scope, query: &ReportQuery) -> DomainResult<Report> {
    let (from, to) = range(query)?;
    let step = step_for(to - from);
    let mut filter = scope_condition(scope).add(C::Minute.gte(from)).add(C::Minute.lt(to));
    if let Some(api) = query.api_id {
        filter = filter.add(C::ApiId.eq(api.to_string()));
    }
    if let Some(application) = query.application_id {
        filter = filter.add(C::ApplicationId.eq(application.to_string()));
    }
    if let Some(environment) = &query.environment {
        filter = filter.add(C::Environment.eq(environment.clone()));
    }
    // The series: steps of `step` minutes from `from`.
    let bucket = Expr::cust(format!("CAST(((minute - {from}) / {step}) AS VARCHAR(20))"));
    let mut series: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut totals = Acc::default();
    let mut statuses: BTreeMap<i32, i64> = BTreeMap::new();
    for row in sums(db, filter.clone(), bucket).await? {
        let index: i64 = row.key.trim().parse().unwrap_or(0);
        series.entry(index).or_default().add(&row);
        totals.add(&row);
        *statuses.entry(row.status).or_default() += row.requests;
    }
    let points = (0..(to - from + step - 1) / step)
        .map(|index| Point {
            t: (from + index * step) * 60_000,
            stats: series.remove(&index).map(Acc::finish).unwrap_or_default(),
        })
        .collect();
    let group_by = query.group_by.unwrap_or_default();
    let column = match group_by {
        GroupBy::Api => Expr::col(C::ApiId),
        GroupBy::Application => Expr::col(C::ApplicationId),
        GroupBy::Operation => Expr::col(C::Operation),
        GroupBy::Status => Expr::cust("CAST(status AS VARCHAR(20))"),
        GroupBy::Environment => Expr::col(C::Environment),
        GroupBy::Organization => Expr::col(C::ApiOrgId),
    };
    let mut groups: HashMap<String, Acc> = HashMap::new();
    for row in sums(db, filter, column).await? {
        groups.entry(row.key.clone()).or_default().add(&row);
    }
    let mut groups: Vec<(String, Stats)> = groups.into_iter().map(|(key, acc)| (key, acc.finish())).collect();
    groups.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then_with(|| a.0.cmp(&b.0)));
    groups.truncate(MAX_GROUPS);
    let keys: Vec<String> = groups.iter().map(|(key, _)| key.clone()).collect();
    let names = super::labels(db, &keys, group_by).await?;
    let groups = groups
        .into_iter()
        .map(|(key, stats)| {
            let label =
                names.get(&key).cloned().unwrap_or_else(|| if key.is_empty() { "—".into() } else { key.clone() });
            Group { key, label, stats }
        })
        .collect();
    let mut statuses: Vec<StatusCount> =
        statuses.into_iter().map(|(status, requests)| StatusCount { status, requests }).collect();
    statuses.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.status.cmp(&b.status)));
    Ok(Report {
        from: from * 60_000,
        to: to * 60_000,
        step_secs: step * 60,
        totals: totals.finish(),
        series: points,
        statuses,
        group_by,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_whole_minutes_and_bounded() {
        let query = ReportQuery { from: Some(61_000), to: Some(119_000), ..Default::default() };
        assert_eq!(range(&query).unwrap(), (1, 2));
        let backwards = ReportQuery { from: Some(10), to: Some(5), ..Default::default() };
        assert!(matches!(range(&backwards), Err(DomainError::Invalid(_))));
        let year = ReportQuery { from: Some(0), to: Some(366 * 86_400_000), ..Default::default() };
        assert!(range(&year).is_ok());
        let too_long = ReportQuery { from: Some(0), to: Some(401 * 86_400_000), ..Default::default() };
        assert!(matches!(range(&too_long), Err(DomainError::Invalid(_))));
    }

    #[test]
    fn series_have_at_most_120_points() {
        assert_eq!(step_for(60), 1);
        assert_eq!(step_for(24 * 60), 15);
        assert_eq!(step_for(7 * 24 * 60), 180);
        assert_eq!(step_for(365 * 24 * 60), 10080);
    }
}
