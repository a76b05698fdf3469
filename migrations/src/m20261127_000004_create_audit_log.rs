//! `audit_log`: one row per mutating action: who, what, when, and the record before/after.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrgId,
    ActorUserId,
    ActorEmail,
    Action,
    TargetType,
    TargetId,
    Before,
    After,
    Ip,
    RequestId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::OrgId))
                    .col(uuid_null(AuditLog::ActorUserId))
                    .col(string_null(AuditLog::ActorEmail))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::TargetType))
                    .col(string_null(AuditLog::TargetId))
                    .col(json_null(AuditLog::Before))
                    .col(json_null(AuditLog::After))
                    .col(string_null(AuditLog::Ip))
                    .col(string_null(AuditLog::RequestId))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_audit_org_time", AuditLog::OrgId.into_iden()),
            ("ix_audit_time", AuditLog::CreatedAt.into_iden()),
            ("ix_audit_actor", AuditLog::ActorUserId.into_iden()),
        ] {
            manager
                .create_index(Index::create().name(name).table(AuditLog::Table).col(column).if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).if_exists().to_owned()).await
    }
}
