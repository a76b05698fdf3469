//! `apis`: an API version as its publisher edits it; `definition` is its runtime configuration (JSON of `crate::api_definition::ApiDefinition`).

use sea_orm::entity::prelude::*;

/// One row of `apis`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "apis")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub context: String,
    pub api_version: String,
    pub description: String,
    pub tags: Json,
    pub visibility: String,
    pub visible_roles: Json,
    pub state: String,
    pub is_default_version: bool,
    pub definition: Json,
    pub openapi: Option<Json>,
    pub created_by: Option<Uuid>,
    pub version: i64,
    /// Raised by a purge of the API's cached responses (see `crate::api_cache`).
    pub cache_generation: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
