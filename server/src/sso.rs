//! The browser side of single sign-on (outside `/api`: these are redirects, not JSON):
//!
//! * `GET /auth/sso/{provider}/start?next=/path` — starts a sign-in, sets the state
//!   cookie (`portico_sso`, HttpOnly, `SameSite=Lax` so it comes back with the provider's
//!   top-level redirect, path `/auth/sso/`, 10 minutes) and redirects to the provider.
//! * `GET /auth/sso/{provider}/callback?code=…&state=…` — finishes it: on success sets
//!   the session cookie and redirects to `next`; on any refusal redirects to
//!   `/login?sso_error=<code>`, where the sign-in page explains it (never a 500).

use app::cookies;
use app::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::sso::{self, Callback, SsoError};
use serde::Deserialize;

use crate::auth::Auth;

/// The state cookie.
pub const STATE_COOKIE: &str = "portico_sso";
const COOKIE_PATH: &str = "/auth/sso/";

/// The two routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/auth/sso/{provider}/start", get(start)).route("/auth/sso/{provider}/callback", get(callback))
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    match sso::start(&state.db, &provider, query.next.as_deref(), &state.base_url).await {
        Ok(started) => {
            let age = sso::LOGIN_LIFETIME.num_seconds();
            let cookie = state_cookie(&started.state, age, state.secure_cookies);
            with_cookies(Redirect::to(&started.authorize_url).into_response(), &[cookie])
        }
        Err(error) => refused(&state, &provider, &error),
    }
}

async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Auth(auth): Auth,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let cookie_state = cookies::get(&headers, STATE_COOKIE).filter(|s| !s.is_empty());
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let outcome =
        sso::finish(&state.db, &state.sessions, &provider, query, cookie_state, &state.base_url, &auth.origin, agent)
            .await;
    match outcome {
        Ok(finished) => {
            let session = cookies::session(&finished.session.secret, finished.session.expires_at, state.secure_cookies);
            let clear = state_cookie("", 0, state.secure_cookies);
            with_cookies(Redirect::to(&finished.return_to).into_response(), &[session, clear])
        }
        Err(error) => refused(&state, &provider, &error),
    }
}

/// Logs why, clears the state cookie and sends the browser to the sign-in page with the
/// error's code.
fn refused(state: &AppState, provider: &str, error: &SsoError) -> Response {
    match error {
        SsoError::Domain(cause) => tracing::error!(%provider, error = %cause, "single sign-on failed"),
        other => tracing::warn!(%provider, code = other.code(), error = %other, "single sign-on refused"),
    }
    let target = format!("/login?sso_error={}", error.code());
    with_cookies(Redirect::to(&target).into_response(), &[state_cookie("", 0, state.secure_cookies)])
}

fn state_cookie(value: &str, max_age: i64, secure: bool) -> String {
    let mut cookie = format!("{STATE_COOKIE}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
