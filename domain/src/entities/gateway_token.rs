//! `gateway_tokens`: credentials of remote gateways, one environment each, stored as SHA-256.

use sea_orm::entity::prelude::*;

/// One row of `gateway_tokens`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "gateway_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub environment_id: Uuid,
    pub prefix: String,
    pub token_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
