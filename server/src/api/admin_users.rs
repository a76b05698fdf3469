//! `/api/admin/v1/users`: user accounts. Platform administrators see everyone; org
//! admins see the members of their organizations; anything else is 404.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::users::{self, NewUser, UserFilter, UserStatus, UserUpdate, UserView};
use domain::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, ApiQuery, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user)).routes(routes!(get_user, update_user))
}

/// Filters, sort and page of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UserQuery {
    /// Substring of e-mail or display name.
    q: Option<String>,
    status: Option<UserStatus>,
    /// Only members of this organization.
    org_id: Option<Uuid>,
    /// `email`, `display_name`, `created_at`, `last_login_at`; prefix `-` for descending.
    sort: Option<String>,
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// Lists users.
#[utoipa::path(get, path = "/api/admin/v1/users", tag = "admin", params(UserQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<UserView>), (status = 404, body = Problem, description = "caller is no administrator")))]
async fn list_users(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<Json<Page<UserView>>> {
    let filter = UserFilter { q: q.q, status: q.status, org_id: q.org_id, sort: q.sort };
    Ok(Json(users::list(&state.db, &actor, &filter, PageRequest::new(q.page, q.per_page)).await?))
}

/// Creates an active account, optionally in an organization (org admins: one of theirs).
#[utoipa::path(post, path = "/api/admin/v1/users", tag = "admin", request_body = NewUser, security(("session" = []), ("token" = [])),
    responses((status = 201, body = UserView), (status = 404, body = Problem), (status = 409, body = Problem, description = "`email_taken`"), (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewUser>,
) -> ApiResult<impl IntoResponse> {
    let user = users::create(&state.db, &actor, input).await?;
    Ok((StatusCode::CREATED, etag(user.version), Json(user)))
}

/// Reads a user; the `ETag` is its version.
#[utoipa::path(get, path = "/api/admin/v1/users/{user_id}", tag = "admin", params(("user_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
async fn get_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(user_id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let user = users::get(&state.db, &actor, user_id).await?;
    Ok((etag(user.version), Json(user)))
}

/// Updates a user: display name; status (approve, disable, enable) and the platform
/// administrator flag for platform administrators (org admins may approve).
#[utoipa::path(patch, path = "/api/admin/v1/users/{user_id}", tag = "admin", params(("user_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UserUpdate, security(("session" = []), ("token" = [])),
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn update_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(user_id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<UserUpdate>,
) -> ApiResult<impl IntoResponse> {
    let user = users::update(&state.db, &actor, user_id, input, version, &state.base_url).await?;
    state.wake_mailer();
    Ok((etag(user.version), Json(user)))
}
