//! Storing gateway batches: each event as a raw row, and added to its per-minute rollup,
//! in one transaction with the batch's `(node, seq)` so a batch sent twice (its
//! acknowledgement lost on the way back) is stored once. The organizations of the API
//! (publisher) and of the application (consumer) are resolved here, so every query can
//! be scoped by tenant.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use gateway::analytics::{Batch, Event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use uuid::Uuid;

use super::histogram;
use crate::entities::{analytics_batch, analytics_event, analytics_minute, api, application};
use crate::{Db, DomainResult};

/// Rows per multi-row insert (well under SQLite's bound on statement parameters).
const CHUNK: usize = 400;

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Stored: this many events.
    Stored(usize),
    /// Already stored earlier; nothing changed.
    Duplicate,
}

/// Stores `batch`; `environment` (what the gateway was authenticated for) overrides the
/// one the events name.
pub async fn ingest(db: &impl Db, environment: Option<&str>, batch: &Batch) -> DomainResult<Ingested> {
    let seq = i64::try_from(batch.seq).unwrap_or(i64::MAX);
    let txn = db.begin_write().await?;
    if analytics_batch::Entity::find_by_id((batch.node.clone(), seq)).one(&txn).await?.is_some() {
        return Ok(Ingested::Duplicate);
    }
    let marker = analytics_batch::ActiveModel {
        node: Set(batch.node.clone()),
        seq: Set(seq),
        events: Set(i32::try_from(batch.events.len()).unwrap_or(i32::MAX)),
        dropped: Set(i64::try_from(batch.dropped).unwrap_or(i64::MAX)),
        received_at: Set(Utc::now()),
    };
    analytics_batch::Entity::insert(marker).exec(&txn).await?;
    if batch.dropped > 0 {
        tracing::warn!(node = %batch.node, dropped = batch.dropped, "a gateway has dropped analytics events (queue full)");
    }
    let orgs = Orgs::resolve(&txn, &batch.events).await?;
    let rows: Vec<analytics_event::ActiveModel> =
        batch.events.iter().map(|event| raw_row(event, environment, &orgs)).collect();
    for chunk in rows.chunks(CHUNK) {
        analytics_event::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let rollups = rollups(&batch.events, environment, &orgs);
    for chunk in rollups.chunks(CHUNK) {
        analytics_minute::Entity::insert_many(chunk.to_vec()).on_conflict(add_on_conflict()).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(Ingested::Stored(batch.events.len()))
}

/// The owning organizations of the APIs and applications a batch names.
#[derive(Default)]
struct Orgs {
    apis: HashMap<Uuid, Uuid>,
    applications: HashMap<Uuid, Uuid>,
}

impl Orgs {
    async fn resolve(db: &impl Db, events: &[Event]) -> DomainResult<Self> {
        let ids = |pick: fn(&Event) -> Option<&str>| -> Vec<Uuid> {
            let set: HashSet<Uuid> = events.iter().filter_map(|e| pick(e)?.parse().ok()).collect();
            set.into_iter().collect()
        };
        let (api_ids, app_ids) = (ids(|e| e.api_id.as_deref()), ids(|e| e.application_id.as_deref()));
        let mut orgs = Orgs::default();
        if !api_ids.is_empty() {
            let rows = api::Entity::find().filter(api::Column::Id.is_in(api_ids)).all(db).await?;
            orgs.apis = rows.into_iter().map(|r| (r.id, r.org_id)).collect();
        }
        if !app_ids.is_empty() {
            let rows = application::Entity::find().filter(application::Column::Id.is_in(app_ids)).all(db).await?;
            orgs.applications = rows.into_iter().map(|r| (r.id, r.org_id)).collect();
        }
        Ok(orgs)
    }
}

fn parse_id(id: Option<&str>) -> Option<Uuid> {
    id?.parse().ok()
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn environment_of<'a>(event: &'a Event, environment: Option<&'a str>) -> &'a str {
    environment.or(event.environment.as_deref()).unwrap_or("")
}

fn raw_row(event: &Event, environment: Option<&str>, orgs: &Orgs) -> analytics_event::ActiveModel {
    let (api_id, application_id) = (parse_id(event.api_id.as_deref()), parse_id(event.application_id.as_deref()));
    analytics_event::ActiveModel {
        id: Default::default(),
        at_ms: Set(event.time_ms),
        request_id: Set(event.request_id.as_str().chars().take(200).collect()),
        node: Set(event.node.to_string()),
        environment: Set(environment_of(event, environment).to_owned()),
        method: Set(event.method.to_string()),
        api_id: Set(api_id),
        api_org_id: Set(api_id.and_then(|id| orgs.apis.get(&id).copied())),
        api_version: Set(event.api_version.as_deref().map(str::to_owned)),
        operation: Set(event.operation.as_deref().map(str::to_owned)),
        application_id: Set(application_id),
        application_org_id: Set(application_id.and_then(|id| orgs.applications.get(&id).copied())),
        status: Set(i32::from(event.status)),
        latency_us: Set(clamp(event.latency_us)),
        upstream_us: Set(event.upstream_us.map(clamp)),
        gateway_us: Set(clamp(event.gateway_us)),
        bytes_in: Set(clamp(event.bytes_in)),
        bytes_out: Set(clamp(event.bytes_out)),
        error_source: Set(event.error_source.map(|s| s.as_str().to_owned())),
        error_code: Set(event.error_code.as_deref().map(str::to_owned)),
        throttled: Set(event.throttled),
        cache: Set(event.cache.map(|c| c.as_str().to_owned())),
        auth: Set(event.auth.map(|a| a.as_str().to_owned())),
    }
}

/// The key of a rollup row.
#[derive(Hash, PartialEq, Eq)]
struct Key {
    minute: i64,
    api_id: String,
    operation: String,
    application_id: String,
    environment: String,
    status: i32,
    latency_bucket: i32,
}

/// The batch's events summed per rollup key.
fn rollups(events: &[Event], environment: Option<&str>, orgs: &Orgs) -> Vec<analytics_minute::ActiveModel> {
    let mut sums: HashMap<Key, analytics_minute::Model> = HashMap::new();
    for event in events {
        let (api_id, application_id) = (parse_id(event.api_id.as_deref()), parse_id(event.application_id.as_deref()));
        let id_text = |id: Option<Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
        let key = Key {
            minute: event.time_ms.div_euclid(60_000),
            api_id: id_text(api_id),
            operation: event.operation.as_deref().unwrap_or_default().to_owned(),
            application_id: id_text(application_id),
            environment: environment_of(event, environment).to_owned(),
            status: i32::from(event.status),
            latency_bucket: histogram::bucket(event.latency_us) as i32,
        };
        let row = sums.entry(key).or_insert_with_key(|key| analytics_minute::Model {
            minute: key.minute,
            api_id: key.api_id.clone(),
            operation: key.operation.clone(),
            application_id: key.application_id.clone(),
            environment: key.environment.clone(),
            status: key.status,
            latency_bucket: key.latency_bucket,
            api_org_id: id_text(api_id.and_then(|id| orgs.apis.get(&id).copied())),
            application_org_id: id_text(application_id.and_then(|id| orgs.applications.get(&id).copied())),
            requests: 0,
            throttled: 0,
            cache_hits: 0,
            latency_sum_us: 0,
            upstream_sum_us: 0,
            gateway_sum_us: 0,
            bytes_in: 0,
            bytes_out: 0,
        });
        row.requests += 1;
        row.throttled += i64::from(event.throttled);
        row.cache_hits += i64::from(event.cache == Some(gateway::analytics::CacheOutcome::Hit));
        row.latency_sum_us = row.latency_sum_us.saturating_add(clamp(event.latency_us));
        row.upstream_sum_us = row.upstream_sum_us.saturating_add(clamp(event.upstream_us.unwrap_or(0)));
        row.gateway_sum_us = row.gateway_sum_us.saturating_add(clamp(event.gateway_us));
        row.bytes_in = row.bytes_in.saturating_add(clamp(event.bytes_in));
        row.bytes_out = row.bytes_out.saturating_add(clamp(event.bytes_out));
    }
    sums.into_values().map(Into::into).collect()
}

/// On an existing rollup row, add the new sums to the stored ones.
fn add_on_conflict() -> OnConflict {
    use analytics_minute::Column as C;
    let mut on_conflict = OnConflict::columns([
        C::Minute,
        C::ApiId,
        C::Operation,
        C::ApplicationId,
        C::Environment,
        C::Status,
        C::LatencyBucket,
    ]);
    for column in [
        C::Requests,
        C::Throttled,
        C::CacheHits,
        C::LatencySumUs,
        C::UpstreamSumUs,
        C::GatewaySumUs,
        C::BytesIn,
        C::BytesOut,
    ] {
        let stored = Expr::col((analytics_minute::Entity, column));
        on_conflict.value(column, stored.add(Expr::col((Alias::new("excluded"), column))));
    }
    on_conflict
}
