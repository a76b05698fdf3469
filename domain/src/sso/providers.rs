//! Registering single sign-on providers (platform administrators only): create, list,
//! read, update (conditional on the version, like every edit) and delete. The client
//! secret is write-only: views only say whether one is set, and an update without one
//! keeps it. The sign-in page lists the enabled providers ([`buttons`]).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::{organization, sso_provider};
use crate::{Actor, Db, DomainError, DomainResult, FieldError, Role, validate};

/// Scopes asked for when none are given.
const DEFAULT_SCOPES: &str = "openid email profile";

/// A provider as the admin UI and API show it (never its client secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SsoProviderView {
    pub id: Uuid,
    /// URL name: sign-in starts at `/auth/sso/{slug}/start`.
    pub slug: String,
    /// Shown on the button: "Sign in with {display_name}".
    pub display_name: String,
    /// Issuer URL; discovery at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is stored (it is never shown).
    pub client_secret_set: bool,
    /// Scopes asked for (`openid` always).
    pub scopes: Vec<String>,
    /// Organization new users are provisioned into.
    pub org_id: Uuid,
    pub org_name: String,
    /// Their role there.
    pub role: Role,
    /// E-mail domains allowed to sign in with this provider (empty: any).
    pub allowed_domains: Vec<String>,
    pub enabled: bool,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    /// Current version; send it back in `If-Match` to update.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Input to register a provider.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSsoProvider {
    /// 2–40 lower-case letters, digits and dashes; part of the redirect URI.
    pub slug: String,
    pub display_name: String,
    /// `https://…` (plain `http` only for localhost).
    pub issuer: String,
    pub client_id: String,
    /// Empty or absent for a public client (PKCE only).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Space-separated; default `openid email profile`.
    #[serde(default)]
    pub scopes: Option<String>,
    /// Organization new users join.
    pub org_id: Uuid,
    /// Their role there (default `consumer`).
    #[serde(default)]
    pub role: Option<Role>,
    /// Space- or comma-separated e-mail domains allowed (empty: any).
    #[serde(default)]
    pub allowed_domains: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A partial update; absent fields stay. An absent or empty `client_secret` keeps the
/// stored one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SsoProviderUpdate {
    pub display_name: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Removes the stored secret (the provider becomes a public client).
    #[serde(default)]
    pub clear_client_secret: bool,
    pub scopes: Option<String>,
    pub org_id: Option<Uuid>,
    pub role: Option<Role>,
    pub allowed_domains: Option<String>,
    pub enabled: Option<bool>,
}

/// An enabled provider as the sign-in page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SsoButton {
    pub slug: String,
    pub display_name: String,
    /// Where the button leads: `/auth/sso/{slug}/start`.
    pub start_path: String,
}

/// The redirect URI of a provider: `{base_url}/auth/sso/{slug}/callback`.
pub fn redirect_uri(base_url: &str, slug: &str) -> String {
    format!("{}/auth/sso/{slug}/callback", base_url.trim_end_matches('/'))
}

fn words(list: &str) -> Vec<String> {
    list.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

async fn view(db: &impl Db, row: sso_provider::Model, base_url: &str) -> DomainResult<SsoProviderView> {
    let org_name = organization::Entity::find_by_id(row.org_id).one(db).await?.map(|o| o.name).unwrap_or_default();
    Ok(SsoProviderView {
        redirect_uri: redirect_uri(base_url, &row.slug),
        id: row.id,
        slug: row.slug,
        display_name: row.display_name,
        issuer: row.issuer,
        client_id: row.client_id,
        client_secret_set: !row.client_secret.is_empty(),
        scopes: words(&row.scopes),
        org_id: row.org_id,
        org_name,
        role: Role::parse(&row.role).unwrap_or(Role::Consumer),
        allowed_domains: words(&row.allowed_domains),
        enabled: row.enabled,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Every provider, by display name.
pub async fn list(db: &impl Db, actor: &Actor, base_url: &str) -> DomainResult<Vec<SsoProviderView>> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let rows = sso_provider::Entity::find().order_by_asc(sso_provider::Column::DisplayName).all(db).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view(db, row, base_url).await?);
    }
    Ok(views)
}

/// One provider.
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid, base_url: &str) -> DomainResult<SsoProviderView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    view(db, find(db, id).await?, base_url).await
}

async fn find(db: &impl Db, id: Uuid) -> DomainResult<sso_provider::Model> {
    sso_provider::Entity::find_by_id(id).one(db).await?.ok_or(DomainError::NotFound("sso provider"))
}

/// The enabled providers, for the sign-in page (anyone may see them).
pub async fn buttons(db: &impl Db) -> DomainResult<Vec<SsoButton>> {
    Ok(sso_provider::Entity::find()
        .filter(sso_provider::Column::Enabled.eq(true))
        .order_by_asc(sso_provider::Column::DisplayName)
        .all(db)
        .await?
        .into_iter()
        .map(|p| SsoButton {
            start_path: format!("/auth/sso/{}/start", p.slug),
            slug: p.slug,
            display_name: p.display_name,
        })
        .collect())
}

/// Checks an issuer URL: absolute, `https` (plain `http` for localhost only), no query
/// or fragment; returned without a trailing slash.
fn issuer(raw: &str) -> Result<String, FieldError> {
    let bad = |message: &str| FieldError::new("issuer", "invalid_issuer", message);
    let url = oauth2::url::Url::parse(raw.trim())
        .map_err(|_| bad("Enter the issuer's URL, like https://login.example.com/realms/main."))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err(bad("The issuer must use https (plain http only for localhost).")),
    }
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("The issuer URL has no query, fragment or credentials."));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn client_id(raw: &str) -> Result<String, FieldError> {
    let id = raw.trim();
    if id.is_empty() || id.len() > 255 || id.chars().any(char::is_control) {
        return Err(FieldError::new("client_id", "invalid_client_id", "Enter the client id the provider gave you."));
    }
    Ok(id.to_owned())
}

fn client_secret(raw: Option<&str>) -> Result<String, FieldError> {
    let secret = raw.unwrap_or_default().trim();
    if secret.len() > 2048 || secret.chars().any(char::is_control) {
        return Err(FieldError::new("client_secret", "invalid_client_secret", "The client secret is not valid."));
    }
    Ok(secret.to_owned())
}

fn scopes(raw: Option<&str>) -> Result<String, FieldError> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(DEFAULT_SCOPES);
    let mut list = words(raw);
    if list.iter().any(|s| s.len() > 100 || !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')) {
        return Err(FieldError::new("scopes", "invalid_scopes", "Scopes are words of visible characters."));
    }
    if !list.iter().any(|s| s == "openid") {
        list.insert(0, "openid".into());
    }
    list.dedup();
    Ok(list.join(" "))
}

fn domains(raw: Option<&str>) -> Result<String, FieldError> {
    let list: Vec<String> = words(&raw.unwrap_or_default().to_lowercase())
        .into_iter()
        .map(|d| d.trim_start_matches('@').to_owned())
        .collect();
    let valid = |d: &String| {
        d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    if let Some(bad) = list.iter().find(|d| !valid(d)) {
        return Err(FieldError::new("allowed_domains", "invalid_domain", format!("`{bad}` is not a domain name.")));
    }
    Ok(list.join(" "))
}

async fn known_org(db: &impl Db, id: Uuid) -> DomainResult<Result<(), FieldError>> {
    Ok(match organization::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(FieldError::new("org_id", "unknown_org", "Choose an existing organization.")),
    })
}

/// Registers a provider.
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    input: NewSsoProvider,
    base_url: &str,
) -> DomainResult<SsoProviderView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let checks = (
        validate::slug("slug", &input.slug),
        validate::name("display_name", &input.display_name),
        issuer(&input.issuer),
        client_id(&input.client_id),
        client_secret(input.client_secret.as_deref()),
        scopes(input.scopes.as_deref()),
        domains(input.allowed_domains.as_deref()),
        known_org(db, input.org_id).await?,
    );
    let (slug, display_name, issuer, client_id, secret, scopes, domains) = match checks {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f), Ok(g), Ok(())) => (a, b, c, d, e, f, g),
        (a, b, c, d, e, f, g, h) => {
            return Err(validate::errors([a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]));
        }
    };
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let row = sso_provider::ActiveModel {
        id: Set(Uuid::now_v7()),
        slug: Set(slug),
        display_name: Set(display_name),
        issuer: Set(issuer),
        client_id: Set(client_id),
        client_secret: Set(secret),
        scopes: Set(scopes),
        org_id: Set(input.org_id),
        role: Set(input.role.unwrap_or(Role::Consumer).as_str().to_owned()),
        allowed_domains: Set(domains),
        enabled: Set(input.enabled.unwrap_or(true)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| DomainError::conflict_on_unique(e, "slug_taken", "Another provider already uses this name."))?;
    let created = view(&txn, row, base_url).await?;
    let change = Change {
        org_id: None,
        action: "sso_provider.create",
        target_type: "sso_provider",
        target_id: Some(created.id.to_string()),
        before: None,
        after: audit::snapshot(&created),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(created)
}

/// Updates a provider; with `if_match`, only that version.
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    input: SsoProviderUpdate,
    if_match: Option<i64>,
    base_url: &str,
) -> DomainResult<SsoProviderView> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let current = find(db, id).await?;
    let expected = if_match.unwrap_or(current.version);
    if expected != current.version {
        return Err(DomainError::VersionMismatch { expected, current: current.version });
    }
    let mut errors = Vec::new();
    let mut keep = |result: Result<String, FieldError>| result.map_err(|e| errors.push(e)).ok();
    let display_name = input.display_name.as_deref().and_then(|n| keep(validate::name("display_name", n)));
    let issuer_url = input.issuer.as_deref().and_then(|i| keep(issuer(i)));
    let client = input.client_id.as_deref().and_then(|c| keep(client_id(c)));
    let secret =
        input.client_secret.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| keep(client_secret(Some(s))));
    let scope_list = input.scopes.as_deref().and_then(|s| keep(scopes(Some(s))));
    let domain_list = input.allowed_domains.as_deref().and_then(|d| keep(domains(Some(d))));
    if let Some(org) = input.org_id
        && let Err(e) = known_org(db, org).await?
    {
        errors.push(e);
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let txn = db.begin_write().await?;
    let before = view(&txn, current.clone(), base_url).await?;
    let mut active: sso_provider::ActiveModel = current.into();
    if let Some(v) = display_name {
        active.display_name = Set(v);
    }
    if let Some(v) = issuer_url {
        active.issuer = Set(v);
    }
    if let Some(v) = client {
        active.client_id = Set(v);
    }
    if let Some(v) = secret {
        active.client_secret = Set(v);
    } else if input.clear_client_secret {
        active.client_secret = Set(String::new());
    }
    if let Some(v) = scope_list {
        active.scopes = Set(v);
    }
    if let Some(v) = domain_list {
        active.allowed_domains = Set(v);
    }
    if let Some(v) = input.org_id {
        active.org_id = Set(v);
    }
    if let Some(v) = input.role {
        active.role = Set(v.as_str().to_owned());
    }
    if let Some(v) = input.enabled {
        active.enabled = Set(v);
    }
    active.version = Set(expected + 1);
    active.updated_at = Set(Utc::now());
    let result = sso_provider::Entity::update_many()
        .set(active)
        .filter(sso_provider::Column::Id.eq(id))
        .filter(sso_provider::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(DomainError::VersionMismatch { expected, current: expected + 1 });
    }
    let after = view(&txn, find(&txn, id).await?, base_url).await?;
    let change = Change {
        org_id: None,
        action: "sso_provider.update",
        target_type: "sso_provider",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes a provider (sign-ins in progress with it end; accounts it created stay).
pub async fn delete(db: &impl Db, actor: &Actor, id: Uuid, base_url: &str) -> DomainResult<()> {
    actor.require_platform(crate::Permission::IdentityManage)?;
    let current = find(db, id).await?;
    let txn = db.begin_write().await?;
    let before = view(&txn, current, base_url).await?;
    sso_provider::Entity::delete_by_id(id).exec(&txn).await?;
    let change = Change {
        org_id: None,
        action: "sso_provider.delete",
        target_type: "sso_provider",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}
