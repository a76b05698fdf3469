//! The authorization endpoint (RFC 6749 §4.1) with PKCE (RFC 7636): the request is
//! checked, the signed-in user sees what the application asks for on the consent page
//! and approves or denies, and an approval gives a single-use code (SHA-256 stored, five
//! minutes) bound to the client, the exact redirect URI, the PKCE challenge, the user and
//! the granted scopes.
//!
//! As RFC 6749 §4.1.2.1 requires, an unknown client or a redirect URI that is not
//! registered (even one character off) is shown to the user and never redirected to;
//! every other error goes back to the client's redirect URI with `error` and `state`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::clients::{self, grant};
use super::{OAuthError, OAuthErrorCode, Provider, scopes};
use crate::audit::{self, Change};
use crate::entities::{application, oauth_client, oauth_code, oauth_consent};
use crate::secrets::{constant_time_eq, hash_token, random_token};
use crate::{Actor, Db, DomainError};

/// How long a code may wait for its exchange.
const CODE_LIFETIME: Duration = Duration::minutes(5);

/// The authorization request's query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// Must be `code`.
    pub response_type: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// One of the client's redirect URIs (may be left out when it has exactly one).
    pub redirect_uri: Option<String>,
    /// Requested scopes, space-separated.
    pub scope: Option<String>,
    /// Opaque value returned to the client.
    pub state: Option<String>,
    /// PKCE challenge: `BASE64URL(SHA256(verifier))`.
    pub code_challenge: Option<String>,
    /// PKCE method; only `S256` is accepted.
    pub code_challenge_method: Option<String>,
    /// OpenID Connect nonce, copied into the ID token.
    pub nonce: Option<String>,
    /// OpenID Connect `prompt`; `consent` shows the consent page even when the user
    /// granted these scopes before.
    pub prompt: Option<String>,
}

/// A refused authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Shown to the user; never redirected (the client or redirect URI is not trusted).
    Display(String),
    /// Sent back to the client at `redirect`.
    Redirect(String),
}

/// A checked request, as the consent page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The application asking.
    pub application_name: String,
    /// The client id.
    pub client_id: String,
    /// Where the answer goes.
    pub redirect_uri: String,
    /// The scopes that would be granted, with what each allows.
    pub scopes: Vec<(String, String)>,
    /// Whether the user already granted all of them to this client.
    pub already_granted: bool,
}

/// Checks a request for `actor` (the signed-in user).
pub async fn check(
    db: &impl Db,
    actor: &Actor,
    request: &AuthorizationRequest,
) -> Result<(Pending, Checked), AuthorizeError> {
    let internal = |e: DomainError| {
        tracing::error!(error = %e, "authorization request failed");
        AuthorizeError::Display("The server could not check this request; try again.".into())
    };
    let client_id =
        request.client_id.as_deref().ok_or_else(|| AuthorizeError::Display("client_id is missing.".into()))?;
    let client = clients::find_by_client_id(db, client_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| AuthorizeError::Display("This application is not known (unknown client_id).".into()))?;
    let registered: Vec<String> = serde_json::from_value(client.redirect_uris.clone()).unwrap_or_default();
    let redirect_uri = match &request.redirect_uri {
        Some(uri) if clients::has_redirect_uri(&client, uri) => uri.clone(),
        Some(_) => return Err(AuthorizeError::Display("redirect_uri is not registered for this application.".into())),
        None if registered.len() == 1 => registered[0].clone(),
        None => return Err(AuthorizeError::Display("redirect_uri is missing.".into())),
    };
    let back = |error: OAuthError| AuthorizeError::Redirect(answer(&redirect_uri, &error_pairs(&error, request)));
    if request.response_type.as_deref() != Some("code") {
        let error = OAuthError::new(OAuthErrorCode::UnsupportedResponseType, "Only response_type=code is supported.");
        return Err(back(error));
    }
    clients::allow_grant(&client, grant::AUTHORIZATION_CODE).map_err(back)?;
    match (request.code_challenge.as_deref(), request.code_challenge_method.as_deref()) {
        (Some(challenge), Some("S256")) if is_challenge(challenge) => {}
        (Some(_), Some("S256")) => return Err(back(OAuthError::request("code_challenge is not a S256 challenge."))),
        (Some(_), method) => {
            let message = format!("code_challenge_method {} is not supported; use S256.", method.unwrap_or("plain"));
            return Err(back(OAuthError::request(message)));
        }
        (None, _) if !client.confidential => {
            return Err(back(OAuthError::request("Public clients must use PKCE (S256).")));
        }
        (None, _) => {}
    }
    let entitlements = scopes::entitlements(db, client.application_id).await.map_err(internal)?;
    let granted = entitlements.grant(request.scope.as_deref().unwrap_or_default(), Some(actor), true).map_err(back)?;
    let described = scopes::describe(&entitlements, &granted);
    let already_granted = consented(db, actor, &client, &granted).await.map_err(internal)?;
    let application_name = application::Entity::find_by_id(client.application_id)
        .one(db)
        .await
        .map_err(|e| internal(e.into()))?
        .map(|a| a.name)
        .unwrap_or_default();
    let pending = Pending {
        application_name,
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        scopes: described,
        already_granted,
    };
    Ok((pending, Checked { client, redirect_uri, scopes: granted }))
}

/// What a successful check found (input to [`decide`]).
#[derive(Debug, Clone)]
pub struct Checked {
    client: oauth_client::Model,
    redirect_uri: String,
    scopes: Vec<String>,
}

/// The user's answer: the URL to send the browser to (the client's redirect URI with a
/// `code`, or with `error=access_denied`), with `state` and `iss` (RFC 9207).
pub async fn decide(
    db: &impl Db,
    provider: &Provider,
    actor: &Actor,
    request: &AuthorizationRequest,
    approve: bool,
) -> Result<String, AuthorizeError> {
    let (_, checked) = check(db, actor, request).await?;
    let mut pairs = vec![("iss".to_owned(), provider.issuer.clone())];
    if !approve {
        let denied = OAuthError::new(OAuthErrorCode::AccessDenied, "The user denied the request.");
        pairs.extend(error_pairs(&denied, request));
        return Ok(answer(&checked.redirect_uri, &pairs));
    }
    let code = format!("pca_{}", random_token());
    issue_code(db, actor, &checked, request, &code).await.map_err(|e| {
        tracing::error!(error = %e, "authorization code not stored");
        AuthorizeError::Display("The server could not complete the authorization; try again.".into())
    })?;
    pairs.push(("code".into(), code));
    if let Some(state) = &request.state {
        pairs.push(("state".into(), state.clone()));
    }
    Ok(answer(&checked.redirect_uri, &pairs))
}

async fn issue_code(
    db: &impl Db,
    actor: &Actor,
    checked: &Checked,
    request: &AuthorizationRequest,
    code: &str,
) -> Result<(), DomainError> {
    let now = Utc::now();
    let scope = checked.scopes.join(" ");
    let txn = db.begin_write().await?;
    oauth_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        code_hash: Set(hash_token(code)),
        client_id: Set(checked.client.id),
        user_id: Set(actor.user_id),
        redirect_uri: Set(checked.redirect_uri.clone()),
        scope: Set(scope.clone()),
        code_challenge: Set(request.code_challenge.clone()),
        nonce: Set(request.nonce.clone().map(|n| n.chars().take(255).collect())),
        created_at: Set(now),
        expires_at: Set(now + CODE_LIFETIME),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    oauth_consent::Entity::delete_many()
        .filter(oauth_consent::Column::UserId.eq(actor.user_id))
        .filter(oauth_consent::Column::ClientId.eq(checked.client.id))
        .exec(&txn)
        .await?;
    oauth_consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.user_id),
        client_id: Set(checked.client.id),
        scope: Set(scope.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let change = Change {
        org_id: Some(checked.client.org_id),
        action: "oauth.authorize",
        target_type: "oauth_client",
        target_id: Some(checked.client.id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "client_id": checked.client.client_id, "scope": scope })),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the user granted every one of `scopes` to the client before.
async fn consented(
    db: &impl Db,
    actor: &Actor,
    client: &oauth_client::Model,
    scopes: &[String],
) -> Result<bool, DomainError> {
    let row = oauth_consent::Entity::find()
        .filter(oauth_consent::Column::UserId.eq(actor.user_id))
        .filter(oauth_consent::Column::ClientId.eq(client.id))
        .one(db)
        .await?;
    Ok(row.is_some_and(|r| scopes.iter().all(|s| r.scope.split(' ').any(|g| g == s))))
}

/// Whether `verifier` is the PKCE verifier of `challenge` (S256), in constant time.
pub fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && constant_time_eq(&computed, challenge)
}

fn is_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

fn error_pairs(error: &OAuthError, request: &AuthorizationRequest) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("error".to_owned(), error.code.as_str().to_owned()),
        ("error_description".into(), error.description.clone()),
    ];
    if let Some(state) = &request.state {
        pairs.push(("state".into(), state.clone()));
    }
    pairs
}

/// `redirect_uri` with `pairs` added to its query.
fn answer(redirect_uri: &str, pairs: &[(String, String)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => redirect_uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(challenge, verifier));
        assert!(!pkce_matches(challenge, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"));
        assert!(!pkce_matches(challenge, "short"));
        assert!(is_challenge(challenge) && !is_challenge("plain-verifier"));
    }

    #[test]
    fn answers_keep_the_redirect_uri_and_add_the_parameters() {
        let url = answer("https://app.example/cb?x=1", &[("code".into(), "a b".into()), ("state".into(), "s".into())]);
        assert_eq!(url, "https://app.example/cb?x=1&code=a+b&state=s");
    }
}
