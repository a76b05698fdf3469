//! `mail_outbox`: every e-mail Portico sends is written here first (in the same
//! transaction as the change that causes it) and delivered from here, so none is lost.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    ToAddress,
    Subject,
    BodyText,
    Attempts,
    LastError,
    DeliveredVia,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(MailOutbox::Id))
                    .col(string(MailOutbox::ToAddress))
                    .col(string(MailOutbox::Subject))
                    .col(text(MailOutbox::BodyText))
                    .col(integer(MailOutbox::Attempts).default(0))
                    .col(text_null(MailOutbox::LastError))
                    .col(string_null(MailOutbox::DeliveredVia))
                    .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_created")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailOutbox::Table).if_exists().to_owned()).await
    }
}
