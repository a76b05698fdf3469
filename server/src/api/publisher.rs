//! `/api/publisher/v1/apis`: APIs as their publishers manage them — create by hand or by
//! importing an OpenAPI / Swagger document (pasted, uploaded as the request's text, or
//! fetched by URL with a size limit, a timeout and no private addresses), read, update
//! (`If-Match`), new versions, the default version, and lifecycle transitions with
//! history. Anything outside the caller's publishing organizations is 404.

use app::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Page;
use domain::PageRequest;
use domain::apis::{self, ApiFilter, ApiPatch, ApiView, NewApi};
use domain::lifecycle::{ApiState, LifecycleEvent};
use domain::openapi::fetch::{FetchPolicy, fetch_spec};
use domain::openapi::{ImportedSpec, MAX_INPUT_BYTES};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, ApiQuery, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiError, ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    // Documents may be far larger than other request bodies (GitHub's is ~10 MB).
    OpenApiRouter::new()
        .routes(routes!(import_api))
        .layer(DefaultBodyLimit::max(MAX_INPUT_BYTES + 64 * 1024))
        .routes(routes!(list_apis, create_api))
        .routes(routes!(get_api, update_api))
        .routes(routes!(get_openapi))
        .routes(routes!(create_version))
        .routes(routes!(set_default_version))
        .routes(routes!(history, transition))
}

/// Filters and page of the API list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ApiQueryParams {
    org_id: Option<Uuid>,
    state: Option<ApiState>,
    /// Substring of name or context.
    q: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// Lists the APIs the caller publishes.
#[utoipa::path(get, path = "/api/publisher/v1/apis", tag = "publisher", params(ApiQueryParams), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<ApiView>), (status = 401, body = Problem)))]
async fn list_apis(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<ApiQueryParams>,
) -> ApiResult<Json<Page<ApiView>>> {
    let filter = ApiFilter { org_id: q.org_id, state: q.state, q: q.q };
    Ok(Json(apis::list(&state.db, &actor, filter, PageRequest::new(q.page, q.per_page)).await?))
}

/// Creates an API by hand (state `created`).
#[utoipa::path(post, path = "/api/publisher/v1/apis", tag = "publisher", request_body = NewApi, security(("session" = []), ("token" = [])),
    responses((status = 201, body = ApiView), (status = 404, body = Problem), (status = 409, body = Problem, description = "`api_exists`"), (status = 422, body = Problem)))]
async fn create_api(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewApi>,
) -> ApiResult<impl IntoResponse> {
    let api = apis::create(&state.db, &actor, input).await?;
    Ok((StatusCode::CREATED, etag(api.etag), Json(api)))
}

/// An import: the API's identity and the document, given as text or as a URL.
#[derive(Debug, Deserialize, ToSchema)]
struct ImportInput {
    #[serde(flatten)]
    api: NewApi,
    /// The document (OpenAPI 3.0/3.1 or Swagger 2.0, JSON or YAML).
    spec: Option<String>,
    /// Where to fetch the document from instead (http or https).
    url: Option<String>,
}

/// Creates an API from an OpenAPI or Swagger document. Every problem of an invalid
/// document is reported (`spec/<JSON pointer>`, with line and column) and nothing is saved.
#[utoipa::path(post, path = "/api/publisher/v1/apis/import", tag = "publisher", request_body = ImportInput, security(("session" = []), ("token" = [])),
    responses((status = 201, body = ApiView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, description = "the document's errors, or the fetch's")))]
async fn import_api(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<ImportInput>,
) -> ApiResult<impl IntoResponse> {
    // Before anything is fetched: only publishers of the organization may make us fetch.
    apis::require_publisher(&actor, input.api.org_id)?;
    let document = match (input.spec, input.url) {
        (Some(text), None) => text.into_bytes(),
        (None, Some(url)) => {
            let policy = FetchPolicy { allow_private_addresses: state.import_allow_private, ..FetchPolicy::default() };
            fetch_spec(&url, &policy)
                .await
                .map_err(|error| ApiError::from(domain::DomainError::field("url", error.code(), error.to_string())))?
        }
        _ => {
            let message = "Give the document either as `spec` (its text) or as `url`.";
            return Err(domain::DomainError::field("spec", "spec_required", message).into());
        }
    };
    let api = apis::import(&state.db, &actor, input.api, document).await?;
    Ok((StatusCode::CREATED, etag(api.etag), Json(api)))
}

/// Reads an API; the `ETag` is its version.
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}", tag = "publisher", params(("api_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = ApiView), (status = 404, body = Problem)))]
async fn get_api(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let api = apis::get(&state.db, &actor, id).await?;
    Ok((etag(api.etag), Json(api)))
}

/// Updates an API (with `If-Match`, only if unchanged since). Definition changes reach
/// gateways with the next deployed revision.
#[utoipa::path(patch, path = "/api/publisher/v1/apis/{api_id}", tag = "publisher", params(("api_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ApiPatch, security(("session" = []), ("token" = [])),
    responses((status = 200, body = ApiView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_api(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<ApiPatch>,
) -> ApiResult<impl IntoResponse> {
    let api = apis::update(&state.db, &actor, id, version, patch).await?;
    Ok((etag(api.etag), Json(api)))
}

/// The imported document of an API (operations, parameters, schemas, security, examples).
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}/openapi", tag = "publisher", params(("api_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = ImportedSpec), (status = 404, body = Problem, description = "no such API, or none imported")))]
async fn get_openapi(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ImportedSpec>> {
    let spec = apis::openapi(&state.db, &actor, id).await?.ok_or(domain::DomainError::NotFound("document"))?;
    Ok(Json(spec))
}

#[derive(Debug, Deserialize, ToSchema)]
struct VersionInput {
    /// The new version segment, e.g. `v2`.
    version: String,
}

/// Creates a new version of an API as a copy (state `created`).
#[utoipa::path(post, path = "/api/publisher/v1/apis/{api_id}/versions", tag = "publisher", params(("api_id" = Uuid, Path)), request_body = VersionInput,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = ApiView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_version(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<VersionInput>,
) -> ApiResult<impl IntoResponse> {
    let api = apis::new_version(&state.db, &actor, id, &input.version).await?;
    Ok((StatusCode::CREATED, etag(api.etag), Json(api)))
}

/// Makes this version the default of its context (requests without a version go to it).
#[utoipa::path(post, path = "/api/publisher/v1/apis/{api_id}/default-version", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = ApiView), (status = 404, body = Problem)))]
async fn set_default_version(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApiView>> {
    Ok(Json(apis::set_default_version(&state.db, &actor, id).await?))
}

/// The lifecycle history of an API, oldest first.
#[utoipa::path(get, path = "/api/publisher/v1/apis/{api_id}/lifecycle", tag = "publisher", params(("api_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])), responses((status = 200, body = Vec<LifecycleEvent>), (status = 404, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<LifecycleEvent>>> {
    Ok(Json(apis::history(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct TransitionInput {
    /// The new state.
    state: ApiState,
    /// Why (kept in the history).
    #[serde(default)]
    reason: String,
}

/// Moves an API to another lifecycle state (`409 invalid_transition` names the allowed ones).
#[utoipa::path(post, path = "/api/publisher/v1/apis/{api_id}/lifecycle", tag = "publisher", params(("api_id" = Uuid, Path)), request_body = TransitionInput,
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = ApiView), (status = 404, body = Problem), (status = 409, body = Problem, description = "`invalid_transition`, `route_collision`")))]
async fn transition(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> ApiResult<Json<ApiView>> {
    Ok(Json(apis::transition(&state.db, &actor, id, input.state, &input.reason).await?))
}
