//! Analytics reports: `/api/publisher/v1/analytics` (the caller's APIs, one or all; CSV
//! at `…/analytics/export`), `/api/portal/v1/applications/{id}/analytics` (one
//! application's calls) and `…/usage` (each subscription's use of its tier now).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use domain::analytics::{self, GroupBy, Report, ReportQuery, SubscriptionUsage, Table};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiPath, ApiQuery};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publisher_report))
        .routes(routes!(publisher_export))
        .routes(routes!(application_report))
        .routes(routes!(subscription_usage))
}

/// Traffic of the caller's APIs over a time range (from the per-minute rollups).
#[utoipa::path(get, path = "/api/publisher/v1/analytics", tag = "publisher", params(ReportQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Report), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn publisher_report(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Report>> {
    Ok(Json(analytics::publisher_report(&state.db, &actor, &query).await?))
}

/// A report and which of its tables to export (the fields of [`ReportQuery`], listed
/// again: flattened fields do not parse from a query string).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// Start of the range, Unix milliseconds (default: 24 hours before `to`).
    from: Option<i64>,
    /// End of the range, Unix milliseconds (default: now).
    to: Option<i64>,
    /// Only calls of this API.
    api_id: Option<Uuid>,
    /// Only calls of this application.
    application_id: Option<Uuid>,
    /// Only calls served in this gateway environment.
    environment: Option<String>,
    /// Group the `groups` table by this (default `api`).
    group_by: Option<GroupBy>,
    /// `series` (one row per step, the default) or `groups`.
    table: Option<Table>,
}

/// The same report as CSV.
#[utoipa::path(get, path = "/api/publisher/v1/analytics/export", tag = "publisher", params(ExportQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn publisher_export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<impl IntoResponse> {
    let ExportQuery { from, to, api_id, application_id, environment, group_by, table } = query;
    let report_query = ReportQuery { from, to, api_id, application_id, environment, group_by };
    let report = analytics::publisher_report(&state.db, &actor, &report_query).await?;
    Ok(csv(&report, table.unwrap_or_default()))
}

/// One table of `report` as a CSV download.
pub(super) fn csv(report: &Report, table: Table) -> impl IntoResponse + use<> {
    let name = match table {
        Table::Series => "analytics-series.csv",
        Table::Groups => "analytics-groups.csv",
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        analytics::to_csv(report, table),
    )
}

/// Calls made by one of the caller's applications over a time range.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/analytics", tag = "portal",
    params(("application_id" = Uuid, Path), ReportQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Report), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn application_report(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Report>> {
    Ok(Json(analytics::application_report(&state.db, &actor, id, &query).await?))
}

/// Each subscription of the application with its tier and its use now: calls in the last
/// minute, and calls admitted this quota period.
#[utoipa::path(get, path = "/api/portal/v1/applications/{application_id}/usage", tag = "portal",
    params(("application_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<SubscriptionUsage>), (status = 404, body = Problem)))]
async fn subscription_usage(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<SubscriptionUsage>>> {
    Ok(Json(analytics::subscription_usage(&state.db, &actor, id).await?))
}
