//! The server functions of `/admin/sso` (platform administrators; the domain checks).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errors::AppError;

/// A provider as the page shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoRow {
    pub id: Uuid,
    pub slug: String,
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub secret_set: bool,
    pub scopes: String,
    pub org_name: String,
    pub role: String,
    pub allowed_domains: String,
    pub enabled: bool,
    pub redirect_uri: String,
    pub version: i64,
}

#[cfg(feature = "ssr")]
impl From<domain::sso::SsoProviderView> for SsoRow {
    fn from(p: domain::sso::SsoProviderView) -> Self {
        Self {
            id: p.id,
            slug: p.slug,
            display_name: p.display_name,
            issuer: p.issuer,
            client_id: p.client_id,
            secret_set: p.client_secret_set,
            scopes: p.scopes.join(" "),
            org_name: p.org_name,
            role: p.role.as_str().to_owned(),
            allowed_domains: p.allowed_domains.join(" "),
            enabled: p.enabled,
            redirect_uri: p.redirect_uri,
            version: p.version,
        }
    }
}

/// Every provider.
#[server(prefix = "/ui/fn", endpoint = "admin_list_sso_providers", input = GetUrl)]
pub async fn list_sso_providers() -> Result<Vec<SsoRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let state = server::state()?;
    Ok(domain::sso::list(&state.db, &actor, &state.base_url).await?.into_iter().map(SsoRow::from).collect())
}

/// Registers a provider; `enabled` is a checkbox.
#[server(prefix = "/ui/fn", endpoint = "admin_create_sso_provider")]
#[allow(clippy::too_many_arguments)]
pub async fn create_sso_provider(
    csrf_token: String,
    slug: String,
    display_name: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    org_id: String,
    role: String,
    allowed_domains: String,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let org_id = org_id.parse::<Uuid>().map_err(|_| {
        AppError::from(domain::DomainError::field("org_id", "unknown_org", "Choose an existing organization."))
    })?;
    let input = domain::sso::NewSsoProvider {
        slug,
        display_name,
        issuer,
        client_id,
        client_secret: Some(client_secret),
        scopes: Some(scopes),
        org_id,
        role: Some(role_of("role", &role)?),
        allowed_domains: Some(allowed_domains),
        enabled: Some(enabled.is_some()),
    };
    domain::sso::create(&state.db, &actor, input, &state.base_url).await?;
    Ok(())
}

/// A role from a form field.
#[cfg(feature = "ssr")]
fn role_of(field: &str, raw: &str) -> Result<domain::Role, AppError> {
    Ok(domain::Role::parse_field(field, raw)?)
}

/// Saves an edited provider; an empty `client_secret` keeps the stored one.
#[server(prefix = "/ui/fn", endpoint = "admin_update_sso_provider")]
#[allow(clippy::too_many_arguments)]
pub async fn update_sso_provider(
    csrf_token: String,
    id: Uuid,
    version: i64,
    display_name: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    role: String,
    allowed_domains: String,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let input = domain::sso::SsoProviderUpdate {
        display_name: Some(display_name),
        issuer: Some(issuer),
        client_id: Some(client_id),
        client_secret: Some(client_secret),
        scopes: Some(scopes),
        role: Some(role_of("role", &role)?),
        allowed_domains: Some(allowed_domains),
        ..Default::default()
    };
    domain::sso::update(&state.db, &actor, id, input, Some(version), &state.base_url).await?;
    Ok(())
}

/// Switches a provider on or off.
#[server(prefix = "/ui/fn", endpoint = "admin_set_sso_enabled")]
pub async fn set_sso_enabled(csrf_token: String, id: Uuid, version: i64, enabled: bool) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let input = domain::sso::SsoProviderUpdate { enabled: Some(enabled), ..Default::default() };
    domain::sso::update(&state.db, &actor, id, input, Some(version), &state.base_url).await?;
    Ok(())
}

/// Deletes a provider.
#[server(prefix = "/ui/fn", endpoint = "admin_delete_sso_provider")]
pub async fn delete_sso_provider(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    domain::sso::delete(&state.db, &actor, id, &state.base_url).await?;
    Ok(())
}
