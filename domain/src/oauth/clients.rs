//! OAuth2 clients of applications: one per application and environment, like API keys,
//! so a sandbox token never works in production. A confidential client has a secret
//! (`pcs_…`, shown once, stored as SHA-256); a public one (a browser or mobile app) has
//! none and must use PKCE. Redirect URIs are matched exactly, character for character.
//! Grants are allowed per client. Token lifetimes are per client (so per application).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{OAuthError, OAuthErrorCode};
use crate::applications::find_with_keys;
use crate::audit::{self, Change};
use crate::entities::{application, oauth_client};
use crate::secrets::{constant_time_eq, hash_token, last_four, random_token};
use crate::{Actor, Db, DomainError, DomainResult, FieldError, environments};

/// Longest access-token lifetime a client may set.
pub const MAX_ACCESS_TOKEN_TTL: Duration = Duration::hours(24);
/// Longest refresh-token lifetime a client may set.
pub const MAX_REFRESH_TOKEN_TTL: Duration = Duration::days(90);
/// Access-token lifetime of a new client (seconds).
pub const DEFAULT_ACCESS_TTL: i32 = 3600;
/// Refresh-token lifetime of a new client (seconds).
pub const DEFAULT_REFRESH_TTL: i32 = 30 * 24 * 3600;

/// The grant types, by their wire names.
pub mod grant {
    /// RFC 6749 §4.4.
    pub const CLIENT_CREDENTIALS: &str = "client_credentials";
    /// RFC 6749 §4.1, with PKCE (RFC 7636).
    pub const AUTHORIZATION_CODE: &str = "authorization_code";
    /// RFC 6749 §6.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// RFC 7523 §2.1.
    pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /// RFC 6749 §4.3 (only while an administrator allows it).
    pub const PASSWORD: &str = "password";
    /// Every grant, in the order forms list them.
    pub const ALL: [&str; 5] = [CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN, JWT_BEARER, PASSWORD];
}

/// A client as lists show it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClientView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub environment: String,
    pub client_id: String,
    /// Has a secret (false: a public client, PKCE required).
    pub confidential: bool,
    /// Last four characters of the secret.
    pub secret_last_four: Option<String>,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    /// Access-token lifetime, seconds.
    pub access_token_ttl: i32,
    /// Refresh-token lifetime, seconds.
    pub refresh_token_ttl: i32,
    /// Version for `If-Match`.
    pub etag: i64,
    pub created_at: DateTime<Utc>,
}

impl From<oauth_client::Model> for ClientView {
    fn from(m: oauth_client::Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            environment: m.environment,
            client_id: m.client_id,
            confidential: m.confidential,
            secret_last_four: m.secret_last_four,
            redirect_uris: serde_json::from_value(m.redirect_uris).unwrap_or_default(),
            grant_types: serde_json::from_value(m.grant_types).unwrap_or_default(),
            access_token_ttl: m.access_token_ttl,
            refresh_token_ttl: m.refresh_token_ttl,
            etag: m.version,
            created_at: m.created_at,
        }
    }
}

/// A client just created or given a new secret: `client_secret` is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedClient {
    pub client: ClientView,
    /// The secret (confidential clients).
    pub client_secret: Option<String>,
}

/// The settings of a client (create and update).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ClientSettings {
    /// Allowed grants (wire names); default `client_credentials` for confidential clients,
    /// `authorization_code` + `refresh_token` for public ones.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// Redirect URIs (needed for `authorization_code`), matched exactly.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    /// Access-token lifetime in seconds (60 – 86,400).
    #[serde(default)]
    pub access_token_ttl: Option<i32>,
    /// Refresh-token lifetime in seconds (300 – 7,776,000).
    #[serde(default)]
    pub refresh_token_ttl: Option<i32>,
}

/// Input to create a client.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewClient {
    /// The environment its tokens work in.
    pub environment: String,
    /// With a secret (server-side apps) or public (browser and mobile apps).
    #[serde(default = "yes")]
    pub confidential: bool,
    /// Its settings.
    #[serde(flatten)]
    pub settings: ClientSettings,
}

fn yes() -> bool {
    true
}

/// Creates the application's client for an environment.
pub async fn create(db: &impl Db, actor: &Actor, app_id: Uuid, input: NewClient) -> DomainResult<CreatedClient> {
    let txn = db.begin_write().await?;
    let app = find_with_keys(&txn, actor, app_id).await?;
    let env = environments::by_name(&txn, &input.environment)
        .await
        .map_err(|_| DomainError::field("environment", "unknown_environment", "Choose an existing environment."))?;
    let existing = oauth_client::Entity::find()
        .filter(oauth_client::Column::ApplicationId.eq(app.id))
        .filter(oauth_client::Column::Environment.eq(&env.name))
        .filter(oauth_client::Column::KeyManagerId.is_null())
        .one(&txn)
        .await?;
    if existing.is_some() {
        let message = format!("This application already has a client for {}.", env.name);
        return Err(DomainError::Conflict { code: "client_exists", message });
    }
    let defaults = if input.confidential {
        vec![grant::CLIENT_CREDENTIALS.to_owned()]
    } else {
        vec![grant::AUTHORIZATION_CODE.to_owned(), grant::REFRESH_TOKEN.to_owned()]
    };
    let checked =
        check(&input.settings, input.confidential, defaults, Vec::new(), DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL)?;
    let secret = input.confidential.then(|| format!("pcs_{}", random_token()));
    let now = Utc::now();
    let row = oauth_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(app.org_id),
        application_id: Set(app.id),
        environment: Set(env.name.clone()),
        key_manager_id: Set(None),
        client_id: Set(format!("pc_{}", &random_token()[..24])),
        secret_hash: Set(secret.as_deref().map(hash_token)),
        secret_last_four: Set(secret.as_deref().map(last_four)),
        confidential: Set(input.confidential),
        redirect_uris: Set(serde_json::json!(checked.redirect_uris)),
        grant_types: Set(serde_json::json!(checked.grant_types)),
        access_token_ttl: Set(checked.access_token_ttl),
        refresh_token_ttl: Set(checked.refresh_token_ttl),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    environments::bump(&txn, [env.id]).await?;
    let view = ClientView::from(row);
    record(&txn, actor, &app, "oauth_client.create", &view, None).await?;
    txn.commit().await?;
    Ok(CreatedClient { client: view, client_secret: secret })
}

/// The application's clients.
pub async fn list(db: &impl Db, actor: &Actor, app_id: Uuid) -> DomainResult<Vec<ClientView>> {
    let app = find_with_keys(db, actor, app_id).await?;
    let rows = oauth_client::Entity::find()
        .filter(oauth_client::Column::ApplicationId.eq(app.id))
        .filter(oauth_client::Column::KeyManagerId.is_null())
        .order_by_asc(oauth_client::Column::Environment)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(ClientView::from).collect())
}

/// Changes a client's grants, redirect URIs or lifetimes.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    etag: Option<i64>,
    settings: ClientSettings,
) -> DomainResult<ClientView> {
    let txn = db.begin_write().await?;
    let (row, app) = find(&txn, actor, id).await?;
    if row.key_manager_id.is_some() {
        return Err(DomainError::Conflict {
            code: "external_client",
            message: "An external client has no settings here.".into(),
        });
    }
    if let Some(expected) = etag
        && expected != row.version
    {
        return Err(DomainError::VersionMismatch { expected, current: row.version });
    }
    let before = ClientView::from(row.clone());
    let checked = check(
        &settings,
        row.confidential,
        before.grant_types.clone(),
        before.redirect_uris.clone(),
        row.access_token_ttl,
        row.refresh_token_ttl,
    )?;
    let mut active: oauth_client::ActiveModel = row.clone().into();
    active.redirect_uris = Set(serde_json::json!(checked.redirect_uris));
    active.grant_types = Set(serde_json::json!(checked.grant_types));
    active.access_token_ttl = Set(checked.access_token_ttl);
    active.refresh_token_ttl = Set(checked.refresh_token_ttl);
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = ClientView::from(active.update(&txn).await?);
    record(&txn, actor, &app, "oauth_client.update", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Gives a confidential client a new secret; the old one stops working at once.
pub async fn regenerate_secret(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<CreatedClient> {
    let txn = db.begin_write().await?;
    let (row, app) = find(&txn, actor, id).await?;
    if !row.confidential {
        return Err(DomainError::Conflict { code: "public_client", message: "A public client has no secret.".into() });
    }
    let secret = format!("pcs_{}", random_token());
    let mut active: oauth_client::ActiveModel = row.clone().into();
    active.secret_hash = Set(Some(hash_token(&secret)));
    active.secret_last_four = Set(Some(last_four(&secret)));
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = ClientView::from(active.update(&txn).await?);
    record(&txn, actor, &app, "oauth_client.regenerate_secret", &after, Some(&row.into())).await?;
    txn.commit().await?;
    Ok(CreatedClient { client: after, client_secret: Some(secret) })
}

/// Deletes a client (or an external client's mapping): its tokens stop working at every
/// gateway.
pub async fn delete(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    let txn = db.begin_write().await?;
    let (row, app) = find(&txn, actor, id).await?;
    let env = environments::by_name(&txn, &row.environment).await?;
    oauth_client::Entity::delete_by_id(row.id).exec(&txn).await?;
    environments::bump(&txn, [env.id]).await?;
    let before = ClientView::from(row);
    let change = Change {
        org_id: Some(app.org_id),
        action: "oauth_client.delete",
        target_type: "oauth_client",
        target_id: Some(before.id.to_string()),
        before: audit::snapshot(&before),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// Authenticates a client of Portico's own issuer. A confidential client must present
/// its secret; a public one none. The comparison takes the same time whether the client
/// exists, has a secret, or the secret differs where it first differs.
pub async fn authenticate(
    db: &impl Db,
    client_id: &str,
    secret: Option<&str>,
) -> Result<oauth_client::Model, OAuthError> {
    const DECOY: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    let row = find_by_client_id(db, client_id).await?;
    let presented = hash_token(secret.unwrap_or_default());
    let stored = row.as_ref().and_then(|r| r.secret_hash.clone());
    let secret_ok = constant_time_eq(&presented, stored.as_deref().unwrap_or(DECOY));
    match row {
        Some(row) if row.confidential && secret.is_some() && secret_ok => Ok(row),
        Some(row) if !row.confidential && secret.is_none() => Ok(row),
        _ => Err(OAuthError::client()),
    }
}

/// A client of Portico's own issuer by its `client_id`.
pub async fn find_by_client_id(db: &impl Db, client_id: &str) -> DomainResult<Option<oauth_client::Model>> {
    Ok(oauth_client::Entity::find()
        .filter(oauth_client::Column::ClientId.eq(client_id))
        .filter(oauth_client::Column::KeyManagerId.is_null())
        .one(db)
        .await?)
}

/// Whether the client may use `grant_type` (else `unauthorized_client`).
pub fn allow_grant(client: &oauth_client::Model, grant_type: &str) -> Result<(), OAuthError> {
    let grants: Vec<String> = serde_json::from_value(client.grant_types.clone()).unwrap_or_default();
    if grants.iter().any(|g| g == grant_type) {
        Ok(())
    } else {
        Err(OAuthError::new(OAuthErrorCode::UnauthorizedClient, format!("This client may not use {grant_type}.")))
    }
}

/// Whether `uri` is one of the client's redirect URIs, exactly.
pub fn has_redirect_uri(client: &oauth_client::Model, uri: &str) -> bool {
    let uris: Vec<String> = serde_json::from_value(client.redirect_uris.clone()).unwrap_or_default();
    uris.iter().any(|registered| registered == uri)
}

struct Checked {
    grant_types: Vec<String>,
    redirect_uris: Vec<String>,
    access_token_ttl: i32,
    refresh_token_ttl: i32,
}

fn check(
    settings: &ClientSettings,
    confidential: bool,
    grants: Vec<String>,
    uris: Vec<String>,
    access: i32,
    refresh: i32,
) -> DomainResult<Checked> {
    let mut errors = Vec::new();
    let mut grant_types = settings.grant_types.clone().unwrap_or(grants);
    grant_types.sort_by_key(|g| grant::ALL.iter().position(|known| known == g));
    grant_types.dedup();
    for g in &grant_types {
        if !grant::ALL.contains(&g.as_str()) {
            errors.push(FieldError::new("grant_types", "unknown_grant", format!("`{g}` is not a grant type.")));
        } else if !confidential && [grant::CLIENT_CREDENTIALS, grant::JWT_BEARER, grant::PASSWORD].contains(&g.as_str())
        {
            let message = format!("A public client cannot use {g}: it has no secret.");
            errors.push(FieldError::new("grant_types", "needs_secret", message));
        }
    }
    if grant_types.is_empty() {
        errors.push(FieldError::new("grant_types", "required", "Allow at least one grant."));
    }
    let redirect_uris: Vec<String> =
        settings.redirect_uris.clone().unwrap_or(uris).into_iter().map(|u| u.trim().to_owned()).collect();
    for uri in &redirect_uris {
        if let Err(message) = check_redirect_uri(uri) {
            errors.push(FieldError::new("redirect_uris", "invalid_redirect_uri", format!("{uri}: {message}")));
        }
    }
    if redirect_uris.len() > 10 {
        errors.push(FieldError::new("redirect_uris", "too_many", "Register at most 10 redirect URIs."));
    }
    if grant_types.iter().any(|g| g == grant::AUTHORIZATION_CODE) && redirect_uris.is_empty() {
        let message = "The authorization code grant needs at least one redirect URI.";
        errors.push(FieldError::new("redirect_uris", "required", message));
    }
    let access_token_ttl = settings.access_token_ttl.unwrap_or(access);
    if !(60..=MAX_ACCESS_TOKEN_TTL.num_seconds() as i32).contains(&access_token_ttl) {
        errors.push(FieldError::new("access_token_ttl", "out_of_range", "Between 60 and 86,400 seconds."));
    }
    let refresh_token_ttl = settings.refresh_token_ttl.unwrap_or(refresh);
    if !(300..=MAX_REFRESH_TOKEN_TTL.num_seconds() as i32).contains(&refresh_token_ttl) {
        errors.push(FieldError::new("refresh_token_ttl", "out_of_range", "Between 300 and 7,776,000 seconds."));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Checked { grant_types, redirect_uris, access_token_ttl, refresh_token_ttl })
}

/// RFC 6749 §3.1.2 and RFC 8252: absolute, no fragment; `https`, `http` only to a
/// loopback host, or a private-use scheme (`com.example.app:/callback`).
fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let parsed = url::Url::parse(uri).map_err(|_| "not an absolute URI")?;
    if parsed.fragment().is_some() {
        return Err("a redirect URI cannot have a fragment");
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) => Ok(()),
        "http" => Err("plain http is only allowed to localhost"),
        "javascript" | "data" | "file" | "vbscript" => Err("this scheme is not allowed"),
        scheme if scheme.contains('.') => Ok(()),
        _ => Err("use https, http to localhost, or a reverse-domain scheme (com.example.app)"),
    }
}

async fn find(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<(oauth_client::Model, application::Model)> {
    let row = oauth_client::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("client"))?;
    let app = find_with_keys(db, actor, row.application_id).await.map_err(|_| DomainError::NotFound("client"))?;
    Ok((row, app))
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    app: &application::Model,
    action: &str,
    after: &ClientView,
    before: Option<&ClientView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(app.org_id),
        action,
        target_type: "oauth_client",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, &actor.into(), change).await
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_must_be_safe_and_absolute() {
        for good in ["https://app.example/cb", "http://localhost:8080/cb", "http://127.0.0.1/cb", "com.example.app:/cb"]
        {
            assert!(check_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in ["/cb", "https://app.example/cb#x", "http://app.example/cb", "javascript:alert(1)", "myapp:/cb"] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
