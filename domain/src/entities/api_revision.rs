//! `api_revisions`: immutable numbered snapshots of an API's runtime definition.

use sea_orm::entity::prelude::*;

/// One row of `api_revisions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub api_id: Uuid,
    pub org_id: Uuid,
    pub number: i32,
    pub description: String,
    pub definition: Json,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
