//! `analytics_events`: one row per gateway request, kept for the raw retention.

use sea_orm::entity::prelude::*;

/// One row of `analytics_events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at_ms: i64,
    pub request_id: String,
    pub node: String,
    pub environment: String,
    pub method: String,
    pub api_id: Option<Uuid>,
    pub api_org_id: Option<Uuid>,
    pub api_version: Option<String>,
    pub operation: Option<String>,
    pub application_id: Option<Uuid>,
    pub application_org_id: Option<Uuid>,
    pub status: i32,
    pub latency_us: i64,
    pub upstream_us: Option<i64>,
    pub gateway_us: i64,
    pub bytes_in: i64,
    pub bytes_out: i64,
    pub error_source: Option<String>,
    pub error_code: Option<String>,
    pub throttled: bool,
    pub cache: Option<String>,
    pub auth: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
