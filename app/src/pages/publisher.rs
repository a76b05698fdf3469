//! `/publisher`: the publisher console — the APIs of the organizations the user publishes
//! for, creating them (OpenAPI import or by hand), and one page per API with its
//! settings, runtime and traffic limits, lifecycle, deployments, subscribers and
//! analytics; and the alert rules on their traffic.

mod alerts;
mod api_analytics;
mod api_cache;
mod api_deployments;
mod api_detail;
mod api_lifecycle;
mod api_observability;
mod api_runtime;
mod api_scopes;
mod api_settings;
mod api_subscribers;
mod api_traffic;
mod home;
mod new_api;
mod runtime_form;
mod upload;

pub use alerts::AlertsPage;
pub use api_detail::ApiDetail;
pub use home::PublisherHome;
pub use new_api::NewApiPage;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An API as the publisher pages show it (the runtime definition has its own form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub context: String,
    pub version: String,
    pub description: String,
    pub tags: Vec<String>,
    /// `public`, `org` or `roles`.
    pub visibility: String,
    pub visible_roles: Vec<String>,
    /// Lifecycle state (`created`, `published`, …).
    pub state: String,
    /// States it may move to next.
    pub next_states: Vec<String>,
    pub is_default_version: bool,
    pub has_openapi: bool,
    pub operations: usize,
    /// Optimistic-concurrency version, sent back with changes.
    pub etag: i64,
    pub updated: String,
}

#[cfg(feature = "ssr")]
impl From<domain::apis::ApiView> for ApiRow {
    fn from(api: domain::apis::ApiView) -> Self {
        Self {
            id: api.id,
            org_id: api.org_id,
            name: api.name,
            context: api.context,
            version: api.version,
            description: api.description,
            tags: api.tags,
            visibility: api.visibility.as_str().to_owned(),
            visible_roles: api.visible_roles.iter().map(|r| r.as_str().to_owned()).collect(),
            state: api.state.as_str().to_owned(),
            next_states: api.state.next().iter().map(|s| s.as_str().to_owned()).collect(),
            is_default_version: api.is_default_version,
            has_openapi: api.has_openapi,
            operations: api.definition.operations.len(),
            etag: api.etag,
            updated: crate::pages::time(api.updated_at),
        }
    }
}
