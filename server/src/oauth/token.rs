//! The token endpoint (RFC 6749 §3.2), revocation (RFC 7009) and introspection
//! (RFC 7662). All three authenticate the client first; failed client authentication
//! takes the same time whatever was wrong (see `domain::oauth::clients::authenticate`).

use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::oauth::grants::{self, Context, TokenRequest};
use domain::oauth::{OAuthError, clients, tokens};
use http::HeaderMap;
use serde::Deserialize;

use super::client_auth;
use super::response::{self, OAuthErrorBody};
use crate::auth::Auth;

/// Exchanges a grant for tokens.
#[utoipa::path(post, path = "/oauth2/token", tag = "oauth2",
    request_body(content_type = "application/x-www-form-urlencoded", description = "grant_type and its parameters; client credentials in Authorization: Basic or the body"),
    responses((status = 200, body = domain::oauth::issue::TokenResponse), (status = 400, body = OAuthErrorBody), (status = 401, body = OAuthErrorBody)))]
pub async fn token(State(state): State<AppState>, Auth(auth): Auth, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let mut request: TokenRequest = client_auth::form(&headers, &body)?;
        let client = client_auth::client(&headers, request.client_id.take(), request.client_secret.take())?;
        let cx = Context { provider: &state.oauth, throttle: &state.throttle, origin: &auth.origin };
        grants::token(&state.db, &cx, client, request).await
    };
    match answer.await {
        Ok(tokens) => response::no_store(tokens),
        Err(e) => response::error(e),
    }
}

/// A revocation or introspection request.
#[derive(Debug, Deserialize)]
struct TokenParam {
    token: Option<String>,
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Authenticates the client of a revocation or introspection request.
async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(domain::entities::oauth_client::Model, String), OAuthError> {
    let mut param: TokenParam = client_auth::form(headers, body)?;
    let auth = client_auth::client(headers, param.client_id.take(), param.client_secret.take())?
        .ok_or_else(OAuthError::client)?;
    let client = clients::authenticate(&state.db, &auth.client_id, auth.secret.as_deref()).await?;
    let token = param.token.filter(|t| !t.is_empty()).ok_or_else(|| OAuthError::request("token is missing."))?;
    Ok((client, token))
}

/// Revokes an access or refresh token (RFC 7009). Unknown tokens are answered 200 too.
#[utoipa::path(post, path = "/oauth2/revoke", tag = "oauth2",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token, token_type_hint; client credentials"),
    responses((status = 200, description = "Revoked (or not a token of this client)"), (status = 400, body = OAuthErrorBody), (status = 401, body = OAuthErrorBody)))]
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let (client, token) = authenticated(&state, &headers, &body).await?;
        tokens::revoke(&state.db, &client, &token).await
    };
    match answer.await {
        Ok(()) => {
            state.config_changed.notify_one();
            http::StatusCode::OK.into_response()
        }
        Err(e) => response::error(e),
    }
}

/// Describes a token (RFC 7662); tokens of other applications are `{"active": false}`.
#[utoipa::path(post, path = "/oauth2/introspect", tag = "oauth2",
    request_body(content_type = "application/x-www-form-urlencoded", description = "token, token_type_hint; client credentials"),
    responses((status = 200, description = "The token's state"), (status = 400, body = OAuthErrorBody), (status = 401, body = OAuthErrorBody)))]
pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let (client, token) = authenticated(&state, &headers, &body).await?;
        tokens::introspect(&state.db, &state.oauth, &client, &token).await
    };
    match answer.await {
        Ok(value) => response::no_store(value),
        Err(e) => response::error(e),
    }
}
