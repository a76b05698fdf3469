//! The analytics health of each gateway node, for platform administrators: when its last
//! batch arrived, how many events it shipped in the last hour, and how many it has
//! dropped since it started because its queue was full (reported in every batch). A
//! node whose drops grow, or whose batches stop, needs attention.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::entities::analytics_batch::{Column as C, Entity as Batches};
use crate::{Actor, Db, DomainResult, Permission};

/// One node's analytics shipping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NodeAnalytics {
    /// The node's id (remote gateways: as in the gateway list; co-located: `<host>/co-located`).
    pub node: String,
    /// When its latest batch was stored.
    pub last_batch_at: DateTime<Utc>,
    /// Events it shipped in the last hour.
    pub events_last_hour: i64,
    /// Events it has dropped since it started (queue full), as of its latest batch.
    pub dropped: i64,
}

#[derive(Debug, FromQueryResult)]
struct Latest {
    node: String,
    last_batch_at: DateTime<Utc>,
    dropped: i64,
}

#[derive(Debug, FromQueryResult)]
struct Recent {
    node: String,
    events: i64,
}

/// Every node that shipped analytics in the batches still kept (two days), latest first
/// (needs `gateways_manage`).
pub async fn nodes(db: &impl Db, actor: &Actor, now: DateTime<Utc>) -> DomainResult<Vec<NodeAnalytics>> {
    actor.require_platform(Permission::GatewaysManage)?;
    let latest = Batches::find()
        .select_only()
        .column(C::Node)
        .expr_as(Expr::col(C::ReceivedAt).max(), "last_batch_at")
        .expr_as(Expr::col(C::Dropped).max(), "dropped")
        .group_by(C::Node)
        .order_by_desc(Expr::col(C::ReceivedAt).max())
        .into_model::<Latest>()
        .all(db)
        .await?;
    let recent: HashMap<String, i64> = Batches::find()
        .select_only()
        .column(C::Node)
        .expr_as(Expr::cust("CAST(SUM(events) AS BIGINT)"), "events")
        .filter(C::ReceivedAt.gte(now - Duration::hours(1)))
        .group_by(C::Node)
        .into_model::<Recent>()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.node, r.events))
        .collect();
    Ok(latest
        .into_iter()
        .map(|r| NodeAnalytics {
            events_last_hour: recent.get(&r.node).copied().unwrap_or(0),
            node: r.node,
            last_batch_at: r.last_batch_at,
            dropped: r.dropped,
        })
        .collect())
}
