//! External key managers: OIDC issuers (Keycloak, Okta, Auth0, Azure AD, PingFederate,
//! WSO2 IS — anything with discovery) whose access tokens gateways accept. A platform
//! administrator registers one by its discovery URL; Portico reads the issuer and
//! `jwks_uri` from it, fetches the JWKS, and keeps it fresh ([`refresh_all`], run
//! periodically). Gateways get the keys in their snapshot and check tokens locally. A
//! refresh that fails keeps the last good keys working and records the error, which the
//! admin UI shows. Consumers map a key manager's client id to their application (see
//! [`map_client`]); the key manager's client claim (`azp`, `client_id`, `appid`, …)
//! names it in tokens.

use std::time::Duration;

use chrono::{DateTime, Utc};
use gateway::spec::{IssuerSpec, JwkSpec};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::applications::find_with_keys;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{key_manager, oauth_client};
use crate::oauth::clients::{ClientView, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL};
use crate::oauth::keys::bump_every_environment;
use crate::openapi::fetch::{FetchPolicy, fetch_spec};
use crate::{Actor, Db, DomainError, DomainResult, FieldError, environments, validate};

/// A key manager as the admin UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyManagerView {
    pub id: Uuid,
    pub name: String,
    /// The `iss` of its tokens (from discovery).
    pub issuer: String,
    pub discovery_url: String,
    pub jwks_uri: Option<String>,
    /// The claim naming the client in its tokens.
    pub client_claim: String,
    /// Audiences gateways accept (empty: not checked).
    pub audiences: Vec<String>,
    pub algorithms: Vec<String>,
    /// Key ids of the last good JWKS.
    pub key_ids: Vec<String>,
    pub jwks_fetched_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed (the last good keys still work).
    pub last_error: Option<String>,
    pub enabled: bool,
    /// Version for `If-Match`.
    pub etag: i64,
    pub created_at: DateTime<Utc>,
}

impl From<key_manager::Model> for KeyManagerView {
    fn from(m: key_manager::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            issuer: m.issuer,
            discovery_url: m.discovery_url,
            jwks_uri: m.jwks_uri,
            client_claim: m.client_claim,
            audiences: serde_json::from_value(m.audiences).unwrap_or_default(),
            algorithms: serde_json::from_value(m.algorithms).unwrap_or_default(),
            key_ids: keys_of(m.jwks.as_ref()).into_iter().filter_map(|k| k.kid).collect(),
            jwks_fetched_at: m.jwks_fetched_at,
            last_error: m.last_error,
            enabled: m.enabled,
            etag: m.version,
            created_at: m.created_at,
        }
    }
}

/// How key managers are fetched: small documents, a short timeout, and internal
/// addresses allowed (identity providers usually live on the internal network, and only
/// platform administrators register them).
pub fn fetch_policy() -> FetchPolicy {
    FetchPolicy {
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(10),
        max_redirects: 3,
        allow_private_addresses: true,
    }
}

/// Input to register or change a key manager.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct KeyManagerInput {
    /// Display name.
    pub name: String,
    /// The issuer URL or its discovery document's URL
    /// (`…/.well-known/openid-configuration` is added when missing).
    pub discovery_url: String,
    /// The claim naming the client (`client_id` when empty; `azp` for Keycloak and
    /// Auth0, `cid` for Okta, `appid` for Azure AD v1).
    #[serde(default)]
    pub client_claim: String,
    /// Audiences to require (empty: not checked).
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Algorithms to accept (empty: RS256 and ES256).
    #[serde(default)]
    pub algorithms: Vec<String>,
    /// Whether gateways accept its tokens.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// What fetching a key manager's discovery document and JWKS found.
struct Discovered {
    issuer: String,
    jwks_uri: String,
    jwks: Value,
}

/// Registers a key manager; its discovery document and JWKS must be readable now.
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    policy: &FetchPolicy,
    input: KeyManagerInput,
) -> DomainResult<KeyManagerView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let (name, discovery_url, claim, audiences, algorithms) = check(&input)?;
    let found = discover(&discovery_url, policy)
        .await
        .map_err(|m| DomainError::field("discovery_url", "discovery_failed", m))?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let row = key_manager::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        issuer: Set(found.issuer),
        discovery_url: Set(discovery_url),
        jwks_uri: Set(Some(found.jwks_uri)),
        client_claim: Set(claim),
        audiences: Set(serde_json::json!(audiences)),
        algorithms: Set(serde_json::json!(algorithms)),
        jwks: Set(Some(found.jwks)),
        jwks_fetched_at: Set(Some(now)),
        last_error: Set(None),
        enabled: Set(input.enabled),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "issuer_exists", "This issuer is registered already."))?;
    bump_every_environment(&txn).await?;
    let view = KeyManagerView::from(row);
    record(&txn, &actor.into(), "key_manager.create", &view, None).await?;
    txn.commit().await?;
    Ok(view)
}

/// Every key manager.
pub async fn list(db: &impl Db, actor: &Actor) -> DomainResult<Vec<KeyManagerView>> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let rows = key_manager::Entity::find().order_by_asc(key_manager::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(KeyManagerView::from).collect())
}

/// Changes a key manager's settings (not its issuer, which discovery gave).
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    etag: Option<i64>,
    input: KeyManagerInput,
) -> DomainResult<KeyManagerView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let (name, discovery_url, claim, audiences, algorithms) = check(&input)?;
    let txn = db.begin_write().await?;
    let row = key_manager::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("key manager"))?;
    if let Some(expected) = etag
        && expected != row.version
    {
        return Err(DomainError::VersionMismatch { expected, current: row.version });
    }
    let before = KeyManagerView::from(row.clone());
    let mut active: key_manager::ActiveModel = row.clone().into();
    active.name = Set(name);
    active.discovery_url = Set(discovery_url);
    active.client_claim = Set(claim);
    active.audiences = Set(serde_json::json!(audiences));
    active.algorithms = Set(serde_json::json!(algorithms));
    active.enabled = Set(input.enabled);
    active.version = Set(row.version + 1);
    active.updated_at = Set(Utc::now());
    let after = KeyManagerView::from(active.update(&txn).await?);
    bump_every_environment(&txn).await?;
    record(&txn, &actor.into(), "key_manager.update", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Removes a key manager; its tokens stop working and its client mappings go.
pub async fn delete(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let txn = db.begin_write().await?;
    let row = key_manager::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("key manager"))?;
    key_manager::Entity::delete_by_id(id).exec(&txn).await?;
    bump_every_environment(&txn).await?;
    let before = KeyManagerView::from(row);
    let change = Change {
        org_id: None,
        action: "key_manager.delete",
        target_type: "key_manager",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// Fetches one key manager's JWKS again now (the admin's "refresh" button).
pub async fn refresh(db: &impl Db, actor: &Actor, policy: &FetchPolicy, id: Uuid) -> DomainResult<KeyManagerView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let row = key_manager::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("key manager"))?;
    Ok(refresh_one(db, policy, row).await?.into())
}

/// Fetches every enabled key manager's JWKS; returns how many failed. A failure keeps
/// the last good keys and records the error; changed keys bump every environment.
pub async fn refresh_all(db: &impl Db, policy: &FetchPolicy) -> DomainResult<usize> {
    let rows = key_manager::Entity::find().filter(key_manager::Column::Enabled.eq(true)).all(db).await?;
    let mut failed = 0;
    for row in rows {
        if refresh_one(db, policy, row).await?.last_error.is_some() {
            failed += 1;
        }
    }
    Ok(failed)
}

async fn refresh_one(db: &impl Db, policy: &FetchPolicy, row: key_manager::Model) -> DomainResult<key_manager::Model> {
    let result = discover(&row.discovery_url, policy).await;
    let txn = db.begin_write().await?;
    let mut active: key_manager::ActiveModel = row.clone().into();
    match result {
        Ok(found) if found.issuer == row.issuer => {
            let changed = row.jwks.as_ref() != Some(&found.jwks);
            active.jwks = Set(Some(found.jwks));
            active.jwks_uri = Set(Some(found.jwks_uri));
            active.jwks_fetched_at = Set(Some(Utc::now()));
            active.last_error = Set(None);
            if changed {
                bump_every_environment(&txn).await?;
                let who = AuditActor::system("key-manager-refresh");
                let change = Change {
                    org_id: None,
                    action: "key_manager.keys_changed",
                    target_type: "key_manager",
                    target_id: Some(row.id.to_string()),
                    before: None,
                    after: None,
                };
                audit::record(&txn, &who, change).await?;
            }
        }
        Ok(found) => {
            let message = format!("discovery now names issuer {} instead of {}; keys kept", found.issuer, row.issuer);
            active.last_error = Set(Some(message));
        }
        Err(message) => {
            tracing::warn!(key_manager = %row.name, error = %message, "key manager refresh failed; last keys kept");
            active.last_error = Set(Some(message));
        }
    }
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Gateway issuers of every enabled key manager that has keys.
pub async fn trusted(db: &impl Db) -> DomainResult<Vec<IssuerSpec>> {
    let rows = key_manager::Entity::find().filter(key_manager::Column::Enabled.eq(true)).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|m| IssuerSpec {
            id: m.id.to_string(),
            audiences: serde_json::from_value(m.audiences.clone()).unwrap_or_default(),
            algorithms: serde_json::from_value(m.algorithms.clone()).unwrap_or_default(),
            leeway_seconds: 30,
            keys: keys_of(m.jwks.as_ref()),
            client_claim: m.client_claim,
            issuer: m.issuer,
        })
        .filter(|spec| !spec.keys.is_empty())
        .collect())
}

/// Maps a key manager's client to an application for one environment (consumers who
/// registered their application in their own identity provider).
pub async fn map_client(
    db: &impl Db,
    actor: &Actor,
    app_id: Uuid,
    key_manager_id: Uuid,
    environment: &str,
    client_id: &str,
) -> DomainResult<ClientView> {
    find_with_keys(db, actor, app_id).await?;
    let client_id = client_id.trim();
    if client_id.is_empty() || client_id.len() > 255 {
        return Err(DomainError::field("client_id", "invalid", "Give the client id your identity provider shows."));
    }
    let txn = db.begin_write().await?;
    let app = find_with_keys(&txn, actor, app_id).await?;
    let manager = key_manager::Entity::find_by_id(key_manager_id)
        .one(&txn)
        .await?
        .filter(|m| m.enabled)
        .ok_or_else(|| DomainError::field("key_manager_id", "unknown", "Choose a key manager."))?;
    let env = environments::by_name(&txn, environment)
        .await
        .map_err(|_| DomainError::field("environment", "unknown_environment", "Choose an existing environment."))?;
    let now = Utc::now();
    let row = oauth_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(app.org_id),
        application_id: Set(app.id),
        environment: Set(env.name.clone()),
        key_manager_id: Set(Some(manager.id)),
        client_id: Set(client_id.to_owned()),
        secret_hash: Set(None),
        secret_last_four: Set(None),
        confidential: Set(false),
        redirect_uris: Set(serde_json::json!([])),
        grant_types: Set(serde_json::json!([])),
        access_token_ttl: Set(DEFAULT_ACCESS_TTL),
        refresh_token_ttl: Set(DEFAULT_REFRESH_TTL),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        DomainError::conflict_on_unique(e, "client_mapped", "This client is mapped to an application already.")
    })?;
    environments::bump(&txn, [env.id]).await?;
    let view = ClientView::from(row);
    let change = Change {
        org_id: Some(app.org_id),
        action: "oauth_client.map_external",
        target_type: "oauth_client",
        target_id: Some(view.id.to_string()),
        before: None,
        after: audit::snapshot(&view),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(view)
}

/// The external clients mapped to an application, with their key manager's id.
pub async fn mapped_clients(db: &impl Db, actor: &Actor, app_id: Uuid) -> DomainResult<Vec<(Uuid, ClientView)>> {
    let app = find_with_keys(db, actor, app_id).await?;
    let rows = oauth_client::Entity::find()
        .filter(oauth_client::Column::ApplicationId.eq(app.id))
        .filter(oauth_client::Column::KeyManagerId.is_not_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.key_manager_id?, ClientView::from(r)))).collect())
}

/// The JWKS `keys` of a stored JWKS document.
fn keys_of(jwks: Option<&Value>) -> Vec<JwkSpec> {
    jwks.and_then(|j| j.get("keys")).and_then(|k| serde_json::from_value(k.clone()).ok()).unwrap_or_default()
}

type Checked = (String, String, String, Vec<String>, Vec<String>);

fn check(input: &KeyManagerInput) -> DomainResult<Checked> {
    let mut errors = Vec::new();
    let name = validate::name("name", &input.name).map_err(|e| errors.push(e)).unwrap_or_default();
    let mut discovery_url = input.discovery_url.trim().trim_end_matches('/').to_owned();
    if !discovery_url.ends_with("/.well-known/openid-configuration") {
        discovery_url.push_str("/.well-known/openid-configuration");
    }
    if !(discovery_url.starts_with("https://") || discovery_url.starts_with("http://")) {
        errors.push(FieldError::new("discovery_url", "invalid_url", "Give the issuer's http(s) URL."));
    }
    let claim = match input.client_claim.trim() {
        "" => "client_id".to_owned(),
        claim => claim.to_owned(),
    };
    let algorithms = if input.algorithms.is_empty() {
        crate::oauth::Provider::accepted_algorithms()
    } else {
        input.algorithms.clone()
    };
    if let Some(bad) = algorithms.iter().find(|a| gateway::jwt::Algorithm::parse(a).is_none()) {
        let message = format!("{bad} is not accepted (RS256/384/512, PS256/384/512, ES256, ES384, EdDSA).");
        errors.push(FieldError::new("algorithms", "unsupported_algorithm", message));
    }
    let audiences: Vec<String> =
        input.audiences.iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect();
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok((name, discovery_url, claim, audiences, algorithms))
}

/// Reads the discovery document and the JWKS it points to; the keys must be usable.
async fn discover(discovery_url: &str, policy: &FetchPolicy) -> Result<Discovered, String> {
    let body = fetch_spec(discovery_url, policy).await.map_err(|e| format!("discovery document: {e}"))?;
    let document: Value = serde_json::from_slice(&body).map_err(|_| "the discovery document is not JSON".to_owned())?;
    let text = |name: &str| document.get(name).and_then(Value::as_str).map(str::to_owned);
    let issuer = text("issuer").ok_or("the discovery document has no issuer")?;
    let jwks_uri = text("jwks_uri").ok_or("the discovery document has no jwks_uri")?;
    let body = fetch_spec(&jwks_uri, policy).await.map_err(|e| format!("JWKS: {e}"))?;
    let jwks: Value = serde_json::from_slice(&body).map_err(|_| "the JWKS is not JSON".to_owned())?;
    let keys = keys_of(Some(&jwks));
    let usable = keys.iter().filter(|k| gateway::jwt::VerifyingKey::from_jwk(k).is_ok_and(|k| k.is_some())).count();
    if usable == 0 {
        return Err("the JWKS has no usable signing key".into());
    }
    Ok(Discovered { issuer, jwks_uri, jwks })
}

async fn record(
    db: &impl Db,
    who: &AuditActor,
    action: &str,
    after: &KeyManagerView,
    before: Option<&KeyManagerView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: None,
        action,
        target_type: "key_manager",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, who, change).await
}

/// The enabled key managers as (id, name, issuer), for consumers mapping a client.
pub async fn choices(db: &impl Db) -> DomainResult<Vec<(Uuid, String, String)>> {
    let rows = key_manager::Entity::find()
        .filter(key_manager::Column::Enabled.eq(true))
        .order_by_asc(key_manager::Column::Name)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m.name, m.issuer)).collect())
}
