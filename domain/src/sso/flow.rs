//! One single sign-on: [`start`] sends the browser to the provider, [`finish`] takes the
//! provider's answer at the callback and, if everything checks out, creates a session.
//!
//! `start` stores a short-lived `sso_logins` row (SHA-256 of the `state`, the nonce, the
//! PKCE verifier, where to go afterwards) and returns the state for a cookie, which binds
//! the sign-in to this browser (an attacker cannot make a victim finish the attacker's
//! sign-in). `finish` consumes the row whatever happens next, exchanges the code with the
//! PKCE verifier (`oauth2` crate), verifies the ID token and finds or provisions the user.

use chrono::{Duration, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::discovery::{self, Discovery};
use super::id_token::{self, Expected, Identity};
use super::providers::redirect_uri;
use super::{SsoError, http};
use crate::actor::RequestOrigin;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{organization, sso_login, sso_provider, user};
use crate::secrets::{constant_time_eq, hash_token, random_token};
use crate::sessions::{self, NewSession, SessionPolicy};
use crate::users::{self, UserStatus};
use crate::{Db, DomainError, Role, members, validate};

/// How long a started sign-in may take (the state cookie lives as long).
pub const LOGIN_LIFETIME: Duration = Duration::minutes(10);

/// A sign-in just started.
#[derive(Debug, Clone)]
pub struct Started {
    /// Where to send the browser (the provider's authorization endpoint).
    pub authorize_url: String,
    /// The `state`, for the browser's cookie.
    pub state: String,
}

/// The query of the provider's redirect to the callback.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the provider refused (`access_denied`, …).
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A finished sign-in.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The new session (cookie secret and expiry).
    pub session: NewSession,
    /// The local path to go to.
    pub return_to: String,
}

/// The token response with the ID token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    #[serde(default)]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type OidcClient = Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn client(provider: &sso_provider::Model, discovery: &Discovery, base_url: &str) -> Result<OidcClient, SsoError> {
    let bad = |what: &str, e: oauth2::url::ParseError| SsoError::ProviderUnavailable(format!("invalid {what}: {e}"));
    let mut client = Client::new(ClientId::new(provider.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(discovery.authorization_endpoint.clone()).map_err(|e| bad("authorization_endpoint", e))?,
        )
        .set_token_uri(TokenUrl::new(discovery.token_endpoint.clone()).map_err(|e| bad("token_endpoint", e))?)
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri(base_url, &provider.slug)).map_err(|e| bad("redirect URI", e))?,
        );
    if !provider.client_secret.is_empty() {
        client = client.set_client_secret(ClientSecret::new(provider.client_secret.clone()));
    }
    let methods = discovery.token_endpoint_auth_methods_supported.as_deref().unwrap_or_default();
    let post_only = !methods.is_empty()
        && !methods.iter().any(|m| m == "client_secret_basic")
        && methods.iter().any(|m| m == "client_secret_post");
    Ok(if post_only { client.set_auth_type(AuthType::RequestBody) } else { client })
}

async fn provider_by_slug(db: &impl Db, slug: &str) -> Result<sso_provider::Model, SsoError> {
    sso_provider::Entity::find()
        .filter(sso_provider::Column::Slug.eq(slug))
        .one(db)
        .await
        .map_err(DomainError::from)?
        .ok_or(SsoError::UnknownProvider)
}

/// Only local paths are followed after signing in (no open redirect); anything else
/// becomes `/portal`.
fn local_path(next: Option<&str>) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    })
    .unwrap_or("/portal")
    .to_owned()
}

/// Starts a sign-in with provider `slug`; `next` is where to go afterwards.
pub async fn start(db: &impl Db, slug: &str, next: Option<&str>, base_url: &str) -> Result<Started, SsoError> {
    let provider = provider_by_slug(db, slug).await?;
    if !provider.enabled {
        return Err(SsoError::Disabled);
    }
    let discovery = discovery::fetch(&provider.issuer).await.map_err(SsoError::ProviderUnavailable)?;
    let client = client(&provider, &discovery, base_url)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = random_token();
    let state = random_token();
    let scopes = provider.scopes.split_whitespace().map(|s| Scope::new(s.to_owned()));
    let (url, _) = client
        .authorize_url(|| CsrfToken::new(state.clone()))
        .add_scopes(scopes)
        .add_extra_param("nonce", nonce.clone())
        .set_pkce_challenge(challenge)
        .url();
    let now = Utc::now();
    sso_login::Entity::delete_many()
        .filter(sso_login::Column::ExpiresAt.lt(now))
        .exec(db)
        .await
        .map_err(DomainError::from)?;
    sso_login::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider_id: Set(provider.id),
        state_hash: Set(hash_token(&state)),
        nonce: Set(nonce),
        pkce_verifier: Set(verifier.secret().clone()),
        return_to: Set(local_path(next)),
        created_at: Set(now),
        expires_at: Set(now + LOGIN_LIFETIME),
    }
    .insert(db)
    .await
    .map_err(DomainError::from)?;
    Ok(Started { authorize_url: url.to_string(), state })
}

/// Finishes a sign-in at the callback: `cookie_state` is the state cookie of this
/// browser. On success the user (found by verified e-mail, or provisioned into the
/// provider's organization and role) has a new session.
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    db: &impl Db,
    policy: &SessionPolicy,
    slug: &str,
    callback: Callback,
    cookie_state: Option<&str>,
    base_url: &str,
    origin: &RequestOrigin,
    user_agent: Option<&str>,
) -> Result<Finished, SsoError> {
    let provider = provider_by_slug(db, slug).await?;
    let login = consume_login(db, &provider, callback.state.as_deref(), cookie_state).await?;
    if let Some(error) = callback.error {
        let description = callback.error_description.unwrap_or_default();
        return Err(SsoError::Denied(format!("{error} {description}").trim().to_owned()));
    }
    if !provider.enabled {
        return Err(SsoError::Disabled);
    }
    let code = callback.code.filter(|c| !c.is_empty()).ok_or_else(|| SsoError::TokenExchange("no code".into()))?;
    let discovery = discovery::fetch(&provider.issuer).await.map_err(SsoError::ProviderUnavailable)?;
    let client = client(&provider, &discovery, base_url)?;
    let send = |request| http::send(request);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(&send)
        .await
        .map_err(|e| match e {
            RequestTokenError::Request(e) => SsoError::ProviderUnavailable(e.to_string()),
            RequestTokenError::ServerResponse(answer) => SsoError::TokenExchange(answer.to_string()),
            RequestTokenError::Parse(e, _) => SsoError::TokenExchange(format!("unreadable token response: {e}")),
            RequestTokenError::Other(e) => SsoError::TokenExchange(e),
        })?;
    let raw = tokens.extra_fields().id_token.clone().ok_or_else(|| SsoError::InvalidIdToken {
        code: "id_token_invalid",
        detail: "the token response has no id_token".into(),
    })?;
    let keys = discovery::keys(&discovery).await.map_err(SsoError::ProviderUnavailable)?;
    let expected = Expected {
        issuer: &discovery.issuer,
        client_id: &provider.client_id,
        nonce: &login.nonce,
        algorithms: discovery.id_token_signing_alg_values_supported.as_deref(),
        now: Utc::now().timestamp(),
    };
    let identity =
        id_token::verify(&raw, &keys, &expected).map_err(|(code, detail)| SsoError::InvalidIdToken { code, detail })?;
    let user = user_for(db, &provider, &identity, origin).await?;
    let session = sessions::create(db, policy, &user, origin, user_agent).await?;
    Ok(Finished { session, return_to: login.return_to })
}

/// Finds the sign-in this callback belongs to and deletes it (usable once). The state
/// must be this browser's (the cookie) and the provider's.
async fn consume_login(
    db: &impl Db,
    provider: &sso_provider::Model,
    state: Option<&str>,
    cookie_state: Option<&str>,
) -> Result<sso_login::Model, SsoError> {
    let (Some(state), Some(cookie)) = (state, cookie_state) else { return Err(SsoError::StateMismatch) };
    if !constant_time_eq(state, cookie) {
        return Err(SsoError::StateMismatch);
    }
    let login = sso_login::Entity::find()
        .filter(sso_login::Column::StateHash.eq(hash_token(state)))
        .filter(sso_login::Column::ProviderId.eq(provider.id))
        .one(db)
        .await
        .map_err(DomainError::from)?
        .ok_or(SsoError::StateMismatch)?;
    let deleted = sso_login::Entity::delete_by_id(login.id).exec(db).await.map_err(DomainError::from)?;
    if deleted.rows_affected == 0 {
        return Err(SsoError::StateMismatch);
    }
    if login.expires_at <= Utc::now() {
        return Err(SsoError::LoginExpired);
    }
    Ok(login)
}

/// The Portico user for a verified identity: the account with this e-mail address, or
/// a new active one in the provider's organization and role.
async fn user_for(
    db: &impl Db,
    provider: &sso_provider::Model,
    identity: &Identity,
    origin: &RequestOrigin,
) -> Result<user::Model, SsoError> {
    let raw = identity.email.as_deref().ok_or(SsoError::EmailMissing)?;
    if identity.email_verified == Some(false) {
        return Err(SsoError::EmailNotVerified);
    }
    let email = validate::email("email", raw).map_err(|_| SsoError::EmailMissing)?;
    let domain = email.rsplit('@').next().unwrap_or_default();
    let allowed: Vec<&str> = provider.allowed_domains.split_whitespace().collect();
    if !allowed.is_empty() && !allowed.contains(&domain) {
        return Err(SsoError::DomainNotAllowed);
    }
    let user = match users::find_by_email(db, &email).await? {
        Some(user) => user,
        None => match provision(db, provider, identity, &email, origin).await {
            Err(DomainError::Conflict { .. }) => {
                users::find_by_email(db, &email).await?.ok_or(SsoError::Domain(DomainError::NotFound("user")))?
            }
            other => other?,
        },
    };
    sessions::ensure_usable(&user).map_err(|e| match e {
        DomainError::AccountUnusable { code, message } => SsoError::AccountUnusable { code, message },
        other => SsoError::Domain(other),
    })?;
    Ok(user)
}

/// Creates the account of a first sign-in: active (the provider verified the address),
/// without a password, a member of the provider's organization with its role.
async fn provision(
    db: &impl Db,
    provider: &sso_provider::Model,
    identity: &Identity,
    email: &str,
    origin: &RequestOrigin,
) -> Result<user::Model, DomainError> {
    let org = organization::Entity::find_by_id(provider.org_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("organization"))?;
    let name = identity
        .name
        .as_deref()
        .and_then(|n| validate::name("display_name", n).ok())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
    let role = Role::parse(&provider.role).unwrap_or(Role::Consumer);
    let txn = db.begin_write().await?;
    let user = users::insert(&txn, email, &name, None, UserStatus::Active, false).await?;
    members::insert(&txn, org.id, user.id, role).await?;
    let who = AuditActor { user_id: Some(user.id), label: format!("sso:{}", provider.slug), origin: origin.clone() };
    let change = Change {
        org_id: Some(org.id),
        action: "user.sso_provision",
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "email": email, "display_name": name, "provider": provider.slug, "subject": identity.subject,
            "org_id": org.id, "role": role.as_str(),
        })),
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/publisher?x=1")), "/publisher?x=1");
        assert_eq!(local_path(Some("//evil.example")), "/portal");
        assert_eq!(local_path(Some("https://evil.example")), "/portal");
        assert_eq!(local_path(Some("/\\evil.example")), "/portal");
        assert_eq!(local_path(Some("/\t/evil.example")), "/portal");
        assert_eq!(local_path(None), "/portal");
    }
}
