//! `org_roles`: an organization's custom roles, each a named set of permissions.

use sea_orm::entity::prelude::*;

/// One custom role.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "org_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// Unique within the organization.
    pub name: String,
    pub description: String,
    /// Permission names (JSON list).
    pub permissions: Json,
    /// Optimistic-concurrency version.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
