//! `signing_keys`: JWT signing keys of Portico's authorization server (private key as base64 PKCS#8).

use sea_orm::entity::prelude::*;

/// One row of `signing_keys`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kid: String,
    pub algorithm: String,
    pub private_key: String,
    pub public_jwk: Json,
    pub created_at: DateTimeUtc,
    /// Stops signing from this time (a newer key took over).
    pub retired_at: Option<DateTimeUtc>,
    /// Dropped from the JWKS after this time (every token it signed has expired).
    pub publish_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
