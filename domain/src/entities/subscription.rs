//! `subscriptions`: an application's subscription to an API (the cross-tenant link).

use sea_orm::entity::prelude::*;

/// One row of `subscriptions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub api_id: Uuid,
    pub app_org_id: Uuid,
    pub api_org_id: Uuid,
    pub tier: String,
    pub state: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
