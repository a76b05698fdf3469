//! Tiers become full throttling plans: a rate per any period with a burst (exact, or
//! approximate: decided per gateway and shared periodically), a daily or monthly quota
//! and a priority (what a saturated backend limit sorts callers by); the
//! seeded tiers get priorities in their order. Applications may name an application
//! tier (one limit across all their APIs).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tiers {
    Table,
    Name,
    RequestsPerMinute,
    RateLimit,
    RatePeriodSecs,
    Burst,
    QuotaLimit,
    QuotaPeriod,
    Priority,
    Approximate,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Tier,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let alter = |column: ColumnDef| Table::alter().table(Tiers::Table).add_column(column).to_owned();
        manager
            .alter_table(
                Table::alter().table(Tiers::Table).rename_column(Tiers::RequestsPerMinute, Tiers::RateLimit).to_owned(),
            )
            .await?;
        // SQLite takes one change per ALTER TABLE.
        for column in [
            big_integer(Tiers::RatePeriodSecs).default(60).to_owned(),
            big_integer_null(Tiers::Burst),
            big_integer_null(Tiers::QuotaLimit),
            string_null(Tiers::QuotaPeriod),
            integer(Tiers::Priority).default(0).to_owned(),
            boolean(Tiers::Approximate).default(false).to_owned(),
        ] {
            manager.alter_table(alter(column)).await?;
        }
        for (name, priority) in [("Unlimited", 3), ("Gold", 2), ("Silver", 1), ("Bronze", 0)] {
            let update = Query::update()
                .table(Tiers::Table)
                .value(Tiers::Priority, priority)
                .and_where(Expr::col(Tiers::Name).eq(name))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        manager
            .alter_table(
                Table::alter().table(Applications::Table).add_column(string_null(Applications::Tier)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Applications::Table).drop_column(Applications::Tier).to_owned())
            .await?;
        for column in [
            Tiers::Approximate,
            Tiers::Priority,
            Tiers::QuotaPeriod,
            Tiers::QuotaLimit,
            Tiers::Burst,
            Tiers::RatePeriodSecs,
        ] {
            manager.alter_table(Table::alter().table(Tiers::Table).drop_column(column).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter().table(Tiers::Table).rename_column(Tiers::RateLimit, Tiers::RequestsPerMinute).to_owned(),
            )
            .await
    }
}
