//! `analytics_batches` gets an index on `received_at`: the hourly prune deletes by it and
//! the admin dashboard's gateway health reads the last hour by it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsBatches {
    Table,
    ReceivedAt,
}

const INDEX: &str = "idx_analytics_batches_received_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index =
            Index::create().name(INDEX).table(AnalyticsBatches::Table).col(AnalyticsBatches::ReceivedAt).to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(AnalyticsBatches::Table).to_owned()).await
    }
}
