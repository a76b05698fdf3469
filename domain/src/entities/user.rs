//! `users`: accounts. `is_platform_admin` is a user flag valid across all orgs.

use sea_orm::entity::prelude::*;

/// One user account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased, unique.
    pub email: String,
    pub display_name: String,
    /// argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
    /// `pending_verification`, `pending_approval`, `active` or `disabled`.
    pub status: String,
    pub is_platform_admin: bool,
    pub email_verified_at: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    /// Optimistic-concurrency version, the ETag of the resource.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl Related<super::membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Membership.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
