//! `/api/admin/v1/audit-log` and `/api/admin/v1/outbox`: what happened, and (while no
//! SMTP server is configured) the mail Portico would have sent.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use domain::audit::{self, AuditEntryView, AuditFilter};
use domain::mail::{self, MailView};
use domain::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::params::ApiQuery;
use crate::auth::CurrentActor;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_log)).routes(routes!(list_outbox))
}

/// Filters, sort and page of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Actor e-mail (substring) or user id.
    actor: Option<String>,
    /// Action or action prefix, e.g. `org.` or `user.disable`.
    action: Option<String>,
    /// Only this organization's entries.
    org_id: Option<Uuid>,
    /// From this time (RFC 3339), inclusive.
    from: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339), exclusive.
    to: Option<DateTime<Utc>>,
    /// `-created_at` (newest first, default) or `created_at`.
    sort: Option<String>,
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// Browses the audit log, newest first.
#[utoipa::path(get, path = "/api/admin/v1/audit-log", tag = "admin", params(AuditQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<AuditEntryView>), (status = 404, body = Problem)))]
async fn list_audit_log(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let filter =
        AuditFilter { actor: q.actor, action: q.action, org_id: q.org_id, from: q.from, to: q.to, sort: q.sort };
    Ok(Json(audit::list(&state.db, &actor, &filter, PageRequest::new(q.page, q.per_page)).await?))
}

/// Page of the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OutboxQuery {
    /// Page number, from 1.
    page: Option<u64>,
    /// Items per page, 1–200 (default 25).
    per_page: Option<u64>,
}

/// The mail outbox, newest first: platform administrators, only while mail goes to the
/// log (no `PORTICO_SMTP_URL`), since bodies hold single-use links.
#[utoipa::path(get, path = "/api/admin/v1/outbox", tag = "admin", params(OutboxQuery), security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<MailView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_outbox(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Page<MailView>>> {
    Ok(Json(mail::list_outbox(&state.db, &actor, &state.mail, PageRequest::new(q.page, q.per_page)).await?))
}
