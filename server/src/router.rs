//! The whole HTTP application as one axum `Router`: operational endpoints, the REST API,
//! the UI, and the layers every request passes through (outermost first):
//! request id and client origin → access log → metrics → body limit → config-change
//! wake-up → authentication and CSRF.

use app::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::{Router, middleware};

use crate::request_context::{self, ContextOptions};
use crate::{api, auth, metrics, ops, sso, telemetry, web};

/// Options of the router that are not part of [`AppState`].
#[derive(Debug, Clone)]
pub struct RouterOptions {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Believe `X-Forwarded-For`.
    pub trust_forwarded: bool,
    /// The bearer token `/metrics` asks for; `None`: open.
    pub metrics_token: Option<String>,
    /// Where the control plane's spans go; `None` when tracing is off.
    pub tracer: Option<std::sync::Arc<gateway::telemetry::Tracer>>,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self { max_body_bytes: 1024 * 1024, trust_forwarded: false, metrics_token: None, tracer: None }
    }
}

/// Builds the application.
pub fn build(state: AppState, options: RouterOptions) -> Router {
    let (api, _) = api::router();
    let app = Router::new()
        .merge(api)
        .merge(web::routes(&state))
        .merge(sso::routes())
        .fallback(web::fallback)
        .layer(middleware::from_fn_with_state(state.clone(), auth::layer))
        .layer(middleware::from_fn_with_state(state.clone(), config_may_have_changed))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(middleware::from_fn(metrics::track))
        .merge(ops::routes())
        .layer(axum::Extension(metrics::MetricsToken(options.metrics_token)))
        .with_state(state);
    telemetry::access_log(app).layer(middleware::from_fn_with_state(
        ContextOptions { trust_forwarded: options.trust_forwarded, tracer: options.tracer },
        request_context::layer,
    ))
}

/// After every state-changing request, wakes config distribution: it compares the
/// environments' config versions (which the domain bumps) with what it last published.
async fn config_may_have_changed(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let mutating = !matches!(*request.method(), http::Method::GET | http::Method::HEAD | http::Method::OPTIONS);
    let response = next.run(request).await;
    if mutating && response.status().is_success() {
        state.config_changed.notify_one();
    }
    response
}
