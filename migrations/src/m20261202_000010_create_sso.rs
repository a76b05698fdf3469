//! Single sign-on into the consoles: `sso_providers` (external OpenID Connect providers a
//! platform administrator registers, with the organization and role new users are
//! provisioned into) and `sso_logins` (sign-ins in progress: the SHA-256 of the `state`,
//! the nonce and the PKCE verifier, kept for a few minutes and consumed once).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_organizations_and_users::Organizations;
use crate::m20261128_000001_create_apis::cascade;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SsoProviders {
    Table,
    Id,
    Slug,
    DisplayName,
    Issuer,
    ClientId,
    ClientSecret,
    Scopes,
    OrgId,
    Role,
    AllowedDomains,
    Enabled,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SsoLogins {
    Table,
    Id,
    ProviderId,
    StateHash,
    Nonce,
    PkceVerifier,
    ReturnTo,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SsoProviders::Table)
                    .if_not_exists()
                    .col(pk_uuid(SsoProviders::Id))
                    .col(string_uniq(SsoProviders::Slug))
                    .col(string(SsoProviders::DisplayName))
                    .col(string(SsoProviders::Issuer))
                    .col(string(SsoProviders::ClientId))
                    .col(text(SsoProviders::ClientSecret))
                    .col(string(SsoProviders::Scopes))
                    .col(uuid(SsoProviders::OrgId))
                    .col(string(SsoProviders::Role))
                    .col(string(SsoProviders::AllowedDomains))
                    .col(boolean(SsoProviders::Enabled))
                    .col(big_integer(SsoProviders::Version))
                    .col(timestamp_with_time_zone(SsoProviders::CreatedAt))
                    .col(timestamp_with_time_zone(SsoProviders::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (SsoProviders::Table, SsoProviders::OrgId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoLogins::Table)
                    .if_not_exists()
                    .col(pk_uuid(SsoLogins::Id))
                    .col(uuid(SsoLogins::ProviderId))
                    .col(string_uniq(SsoLogins::StateHash))
                    .col(string(SsoLogins::Nonce))
                    .col(string(SsoLogins::PkceVerifier))
                    .col(string(SsoLogins::ReturnTo))
                    .col(timestamp_with_time_zone(SsoLogins::CreatedAt))
                    .col(timestamp_with_time_zone(SsoLogins::ExpiresAt))
                    .foreign_key(&mut cascade(
                        (SsoLogins::Table, SsoLogins::ProviderId),
                        (SsoProviders::Table, SsoProviders::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SsoLogins::Table).if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table(SsoProviders::Table).if_exists().to_owned()).await
    }
}
