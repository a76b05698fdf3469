//! `deployments`: which revision of an API runs in which environment (one per API and environment).

use sea_orm::entity::prelude::*;

/// One row of `deployments`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deployments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub api_id: Uuid,
    pub org_id: Uuid,
    pub revision_id: Uuid,
    pub environment_id: Uuid,
    pub deployed_by: Option<Uuid>,
    pub deployed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
