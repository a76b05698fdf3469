//! The management REST API under `/api`: accounts (`/api/auth`), the caller's own
//! account and tokens (`/api/me`) and administration (`/api/admin/v1`). Every route is
//! registered together with its OpenAPI description, so `/api/openapi.json` is generated
//! from the code and cannot drift from the router (a test compares them).

pub mod access;
mod admin_analytics;
mod admin_audit;
mod admin_gateways;
mod admin_identity;
mod admin_orgs;
mod admin_roles;
mod admin_sso;
mod admin_tiers;
mod admin_users;
mod alerts;
mod analytics;
mod auth;
mod gateway_stream;
mod me;
pub mod params;
mod portal;
mod portal_identity;
mod publisher;
mod publisher_runtime;

use app::state::AppState;
use axum::Json;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Path prefix of the remote gateways' stream (authenticated by gateway tokens, not by
/// sessions or personal access tokens).
pub const GATEWAY_STREAM: &str = "/api/gateway/";

/// The document's fixed parts; paths come from the registered routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Portico management API", description = "Accounts, personal access tokens and administration of Portico. \
        Authenticate with the session cookie (state changes then need the `X-CSRF-Token` header) or with \
        `Authorization: Bearer <personal access token>`. Errors are RFC 9457 problem documents with a stable `code`."),
    tags(
        (name = "auth", description = "Sign-up, e-mail verification, sign-in and invitations"),
        (name = "me", description = "The caller's own account and personal access tokens"),
        (name = "publisher", description = "APIs: import, lifecycle, versions, revisions, deployments and subscribers (publishers of the API's organization)"),
        (name = "portal", description = "The catalog, applications, subscriptions and API keys"),
        (name = "gateway", description = "The config stream of remote gateways"),
        (name = "admin", description = "Organizations, users, members, custom roles and the audit log (platform admins: all; org admins: their orgs). \
            Each operation's `x-portico-permission` names the permission it needs (see `GET /api/admin/v1/permissions`)"),
        (name = "oauth2", description = "Portico as OAuth 2.0 authorization server and OpenID provider (RFC 6749, 7009, 7523, 7636, 7662, 8414; OpenID Connect)"),
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(app::state::SESSION_COOKIE))),
        );
    }
}

/// Every API route with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(me::routes())
        .merge(admin_orgs::routes())
        .merge(admin_users::routes())
        .merge(admin_audit::routes())
        .merge(admin_analytics::routes())
        .merge(admin_gateways::routes())
        .merge(admin_tiers::routes())
        .merge(admin_identity::routes())
        .merge(publisher::routes())
        .merge(publisher_runtime::routes())
        .merge(analytics::routes())
        .merge(alerts::routes())
        .merge(portal::routes())
        .merge(portal_identity::routes())
        .merge(gateway_stream::routes())
        .merge(crate::oauth::routes())
        .merge(admin_roles::routes())
        .merge(admin_sso::routes())
}

/// The router of the API plus `GET /api/openapi.json` serving its document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = routes().split_for_parts();
    access::document(&mut openapi);
    let document = openapi.clone();
    let router =
        router.route("/api/openapi.json", axum::routing::get(move || std::future::ready(Json(document.clone()))));
    (router, openapi)
}
