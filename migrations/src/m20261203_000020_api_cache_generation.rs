//! APIs get a cache purge generation: part of every key the gateways cache the API's
//! responses under, raised by a purge.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apis {
    Table,
    CacheGeneration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = big_integer(Apis::CacheGeneration).default(0).to_owned();
        manager.alter_table(Table::alter().table(Apis::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Apis::Table).drop_column(Apis::CacheGeneration).to_owned()).await
    }
}
