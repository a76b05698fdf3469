//! The server functions of `/admin/key-managers` (platform administrators; the domain
//! checks the permission and audits every change).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errors::AppError;

/// A key manager as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyManagerRow {
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
    pub discovery_url: String,
    pub client_claim: String,
    /// Space-separated.
    pub audiences: String,
    /// Space-separated (empty: RS256 and ES256).
    pub algorithms: String,
    /// The `kid`s of the keys gateways hold, space-separated.
    pub key_ids: String,
    /// When the JWKS was last read successfully (`never`).
    pub fetched: String,
    /// Why the last refresh failed (the last good keys are still in use).
    pub last_error: Option<String>,
    pub enabled: bool,
    pub version: i64,
}

#[cfg(feature = "ssr")]
impl From<domain::key_managers::KeyManagerView> for KeyManagerRow {
    fn from(k: domain::key_managers::KeyManagerView) -> Self {
        Self {
            id: k.id,
            name: k.name,
            issuer: k.issuer,
            discovery_url: k.discovery_url,
            client_claim: k.client_claim,
            audiences: k.audiences.join(" "),
            algorithms: k.algorithms.join(" "),
            key_ids: k.key_ids.join(" "),
            fetched: k.jwks_fetched_at.map_or_else(|| "never".to_owned(), crate::pages::time),
            last_error: k.last_error,
            enabled: k.enabled,
            version: k.etag,
        }
    }
}

/// Every key manager.
#[server(prefix = "/ui/fn", endpoint = "admin_list_key_managers", input = GetUrl)]
pub async fn list_key_managers() -> Result<Vec<KeyManagerRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    Ok(domain::key_managers::list(&db, &actor).await?.into_iter().map(KeyManagerRow::from).collect())
}

/// The form's fields as the domain's input (`enabled` is a checkbox).
#[cfg(feature = "ssr")]
fn input(
    name: String,
    discovery_url: String,
    client_claim: String,
    audiences: &str,
    algorithms: &str,
    enabled: bool,
) -> domain::key_managers::KeyManagerInput {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect();
    domain::key_managers::KeyManagerInput {
        name,
        discovery_url,
        client_claim,
        audiences: words(audiences),
        algorithms: words(algorithms),
        enabled,
    }
}

/// Registers a key manager (its discovery document and JWKS are read now).
#[server(prefix = "/ui/fn", endpoint = "admin_create_key_manager")]
pub async fn create_key_manager(
    csrf_token: String,
    name: String,
    discovery_url: String,
    client_claim: String,
    audiences: String,
    algorithms: String,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let input = input(name, discovery_url, client_claim, &audiences, &algorithms, enabled.is_some());
    domain::key_managers::create(&db, &actor, &domain::key_managers::fetch_policy(), input).await?;
    Ok(())
}

/// Saves an edited key manager (`version` guards against concurrent edits).
#[server(prefix = "/ui/fn", endpoint = "admin_update_key_manager")]
#[allow(clippy::too_many_arguments)]
pub async fn update_key_manager(
    csrf_token: String,
    id: Uuid,
    version: i64,
    name: String,
    discovery_url: String,
    client_claim: String,
    audiences: String,
    algorithms: String,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let input = input(name, discovery_url, client_claim, &audiences, &algorithms, enabled.is_some());
    domain::key_managers::update(&db, &actor, id, Some(version), input).await?;
    Ok(())
}

/// Switches a key manager on or off, keeping its other settings.
#[server(prefix = "/ui/fn", endpoint = "admin_set_key_manager_enabled")]
pub async fn set_key_manager_enabled(csrf_token: String, row: KeyManagerRow, enabled: bool) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let input = input(row.name, row.discovery_url, row.client_claim, &row.audiences, &row.algorithms, enabled);
    domain::key_managers::update(&db, &actor, row.id, Some(row.version), input).await?;
    Ok(())
}

/// Reads a key manager's JWKS again now; a failure is recorded on the row, not raised.
#[server(prefix = "/ui/fn", endpoint = "admin_refresh_key_manager")]
pub async fn refresh_key_manager(csrf_token: String, id: Uuid) -> Result<Option<String>, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let policy = domain::key_managers::fetch_policy();
    Ok(domain::key_managers::refresh(&db, &actor, &policy, id).await?.last_error)
}

/// Removes a key manager: gateways stop accepting its tokens.
#[server(prefix = "/ui/fn", endpoint = "admin_delete_key_manager")]
pub async fn delete_key_manager(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::key_managers::delete(&db, &actor, id).await?;
    Ok(())
}
