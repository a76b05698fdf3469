//! `analytics_minutes`: per-minute rollups of the events (`''` in a key column: none).

use sea_orm::entity::prelude::*;

/// One row of `analytics_minutes`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_minutes")]
pub struct Model {
    /// Unix minute.
    #[sea_orm(primary_key, auto_increment = false)]
    pub minute: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub api_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub operation: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub environment: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: i32,
    /// Index into [`crate::analytics::histogram::BOUNDS_US`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub latency_bucket: i32,
    pub api_org_id: String,
    pub application_org_id: String,
    pub requests: i64,
    pub throttled: i64,
    pub cache_hits: i64,
    pub latency_sum_us: i64,
    pub upstream_sum_us: i64,
    pub gateway_sum_us: i64,
    pub bytes_in: i64,
    pub bytes_out: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
