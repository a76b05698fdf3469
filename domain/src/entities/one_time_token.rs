//! `one_time_tokens`: secrets behind single-use links (e-mail verification, first-admin
//! setup), stored as SHA-256 hashes.

use sea_orm::entity::prelude::*;

/// One single-use token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_time_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `verify_email`, `setup` or `password_reset`.
    pub purpose: String,
    pub token_hash: String,
    pub user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
