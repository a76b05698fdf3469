//! Portico as OAuth 2.0 authorization server and OpenID provider.
//!
//! * [`keys`]: JWT signing keys (RS256 by default, ES256 as an option), rotated with
//!   overlap — a retired key stays in the JWKS until every token it signed has expired.
//! * [`clients`]: an application's OAuth2 client per environment (client id, secret
//!   stored as SHA-256 and shown once, exact redirect URIs, allowed grants, token
//!   lifetimes), and client authentication in constant time.
//! * [`scopes`]: which of the requested scopes an application may get — the scopes its
//!   subscribed APIs define, minus role-bound ones the user lacks — plus OpenID's.
//! * [`grants`]: the token endpoint's grants (client credentials, authorization code with
//!   PKCE, refresh token with rotation and reuse detection, JWT bearer, password when an
//!   admin enabled it), all minting through [`issue`].
//! * [`authorize`]: the authorization endpoint's request checks, consent and codes.
//! * [`tokens`]: introspection (RFC 7662), revocation (RFC 7009) and userinfo.
//!
//! Errors are [`OAuthError`] with the exact RFC 6749 §5.2 codes.

use gateway::jwt::Algorithm;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionSession};

use crate::entities::platform_setting;
use crate::{Db, DomainResult};

pub mod assertions;
pub mod authorize;
pub mod clients;
mod error;
pub mod grants;
pub mod issue;
pub mod keys;
pub mod scopes;
pub mod tokens;

pub use error::{OAuthError, OAuthErrorCode};

/// The id the snapshot gives Portico's own issuer (OAuth2 clients refer to it).
pub const PORTICO_ISSUER_ID: &str = "portico";

/// How the authorization server is set up (from the server's settings).
#[derive(Debug, Clone)]
pub struct Provider {
    /// The `iss` of every token, and the base of the endpoints (`{issuer}/oauth2/token`).
    pub issuer: String,
    /// The `aud` of access tokens, which gateways require.
    pub audience: String,
    /// The algorithm new signing keys use.
    pub algorithm: Algorithm,
    /// Age after which the signing key is replaced automatically.
    pub rotate_after: chrono::Duration,
}

impl Provider {
    /// The token endpoint's URL (also an accepted audience of JWT-bearer assertions).
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.issuer)
    }

    /// The algorithms gateways accept from Portico: both families it can sign with, so
    /// switching the setting never breaks tokens signed before.
    pub fn accepted_algorithms() -> Vec<String> {
        vec!["RS256".to_owned(), "ES256".to_owned()]
    }
}

/// Platform-setting keys under which the server publishes its issuer and audience, so
/// that every snapshot (built by any control-plane instance, or by `portico export`)
/// names Portico's issuer the same way.
const ISSUER_KEY: &str = "oauth.issuer";
const AUDIENCE_KEY: &str = "oauth.audience";

/// Records the server's issuer and audience (at start-up); when they changed, every
/// environment's configuration is bumped so gateways learn the new values.
pub async fn publish(db: &impl Db, provider: &Provider) -> DomainResult<()> {
    if published_provider(db).await?.is_some_and(|p| p.issuer == provider.issuer && p.audience == provider.audience) {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    for (key, value) in [(ISSUER_KEY, &provider.issuer), (AUDIENCE_KEY, &provider.audience)] {
        let row = platform_setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(serde_json::Value::String(value.clone())),
            updated_by: Set(None),
            updated_at: Set(chrono::Utc::now()),
        };
        if platform_setting::Entity::find_by_id(key.to_owned()).one(&txn).await?.is_some() {
            row.update(&txn).await?;
        } else {
            row.insert(&txn).await?;
        }
    }
    keys::bump_every_environment(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The issuer and audience the server published, as a provider (`None` before the first
/// start-up). Only `issuer` and `audience` are meaningful in it.
pub async fn published_provider(db: &impl Db) -> DomainResult<Option<Provider>> {
    let read = |row: Option<platform_setting::Model>| row.and_then(|r| r.value.as_str().map(str::to_owned));
    let issuer = read(platform_setting::Entity::find_by_id(ISSUER_KEY.to_owned()).one(db).await?);
    let audience = read(platform_setting::Entity::find_by_id(AUDIENCE_KEY.to_owned()).one(db).await?);
    Ok(issuer.zip(audience).map(|(issuer, audience)| Provider {
        issuer,
        audience,
        algorithm: Algorithm::Rs256,
        rotate_after: chrono::Duration::days(90),
    }))
}
