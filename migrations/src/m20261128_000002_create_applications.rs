//! The consumer side: `tiers` (throttling plans, seeded), `applications` (owned by a
//! consumer org), `subscriptions` (the one deliberate cross-tenant link: an application
//! of one org to an API of another) and `api_keys` (per application and environment,
//! stored as SHA-256 with a visible prefix and last four characters).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::{Organizations, Users};
use crate::m20261128_000001_create_apis::{Apis, cascade};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tiers {
    Table,
    Id,
    Name,
    Description,
    RequestsPerMinute,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Applications {
    Table,
    Id,
    OrgId,
    OwnerId,
    Name,
    Description,
    Shared,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    ApplicationId,
    ApiId,
    AppOrgId,
    ApiOrgId,
    Tier,
    State,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    ApplicationId,
    OrgId,
    Environment,
    Prefix,
    LastFour,
    KeyHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    ReplacedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tiers::Table)
                    .if_not_exists()
                    .col(pk_uuid(Tiers::Id))
                    .col(string_uniq(Tiers::Name))
                    .col(text(Tiers::Description).default(""))
                    .col(big_integer_null(Tiers::RequestsPerMinute))
                    .col(timestamp_with_time_zone(Tiers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, description, per_minute) in [
            ("Unlimited", "No request limit.", None),
            ("Gold", "5,000 requests per minute.", Some(5_000i64)),
            ("Silver", "2,000 requests per minute.", Some(2_000)),
            ("Bronze", "1,000 requests per minute.", Some(1_000)),
        ] {
            let insert = Query::insert()
                .into_table(Tiers::Table)
                .columns([Tiers::Id, Tiers::Name, Tiers::Description, Tiers::RequestsPerMinute, Tiers::CreatedAt])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    name.into(),
                    description.into(),
                    per_minute.into(),
                    chrono::Utc::now().into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .if_not_exists()
                    .col(pk_uuid(Applications::Id))
                    .col(uuid(Applications::OrgId))
                    .col(uuid(Applications::OwnerId))
                    .col(string(Applications::Name))
                    .col(text(Applications::Description).default(""))
                    .col(boolean(Applications::Shared).default(false))
                    .col(big_integer(Applications::Version).default(1))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (Applications::Table, Applications::OrgId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut cascade((Applications::Table, Applications::OwnerId), (Users::Table, Users::Id)))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_applications_org_name")
            .table(Applications::Table)
            .col(Applications::OrgId)
            .col(Applications::Name)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await?;
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Subscriptions::Id))
                    .col(uuid(Subscriptions::ApplicationId))
                    .col(uuid(Subscriptions::ApiId))
                    .col(uuid(Subscriptions::AppOrgId))
                    .col(uuid(Subscriptions::ApiOrgId))
                    .col(string(Subscriptions::Tier))
                    .col(string(Subscriptions::State))
                    .col(uuid_null(Subscriptions::CreatedBy))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone(Subscriptions::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (Subscriptions::Table, Subscriptions::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .foreign_key(&mut cascade((Subscriptions::Table, Subscriptions::ApiId), (Apis::Table, Apis::Id)))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_subscriptions_app_api")
            .table(Subscriptions::Table)
            .col(Subscriptions::ApplicationId)
            .col(Subscriptions::ApiId)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .if_not_exists()
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::ApplicationId))
                    .col(uuid(ApiKeys::OrgId))
                    .col(string(ApiKeys::Environment))
                    .col(string(ApiKeys::Prefix))
                    .col(string(ApiKeys::LastFour))
                    .col(string_uniq(ApiKeys::KeyHash))
                    .col(uuid_null(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(uuid_null(ApiKeys::ReplacedBy))
                    .foreign_key(&mut cascade(
                        (ApiKeys::Table, ApiKeys::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        let by_app = Index::create()
            .name("ix_api_keys_application")
            .table(ApiKeys::Table)
            .col(ApiKeys::ApplicationId)
            .if_not_exists()
            .to_owned();
        manager.create_index(by_app).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiKeys::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Applications::Table.into_iden(),
            Tiers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
