//! Remote gateways: `gateway_tokens` (credentials an admin issues for one environment,
//! stored as SHA-256) and `gateway_nodes` (gateways that connected: what config they
//! run and when they were last seen).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_apis::{Environments, cascade};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GatewayTokens {
    Table,
    Id,
    Name,
    EnvironmentId,
    Prefix,
    TokenHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum GatewayNodes {
    Table,
    Id,
    NodeId,
    EnvironmentId,
    TokenId,
    Hostname,
    SoftwareVersion,
    ConfigVersion,
    ConfigHash,
    LastError,
    Connected,
    ConnectedAt,
    LastSeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GatewayTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(GatewayTokens::Id))
                    .col(string(GatewayTokens::Name))
                    .col(uuid(GatewayTokens::EnvironmentId))
                    .col(string(GatewayTokens::Prefix))
                    .col(string_uniq(GatewayTokens::TokenHash))
                    .col(uuid_null(GatewayTokens::CreatedBy))
                    .col(timestamp_with_time_zone(GatewayTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(GatewayTokens::RevokedAt))
                    .foreign_key(&mut cascade(
                        (GatewayTokens::Table, GatewayTokens::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatewayNodes::Table)
                    .if_not_exists()
                    .col(pk_uuid(GatewayNodes::Id))
                    .col(string_uniq(GatewayNodes::NodeId))
                    .col(uuid(GatewayNodes::EnvironmentId))
                    .col(uuid(GatewayNodes::TokenId))
                    .col(string(GatewayNodes::Hostname))
                    .col(string(GatewayNodes::SoftwareVersion))
                    .col(big_integer_null(GatewayNodes::ConfigVersion))
                    .col(string_null(GatewayNodes::ConfigHash))
                    .col(text_null(GatewayNodes::LastError))
                    .col(boolean(GatewayNodes::Connected).default(false))
                    .col(timestamp_with_time_zone(GatewayNodes::ConnectedAt))
                    .col(timestamp_with_time_zone(GatewayNodes::LastSeenAt))
                    .foreign_key(&mut cascade(
                        (GatewayNodes::Table, GatewayNodes::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(GatewayNodes::Table).if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table(GatewayTokens::Table).if_exists().to_owned()).await
    }
}
