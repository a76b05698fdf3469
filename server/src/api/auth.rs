//! `/api/auth`: sign-up, e-mail verification, sign-in/out, the caller's session state,
//! invitations, first-admin setup and password reset. These work without being signed in.

use app::cookies;
use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::accounts::{self, SignupInput, Verified};
use domain::audit::AuditActor;
use domain::invitations::{self, AcceptInvitation, InvitationPreview};
use domain::setup::{self, SetupInput};
use domain::users::UserView;
use domain::{DomainError, password_reset, sessions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::params::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(get_session))
        .routes(routes!(preview_invitation))
        .routes(routes!(accept_invitation))
        .routes(routes!(complete_setup))
        .routes(routes!(request_password_reset))
        .routes(routes!(confirm_password_reset))
        .routes(routes!(list_sso_buttons))
}

/// Creates an account on a portal and e-mails a verification link.
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupInput,
    responses((status = 201, body = UserView), (status = 422, body = Problem, description = "invalid field, or `email_taken`")))]
async fn signup(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<SignupInput>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = accounts::signup(&state.db, input, &state.base_url, &auth.origin).await?;
    state.wake_mailer();
    Ok((StatusCode::CREATED, Json(user)))
}

/// A token from an e-mailed link.
#[derive(Debug, Deserialize, ToSchema)]
struct TokenInput {
    token: String,
}

/// Verifies an e-mail address with the token of the e-mailed link (usable once).
#[utoipa::path(post, path = "/api/auth/verify-email", tag = "auth", request_body = TokenInput,
    responses((status = 200, body = Verified), (status = 400, body = Problem, description = "`link_invalid`, `link_used` or `link_expired`")))]
async fn verify_email(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<Json<Verified>> {
    Ok(Json(accounts::verify_email(&state.db, &input.token, &auth.origin).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
struct EmailInput {
    email: String,
}

/// Sends a new verification link if the address has an unverified account (the answer
/// is the same either way).
#[utoipa::path(post, path = "/api/auth/resend-verification", tag = "auth", request_body = EmailInput,
    responses((status = 202, description = "a link was sent if the account needs one"), (status = 422, body = Problem)))]
async fn resend_verification(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<EmailInput>,
) -> ApiResult<StatusCode> {
    accounts::resend_verification(&state.db, &input.email, &state.base_url).await?;
    state.wake_mailer();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
struct LoginInput {
    email: String,
    password: String,
}

/// The signed-in state of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionState {
    /// The signed-in user, if any.
    user: Option<UserView>,
    /// The token to send as `X-CSRF-Token` with state-changing cookie requests.
    csrf_token: Option<String>,
}

/// Signs in; sets the session cookie and returns the CSRF token to use with it.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = SessionState), (status = 401, body = Problem, description = "`invalid_credentials`"),
        (status = 403, body = Problem, description = "`email_not_verified`, `approval_pending`, `account_disabled`"),
        (status = 429, body = Problem, description = "`too_many_attempts`, with `Retry-After`")))]
async fn login(
    State(state): State<AppState>,
    Auth(auth): Auth,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Response> {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let session = sessions::login(
        &state.db,
        &state.throttle,
        &state.sessions,
        &input.email,
        &input.password,
        &auth.origin,
        agent,
    )
    .await?;
    let user = domain::users::views(
        &state.db,
        vec![find_user(&state, session.user_id).await?],
        &domain::actor::AdminScope::All,
    )
    .await?
    .remove(0);
    let cookie = cookies::session(&session.secret, session.expires_at, state.secure_cookies);
    let body = SessionState { user: Some(user), csrf_token: Some(session.csrf_token) };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

async fn find_user(state: &AppState, id: uuid::Uuid) -> Result<domain::entities::user::Model, DomainError> {
    use sea_orm::EntityTrait;
    domain::entities::user::Entity::find_by_id(id).one(&state.db).await?.ok_or(DomainError::NotFound("user"))
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(state): State<AppState>, Auth(auth): Auth, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(secret) = cookies::get(&headers, app::state::SESSION_COOKIE) {
        sessions::logout(&state.db, secret, &auth.origin).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookies::clear_session(state.secure_cookies))]).into_response())
}

/// Who is signed in (if anyone) and the CSRF token for this browser.
#[utoipa::path(get, path = "/api/auth/session", tag = "auth", responses((status = 200, body = SessionState)))]
async fn get_session(State(state): State<AppState>, Auth(auth): Auth) -> ApiResult<Json<SessionState>> {
    let user = match &auth.principal {
        Some(p) => Some(domain::accounts::me(&state.db, &p.actor).await?),
        None => None,
    };
    Ok(Json(SessionState { user, csrf_token: auth.csrf_token }))
}

/// Shows an invitation (organization, address, role) by its link's token.
#[utoipa::path(post, path = "/api/auth/invitations/preview", tag = "auth", request_body = TokenInput,
    responses((status = 200, body = InvitationPreview), (status = 400, body = Problem)))]
async fn preview_invitation(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<Json<InvitationPreview>> {
    Ok(Json(invitations::preview(&state.db, &input.token).await?))
}

#[derive(Debug, Serialize, ToSchema)]
struct Accepted {
    /// The account that joined; sign in with it.
    email: String,
}

/// Accepts an invitation, creating the account when the address has none; for an
/// existing account its owner must be signed in.
#[utoipa::path(post, path = "/api/auth/invitations/accept", tag = "auth", request_body = AcceptInvitation,
    responses((status = 200, body = Accepted), (status = 400, body = Problem), (status = 422, body = Problem)))]
async fn accept_invitation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<AcceptInvitation>,
) -> ApiResult<Json<Accepted>> {
    let signed_in = auth.principal.as_ref().map(|p| &p.actor);
    let email = invitations::accept(&state.db, input, &auth.origin, signed_in).await?;
    Ok(Json(Accepted { email }))
}

/// Creates the first platform administrator with the one-time setup link's token.
#[utoipa::path(post, path = "/api/auth/setup", tag = "auth", request_body = SetupInput,
    responses((status = 201, body = UserView), (status = 400, body = Problem), (status = 422, body = Problem)))]
async fn complete_setup(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<SetupInput>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let who = AuditActor { user_id: None, label: "setup-link".into(), origin: auth.origin };
    Ok((StatusCode::CREATED, Json(setup::complete(&state.db, input, &who).await?)))
}

/// Mails a password-reset link (valid for 1 hour, usable once) if the address belongs to
/// an active account and no link was sent to it in the last minute. The answer is the
/// same either way, so it does not reveal which addresses have accounts.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth", request_body = EmailInput,
    responses((status = 202, description = "a link was sent if the address has an active account"), (status = 422, body = Problem)))]
async fn request_password_reset(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<EmailInput>,
) -> ApiResult<StatusCode> {
    password_reset::request(&state.db, &input.email, &state.base_url, &auth.origin).await?;
    state.wake_mailer();
    Ok(StatusCode::ACCEPTED)
}

/// A new password with the token of a reset link.
#[derive(Debug, Deserialize, ToSchema)]
struct ResetInput {
    token: String,
    /// At least 12 characters.
    password: String,
}

/// Sets a new password with a reset link's token (usable once). Every session of the
/// account ends, this browser's included: sign in with the new password afterwards.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "auth", request_body = ResetInput,
    responses((status = 204, description = "the password was changed; every session ended"),
        (status = 400, body = Problem, description = "`link_invalid`, `link_used` or `link_expired`"),
        (status = 403, body = Problem, description = "`account_disabled`"),
        (status = 422, body = Problem, description = "the password breaks a rule")))]
async fn confirm_password_reset(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ResetInput>,
) -> ApiResult<Response> {
    password_reset::confirm(&state.db, &state.throttle, &input.token, &input.password, &auth.origin).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookies::clear_session(state.secure_cookies))]).into_response())
}

/// The enabled single sign-on providers, as the sign-in page offers them: send the
/// browser to `start_path` (optionally with `?next=/local/path`).
#[utoipa::path(get, path = "/api/auth/sso-providers", tag = "auth", responses((status = 200, body = Vec<domain::sso::SsoButton>)))]
async fn list_sso_buttons(State(state): State<AppState>) -> ApiResult<Json<Vec<domain::sso::SsoButton>>> {
    Ok(Json(domain::sso::buttons(&state.db).await?))
}
