//! `organizations`: tenants. A provider org owns APIs and a portal; a consumer org owns
//! applications.

use sea_orm::entity::prelude::*;

/// One organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// URL-safe unique name (`default`, `acme`).
    pub slug: String,
    pub name: String,
    /// `provider` or `consumer`.
    pub kind: String,
    /// `active` or `disabled`.
    pub status: String,
    /// Sign-ups through this org's portal wait for an admin's approval.
    pub require_approval: bool,
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
