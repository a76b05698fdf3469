//! `oauth_clients`: OAuth2 clients of applications, one per environment (and issuer); secrets as SHA-256.

use sea_orm::entity::prelude::*;

/// One row of `oauth_clients`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub application_id: Uuid,
    pub environment: String,
    /// The external key manager that issues this client's tokens; `None` for Portico.
    pub key_manager_id: Option<Uuid>,
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub secret_last_four: Option<String>,
    pub confidential: bool,
    pub redirect_uris: Json,
    pub grant_types: Json,
    pub access_token_ttl: i32,
    pub refresh_token_ttl: i32,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
