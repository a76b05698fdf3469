//! `/api/me`: the caller's own account, personal access tokens and sessions.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::accounts::{self, ProfileUpdate};
use domain::sessions::{self, RevokedAll, SessionView};
use domain::tokens::{self, CreatedToken, NewToken, TokenView};
use domain::users::UserView;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath};
use crate::auth::{Auth, CurrentActor};
use crate::error::{ApiError, ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(revoke_all_sessions))
}

/// The signed-in user, with their organizations and roles.
#[utoipa::path(get, path = "/api/me", tag = "me", security(("session" = []), ("token" = [])),
    responses((status = 200, body = UserView), (status = 401, body = Problem)))]
async fn get_me(State(state): State<AppState>, CurrentActor(actor): CurrentActor) -> ApiResult<Json<UserView>> {
    Ok(Json(accounts::me(&state.db, &actor).await?))
}

/// Changes the caller's display name and/or password (other sessions are signed out
/// when the password changes).
#[utoipa::path(patch, path = "/api/me", tag = "me", request_body = ProfileUpdate, security(("session" = []), ("token" = [])),
    responses((status = 200, body = UserView), (status = 422, body = Problem)))]
async fn update_me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ProfileUpdate>,
) -> ApiResult<Json<UserView>> {
    let keep = auth.principal.and_then(|p| p.session_id);
    Ok(Json(accounts::update_me(&state.db, &state.throttle, &actor, input, keep).await?))
}

/// The caller's personal access tokens (secrets are never shown again).
#[utoipa::path(get, path = "/api/me/tokens", tag = "me", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = Problem)))]
async fn list_tokens(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(tokens::list(&state.db, &actor).await?))
}

/// Creates a personal access token; the response holds its secret, shown this once.
/// Only a signed-in session may create tokens: a token cannot mint new ones (a leaked
/// short-lived token must not become permanent access).
#[utoipa::path(post, path = "/api/me/tokens", tag = "me", request_body = NewToken, security(("session" = [])),
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem, description = "`session_required`"), (status = 422, body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    if auth.principal.and_then(|p| p.session_id).is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "Create tokens from a signed-in session, not with another token.",
        ));
    }
    Ok((StatusCode::CREATED, Json(tokens::create(&state.db, &actor, input).await?)))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/me/tokens/{token_id}", tag = "me", params(("token_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(token_id): ApiPath<Uuid>,
) -> ApiResult<Json<TokenView>> {
    Ok(Json(tokens::revoke(&state.db, &actor, token_id).await?))
}

/// The caller's live sessions (browsers signed in), most recently used first; `current`
/// marks the one this request came from.
#[utoipa::path(get, path = "/api/me/sessions", tag = "me", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = Problem)))]
async fn list_sessions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Auth(auth): Auth,
) -> ApiResult<Json<Vec<SessionView>>> {
    let current = auth.principal.and_then(|p| p.session_id);
    Ok(Json(sessions::list_mine(&state.db, &actor, &state.sessions, current).await?))
}

/// Ends one of the caller's sessions (ending the current one signs this browser out).
#[utoipa::path(delete, path = "/api/me/sessions/{session_id}", tag = "me", params(("session_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_session(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Auth(auth): Auth,
    ApiPath(session_id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    sessions::revoke_mine(&state.db, &actor, session_id).await?;
    let current = auth.principal.and_then(|p| p.session_id) == Some(session_id);
    Ok(signed_out(&state, current, StatusCode::NO_CONTENT.into_response()))
}

/// Options of "log out everywhere".
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RevokeAllInput {
    /// Revoke every personal access token too (default false).
    #[serde(default)]
    include_tokens: bool,
}

/// "Log out everywhere": ends every session of the caller, this one included, and with
/// `include_tokens` revokes every personal access token as well.
#[utoipa::path(post, path = "/api/me/sessions/revoke-all", tag = "me", request_body = RevokeAllInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = RevokedAll), (status = 401, body = Problem)))]
async fn revoke_all_sessions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<RevokeAllInput>,
) -> ApiResult<Response> {
    let outcome = sessions::revoke_all(&state.db, &actor, input.include_tokens).await?;
    let from_session = auth.principal.and_then(|p| p.session_id).is_some();
    Ok(signed_out(&state, from_session, Json(outcome).into_response()))
}

/// Clears the session cookie when the caller's own session just ended.
fn signed_out(state: &AppState, ended_own: bool, mut response: Response) -> Response {
    if ended_own && let Ok(value) = HeaderValue::from_str(&app::cookies::clear_session(state.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
