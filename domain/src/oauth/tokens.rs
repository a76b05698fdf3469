//! What happens to tokens after they are issued: revocation (RFC 7009), introspection
//! (RFC 7662), the OpenID Connect userinfo endpoint, and the list of revoked access
//! tokens every gateway refuses (carried in the snapshot; a revocation bumps the
//! configuration of the token's environment, so it reaches gateways as a delta).
//!
//! A client can only revoke or introspect tokens of its own application; anything else
//! is answered as if the token were unknown, so revoking one token never revokes
//! another and no client learns about another's tokens.

use std::collections::HashSet;

use chrono::Utc;
use gateway::spec::RevokedTokenSpec;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{OAuthError, OAuthErrorCode, Provider, assertions};
use crate::entities::{oauth_access_token, oauth_client, oauth_refresh_token, user};
use crate::secrets::hash_token;
use crate::{Db, DomainResult, environments};

/// Revokes a token presented by `client` (an access token by its `jti`, or a refresh
/// token with its whole family). Unknown tokens and other applications' tokens are
/// ignored, as RFC 7009 §2.2 allows.
pub async fn revoke(db: &impl Db, client: &oauth_client::Model, token: &str) -> Result<(), OAuthError> {
    if token.matches('.').count() == 2 {
        let Ok(decoded) = gateway::jwt::decode(token) else { return Ok(()) };
        let Some(jti) = decoded.claims.get("jti").and_then(Value::as_str) else { return Ok(()) };
        let Some(row) = oauth_access_token::Entity::find_by_id(jti.to_owned()).one(db).await? else { return Ok(()) };
        if row.application_id == client.application_id && row.revoked_at.is_none() {
            oauth_access_token::Entity::update_many()
                .col_expr(oauth_access_token::Column::RevokedAt, Expr::value(Some(Utc::now())))
                .filter(oauth_access_token::Column::Jti.eq(jti))
                .exec(db)
                .await?;
            bump_clients(db, [row.client_id]).await?;
        }
        return Ok(());
    }
    let row = oauth_refresh_token::Entity::find()
        .filter(oauth_refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?;
    if let Some(row) = row.filter(|r| r.client_id == client.id) {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}

/// Revokes every refresh and access token of one grant (a family).
pub async fn revoke_family(db: &impl Db, family: Uuid) -> DomainResult<()> {
    let now = Utc::now();
    oauth_refresh_token::Entity::update_many()
        .col_expr(oauth_refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(oauth_refresh_token::Column::FamilyId.eq(family))
        .filter(oauth_refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let access = oauth_access_token::Entity::find()
        .filter(oauth_access_token::Column::FamilyId.eq(family))
        .filter(oauth_access_token::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    if access.is_empty() {
        return Ok(());
    }
    oauth_access_token::Entity::update_many()
        .col_expr(oauth_access_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(oauth_access_token::Column::FamilyId.eq(family))
        .filter(oauth_access_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    bump_clients(db, access.iter().map(|t| t.client_id)).await
}

/// RFC 7662: the token's state as `client` may know it (`{"active": false}` otherwise).
pub async fn introspect(
    db: &impl Db,
    provider: &Provider,
    client: &oauth_client::Model,
    token: &str,
) -> Result<Value, OAuthError> {
    let inactive = json!({ "active": false });
    let now = Utc::now();
    if token.matches('.').count() == 2 {
        let issuers = assertions::access_tokens(db, provider).await?;
        let Ok(verified) = issuers.verify(token, now.timestamp()) else { return Ok(inactive) };
        let Ok(decoded) = gateway::jwt::decode(token) else { return Ok(inactive) };
        let jti = decoded.claims.get("jti").and_then(Value::as_str).unwrap_or_default();
        let Some(row) = oauth_access_token::Entity::find_by_id(jti.to_owned()).one(db).await? else {
            return Ok(inactive);
        };
        if row.revoked_at.is_some() || row.expires_at <= now || row.application_id != client.application_id {
            return Ok(inactive);
        }
        let mut answer = json!({
            "active": true,
            "token_type": "Bearer",
            "scope": row.scope,
            "client_id": verified.client_id,
            "exp": row.expires_at.timestamp(),
            "iat": row.created_at.timestamp(),
            "iss": provider.issuer,
            "aud": provider.audience,
            "jti": row.jti,
        });
        for claim in ["sub", "application", "org", "environment"] {
            if let Some(value) = decoded.claims.get(claim) {
                answer[claim] = value.clone();
            }
        }
        return Ok(answer);
    }
    let row = oauth_refresh_token::Entity::find()
        .filter(oauth_refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?;
    match row {
        Some(row)
            if row.client_id == client.id
                && row.used_at.is_none()
                && row.revoked_at.is_none()
                && row.expires_at > now =>
        {
            Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": row.scope,
                "client_id": client.client_id,
                "exp": row.expires_at.timestamp(),
                "iat": row.created_at.timestamp(),
                "iss": provider.issuer,
                "sub": row.user_id.map_or_else(|| client.client_id.clone(), |u| u.to_string()),
            }))
        }
        _ => Ok(inactive),
    }
}

/// OpenID Connect userinfo for a bearer access token with the `openid` scope.
pub async fn userinfo(db: &impl Db, provider: &Provider, token: &str) -> Result<Value, OAuthError> {
    let invalid = || OAuthError::new(OAuthErrorCode::InvalidToken, "The access token is not valid.");
    let issuers = assertions::access_tokens(db, provider).await?;
    let verified = issuers.verify(token, Utc::now().timestamp()).map_err(|_| invalid())?;
    let decoded = gateway::jwt::decode(token).map_err(|_| invalid())?;
    let jti = decoded.claims.get("jti").and_then(Value::as_str).unwrap_or_default();
    let row = oauth_access_token::Entity::find_by_id(jti.to_owned()).one(db).await?.ok_or_else(invalid)?;
    if row.revoked_at.is_some() {
        return Err(invalid());
    }
    if !verified.scopes.iter().any(|s| s == "openid") {
        return Err(OAuthError::new(OAuthErrorCode::InsufficientScope, "The token lacks the openid scope."));
    }
    let user = match row.user_id {
        Some(id) => user::Entity::find_by_id(id).one(db).await?.ok_or_else(invalid)?,
        None => return Err(OAuthError::new(OAuthErrorCode::InvalidToken, "The token was not issued for a user.")),
    };
    let mut info = json!({ "sub": user.id.to_string() });
    if verified.scopes.iter().any(|s| s == "email") {
        info["email"] = json!(user.email);
        info["email_verified"] = json!(user.email_verified_at.is_some());
    }
    if verified.scopes.iter().any(|s| s == "profile") {
        info["name"] = json!(user.display_name);
    }
    Ok(info)
}

/// Revoked access tokens not yet expired, for the snapshot of `environment`.
pub async fn revoked(db: &impl Db, environment: &str) -> DomainResult<Vec<RevokedTokenSpec>> {
    let clients: Vec<Uuid> = oauth_client::Entity::find()
        .filter(oauth_client::Column::Environment.eq(environment))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let rows = oauth_access_token::Entity::find()
        .filter(oauth_access_token::Column::RevokedAt.is_not_null())
        .filter(oauth_access_token::Column::ExpiresAt.gt(Utc::now()))
        .filter(oauth_access_token::Column::ClientId.is_in(clients))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| RevokedTokenSpec { jti: r.jti, expires_at: r.expires_at.timestamp() }).collect())
}

/// Bumps the environments of these clients (their tokens' revocation list changed).
async fn bump_clients(db: &impl Db, clients: impl IntoIterator<Item = Uuid>) -> DomainResult<()> {
    let ids: HashSet<Uuid> = clients.into_iter().collect();
    let names: HashSet<String> = oauth_client::Entity::find()
        .filter(oauth_client::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.environment)
        .collect();
    let mut env_ids = Vec::new();
    for name in names {
        env_ids.push(environments::by_name(db, &name).await?.id);
    }
    environments::bump(db, env_ids).await
}
