//! OpenID Connect userinfo: the claims of the user an access token with `openid` was
//! issued for (`email` and `profile` scopes add their claims). GET or POST with
//! `Authorization: Bearer`.

use app::state::AppState;
use axum::extract::State;
use axum::response::Response;
use domain::oauth::{OAuthError, OAuthErrorCode, tokens};
use http::HeaderMap;

use super::response::{self, OAuthErrorBody};

/// The user's claims.
#[utoipa::path(get, path = "/oauth2/userinfo", tag = "oauth2", security(("token" = [])),
    responses((status = 200, description = "The user's claims"), (status = 401, body = OAuthErrorBody), (status = 403, body = OAuthErrorBody)))]
pub async fn userinfo_get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    answer(&state, &headers).await
}

/// The user's claims (POST form of the same endpoint).
#[utoipa::path(post, path = "/oauth2/userinfo", tag = "oauth2", security(("token" = [])),
    responses((status = 200, description = "The user's claims"), (status = 401, body = OAuthErrorBody), (status = 403, body = OAuthErrorBody)))]
pub async fn userinfo_post(State(state): State<AppState>, headers: HeaderMap) -> Response {
    answer(&state, &headers).await
}

async fn answer(state: &AppState, headers: &HeaderMap) -> Response {
    let Some(token) = crate::auth::bearer(headers) else {
        return response::error(OAuthError::new(
            OAuthErrorCode::InvalidToken,
            "Send the access token as Authorization: Bearer.",
        ));
    };
    match tokens::userinfo(&state.db, &state.oauth, &token).await {
        Ok(claims) => response::no_store(claims),
        Err(e) => response::error(e),
    }
}
