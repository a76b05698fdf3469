//! `analytics_batches`: the gateway batches already stored, by node and number.

use sea_orm::entity::prelude::*;

/// One row of `analytics_batches`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub node: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub events: i32,
    /// Events the node had dropped (queue full) since it started, as of this batch.
    pub dropped: i64,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
