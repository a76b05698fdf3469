//! `/api/admin/v1` — identity settings of the platform (platform administrators; org
//! admins are forbidden, everyone else gets 404): external key managers (register by
//! discovery URL, refresh their JWKS, remove), Portico's JWT signing keys (list, rotate
//! now) and the platform switches (the OAuth2 password grant).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::key_managers::{self, KeyManagerInput, KeyManagerView};
use domain::oauth::keys::{self, SigningKeyView};
use domain::platform_settings::{self, Switches};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_key_managers, create_key_manager))
        .routes(routes!(update_key_manager, delete_key_manager))
        .routes(routes!(refresh_key_manager))
        .routes(routes!(list_signing_keys))
        .routes(routes!(rotate_signing_key))
        .routes(routes!(get_platform_settings, set_platform_settings))
}

/// Lists external key managers with their key ids and last refresh error.
#[utoipa::path(get, path = "/api/admin/v1/key-managers", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<KeyManagerView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_key_managers(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<KeyManagerView>>> {
    Ok(Json(key_managers::list(&state.db, &actor).await?))
}

/// Registers a key manager by its discovery URL (read now: its issuer and JWKS).
#[utoipa::path(post, path = "/api/admin/v1/key-managers", tag = "admin", request_body = KeyManagerInput,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = KeyManagerView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`issuer_exists`"), (status = 422, body = Problem, description = "`discovery_failed` on `discovery_url` says why")))]
async fn create_key_manager(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<KeyManagerInput>,
) -> ApiResult<impl IntoResponse> {
    let created = key_managers::create(&state.db, &actor, &key_managers::fetch_policy(), input).await?;
    Ok((StatusCode::CREATED, etag(created.etag), Json(created)))
}

/// Changes a key manager's settings (`If-Match` honoured).
#[utoipa::path(put, path = "/api/admin/v1/key-managers/{key_manager_id}", tag = "admin",
    params(("key_manager_id" = Uuid, Path)), request_body = KeyManagerInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = KeyManagerView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_key_manager(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<KeyManagerInput>,
) -> ApiResult<impl IntoResponse> {
    let updated = key_managers::update(&state.db, &actor, id, version, input).await?;
    Ok((etag(updated.etag), Json(updated)))
}

/// Removes a key manager: gateways stop accepting its tokens.
#[utoipa::path(delete, path = "/api/admin/v1/key-managers/{key_manager_id}", tag = "admin",
    params(("key_manager_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_key_manager(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    key_managers::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fetches a key manager's JWKS now; a failure is recorded and the last keys kept.
#[utoipa::path(post, path = "/api/admin/v1/key-managers/{key_manager_id}/refresh", tag = "admin",
    params(("key_manager_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = KeyManagerView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn refresh_key_manager(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<KeyManagerView>> {
    Ok(Json(key_managers::refresh(&state.db, &actor, &key_managers::fetch_policy(), id).await?))
}

/// Portico's JWT signing keys, newest first (public data only).
#[utoipa::path(get, path = "/api/admin/v1/signing-keys", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<SigningKeyView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_signing_keys(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<SigningKeyView>>> {
    Ok(Json(keys::list(&state.db, &actor).await?))
}

/// Replaces the signing key now; the old one stays published until its tokens expire.
#[utoipa::path(post, path = "/api/admin/v1/signing-keys/rotate", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 201, body = SigningKeyView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn rotate_signing_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(keys::rotate(&state.db, &actor, &state.oauth).await?)))
}

/// The platform switches.
#[utoipa::path(get, path = "/api/admin/v1/platform-settings", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Switches), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_platform_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Switches>> {
    Ok(Json(platform_settings::get(&state.db, &actor).await?))
}

/// Sets the platform switches.
#[utoipa::path(put, path = "/api/admin/v1/platform-settings", tag = "admin", request_body = Switches,
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Switches), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn set_platform_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<Switches>,
) -> ApiResult<Json<Switches>> {
    Ok(Json(platform_settings::set(&state.db, &actor, input).await?))
}
