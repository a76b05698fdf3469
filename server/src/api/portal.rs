//! `/api/portal/v1`: what consumers do — browse the catalog (public APIs to everyone,
//! others by organization and role), create applications, subscribe them to APIs with a
//! tier, and manage their API keys (created once-shown, rotated with a grace period,
//! revoked). Applications others cannot use are 404.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::api_keys::{self, CreatedKey, KeyView, NewKey};
use domain::apis::ApiView;
use domain::applications::{self, ApplicationView, NewApplication, SubscriptionView};
use domain::catalog;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath};
use crate::auth::{CurrentActor, MaybeActor};
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_catalog))
        .routes(routes!(get_catalog_api))
        .routes(routes!(list_tiers))
        .routes(routes!(list_applications, create_application))
        .routes(routes!(get_application))
        .routes(routes!(set_application_tier))
        .routes(routes!(list_subscriptions, subscribe))
        .routes(routes!(unsubscribe))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(rotate_key))
        .routes(routes!(revoke_key))
}

/// The catalog the caller may see (anonymous callers: public APIs).
#[utoipa::path(get, path = "/api/portal/v1/apis", tag = "portal", responses((status = 200, body = Vec<ApiView>)))]
async fn list_catalog(State(state): State<AppState>, MaybeActor(actor): MaybeActor) -> ApiResult<Json<Vec<ApiView>>> {
    Ok(Json(catalog::list(&state.db, actor.as_ref()).await?))
}

/// One API of the catalog.
#[utoipa::path(get, path = "/api/portal/v1/apis/{api_id}", tag = "portal", params(("api_id" = Uuid, Path)),
    responses((status = 200, body = ApiView), (status = 404, body = Problem)))]
async fn get_catalog_api(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApiView>> {
    Ok(Json(catalog::find_visible(&state.db, actor.as_ref(), id).await?))
}

/// The tiers subscriptions are made with.
#[utoipa::path(get, path = "/api/portal/v1/tiers", tag = "portal", responses((status = 200, body = Vec<domain::tiers::TierView>)))]
async fn list_tiers(State(state): State<AppState>) -> ApiResult<Json<Vec<domain::tiers::TierView>>> {
    Ok(Json(domain::tiers::list(&state.db).await?))
}

/// Which organization's applications to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ApplicationQuery {
    /// Only this organization's applications (default: every organization of the caller).
    org_id: Option<Uuid>,
}

/// The applications the caller may use.
#[utoipa::path(get, path = "/api/portal/v1/applications", tag = "portal", params(ApplicationQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<ApplicationView>), (status = 401, body = Problem)))]
async fn list_applications(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    super::params::ApiQuery(q): super::params::ApiQuery<ApplicationQuery>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(applications::list(&state.db, &actor, q.org_id).await?))
}

/// Creates an application owned by the caller.
#[utoipa::path(post, path = "/api/portal/v1/applications", tag = "portal", request_body = NewApplication, security(("session" = []), ("token" = [])),
    responses((status = 201, body = ApplicationView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_application(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewApplication>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(applications::create(&state.db, &actor, input).await?)))
}

/// One application.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}", tag = "portal", params(("application_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = ApplicationView), (status = 404, body = Problem)))]
async fn get_application(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(applications::get(&state.db, &actor, id).await?))
}

/// The application tier to set (`null` removes it).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct TierChoice {
    /// A tier's name (`/api/portal/v1/tiers`), or `null`.
    tier: Option<String>,
}

/// Sets or removes the application tier: one limit across all the application's APIs.
#[utoipa::path(put, path = "/api/portal/v1/applications/{application_id}/tier", tag = "portal", params(("application_id" = Uuid, Path)),
    request_body = TierChoice, security(("session" = []), ("token" = [])),
    responses((status = 200, body = ApplicationView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_application_tier(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(choice): ApiJson<TierChoice>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(applications::set_tier(&state.db, &actor, id, choice.tier).await?))
}

/// An application's subscriptions.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/subscriptions", tag = "portal", params(("application_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<SubscriptionView>), (status = 404, body = Problem)))]
async fn list_subscriptions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(applications::subscriptions(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct SubscribeInput {
    api_id: Uuid,
    /// One of `/api/portal/v1/tiers`.
    tier: String,
}

/// Subscribes an application to an API.
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/subscriptions", tag = "portal", params(("application_id" = Uuid, Path)),
    request_body = SubscribeInput, security(("session" = []), ("token" = [])),
    responses((status = 201, body = SubscriptionView), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`already_subscribed`, `not_subscribable`"), (status = 422, body = Problem)))]
async fn subscribe(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<SubscribeInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(applications::subscribe(&state.db, &actor, id, input.api_id, &input.tier).await?)))
}

/// Removes a subscription of one of the caller's applications.
#[utoipa::path(delete, path = "/api/portal/v1/subscriptions/{subscription_id}", tag = "portal", params(("subscription_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 204), (status = 404, body = Problem)))]
async fn unsubscribe(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    applications::unsubscribe(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An application's keys (prefix and last four characters only).
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/keys", tag = "portal", params(("application_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<KeyView>), (status = 404, body = Problem)))]
async fn list_keys(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<KeyView>>> {
    Ok(Json(api_keys::list(&state.db, &actor, id).await?))
}

/// Creates a key for one environment; the key itself is in this response only.
#[utoipa::path(post, path = "/api/portal/v1/applications/{application_id}/keys", tag = "portal", params(("application_id" = Uuid, Path)),
    request_body = NewKey, security(("session" = []), ("token" = [])),
    responses((status = 201, body = CreatedKey), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewKey>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(api_keys::create(&state.db, &actor, id, input).await?)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct RotateInput {
    /// Hours the old key keeps working (0: it stops at once — regenerate).
    #[serde(default)]
    grace_hours: u32,
}

/// Replaces a key with a new one (rotation with a grace period, or regeneration).
#[utoipa::path(post, path = "/api/portal/v1/keys/{key_id}/rotate", tag = "portal", params(("key_id" = Uuid, Path)), request_body = RotateInput,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = CreatedKey), (status = 404, body = Problem), (status = 409, body = Problem, description = "`key_inactive`")))]
async fn rotate_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<RotateInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(api_keys::rotate(&state.db, &actor, id, input.grace_hours).await?)))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api/portal/v1/keys/{key_id}", tag = "portal", params(("key_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = KeyView), (status = 404, body = Problem)))]
async fn revoke_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<KeyView>> {
    Ok(Json(api_keys::revoke(&state.db, &actor, id).await?))
}
