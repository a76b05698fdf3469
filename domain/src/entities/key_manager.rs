//! `key_managers`: External OIDC issuers whose tokens gateways accept, with their last good JWKS.

use sea_orm::entity::prelude::*;

/// One row of `key_managers`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "key_managers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
    pub discovery_url: String,
    pub jwks_uri: Option<String>,
    pub client_claim: String,
    pub audiences: Json,
    pub algorithms: Json,
    pub jwks: Option<Json>,
    pub jwks_fetched_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub enabled: bool,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
