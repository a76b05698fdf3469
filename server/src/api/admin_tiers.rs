//! `/api/admin/v1/tiers`: the throttling tiers (rate, burst, quota, priority) platform
//! administrators define and every gateway enforces. The portal lists them at
//! `/api/portal/v1/tiers`.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::tiers::{self, TierInput, TierView};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tiers, create_tier)).routes(routes!(update_tier, delete_tier))
}

/// Lists the tiers, the most important first.
#[utoipa::path(get, path = "/api/admin/v1/tiers", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<TierView>), (status = 401, body = Problem)))]
async fn list_tiers(State(state): State<AppState>, CurrentActor(_): CurrentActor) -> ApiResult<Json<Vec<TierView>>> {
    Ok(Json(tiers::list(&state.db).await?))
}

/// Defines a tier (platform administrators); gateways enforce it at once.
#[utoipa::path(post, path = "/api/admin/v1/tiers", tag = "admin", request_body = TierInput, security(("session" = []), ("token" = [])),
    responses((status = 201, body = TierView), (status = 403, body = Problem), (status = 409, body = Problem, description = "`tier_exists`"), (status = 422, body = Problem)))]
async fn create_tier(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<TierInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(tiers::create(&state.db, &actor, input).await?)))
}

/// Changes a tier's limits; gateways apply them to the counts they already hold.
#[utoipa::path(put, path = "/api/admin/v1/tiers/{tier_id}", tag = "admin", request_body = TierInput, params(("tier_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = TierView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_tier(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(tier_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TierInput>,
) -> ApiResult<Json<TierView>> {
    Ok(Json(tiers::update(&state.db, &actor, tier_id, input).await?))
}

/// Removes a tier that no subscription or application uses.
#[utoipa::path(delete, path = "/api/admin/v1/tiers/{tier_id}", tag = "admin", params(("tier_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "`tier_in_use`")))]
async fn delete_tier(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(tier_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    tiers::delete(&state.db, &actor, tier_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
