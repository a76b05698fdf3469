//! The authorization endpoint (`GET /oauth2/authorize`). An anonymous visitor is sent
//! to sign in and back. A request the client or redirect URI makes untrustworthy goes to
//! the consent page, which shows the reason; other errors go back to the client. When
//! the user granted every requested scope to this client before (and `prompt` is not
//! `consent`), the code is issued at once; otherwise the consent page asks.

use app::components::guard::urlencode;
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::oauth::authorize::{self, AuthorizationRequest, AuthorizeError};

use crate::auth::MaybeActor;

/// Starts an authorization (authorization code with PKCE).
#[utoipa::path(get, path = "/oauth2/authorize", tag = "oauth2",
    params(("response_type" = String, Query), ("client_id" = String, Query), ("redirect_uri" = Option<String>, Query),
        ("scope" = Option<String>, Query), ("state" = Option<String>, Query), ("code_challenge" = Option<String>, Query),
        ("code_challenge_method" = Option<String>, Query), ("nonce" = Option<String>, Query), ("prompt" = Option<String>, Query)),
    responses((status = 302, description = "To sign-in, the consent page, or back to the client")))]
pub async fn authorize(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let here = format!("/oauth2/authorize?{query}");
    let Some(actor) = actor else {
        return Redirect::to(&format!("/login?next={}", urlencode(&here))).into_response();
    };
    let consent_page = Redirect::to(&format!("/oauth2/consent?{query}")).into_response();
    let Ok(request) = serde_urlencoded::from_str::<AuthorizationRequest>(&query) else { return consent_page };
    match authorize::check(&state.db, &actor, &request).await {
        Ok((pending, _)) if pending.already_granted && request.prompt.as_deref() != Some("consent") => {
            match authorize::decide(&state.db, &state.oauth, &actor, &request, true).await {
                Ok(url) | Err(AuthorizeError::Redirect(url)) => Redirect::to(&url).into_response(),
                Err(AuthorizeError::Display(_)) => consent_page,
            }
        }
        Err(AuthorizeError::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(_) | Err(AuthorizeError::Display(_)) => consent_page,
    }
}
