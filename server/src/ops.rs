//! Operational endpoints of the control plane: `/healthz` (the process is alive),
//! `/readyz` (the database answers and every migration is applied) and `/metrics`
//! (Prometheus; see [`crate::metrics`]).

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The two routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::handle))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match crate::db::ready(&state.db).await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "reason": "database unavailable" })))
        }
    }
}
