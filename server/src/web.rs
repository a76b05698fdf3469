//! The Leptos UI: server-side rendered pages and their server functions, static assets
//! (the WASM bundle, CSS) and the HTML 404 page. Unknown `/api/…` paths get a JSON
//! problem instead of a page.

use app::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use leptos_axum::{LeptosRoutes, generate_route_list};

use crate::error::ApiError;

/// Page routes and server functions.
pub fn routes(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    Router::new().leptos_routes_with_context(state, routes, || {}, move || app::shell(options.clone()))
}

/// Fallback for every unmatched request: API problems for `/api/…`, otherwise a static
/// file or the UI's not-found page.
pub async fn fallback(uri: Uri, state: State<AppState>, req: Request<Body>) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::no_such_route(req.method(), uri.path()).into_response();
    }
    let handler = leptos_axum::file_and_error_handler::<AppState, _>(app::shell);
    handler(uri, state, req).await
}
