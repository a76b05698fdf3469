//! Credentials: browser `sessions`, `personal_access_tokens` for API clients, and
//! `one_time_tokens` behind e-mail verification and first-admin setup links. Only SHA-256
//! hashes of the random secrets are stored.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    Ip,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PersonalAccessTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenPrefix,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    Purpose,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

fn user_fk(table: impl IntoIden + 'static, column: impl IntoIden + 'static) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Sessions::Id))
                    .col(string_uniq(Sessions::TokenHash))
                    .col(uuid(Sessions::UserId))
                    .col(string(Sessions::CsrfToken))
                    .col(string_null(Sessions::Ip))
                    .col(string_null(Sessions::UserAgent))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(&mut user_fk(Sessions::Table, Sessions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PersonalAccessTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(PersonalAccessTokens::Id))
                    .col(uuid(PersonalAccessTokens::UserId))
                    .col(string(PersonalAccessTokens::Name))
                    .col(string(PersonalAccessTokens::TokenPrefix))
                    .col(string_uniq(PersonalAccessTokens::TokenHash))
                    .col(timestamp_with_time_zone(PersonalAccessTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(PersonalAccessTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PersonalAccessTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(PersonalAccessTokens::RevokedAt))
                    .foreign_key(&mut user_fk(PersonalAccessTokens::Table, PersonalAccessTokens::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OneTimeTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(OneTimeTokens::Id))
                    .col(string(OneTimeTokens::Purpose))
                    .col(string_uniq(OneTimeTokens::TokenHash))
                    .col(uuid_null(OneTimeTokens::UserId))
                    .col(timestamp_with_time_zone(OneTimeTokens::CreatedAt))
                    .col(timestamp_with_time_zone(OneTimeTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OneTimeTokens::UsedAt))
                    .foreign_key(&mut user_fk(OneTimeTokens::Table, OneTimeTokens::UserId))
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            ("ix_sessions_user", Sessions::Table.into_iden(), Sessions::UserId.into_iden()),
            ("ix_pats_user", PersonalAccessTokens::Table.into_iden(), PersonalAccessTokens::UserId.into_iden()),
        ] {
            manager
                .create_index(Index::create().name(name).table(table).col(column).if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [OneTimeTokens::Table.into_iden(), PersonalAccessTokens::Table.into_iden(), Sessions::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
