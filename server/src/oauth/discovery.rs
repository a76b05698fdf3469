//! Discovery: the OpenID Provider metadata (`/.well-known/openid-configuration`), the
//! same document as OAuth authorization-server metadata (RFC 8414), and the JWKS with
//! every published signing key (old ones included until their tokens expire).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::oauth::clients::grant;
use domain::oauth::{Provider, keys};
use domain::platform_settings;
use http::{HeaderValue, header};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// OpenID Connect discovery.
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "oauth2",
    responses((status = 200, description = "OpenID Provider metadata")))]
pub async fn openid_configuration(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    metadata(&state).await.map(Json)
}

/// OAuth 2.0 authorization-server metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth2",
    responses((status = 200, description = "Authorization-server metadata")))]
pub async fn authorization_server(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    metadata(&state).await.map(Json)
}

/// The public signing keys (JWKS).
#[utoipa::path(get, path = "/oauth2/jwks", tag = "oauth2", responses((status = 200, description = "JSON Web Key Set")))]
pub async fn jwks(State(state): State<AppState>) -> ApiResult<Response> {
    let keys = keys::jwks(&state.db).await?;
    let mut response = Json(json!({ "keys": keys })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(response)
}

async fn metadata(state: &AppState) -> Result<Value, ApiError> {
    let provider: &Provider = &state.oauth;
    let issuer = &provider.issuer;
    let mut grants =
        vec![grant::AUTHORIZATION_CODE, grant::CLIENT_CREDENTIALS, grant::REFRESH_TOKEN, grant::JWT_BEARER];
    if platform_settings::enabled(&state.db, platform_settings::PASSWORD_GRANT).await? {
        grants.push(grant::PASSWORD);
    }
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    Ok(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": provider.token_endpoint(),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": Provider::accepted_algorithms(),
        "scopes_supported": domain::oauth::scopes::OPENID_SCOPES,
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name"],
        "authorization_response_iss_parameter_supported": true,
    }))
}
