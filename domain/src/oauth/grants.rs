//! The token endpoint (RFC 6749 §3.2): the client authenticates, then its grant is
//! checked and exchanged for tokens by [`super::issue::mint`].
//!
//! * `client_credentials` — confidential clients only; no refresh token.
//! * `authorization_code` — single use (a second use revokes what the first gave), same
//!   client and the exact redirect URI, PKCE `S256` verifier when a challenge was sent
//!   (public clients always send one).
//! * `refresh_token` — rotated on every use; presenting a used one ends its whole family
//!   (every refresh and access token descended from the same grant), RFC 6749 §10.4.
//! * `urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523) — an assertion signed by a
//!   registered key manager (or by Portico), meant for Portico (`aud` is the issuer or the
//!   token endpoint), exchanged for a Portico token about its `sub`.
//! * `password` — only while a platform administrator has it turned on; sign-in
//!   throttling applies.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use serde::Deserialize;
use uuid::Uuid;

use super::clients::{self, grant};
use super::issue::{Mint, TokenResponse, mint};
use super::{OAuthError, OAuthErrorCode, Provider, authorize, scopes, tokens};
use crate::actor::RequestOrigin;
use crate::entities::{oauth_client, oauth_code, oauth_refresh_token, user};
use crate::secrets::hash_token;
use crate::throttle::LoginThrottle;
use crate::{Db, platform_settings, sessions};

/// The token endpoint's form parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    /// The grant type.
    pub grant_type: Option<String>,
    /// `authorization_code`: the code.
    pub code: Option<String>,
    /// `authorization_code`: the redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
    /// `authorization_code`: the PKCE verifier.
    pub code_verifier: Option<String>,
    /// `refresh_token`: the refresh token.
    pub refresh_token: Option<String>,
    /// Requested scopes, space-separated.
    pub scope: Option<String>,
    /// `password`: the user's e-mail.
    pub username: Option<String>,
    /// `password`: the password.
    pub password: Option<String>,
    /// `jwt-bearer`: the assertion.
    pub assertion: Option<String>,
    /// `client_secret_post` / public clients: the client id.
    pub client_id: Option<String>,
    /// `client_secret_post`: the secret.
    pub client_secret: Option<String>,
}

/// How the client authenticated (from `Authorization: Basic` or the form).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    /// The client id.
    pub client_id: String,
    /// The secret, if one was presented.
    pub secret: Option<String>,
}

/// What the token endpoint needs besides the database.
pub struct Context<'a> {
    /// The authorization server's settings.
    pub provider: &'a Provider,
    /// Sign-in throttling (password grant).
    pub throttle: &'a LoginThrottle,
    /// Where the request came from.
    pub origin: &'a RequestOrigin,
}

/// Handles a token request.
pub async fn token(
    db: &impl Db,
    cx: &Context<'_>,
    auth: Option<ClientAuth>,
    request: TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let grant_type = request.grant_type.clone().ok_or_else(|| OAuthError::request("grant_type is missing."))?;
    if !grant::ALL.contains(&grant_type.as_str()) {
        let message = format!("{grant_type} is not a grant this server supports.");
        return Err(OAuthError::new(OAuthErrorCode::UnsupportedGrantType, message));
    }
    if grant_type == grant::PASSWORD && !platform_settings::enabled(db, platform_settings::PASSWORD_GRANT).await? {
        let message = "The password grant is turned off on this server.";
        return Err(OAuthError::new(OAuthErrorCode::UnsupportedGrantType, message));
    }
    let auth = auth.ok_or_else(OAuthError::client)?;
    let client = clients::authenticate(db, &auth.client_id, auth.secret.as_deref()).await?;
    clients::allow_grant(&client, &grant_type)?;
    let txn = db.begin_write().await?;
    let outcome = match grant_type.as_str() {
        grant::CLIENT_CREDENTIALS => client_credentials(&txn, cx, &client, &request).await,
        grant::AUTHORIZATION_CODE => authorization_code(&txn, cx, &client, &request).await,
        grant::REFRESH_TOKEN => refresh(&txn, cx, &client, &request).await,
        grant::JWT_BEARER => jwt_bearer(&txn, cx, &client, &request).await,
        _ => password(&txn, cx, &client, &request).await,
    };
    match outcome {
        Ok(response) => {
            txn.commit().await?;
            Ok(response)
        }
        Err(Refusal { error, keep_changes: true }) => {
            txn.commit().await?;
            Err(error)
        }
        Err(Refusal { error, .. }) => Err(error),
    }
}

/// A refused grant; `keep_changes` when what was written must stay (a detected reuse
/// revoked a token family), otherwise the grant's writes roll back.
struct Refusal {
    error: OAuthError,
    keep_changes: bool,
}

impl Refusal {
    /// Refuses after revoking what a reused code or refresh token gave.
    fn after_revoking(description: &str) -> Self {
        Self { error: OAuthError::grant(description), keep_changes: true }
    }
}

impl<E: Into<OAuthError>> From<E> for Refusal {
    fn from(error: E) -> Self {
        Self { error: error.into(), keep_changes: false }
    }
}

type Outcome = Result<TokenResponse, Refusal>;

async fn client_credentials(
    db: &impl Db,
    cx: &Context<'_>,
    client: &oauth_client::Model,
    request: &TokenRequest,
) -> Outcome {
    let entitlements = scopes::entitlements(db, client.application_id).await?;
    let owner = application_owner(db, client, cx.origin).await?;
    let scopes = entitlements.grant(request.scope.as_deref().unwrap_or_default(), owner.as_ref(), false)?;
    let minted = Mint {
        client,
        user: None,
        subject: None,
        scopes,
        entitlements: &entitlements,
        refresh_family: None,
        nonce: None,
    };
    Ok(mint(db, cx.provider, minted).await?)
}

async fn authorization_code(
    db: &impl Db,
    cx: &Context<'_>,
    client: &oauth_client::Model,
    request: &TokenRequest,
) -> Outcome {
    let code = request.code.as_deref().ok_or_else(|| OAuthError::request("code is missing."))?;
    let row = oauth_code::Entity::find()
        .filter(oauth_code::Column::CodeHash.eq(hash_token(code)))
        .one(db)
        .await?
        .filter(|row| row.client_id == client.id)
        .ok_or_else(|| OAuthError::grant("The code is unknown or was issued to another client."))?;
    if row.used_at.is_some() {
        tokens::revoke_family(db, row.id).await?;
        return Err(Refusal::after_revoking("The code was already used; the tokens it gave are revoked."));
    }
    if row.expires_at <= Utc::now() {
        return Err(Refusal::from(OAuthError::grant("The code has expired.")));
    }
    if request.redirect_uri.as_deref().is_some_and(|uri| uri != row.redirect_uri) {
        return Err(Refusal::from(OAuthError::grant("redirect_uri differs from the authorization request's.")));
    }
    if let Some(challenge) = &row.code_challenge {
        let verifier =
            request.code_verifier.as_deref().ok_or_else(|| OAuthError::grant("code_verifier is missing."))?;
        if !authorize::pkce_matches(challenge, verifier) {
            return Err(Refusal::from(OAuthError::grant("code_verifier does not match the code challenge.")));
        }
    }
    let mut used: oauth_code::ActiveModel = row.clone().into();
    used.used_at = Set(Some(Utc::now()));
    used.update(db).await?;
    let user = user_by_id(db, row.user_id).await?;
    let entitlements = scopes::entitlements(db, client.application_id).await?;
    let scopes: Vec<String> = row.scope.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let refresh_family = clients::allow_grant(client, grant::REFRESH_TOKEN).is_ok().then_some(row.id);
    let minted = Mint {
        client,
        user: Some(&user),
        subject: None,
        scopes,
        entitlements: &entitlements,
        refresh_family,
        nonce: row.nonce,
    };
    Ok(mint(db, cx.provider, minted).await?)
}

async fn refresh(db: &impl Db, cx: &Context<'_>, client: &oauth_client::Model, request: &TokenRequest) -> Outcome {
    let secret = request.refresh_token.as_deref().ok_or_else(|| OAuthError::request("refresh_token is missing."))?;
    let row = oauth_refresh_token::Entity::find()
        .filter(oauth_refresh_token::Column::TokenHash.eq(hash_token(secret)))
        .one(db)
        .await?
        .filter(|row| row.client_id == client.id)
        .ok_or_else(|| OAuthError::grant("The refresh token is unknown or was issued to another client."))?;
    if row.used_at.is_some() {
        tokens::revoke_family(db, row.family_id).await?;
        return Err(Refusal::after_revoking("The refresh token was already used; its whole family is revoked."));
    }
    if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(Refusal::from(OAuthError::grant("The refresh token has expired or was revoked.")));
    }
    let original: Vec<String> = row.scope.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let scopes = match request.scope.as_deref() {
        None => original,
        Some(asked) => {
            let asked: Vec<String> = asked.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            if let Some(extra) = asked.iter().find(|s| !original.contains(s)) {
                let message = format!("{extra} was not granted originally.");
                return Err(Refusal::from(OAuthError::new(OAuthErrorCode::InvalidScope, message)));
            }
            asked
        }
    };
    let mut used: oauth_refresh_token::ActiveModel = row.clone().into();
    used.used_at = Set(Some(Utc::now()));
    used.update(db).await?;
    let user = match row.user_id {
        Some(id) => Some(user_by_id(db, id).await?),
        None => None,
    };
    let entitlements = scopes::entitlements(db, client.application_id).await?;
    let minted = Mint {
        client,
        user: user.as_ref(),
        subject: None,
        scopes,
        entitlements: &entitlements,
        refresh_family: Some(row.family_id),
        nonce: None,
    };
    Ok(mint(db, cx.provider, minted).await?)
}

async fn jwt_bearer(db: &impl Db, cx: &Context<'_>, client: &oauth_client::Model, request: &TokenRequest) -> Outcome {
    let assertion = request.assertion.as_deref().ok_or_else(|| OAuthError::request("assertion is missing."))?;
    let issuers = super::assertions::issuers(db, cx.provider).await?;
    let claims = issuers
        .verify(assertion, Utc::now().timestamp())
        .map_err(|e| OAuthError::grant(format!("The assertion is not valid: {e}.")))?;
    let entitlements = scopes::entitlements(db, client.application_id).await?;
    let owner = application_owner(db, client, cx.origin).await?;
    let scopes = entitlements.grant(request.scope.as_deref().unwrap_or_default(), owner.as_ref(), false)?;
    let minted = Mint {
        client,
        user: None,
        subject: Some(claims.client_id),
        scopes,
        entitlements: &entitlements,
        refresh_family: None,
        nonce: None,
    };
    Ok(mint(db, cx.provider, minted).await?)
}

async fn password(db: &impl Db, cx: &Context<'_>, client: &oauth_client::Model, request: &TokenRequest) -> Outcome {
    let (Some(username), Some(password)) = (request.username.as_deref(), request.password.as_deref()) else {
        return Err(Refusal::from(OAuthError::request("username and password are required.")));
    };
    let user = sessions::authenticate(db, cx.throttle, username, password, cx.origin).await?;
    let actor = sessions::load_actor(db, user.clone(), cx.origin.clone()).await?;
    let entitlements = scopes::entitlements(db, client.application_id).await?;
    let scopes = entitlements.grant(request.scope.as_deref().unwrap_or_default(), Some(&actor), true)?;
    let refresh_family = clients::allow_grant(client, grant::REFRESH_TOKEN).is_ok().then(Uuid::now_v7);
    let minted = Mint {
        client,
        user: Some(&user),
        subject: None,
        scopes,
        entitlements: &entitlements,
        refresh_family,
        nonce: None,
    };
    Ok(mint(db, cx.provider, minted).await?)
}

/// The owner of the client's application, as an actor (for role-bound scopes).
async fn application_owner(
    db: &impl Db,
    client: &oauth_client::Model,
    origin: &RequestOrigin,
) -> Result<Option<crate::Actor>, OAuthError> {
    let Some(app) = crate::entities::application::Entity::find_by_id(client.application_id).one(db).await? else {
        return Ok(None);
    };
    match user::Entity::find_by_id(app.owner_id).one(db).await? {
        Some(owner) => Ok(Some(sessions::load_actor(db, owner, origin.clone()).await?)),
        None => Ok(None),
    }
}

async fn user_by_id(db: &impl Db, id: Uuid) -> Result<user::Model, OAuthError> {
    let user =
        user::Entity::find_by_id(id).one(db).await?.ok_or_else(|| OAuthError::grant("The user no longer exists."))?;
    sessions::ensure_usable(&user).map_err(OAuthError::from)?;
    Ok(user)
}
