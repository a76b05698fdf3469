//! `personal_access_tokens`: API credentials of a user, stored as SHA-256 hashes.

use sea_orm::entity::prelude::*;

/// One personal access token.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "personal_access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    /// First characters of the token, shown in lists so users can tell tokens apart.
    pub token_prefix: String,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// Permission names the token is limited to (JSON list); `None`: the owner's full
    /// rights (tokens made before scopes existed).
    pub scopes: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
