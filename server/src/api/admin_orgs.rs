//! `/api/admin/v1/orgs`: organizations, their members and invitations. Platform
//! administrators see every organization; org admins see theirs; anything else is 404.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::invitations::{self, InvitationView, NewInvitation};
use domain::members::{self, MemberView};
use domain::orgs::{self, NewOrg, OrgFilter, OrgKind, OrgStatus, OrgUpdate, OrgView};
use domain::{Page, PageRequest, Role};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, ApiQuery, IfMatch, etag};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, update_org))
        .routes(routes!(list_members))
        .routes(routes!(set_member_role, remove_member))
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(revoke_invitation))
}

/// Filters, sort and page of the organization list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OrgQuery {
    /// Substring of slug or name.
    q: Option<String>,
    status: Option<OrgStatus>,
    kind: Option<OrgKind>,
    /// `slug`, `name`, `created_at`; prefix `-` for descending.
    sort: Option<String>,
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// Page of a sub-list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// Lists organizations.
#[utoipa::path(get, path = "/api/admin/v1/orgs", tag = "admin", params(OrgQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<OrgView>), (status = 404, body = Problem, description = "caller is no administrator")))]
async fn list_orgs(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<OrgQuery>,
) -> ApiResult<Json<Page<OrgView>>> {
    let filter = OrgFilter { q: q.q, status: q.status, kind: q.kind, sort: q.sort };
    Ok(Json(orgs::list(&state.db, &actor, &filter, PageRequest::new(q.page, q.per_page)).await?))
}

/// Creates an organization (platform administrators).
#[utoipa::path(post, path = "/api/admin/v1/orgs", tag = "admin", request_body = NewOrg, security(("session" = []), ("token" = [])),
    responses((status = 201, body = OrgView), (status = 403, body = Problem), (status = 409, body = Problem, description = "`slug_taken`"), (status = 422, body = Problem)))]
async fn create_org(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<NewOrg>,
) -> ApiResult<impl IntoResponse> {
    let org = orgs::create(&state.db, &actor, input).await?;
    Ok((StatusCode::CREATED, etag(org.version), Json(org)))
}

/// Reads an organization; the `ETag` is its version.
#[utoipa::path(get, path = "/api/admin/v1/orgs/{org_id}", tag = "admin", params(("org_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = Problem)))]
async fn get_org(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let org = orgs::get(&state.db, &actor, org_id).await?;
    Ok((etag(org.version), Json(org)))
}

/// Updates an organization (name and approval setting; status for platform
/// administrators). With `If-Match`, only if unchanged since.
#[utoipa::path(patch, path = "/api/admin/v1/orgs/{org_id}", tag = "admin", params(("org_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = OrgUpdate, security(("session" = []), ("token" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_org(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<OrgUpdate>,
) -> ApiResult<impl IntoResponse> {
    let org = orgs::update(&state.db, &actor, org_id, input, version).await?;
    Ok((etag(org.version), Json(org)))
}

/// Lists an organization's members with their roles.
#[utoipa::path(get, path = "/api/admin/v1/orgs/{org_id}/members", tag = "admin", params(("org_id" = Uuid, Path), PageQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<MemberView>), (status = 404, body = Problem)))]
async fn list_members(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<MemberView>>> {
    Ok(Json(members::list(&state.db, &actor, org_id, PageRequest::new(q.page, q.per_page)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct RoleInput {
    /// A built-in role, or `custom` with `custom_role_id`.
    role: Role,
    /// One of the organization's custom roles (with `role: custom`).
    custom_role_id: Option<Uuid>,
}

/// Sets a member's role, built-in or custom (platform administrators may also add any
/// user). Only roles whose permissions the caller holds can be given, and only members
/// whose permissions the caller holds can be changed (`409 permission_not_held`).
#[utoipa::path(put, path = "/api/admin/v1/orgs/{org_id}/members/{user_id}", tag = "admin", params(("org_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    request_body = RoleInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = MemberView), (status = 404, body = Problem), (status = 409, body = Problem, description = "`last_org_admin`")))]
async fn set_member_role(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, user_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<RoleInput>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(members::set_role(&state.db, &actor, org_id, user_id, input.role, input.custom_role_id).await?))
}

/// Removes a member from the organization.
#[utoipa::path(delete, path = "/api/admin/v1/orgs/{org_id}/members/{user_id}", tag = "admin", params(("org_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem, description = "`last_org_admin`")))]
async fn remove_member(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    members::remove(&state.db, &actor, org_id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists an organization's invitations.
#[utoipa::path(get, path = "/api/admin/v1/orgs/{org_id}/invitations", tag = "admin", params(("org_id" = Uuid, Path), PageQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<InvitationView>), (status = 404, body = Problem)))]
async fn list_invitations(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<InvitationView>>> {
    Ok(Json(invitations::list(&state.db, &actor, org_id, PageRequest::new(q.page, q.per_page)).await?))
}

/// Invites an e-mail address into the organization and e-mails the link.
#[utoipa::path(post, path = "/api/admin/v1/orgs/{org_id}/invitations", tag = "admin", params(("org_id" = Uuid, Path)), request_body = NewInvitation,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = InvitationView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_invitation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewInvitation>,
) -> ApiResult<(StatusCode, Json<InvitationView>)> {
    let invitation = invitations::create(&state.db, &actor, org_id, input, &state.base_url).await?;
    state.wake_mailer();
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// Withdraws a pending invitation.
#[utoipa::path(delete, path = "/api/admin/v1/orgs/{org_id}/invitations/{invitation_id}", tag = "admin", params(("org_id" = Uuid, Path), ("invitation_id" = Uuid, Path)),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = InvitationView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn revoke_invitation(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((org_id, invitation_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<InvitationView>> {
    Ok(Json(invitations::revoke(&state.db, &actor, org_id, invitation_id).await?))
}
