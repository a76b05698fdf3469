//! `tiers`: throttling plans a subscription is made with.

use sea_orm::entity::prelude::*;

/// One row of `tiers`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// Requests per `rate_period_secs`; null means no rate limit.
    pub rate_limit: Option<i64>,
    pub rate_period_secs: i64,
    pub burst: Option<i64>,
    /// Requests per `quota_period` (`day` or `month`); null means no quota.
    pub quota_limit: Option<i64>,
    pub quota_period: Option<String>,
    /// Higher is more important when a backend limit is saturated.
    pub priority: i32,
    /// The rate is decided per gateway and shared through Redis periodically.
    pub approximate: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
