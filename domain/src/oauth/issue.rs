//! Minting tokens: every grant ends here. An access token is a JWT (RFC 9068 `at+jwt`)
//! signed with the current key, recorded by `jti` for introspection and revocation. A
//! refresh token is random (`pcr_…`), stored as SHA-256, and belongs to a family (one
//! original grant) so that a reused one can end the whole family. With the `openid`
//! scope and a user, an ID token comes too.
//!
//! Access-token claims: `iss`, `sub` (the user's id, or the client id when no user is
//! involved), `aud` (the gateways' audience), `exp`, `iat`, `nbf`, `jti`, `scope`,
//! `client_id`, and Portico's own: `application` (id), `org` (the subscriber
//! organization), `environment`, and `tiers` (subscribed API id → tier).

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::scopes::Entitlements;
use super::{OAuthError, Provider, keys};
use crate::Db;
use crate::entities::{oauth_access_token, oauth_client, oauth_refresh_token, user};
use crate::secrets::{hash_token, random_token};

/// The token endpoint's successful answer (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// A refresh token, for grants that get one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// An OpenID Connect ID token (`openid` scope with a user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// What to mint.
pub struct Mint<'a> {
    /// The client the tokens are for.
    pub client: &'a oauth_client::Model,
    /// The user on whose behalf, if any.
    pub user: Option<&'a user::Model>,
    /// The subject when there is no user (client id, or a JWT-bearer assertion's `sub`).
    pub subject: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The application's entitlements (for the `tiers` claim).
    pub entitlements: &'a Entitlements,
    /// Issue a refresh token in this family (`None`: no refresh token).
    pub refresh_family: Option<Uuid>,
    /// The OpenID Connect `nonce` of the authorization request.
    pub nonce: Option<String>,
}

/// Mints the tokens of a successful grant.
pub async fn mint(db: &impl Db, provider: &Provider, mint: Mint<'_>) -> Result<TokenResponse, OAuthError> {
    let key = keys::signing_key(db, provider).await?;
    let client = mint.client;
    let now = Utc::now();
    let ttl = i64::from(client.access_token_ttl);
    let expires_at = now + Duration::seconds(ttl);
    let jti = Uuid::new_v4().simple().to_string();
    let subject = match (mint.user, &mint.subject) {
        (Some(user), _) => user.id.to_string(),
        (None, Some(subject)) => subject.clone(),
        (None, None) => client.client_id.clone(),
    };
    let scope = mint.scopes.join(" ");
    let claims = json!({
        "iss": provider.issuer,
        "sub": subject,
        "aud": provider.audience,
        "exp": expires_at.timestamp(),
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "jti": jti,
        "scope": scope,
        "client_id": client.client_id,
        "application": client.application_id.to_string(),
        "org": client.org_id.to_string(),
        "environment": client.environment,
        "tiers": mint.entitlements.tiers,
    });
    let access_token = key.sign("at+jwt", &claims).map_err(crate::DomainError::Internal)?;
    oauth_access_token::ActiveModel {
        jti: Set(jti),
        client_id: Set(client.id),
        application_id: Set(client.application_id),
        user_id: Set(mint.user.map(|u| u.id)),
        scope: Set(scope.clone()),
        family_id: Set(mint.refresh_family),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    let refresh_token = match mint.refresh_family {
        Some(family) => {
            let secret = format!("pcr_{}", random_token());
            oauth_refresh_token::ActiveModel {
                id: Set(Uuid::now_v7()),
                token_hash: Set(hash_token(&secret)),
                client_id: Set(client.id),
                user_id: Set(mint.user.map(|u| u.id)),
                scope: Set(scope.clone()),
                family_id: Set(family),
                created_at: Set(now),
                expires_at: Set(now + Duration::seconds(i64::from(client.refresh_token_ttl))),
                used_at: Set(None),
                revoked_at: Set(None),
            }
            .insert(db)
            .await?;
            Some(secret)
        }
        None => None,
    };
    let id_token = match mint.user.filter(|_| mint.scopes.iter().any(|s| s == "openid")) {
        Some(user) => {
            let mut claims = json!({
                "iss": provider.issuer,
                "sub": user.id.to_string(),
                "aud": client.client_id,
                "azp": client.client_id,
                "exp": expires_at.timestamp(),
                "iat": now.timestamp(),
                "auth_time": user.last_login_at.unwrap_or(now).timestamp(),
            });
            if let Some(nonce) = &mint.nonce {
                claims["nonce"] = json!(nonce);
            }
            if mint.scopes.iter().any(|s| s == "email") {
                claims["email"] = json!(user.email);
                claims["email_verified"] = json!(user.email_verified_at.is_some());
            }
            if mint.scopes.iter().any(|s| s == "profile") {
                claims["name"] = json!(user.display_name);
            }
            Some(key.sign("JWT", &claims).map_err(crate::DomainError::Internal)?)
        }
        None => None,
    };
    Ok(TokenResponse { access_token, token_type: "Bearer".into(), expires_in: ttl, scope, refresh_token, id_token })
}

/// A token the caller mints from the portal for an application it may use, in one
/// environment, with chosen scopes (to try the API): issued to the application's client
/// for that environment, on the caller's behalf (role-bound scopes need the caller's
/// role), without a refresh token.
pub async fn test_token(
    db: &impl Db,
    provider: &Provider,
    actor: &crate::Actor,
    application_id: Uuid,
    environment: &str,
    scopes: &[String],
) -> crate::DomainResult<TokenResponse> {
    use crate::DomainError;
    use crate::entities::oauth_client as client;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = crate::applications::find_with_keys(db, actor, application_id).await?;
    let client = client::Entity::find()
        .filter(client::Column::ApplicationId.eq(app.id))
        .filter(client::Column::Environment.eq(environment))
        .filter(client::Column::KeyManagerId.is_null())
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Conflict {
            code: "no_client",
            message: format!("Create an OAuth2 client for {environment} first."),
        })?;
    let user = user::Entity::find_by_id(actor.user_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    let entitlements = super::scopes::entitlements(db, app.id).await?;
    let granted = entitlements
        .grant(&scopes.join(" "), Some(actor), true)
        .map_err(|e| DomainError::field("scopes", "invalid_scope", e.description))?;
    let minted = Mint {
        client: &client,
        user: Some(&user),
        subject: None,
        scopes: granted,
        entitlements: &entitlements,
        refresh_family: None,
        nonce: None,
    };
    let response = mint(db, provider, minted).await.map_err(|e| DomainError::Internal(e.to_string()))?;
    let change = crate::audit::Change {
        org_id: Some(app.org_id),
        action: "oauth.test_token",
        target_type: "oauth_client",
        target_id: Some(client.id.to_string()),
        before: None,
        after: Some(json!({ "environment": environment, "scope": response.scope })),
    };
    crate::audit::record(db, &actor.into(), change).await?;
    Ok(response)
}
