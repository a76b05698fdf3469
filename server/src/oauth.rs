//! Portico's OAuth 2.0 / OpenID Connect endpoints: discovery and JWKS, the token,
//! revocation, introspection and userinfo endpoints, and the authorization endpoint
//! (which sends the browser to the consent page). They speak the protocols' own formats —
//! form-encoded requests, `{"error": …, "error_description": …}` answers with the RFC 6749
//! codes, `Cache-Control: no-store` on tokens — not the management API's problem
//! documents. The auth middleware leaves their `Authorization` header alone (it carries
//! client credentials or an access token, never a personal access token) and does not
//! ask them for CSRF tokens (no cookie authenticates them).

mod authorize;
mod client_auth;
mod discovery;
mod response;
mod token;
mod userinfo;

use app::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Path prefix of the OAuth endpoints.
pub const PREFIX: &str = "/oauth2/";
/// Path prefix of the discovery documents.
pub const WELL_KNOWN: &str = "/.well-known/";

/// Every OAuth route with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(discovery::openid_configuration))
        .routes(routes!(discovery::authorization_server))
        .routes(routes!(discovery::jwks))
        .routes(routes!(token::token))
        .routes(routes!(token::revoke))
        .routes(routes!(token::introspect))
        .routes(routes!(userinfo::userinfo_get, userinfo::userinfo_post))
        .routes(routes!(authorize::authorize))
}
