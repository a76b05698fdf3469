//! `/api/admin/v1/environments`, `/gateway-tokens`, `/gateways`: gateway environments,
//! the tokens remote gateways connect with (shown once, revocable) and the gateways that
//! connected with what configuration they run. Platform-level: platform administrators
//! manage them; org admins are forbidden; everyone else gets 404. Any signed-in user may
//! list environments (publishers deploy to them).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::environments::{self, EnvironmentView, NewEnvironment};
use domain::gateways::{self, CreatedGatewayToken, GatewayNodeView, GatewayTokenView, NewGatewayToken};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_environments, create_environment))
        .routes(routes!(list_gateway_tokens, create_gateway_token))
        .routes(routes!(revoke_gateway_token))
        .routes(routes!(list_gateways))
}

/// Lists gateway environments.
#[utoipa::path(get, path = "/api/admin/v1/environments", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<EnvironmentView>), (status = 401, body = Problem)))]
async fn list_environments(
    State(state): State<AppState>,
    CurrentActor(_): CurrentActor,
) -> ApiResult<Json<Vec<EnvironmentView>>> {
    Ok(Json(environments::list(&state.db).await?))
}

/// Adds a gateway environment (platform administrators).
#[utoipa::path(post, path = "/api/admin/v1/environments", tag = "admin", request_body = NewEnvironment, security(("session" = []), ("token" = [])),
    responses((status = 201, body = EnvironmentView), (status = 403, body = Problem), (status = 409, body = Problem, description = "`environment_exists`"), (status = 422, body = Problem)))]
async fn create_environment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewEnvironment>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(environments::create(&state.db, &actor, input).await?)))
}

/// Lists gateway tokens (platform administrators).
#[utoipa::path(get, path = "/api/admin/v1/gateway-tokens", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<GatewayTokenView>), (status = 403, body = Problem)))]
async fn list_gateway_tokens(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<GatewayTokenView>>> {
    Ok(Json(gateways::list_tokens(&state.db, &actor).await?))
}

/// Issues a gateway token for one environment; the secret is in this response only.
#[utoipa::path(post, path = "/api/admin/v1/gateway-tokens", tag = "admin", request_body = NewGatewayToken, security(("session" = []), ("token" = [])),
    responses((status = 201, body = CreatedGatewayToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_gateway_token(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewGatewayToken>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(gateways::create_token(&state.db, &actor, input).await?)))
}

/// Revokes a gateway token: gateways using it are refused when they next connect.
#[utoipa::path(delete, path = "/api/admin/v1/gateway-tokens/{gateway_token_id}", tag = "admin", params(("gateway_token_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = GatewayTokenView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_gateway_token(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<GatewayTokenView>> {
    Ok(Json(gateways::revoke_token(&state.db, &actor, id).await?))
}

/// Lists the remote gateways that connected, with the configuration each runs.
#[utoipa::path(get, path = "/api/admin/v1/gateways", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<GatewayNodeView>), (status = 403, body = Problem)))]
async fn list_gateways(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<GatewayNodeView>>> {
    Ok(Json(gateways::list_nodes(&state.db, &actor).await?))
}
