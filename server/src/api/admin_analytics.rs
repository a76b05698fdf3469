//! The admin dashboard's data: `/api/admin/v1/analytics` (the platform's traffic, or the
//! administered organizations', optionally one organization's; group by `organization`
//! for the per-tenant view; CSV at `…/analytics/export`) and
//! `/api/admin/v1/analytics/nodes` (each gateway node's analytics shipping: latest batch,
//! events in the last hour, events dropped).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::analytics::{self, GroupBy, NodeAnalytics, Report, ReportQuery, Table};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::ApiQuery;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(admin_report)).routes(routes!(admin_export)).routes(routes!(nodes))
}

/// Which calls an admin report covers (the fields are listed, not flattened: flattened
/// fields do not parse from a query string).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AdminQuery {
    /// Only the APIs of this organization (default: every organization the caller administers).
    org_id: Option<Uuid>,
    /// Start of the range, Unix milliseconds (default: 24 hours before `to`).
    from: Option<i64>,
    /// End of the range, Unix milliseconds (default: now).
    to: Option<i64>,
    /// Only calls of this API.
    api_id: Option<Uuid>,
    /// Only calls served in this gateway environment.
    environment: Option<String>,
    /// Break the totals down by this (default `api`; `organization`: per tenant).
    group_by: Option<GroupBy>,
    /// For the export: `series` (the default) or `groups`.
    table: Option<Table>,
}

impl AdminQuery {
    fn report(&self) -> ReportQuery {
        ReportQuery {
            from: self.from,
            to: self.to,
            api_id: self.api_id,
            application_id: None,
            environment: self.environment.clone(),
            group_by: self.group_by,
        }
    }
}

/// The traffic of every organization's APIs (platform administrators) or of the
/// organizations the caller administers, from the per-minute rollups.
#[utoipa::path(get, path = "/api/admin/v1/analytics", tag = "admin", params(AdminQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Report), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn admin_report(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<AdminQuery>,
) -> ApiResult<Json<Report>> {
    Ok(Json(analytics::admin_report(&state.db, &actor, query.org_id, &query.report()).await?))
}

/// The same report as CSV.
#[utoipa::path(get, path = "/api/admin/v1/analytics/export", tag = "admin", params(AdminQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn admin_export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<AdminQuery>,
) -> ApiResult<impl IntoResponse> {
    let report = analytics::admin_report(&state.db, &actor, query.org_id, &query.report()).await?;
    Ok(super::analytics::csv(&report, query.table.unwrap_or_default()))
}

/// Every gateway node's analytics shipping (platform administrators): its latest batch,
/// the events it shipped in the last hour and those it dropped because its queue was full.
#[utoipa::path(get, path = "/api/admin/v1/analytics/nodes", tag = "admin",
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<NodeAnalytics>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn nodes(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<NodeAnalytics>>> {
    Ok(Json(analytics::nodes(&state.db, &actor, chrono::Utc::now()).await?))
}
