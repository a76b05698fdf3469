//! `/api/admin/v1/sso-providers`: the external OpenID Connect providers users sign in to
//! the consoles with. Platform-level: platform administrators manage them; org admins are
//! forbidden; everyone else gets 404. The client secret is write-only.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::sso::{self, NewSsoProvider, SsoProviderUpdate, SsoProviderView};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_sso_providers, create_sso_provider)).routes(routes!(
        get_sso_provider,
        update_sso_provider,
        delete_sso_provider
    ))
}

/// Lists the single sign-on providers (platform administrators).
#[utoipa::path(get, path = "/api/admin/v1/sso-providers", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<SsoProviderView>), (status = 403, body = Problem)))]
async fn list_sso_providers(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<SsoProviderView>>> {
    Ok(Json(sso::list(&state.db, &actor, &state.base_url).await?))
}

/// Registers a single sign-on provider. Register the response's `redirect_uri` at the
/// provider.
#[utoipa::path(post, path = "/api/admin/v1/sso-providers", tag = "admin", request_body = NewSsoProvider, security(("session" = []), ("token" = [])),
    responses((status = 201, body = SsoProviderView), (status = 403, body = Problem), (status = 409, body = Problem, description = "`slug_taken`"), (status = 422, body = Problem)))]
async fn create_sso_provider(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewSsoProvider>,
) -> ApiResult<impl IntoResponse> {
    let provider = sso::create(&state.db, &actor, input, &state.base_url).await?;
    Ok((StatusCode::CREATED, etag(provider.version), Json(provider)))
}

/// Reads a single sign-on provider; the `ETag` is its version.
#[utoipa::path(get, path = "/api/admin/v1/sso-providers/{provider_id}", tag = "admin", params(("provider_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = SsoProviderView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_sso_provider(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(provider_id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let provider = sso::get(&state.db, &actor, provider_id, &state.base_url).await?;
    Ok((etag(provider.version), Json(provider)))
}

/// Updates a single sign-on provider (`If-Match` with its ETag); an absent or empty
/// `client_secret` keeps the stored one.
#[utoipa::path(patch, path = "/api/admin/v1/sso-providers/{provider_id}", tag = "admin", params(("provider_id" = Uuid, Path)), request_body = SsoProviderUpdate, security(("session" = []), ("token" = [])),
    responses((status = 200, body = SsoProviderView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_sso_provider(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(provider_id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<SsoProviderUpdate>,
) -> ApiResult<impl IntoResponse> {
    let provider = sso::update(&state.db, &actor, provider_id, input, version, &state.base_url).await?;
    Ok((etag(provider.version), Json(provider)))
}

/// Deletes a single sign-on provider (accounts it created stay).
#[utoipa::path(delete, path = "/api/admin/v1/sso-providers/{provider_id}", tag = "admin", params(("provider_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_sso_provider(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(provider_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    sso::delete(&state.db, &actor, provider_id, &state.base_url).await?;
    Ok(StatusCode::NO_CONTENT)
}
