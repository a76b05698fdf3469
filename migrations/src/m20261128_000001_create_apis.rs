//! The API catalog and its runtime: `apis` (the publisher's editable API, with its runtime
//! definition as JSON), `api_lifecycle_events` (state history with reasons),
//! `api_revisions` (immutable numbered snapshots of the definition), `environments`
//! (gateway environments, each with a config version bumped by every change that affects
//! it) and `deployments` (which revision of an API runs in which environment).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Apis {
    Table,
    Id,
    OrgId,
    Name,
    Context,
    ApiVersion,
    Description,
    Tags,
    Visibility,
    VisibleRoles,
    State,
    IsDefaultVersion,
    Definition,
    Openapi,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiLifecycleEvents {
    Table,
    Id,
    ApiId,
    OrgId,
    FromState,
    ToState,
    Reason,
    ActorUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ApiRevisions {
    Table,
    Id,
    ApiId,
    OrgId,
    Number,
    Description,
    Definition,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Environments {
    Table,
    Id,
    Name,
    DisplayName,
    Description,
    ConfigVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deployments {
    Table,
    Id,
    ApiId,
    OrgId,
    RevisionId,
    EnvironmentId,
    DeployedBy,
    DeployedAt,
}

/// A foreign key that deletes the row with its parent.
pub(crate) fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Apis::Table)
                    .if_not_exists()
                    .col(pk_uuid(Apis::Id))
                    .col(uuid(Apis::OrgId))
                    .col(string(Apis::Name))
                    .col(string(Apis::Context))
                    .col(string(Apis::ApiVersion))
                    .col(text(Apis::Description).default(""))
                    .col(json(Apis::Tags))
                    .col(string(Apis::Visibility))
                    .col(json(Apis::VisibleRoles))
                    .col(string(Apis::State))
                    .col(boolean(Apis::IsDefaultVersion).default(false))
                    .col(json(Apis::Definition))
                    .col(json_null(Apis::Openapi))
                    .col(uuid_null(Apis::CreatedBy))
                    .col(big_integer(Apis::Version).default(1))
                    .col(timestamp_with_time_zone(Apis::CreatedAt))
                    .col(timestamp_with_time_zone(Apis::UpdatedAt))
                    .foreign_key(&mut cascade((Apis::Table, Apis::OrgId), (Organizations::Table, Organizations::Id)))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_apis_context_version")
            .table(Apis::Table)
            .col(Apis::Context)
            .col(Apis::ApiVersion)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await?;
        let by_org = Index::create().name("ix_apis_org").table(Apis::Table).col(Apis::OrgId).if_not_exists().to_owned();
        manager.create_index(by_org).await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiLifecycleEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(ApiLifecycleEvents::Id))
                    .col(uuid(ApiLifecycleEvents::ApiId))
                    .col(uuid(ApiLifecycleEvents::OrgId))
                    .col(string_null(ApiLifecycleEvents::FromState))
                    .col(string(ApiLifecycleEvents::ToState))
                    .col(text(ApiLifecycleEvents::Reason).default(""))
                    .col(uuid_null(ApiLifecycleEvents::ActorUserId))
                    .col(timestamp_with_time_zone(ApiLifecycleEvents::CreatedAt))
                    .foreign_key(&mut cascade(
                        (ApiLifecycleEvents::Table, ApiLifecycleEvents::ApiId),
                        (Apis::Table, Apis::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiRevisions::Table)
                    .if_not_exists()
                    .col(pk_uuid(ApiRevisions::Id))
                    .col(uuid(ApiRevisions::ApiId))
                    .col(uuid(ApiRevisions::OrgId))
                    .col(integer(ApiRevisions::Number))
                    .col(text(ApiRevisions::Description).default(""))
                    .col(json(ApiRevisions::Definition))
                    .col(uuid_null(ApiRevisions::CreatedBy))
                    .col(timestamp_with_time_zone(ApiRevisions::CreatedAt))
                    .foreign_key(&mut cascade((ApiRevisions::Table, ApiRevisions::ApiId), (Apis::Table, Apis::Id)))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_api_revisions_number")
            .table(ApiRevisions::Table)
            .col(ApiRevisions::ApiId)
            .col(ApiRevisions::Number)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await?;
        manager
            .create_table(
                Table::create()
                    .table(Environments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Environments::Id))
                    .col(string_uniq(Environments::Name))
                    .col(string(Environments::DisplayName))
                    .col(text(Environments::Description).default(""))
                    .col(big_integer(Environments::ConfigVersion).default(1))
                    .col(timestamp_with_time_zone(Environments::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, display, description) in [
            ("production", "Production", "Live traffic; production keys (pk_live_…)."),
            ("sandbox", "Sandbox", "Testing against sandbox endpoints; sandbox keys (pk_test_…)."),
        ] {
            let insert = Query::insert()
                .into_table(Environments::Table)
                .columns([
                    Environments::Id,
                    Environments::Name,
                    Environments::DisplayName,
                    Environments::Description,
                    Environments::ConfigVersion,
                    Environments::CreatedAt,
                ])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    name.into(),
                    display.into(),
                    description.into(),
                    1i64.into(),
                    chrono::Utc::now().into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Deployments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Deployments::Id))
                    .col(uuid(Deployments::ApiId))
                    .col(uuid(Deployments::OrgId))
                    .col(uuid(Deployments::RevisionId))
                    .col(uuid(Deployments::EnvironmentId))
                    .col(uuid_null(Deployments::DeployedBy))
                    .col(timestamp_with_time_zone(Deployments::DeployedAt))
                    .foreign_key(&mut cascade((Deployments::Table, Deployments::ApiId), (Apis::Table, Apis::Id)))
                    .foreign_key(&mut cascade(
                        (Deployments::Table, Deployments::RevisionId),
                        (ApiRevisions::Table, ApiRevisions::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Deployments::Table, Deployments::EnvironmentId),
                        (Environments::Table, Environments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_deployments_api_environment")
            .table(Deployments::Table)
            .col(Deployments::ApiId)
            .col(Deployments::EnvironmentId)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Deployments::Table.into_iden(),
            Environments::Table.into_iden(),
            ApiRevisions::Table.into_iden(),
            ApiLifecycleEvents::Table.into_iden(),
            Apis::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
