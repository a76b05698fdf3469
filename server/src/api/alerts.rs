//! Alert rules and the alert history of the caller's APIs:
//! `/api/publisher/v1/alerts/rules` (list, create; change and delete one) and
//! `/api/publisher/v1/alerts/events` (the history, newest first).

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::alerts::{self, AlertEventView, AlertRuleInput, AlertRuleView};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule, delete_rule))
        .routes(routes!(history))
}

/// The alert rules of the organizations where the caller may read APIs.
#[utoipa::path(get, path = "/api/publisher/v1/alerts/rules", tag = "publisher",
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<AlertRuleView>), (status = 404, body = Problem)))]
async fn list_rules(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<AlertRuleView>>> {
    Ok(Json(alerts::list_rules(&state.db, &actor).await?))
}

/// Creates an alert rule (needs `apis_write` in its organization).
#[utoipa::path(post, path = "/api/publisher/v1/alerts/rules", tag = "publisher", request_body = AlertRuleInput,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = AlertRuleView), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_rule(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<AlertRuleInput>,
) -> ApiResult<(StatusCode, Json<AlertRuleView>)> {
    Ok((StatusCode::CREATED, Json(alerts::create_rule(&state.db, &actor, input).await?)))
}

/// Changes an alert rule; it starts again as not firing.
#[utoipa::path(put, path = "/api/publisher/v1/alerts/rules/{rule_id}", tag = "publisher",
    params(("rule_id" = Uuid, Path)), request_body = AlertRuleInput, security(("session" = []), ("token" = [])),
    responses((status = 200, body = AlertRuleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_rule(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(rule_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AlertRuleInput>,
) -> ApiResult<Json<AlertRuleView>> {
    Ok(Json(alerts::update_rule(&state.db, &actor, rule_id, input).await?))
}

/// Deletes an alert rule and its history.
#[utoipa::path(delete, path = "/api/publisher/v1/alerts/rules/{rule_id}", tag = "publisher",
    params(("rule_id" = Uuid, Path)), security(("session" = []), ("token" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_rule(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(rule_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    alerts::delete_rule(&state.db, &actor, rule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which alerts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// Only this rule's alerts.
    rule_id: Option<Uuid>,
    /// How many (default 100, at most 500).
    limit: Option<u64>,
}

/// The alert history (fired and resolved alerts with their webhook delivery), newest first.
#[utoipa::path(get, path = "/api/publisher/v1/alerts/events", tag = "publisher", params(HistoryQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Vec<AlertEventView>), (status = 404, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<Vec<AlertEventView>>> {
    Ok(Json(alerts::history(&state.db, &actor, query.rule_id, query.limit.unwrap_or(100)).await?))
}
