//! Authentication and CSRF protection, in one middleware for every route:
//!
//! * `Authorization: Bearer pat_…` authenticates with a personal access token; such
//!   requests are exempt from CSRF checks (no cookie is involved).
//! * Otherwise the `portico_session` cookie is resolved; anonymous visitors get a
//!   double-submit CSRF cookie.
//! * Every state-changing request that is not token-authenticated must come from our
//!   own origin (`Origin` / `Sec-Fetch-Site`) and carry the CSRF token — the session's
//!   synchronizer token, or the anonymous cookie's — in `X-CSRF-Token` or the
//!   `csrf_token` form field ([`csrf`]).
//!
//! The OAuth endpoints (`/oauth2/…`, `/.well-known/…`) are the exception: their
//! `Authorization` header carries client credentials or an OAuth access token (never a
//! personal access token) and they take no CSRF token — no cookie authenticates them
//! (the consent decision is a UI server function, CSRF-checked like every other).
//!
//! Handlers read the outcome from [`RequestAuth`] via the [`CurrentActor`] extractor;
//! role checks happen in the domain layer.

mod csrf;

use app::cookies;
use app::state::{AppState, CSRF_COOKIE, Principal, RequestAuth, SESSION_COOKIE};
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::actor::RequestOrigin;
use domain::{Actor, DomainError, sessions, tokens};
use http::request::Parts;
use http::{HeaderValue, header};

use crate::error::ApiError;

/// Path prefix of the UI's server functions (their errors are encoded for the UI).
pub const UI_FUNCTIONS: &str = "/ui/fn/";

/// Path prefix of the compiled UI assets, which need no authentication.
const ASSETS: &str = "/pkg/";

/// The middleware; see the module documentation.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method().is_safe() && req.uri().path().starts_with(ASSETS) {
        return next.run(req).await;
    }
    if req.uri().path().starts_with(crate::api::GATEWAY_STREAM) {
        // Remote gateways authenticate with their own tokens (see `api::gateway_stream`).
        return next.run(req).await;
    }
    let origin = req.extensions().get::<RequestOrigin>().cloned().unwrap_or_default();
    let mut auth = RequestAuth { origin: origin.clone(), ..RequestAuth::default() };
    let mut set_cookies = Vec::new();
    let path = req.uri().path();
    let oauth = path.starts_with(crate::oauth::PREFIX) || path.starts_with(crate::oauth::WELL_KNOWN);
    let pat = if oauth { None } else { bearer(req.headers()) };
    if let Some(token) = pat {
        match tokens::resolve(&state.db, &token, &origin).await {
            Ok(actor) => auth.principal = Some(Principal { actor, display_name: String::new(), session_id: None }),
            Err(DomainError::Unauthenticated) => {
                return ApiError::new(
                    http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The access token is unknown, revoked or expired.",
                )
                .into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        if let Some(secret) = cookies::get(req.headers(), SESSION_COOKIE).filter(|s| !s.is_empty()) {
            match sessions::resolve(&state.db, &state.sessions, secret, &origin).await {
                Ok(session) => {
                    if let Some(until) = session.renewed_until {
                        set_cookies.push(cookies::session(secret, until, state.secure_cookies));
                    }
                    auth.csrf_token = Some(session.csrf_token);
                    auth.principal = Some(Principal {
                        actor: session.actor,
                        display_name: session.display_name,
                        session_id: Some(session.id),
                    });
                }
                Err(e @ (DomainError::SessionExpired | DomainError::Unauthenticated)) => {
                    auth.session_expired = matches!(e, DomainError::SessionExpired);
                    set_cookies.push(cookies::clear_session(state.secure_cookies));
                }
                Err(e) => return ApiError::from(e).into_response(),
            }
        }
        let anonymous_cookie = cookies::get(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32).map(str::to_owned);
        if auth.principal.is_none() {
            auth.csrf_token = Some(match &anonymous_cookie {
                Some(token) => token.clone(),
                None => {
                    let token = domain::secrets::random_token();
                    set_cookies.push(cookies::csrf(&token, state.secure_cookies));
                    token
                }
            });
        }
        if !req.method().is_safe() && !oauth {
            let expected = if auth.principal.is_some() { auth.csrf_token.clone() } else { anonymous_cookie };
            let ui_call = req.uri().path().starts_with(UI_FUNCTIONS);
            req = match csrf::verify(req, &state.base_url, expected.as_deref(), auth.session_expired).await {
                Ok(req) => req,
                Err(csrf::Refusal::Redirect(to)) => {
                    return with_cookies(Redirect::to(to).into_response(), &set_cookies);
                }
                Err(csrf::Refusal::Error(e)) if ui_call => return with_cookies(e.into_ui_response(), &set_cookies),
                Err(csrf::Refusal::Error(e)) => return with_cookies(e.into_response(), &set_cookies),
            };
        }
    }
    req.extensions_mut().insert(auth);
    with_cookies(next.run(req).await, &set_cookies)
}

/// Adds the middleware's cookies to the response, except those the handler set itself
/// (a sign-in that replaces an expired session's cookie must not be undone by the
/// middleware clearing it afterwards).
fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    let name = |cookie: &str| cookie.split('=').next().unwrap_or_default().to_owned();
    let own: Vec<String> =
        response.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok().map(name)).collect();
    for cookie in cookies.iter().filter(|c| !own.contains(&name(c))) {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

pub(crate) fn bearer(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// Extractor for handlers that need a signed-in user: the acting [`Actor`], or 401
/// (`unauthenticated`, or `session_expired` when the cookie had expired).
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let auth = parts.extensions.get::<RequestAuth>();
        match auth.and_then(|a| a.principal.as_ref()) {
            Some(p) => Ok(Self(p.actor.clone())),
            None if auth.is_some_and(|a| a.session_expired) => Err(DomainError::SessionExpired.into()),
            None => Err(DomainError::Unauthenticated.into()),
        }
    }
}

/// Extractor for handlers open to everyone: the signed-in [`Actor`], if any.
pub struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let auth = parts.extensions.get::<RequestAuth>();
        Ok(Self(auth.and_then(|a| a.principal.as_ref()).map(|p| p.actor.clone())))
    }
}

/// Extractor for the whole [`RequestAuth`] (anonymous requests included).
pub struct Auth(pub RequestAuth);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<RequestAuth>().cloned().unwrap_or_default()))
    }
}
