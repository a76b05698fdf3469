//! `api_lifecycle_events`: every lifecycle transition of an API, with its reason.

use sea_orm::entity::prelude::*;

/// One row of `api_lifecycle_events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_lifecycle_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub api_id: Uuid,
    pub org_id: Uuid,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reason: String,
    pub actor_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
