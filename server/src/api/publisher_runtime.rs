//! `/api/publisher/v1/apis/{api_id}/revisions|deployments|subscriptions|cache`: revisions
//! (immutable snapshots of the definition), where each runs (deploy, roll back by
//! deploying an older revision, undeploy), the API's subscribers, whom the publisher
//! may block and unblock, and the purge of its cached responses.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::api_cache::{self, CachePurge};
use domain::applications::{self, SubscriptionView};
use domain::deployments::{self, DeploymentView, RevisionView};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_revisions, create_revision))
        .routes(routes!(list_deployments))
        .routes(routes!(deploy, undeploy))
        .routes(routes!(list_subscribers))
        .routes(routes!(set_subscription_blocked))
        .routes(routes!(purge_cache))
}

/// Purges the API's cached responses on every gateway it runs on (they stop being served
/// as soon as each gateway applies the push).
#[utoipa::path(delete, path = "/api/publisher/v1/apis/{api_id}/cache", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = CachePurge), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn purge_cache(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(api_id): ApiPath<Uuid>,
) -> ApiResult<Json<CachePurge>> {
    Ok(Json(api_cache::purge(&state.db, &actor, api_id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct RevisionInput {
    /// What changed.
    #[serde(default)]
    description: String,
}

/// Lists an API's revisions, newest first, with where each runs.
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}/revisions", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<RevisionView>), (status = 404, body = Problem)))]
async fn list_revisions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(api_id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<RevisionView>>> {
    Ok(Json(deployments::revisions(&state.db, &actor, api_id).await?))
}

/// Creates a revision from the API's current definition.
#[utoipa::path(post, path = "/api/publisher/v1/apis/{api_id}/revisions", tag = "publisher", params(("api_id" = Uuid, Path)), request_body = RevisionInput,
    security(("session" = []), ("token" = [])), responses((status = 201, body = RevisionView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn create_revision(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(api_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<RevisionInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(deployments::create_revision(&state.db, &actor, api_id, &input.description).await?)))
}

/// Where an API runs.
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}/deployments", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<DeploymentView>), (status = 404, body = Problem)))]
async fn list_deployments(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(api_id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<DeploymentView>>> {
    Ok(Json(deployments::deployments(&state.db, &actor, api_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct DeployInput {
    /// The revision to run there (an older one rolls back).
    revision_id: Uuid,
}

/// Deploys a revision to an environment; its gateways serve it within moments.
#[utoipa::path(put, path = "/api/publisher/v1/apis/{api_id}/deployments/{environment}", tag = "publisher",
    params(("api_id" = Uuid, Path), ("environment" = String, Path)), request_body = DeployInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = DeploymentView), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`route_collision` (names the other API), `api_retired`"), (status = 422, body = Problem)))]
async fn deploy(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((api_id, environment)): ApiPath<(Uuid, String)>,
    ApiJson(input): ApiJson<DeployInput>,
) -> ApiResult<Json<DeploymentView>> {
    Ok(Json(deployments::deploy(&state.db, &actor, api_id, input.revision_id, &environment).await?))
}

/// Takes an API out of an environment.
#[utoipa::path(delete, path = "/api/publisher/v1/apis/{api_id}/deployments/{environment}", tag = "publisher",
    params(("api_id" = Uuid, Path), ("environment" = String, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn undeploy(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((api_id, environment)): ApiPath<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    deployments::undeploy(&state.db, &actor, api_id, &environment).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The applications subscribed to an API.
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}/subscriptions", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<SubscriptionView>), (status = 404, body = Problem)))]
async fn list_subscribers(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(api_id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(applications::subscribers(&state.db, &actor, api_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct BlockInput {
    /// `true` blocks the subscription (403 `subscription_blocked` at the gateway).
    blocked: bool,
}

/// Blocks or unblocks a subscription to one of the caller's APIs.
#[utoipa::path(patch, path = "/api/publisher/v1/subscriptions/{subscription_id}", tag = "publisher", params(("subscription_id" = Uuid, Path)),
    request_body = BlockInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = SubscriptionView), (status = 404, body = Problem)))]
async fn set_subscription_blocked(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<BlockInput>,
) -> ApiResult<Json<SubscriptionView>> {
    Ok(Json(applications::set_blocked(&state.db, &actor, id, input.blocked).await?))
}
