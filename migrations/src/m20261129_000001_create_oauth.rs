//! Portico as OAuth2 authorization server: `signing_keys` (JWT signing keys, rotated with
//! overlap), `oauth_clients` (an application's client per environment; the secret as
//! SHA-256), `oauth_codes` (authorization codes with their PKCE challenge, stored as
//! SHA-256), `oauth_access_tokens` (every issued access token by `jti`, for introspection
//! and revocation), `oauth_refresh_tokens` (rotating, grouped in families for reuse
//! detection), `oauth_consents` (scopes a user granted a client), `key_managers` (external
//! OIDC issuers whose tokens gateways accept) and `platform_settings` (switches an admin
//! turns, such as the password grant), and `basic_credentials` (applications' usernames
//! and argon2id password hashes for HTTP basic authentication at gateways).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_apis::cascade;
use crate::m20261128_000002_create_applications::Applications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Id,
    Kid,
    Algorithm,
    PrivateKey,
    PublicJwk,
    CreatedAt,
    RetiredAt,
    PublishUntil,
}

#[derive(DeriveIden)]
pub(crate) enum OauthClients {
    Table,
    Id,
    OrgId,
    ApplicationId,
    Environment,
    KeyManagerId,
    ClientId,
    SecretHash,
    SecretLastFour,
    Confidential,
    RedirectUris,
    GrantTypes,
    AccessTokenTtl,
    RefreshTokenTtl,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthCodes {
    Table,
    Id,
    CodeHash,
    ClientId,
    UserId,
    RedirectUri,
    Scope,
    CodeChallenge,
    Nonce,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OauthAccessTokens {
    Table,
    Jti,
    ClientId,
    ApplicationId,
    UserId,
    Scope,
    FamilyId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OauthRefreshTokens {
    Table,
    Id,
    TokenHash,
    ClientId,
    UserId,
    Scope,
    FamilyId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OauthConsents {
    Table,
    Id,
    UserId,
    ClientId,
    Scope,
    CreatedAt,
}

#[derive(DeriveIden)]
enum KeyManagers {
    Table,
    Id,
    Name,
    Issuer,
    DiscoveryUrl,
    JwksUri,
    ClientClaim,
    Audiences,
    Algorithms,
    Jwks,
    JwksFetchedAt,
    LastError,
    Enabled,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BasicCredentials {
    Table,
    Id,
    OrgId,
    ApplicationId,
    Environment,
    Username,
    PasswordHash,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlatformSettings {
    Table,
    Key,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .if_not_exists()
                    .col(pk_uuid(SigningKeys::Id))
                    .col(string_uniq(SigningKeys::Kid))
                    .col(string(SigningKeys::Algorithm))
                    .col(text(SigningKeys::PrivateKey))
                    .col(json(SigningKeys::PublicJwk))
                    .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                    .col(timestamp_with_time_zone_null(SigningKeys::PublishUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KeyManagers::Table)
                    .if_not_exists()
                    .col(pk_uuid(KeyManagers::Id))
                    .col(string(KeyManagers::Name))
                    .col(string_uniq(KeyManagers::Issuer))
                    .col(string(KeyManagers::DiscoveryUrl))
                    .col(string_null(KeyManagers::JwksUri))
                    .col(string(KeyManagers::ClientClaim))
                    .col(json(KeyManagers::Audiences))
                    .col(json(KeyManagers::Algorithms))
                    .col(json_null(KeyManagers::Jwks))
                    .col(timestamp_with_time_zone_null(KeyManagers::JwksFetchedAt))
                    .col(text_null(KeyManagers::LastError))
                    .col(boolean(KeyManagers::Enabled).default(true))
                    .col(big_integer(KeyManagers::Version).default(1))
                    .col(timestamp_with_time_zone(KeyManagers::CreatedAt))
                    .col(timestamp_with_time_zone(KeyManagers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthClients::Table)
                    .if_not_exists()
                    .col(pk_uuid(OauthClients::Id))
                    .col(uuid(OauthClients::OrgId))
                    .col(uuid(OauthClients::ApplicationId))
                    .col(string(OauthClients::Environment))
                    .col(uuid_null(OauthClients::KeyManagerId))
                    .col(string(OauthClients::ClientId))
                    .col(string_null(OauthClients::SecretHash))
                    .col(string_null(OauthClients::SecretLastFour))
                    .col(boolean(OauthClients::Confidential))
                    .col(json(OauthClients::RedirectUris))
                    .col(json(OauthClients::GrantTypes))
                    .col(integer(OauthClients::AccessTokenTtl))
                    .col(integer(OauthClients::RefreshTokenTtl))
                    .col(big_integer(OauthClients::Version).default(1))
                    .col(uuid_null(OauthClients::CreatedBy))
                    .col(timestamp_with_time_zone(OauthClients::CreatedAt))
                    .col(timestamp_with_time_zone(OauthClients::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (OauthClients::Table, OauthClients::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (OauthClients::Table, OauthClients::KeyManagerId),
                        (KeyManagers::Table, KeyManagers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oauth_clients_issuer_client_id")
                    .table(OauthClients::Table)
                    .col(OauthClients::KeyManagerId)
                    .col(OauthClients::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oauth_clients_application")
                    .table(OauthClients::Table)
                    .col(OauthClients::ApplicationId)
                    .to_owned(),
            )
            .await?;
        let client_fk = |table: DynIden, column: DynIden| {
            cascade((table, column), (OauthClients::Table.into_iden(), OauthClients::Id.into_iden()))
        };
        manager
            .create_table(
                Table::create()
                    .table(OauthCodes::Table)
                    .if_not_exists()
                    .col(pk_uuid(OauthCodes::Id))
                    .col(string_uniq(OauthCodes::CodeHash))
                    .col(uuid(OauthCodes::ClientId))
                    .col(uuid(OauthCodes::UserId))
                    .col(text(OauthCodes::RedirectUri))
                    .col(text(OauthCodes::Scope))
                    .col(string_null(OauthCodes::CodeChallenge))
                    .col(text_null(OauthCodes::Nonce))
                    .col(timestamp_with_time_zone(OauthCodes::CreatedAt))
                    .col(timestamp_with_time_zone(OauthCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthCodes::UsedAt))
                    .foreign_key(&mut client_fk(OauthCodes::Table.into_iden(), OauthCodes::ClientId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthAccessTokens::Table)
                    .if_not_exists()
                    .col(string(OauthAccessTokens::Jti).primary_key())
                    .col(uuid(OauthAccessTokens::ClientId))
                    .col(uuid(OauthAccessTokens::ApplicationId))
                    .col(uuid_null(OauthAccessTokens::UserId))
                    .col(text(OauthAccessTokens::Scope))
                    .col(uuid_null(OauthAccessTokens::FamilyId))
                    .col(timestamp_with_time_zone(OauthAccessTokens::CreatedAt))
                    .col(timestamp_with_time_zone(OauthAccessTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthAccessTokens::RevokedAt))
                    .foreign_key(&mut client_fk(
                        OauthAccessTokens::Table.into_iden(),
                        OauthAccessTokens::ClientId.into_iden(),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("oauth_access_tokens_revoked")
                    .table(OauthAccessTokens::Table)
                    .col(OauthAccessTokens::RevokedAt)
                    .col(OauthAccessTokens::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthRefreshTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(OauthRefreshTokens::Id))
                    .col(string_uniq(OauthRefreshTokens::TokenHash))
                    .col(uuid(OauthRefreshTokens::ClientId))
                    .col(uuid_null(OauthRefreshTokens::UserId))
                    .col(text(OauthRefreshTokens::Scope))
                    .col(uuid(OauthRefreshTokens::FamilyId))
                    .col(timestamp_with_time_zone(OauthRefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone(OauthRefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthRefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(OauthRefreshTokens::RevokedAt))
                    .foreign_key(&mut client_fk(
                        OauthRefreshTokens::Table.into_iden(),
                        OauthRefreshTokens::ClientId.into_iden(),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthConsents::Table)
                    .if_not_exists()
                    .col(pk_uuid(OauthConsents::Id))
                    .col(uuid(OauthConsents::UserId))
                    .col(uuid(OauthConsents::ClientId))
                    .col(text(OauthConsents::Scope))
                    .col(timestamp_with_time_zone(OauthConsents::CreatedAt))
                    .foreign_key(&mut client_fk(OauthConsents::Table.into_iden(), OauthConsents::ClientId.into_iden()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BasicCredentials::Table)
                    .if_not_exists()
                    .col(pk_uuid(BasicCredentials::Id))
                    .col(uuid(BasicCredentials::OrgId))
                    .col(uuid(BasicCredentials::ApplicationId))
                    .col(string(BasicCredentials::Environment))
                    .col(string(BasicCredentials::Username))
                    .col(string(BasicCredentials::PasswordHash))
                    .col(uuid_null(BasicCredentials::CreatedBy))
                    .col(timestamp_with_time_zone(BasicCredentials::CreatedAt))
                    .foreign_key(&mut cascade(
                        (BasicCredentials::Table, BasicCredentials::ApplicationId),
                        (Applications::Table, Applications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("basic_credentials_environment_username")
                    .table(BasicCredentials::Table)
                    .col(BasicCredentials::Environment)
                    .col(BasicCredentials::Username)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformSettings::Table)
                    .if_not_exists()
                    .col(string(PlatformSettings::Key).primary_key())
                    .col(json(PlatformSettings::Value))
                    .col(uuid_null(PlatformSettings::UpdatedBy))
                    .col(timestamp_with_time_zone(PlatformSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlatformSettings::Table.into_iden(),
            BasicCredentials::Table.into_iden(),
            OauthConsents::Table.into_iden(),
            OauthRefreshTokens::Table.into_iden(),
            OauthAccessTokens::Table.into_iden(),
            OauthCodes::Table.into_iden(),
            OauthClients::Table.into_iden(),
            KeyManagers::Table.into_iden(),
            SigningKeys::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
