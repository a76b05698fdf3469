//! `sso_providers`: external OpenID Connect providers users sign in to the consoles with.

use sea_orm::entity::prelude::*;

/// One provider.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// URL name: `/auth/sso/{slug}/start`.
    pub slug: String,
    pub display_name: String,
    /// Issuer URL; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Never shown again after it is set.
    pub client_secret: String,
    /// Space-separated scopes (`openid` is always asked for).
    pub scopes: String,
    /// Organization new users are provisioned into.
    pub org_id: Uuid,
    /// Their role there (`org_admin`, `publisher`, `consumer`).
    pub role: String,
    /// Space-separated e-mail domains allowed to sign in (empty: any).
    pub allowed_domains: String,
    pub enabled: bool,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
