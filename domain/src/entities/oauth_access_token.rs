//! `oauth_access_tokens`: Every access token issued, by `jti` (introspection, revocation).

use sea_orm::entity::prelude::*;

/// One row of `oauth_access_tokens`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: String,
    pub client_id: Uuid,
    pub application_id: Uuid,
    pub user_id: Option<Uuid>,
    pub scope: String,
    pub family_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
