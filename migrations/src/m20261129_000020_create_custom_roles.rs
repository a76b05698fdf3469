//! Custom roles and token scopes (RBAC): `org_roles` (an organization's roles built from
//! the permission list), `memberships.custom_role_id` (set when a member has a custom
//! role; `role` is then `custom`) and `personal_access_tokens.scopes` (the permissions a
//! token is limited to; `NULL` — every token made before — keeps its owner's full rights).
//!
//! `custom_role_id` has no foreign key (SQLite cannot add one to an existing table): the
//! domain refuses to delete a role that members still have.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::Organizations;
use crate::m20261128_000001_create_apis::cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgRoles {
    Table,
    Id,
    OrgId,
    Name,
    Description,
    Permissions,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    CustomRoleId,
}

#[derive(DeriveIden)]
enum PersonalAccessTokens {
    Table,
    Scopes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrgRoles::Table)
                    .if_not_exists()
                    .col(pk_uuid(OrgRoles::Id))
                    .col(uuid(OrgRoles::OrgId))
                    .col(string(OrgRoles::Name))
                    .col(text(OrgRoles::Description).default(""))
                    .col(json(OrgRoles::Permissions))
                    .col(big_integer(OrgRoles::Version).default(1))
                    .col(timestamp_with_time_zone(OrgRoles::CreatedAt))
                    .col(timestamp_with_time_zone(OrgRoles::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (OrgRoles::Table, OrgRoles::OrgId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        let unique = Index::create()
            .name("ux_org_roles_name")
            .table(OrgRoles::Table)
            .col(OrgRoles::OrgId)
            .col(OrgRoles::Name)
            .unique()
            .if_not_exists()
            .to_owned();
        manager.create_index(unique).await?;
        manager
            .alter_table(
                Table::alter().table(Memberships::Table).add_column(uuid_null(Memberships::CustomRoleId)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PersonalAccessTokens::Table)
                    .add_column(json_null(PersonalAccessTokens::Scopes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(PersonalAccessTokens::Table).drop_column(PersonalAccessTokens::Scopes).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Memberships::Table).drop_column(Memberships::CustomRoleId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(OrgRoles::Table).if_exists().to_owned()).await
    }
}
