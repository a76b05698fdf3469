//! `/admin`: platform analytics and gateway health, organizations, users and roles, invitations, the audit log, the mail
//! outbox, environments, gateways and throttling tiers, single sign-on, the OAuth2
//! provider and external key managers. Platform administrators manage everything; org
//! admins their own organizations (DESIGN.md §5). Everyone else gets the 403 page.

mod analytics;
mod area;
mod audit;
mod home;
mod org_detail;
mod orgs;
mod outbox;
mod users;

pub use analytics::AdminAnalyticsPage;
pub use area::AdminArea;
pub use audit::AuditPage;
pub use home::AdminHome;
pub use org_detail::OrgDetail;
pub use orgs::OrgsPage;
pub use outbox::OutboxPage;
pub use users::UsersPage;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// A query-string parameter of the current page (empty strings count as absent).
fn query_param(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get(name)).filter(|v| !v.trim().is_empty()))
}

/// The `page` query parameter.
fn page_param() -> Memo<u64> {
    let raw = query_param("page");
    Memo::new(move |_| raw.get().and_then(|p| p.parse().ok()).unwrap_or(1))
}

/// The current URL with `page` replaced.
fn page_href(base: &'static str, params: Vec<(&'static str, Option<String>)>) -> impl Fn(u64) -> String + 'static {
    move |page| {
        let mut query: Vec<String> = params
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", crate::components::guard::urlencode(v))))
            .collect();
        query.push(format!("page={page}"));
        format!("{base}?{}", query.join("&"))
    }
}

mod environments;
mod gateways;
pub use environments::EnvironmentsPage;
pub use gateways::GatewaysPage;
mod org_roles;
pub use org_roles::OrgRolesPage;
mod sso;
pub use sso::SsoPage;
mod key_managers;
pub use key_managers::KeyManagersPage;
mod oauth_provider;
pub use oauth_provider::OAuthProviderPage;
mod tiers;
pub use tiers::TiersPage;
