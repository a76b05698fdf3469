//! `gateway_nodes`: remote gateways that connected, and the configuration they run.

use sea_orm::entity::prelude::*;

/// One row of `gateway_nodes`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "gateway_nodes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub node_id: String,
    pub environment_id: Uuid,
    pub token_id: Uuid,
    pub hostname: String,
    pub software_version: String,
    pub config_version: Option<i64>,
    pub config_hash: Option<String>,
    pub last_error: Option<String>,
    pub connected: bool,
    pub connected_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
