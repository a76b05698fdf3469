//! `basic_credentials`: an application's usernames and argon2id password hashes for HTTP
//! basic authentication at gateways, per environment.

use sea_orm::entity::prelude::*;

/// One row of `basic_credentials`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "basic_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub application_id: Uuid,
    pub environment: String,
    pub username: String,
    pub password_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
