//! `/api/admin/v1/orgs/{org_id}/roles`: an organization's custom roles, and
//! `/api/admin/v1/permissions`: the permission list they are built from. Everyone who
//! sees the organization's admin area may list its roles; `roles_manage` changes them.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::permissions::{self, PermissionInfo};
use domain::roles::{self, NewRole, RoleUpdate, RoleView};
use domain::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, ApiQuery, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_permissions)).routes(routes!(list_roles, create_role)).routes(routes!(
        get_role,
        update_role,
        delete_role
    ))
}

/// Page of the role list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// The permission list: every permission with its description and whether it can be
/// part of an organization role.
#[utoipa::path(get, path = "/api/admin/v1/permissions", tag = "admin", security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<PermissionInfo>), (status = 401, body = Problem)))]
async fn list_permissions(CurrentActor(_): CurrentActor) -> Json<Vec<PermissionInfo>> {
    Json(permissions::catalog())
}

/// Lists an organization's custom roles, by name, with how many members have each.
#[utoipa::path(get, path = "/api/admin/v1/orgs/{org_id}/roles", tag = "admin", params(("org_id" = Uuid, Path), PageQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<RoleView>), (status = 404, body = Problem)))]
async fn list_roles(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<RoleView>>> {
    Ok(Json(roles::list(&state.db, &actor, org_id, PageRequest::new(q.page, q.per_page)).await?))
}

/// Creates a custom role from organization permissions (only ones the caller holds).
#[utoipa::path(post, path = "/api/admin/v1/orgs/{org_id}/roles", tag = "admin", params(("org_id" = Uuid, Path)), request_body = NewRole,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = RoleView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`role_exists`, `permission_not_held`"), (status = 422, body = Problem)))]
async fn create_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewRole>,
) -> ApiResult<impl IntoResponse> {
    let role = roles::create(&state.db, &actor, org_id, input).await?;
    Ok((StatusCode::CREATED, etag(role.version), Json(role)))
}

/// Reads a custom role; the `ETag` is its version.
#[utoipa::path(get, path = "/api/admin/v1/orgs/{org_id}/roles/{role_id}", tag = "admin", params(("org_id" = Uuid, Path), ("role_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = RoleView), (status = 404, body = Problem)))]
async fn get_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, role_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<impl IntoResponse> {
    let role = roles::get(&state.db, &actor, org_id, role_id).await?;
    Ok((etag(role.version), Json(role)))
}

/// Updates a custom role; its members have the new permissions from their next request.
/// With `If-Match`, only if unchanged since.
#[utoipa::path(patch, path = "/api/admin/v1/orgs/{org_id}/roles/{role_id}", tag = "admin",
    params(("org_id" = Uuid, Path), ("role_id" = Uuid, Path), ("If-Match" = Option<String>, Header)), request_body = RoleUpdate,
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = RoleView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, role_id)): ApiPath<(Uuid, Uuid)>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<RoleUpdate>,
) -> ApiResult<impl IntoResponse> {
    let role = roles::update(&state.db, &actor, org_id, role_id, input, version).await?;
    Ok((etag(role.version), Json(role)))
}

/// Deletes a custom role no member has (give its members another role first).
#[utoipa::path(delete, path = "/api/admin/v1/orgs/{org_id}/roles/{role_id}", tag = "admin", params(("org_id" = Uuid, Path), ("role_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem, description = "`role_in_use`")))]
async fn delete_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, role_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    roles::delete(&state.db, &actor, org_id, role_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
