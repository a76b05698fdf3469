//! Server-side context shared by SSR, server functions and the REST API (feature `ssr`):
//! the [`AppState`] with the database and services, and the [`RequestAuth`] that the
//! server's auth middleware attaches to every request.

use std::sync::Arc;

use domain::Actor;
use domain::actor::RequestOrigin;
use domain::mail::MailTransport;
use domain::sessions::SessionPolicy;
use domain::throttle::LoginThrottle;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

/// Everything a request handler or server function needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The control-plane database.
    pub db: DatabaseConnection,
    /// Sign-in throttle (in-process or Redis).
    pub throttle: Arc<LoginThrottle>,
    /// How long sessions live (idle and absolute lifetime).
    pub sessions: SessionPolicy,
    /// Where e-mail goes.
    pub mail: Arc<MailTransport>,
    /// Wakes the mail delivery task after a message is queued.
    pub mail_wakeup: Arc<Notify>,
    /// Woken after every state-changing request, so config distribution looks for
    /// environments whose gateway configuration changed.
    pub config_changed: Arc<Notify>,
    /// Whether OpenAPI documents may be imported from private and loopback addresses
    /// (`PORTICO_IMPORT_ALLOW_PRIVATE`; off: no SSRF through the importer).
    pub import_allow_private: bool,
    /// Public base URL without trailing slash (links in e-mails).
    pub base_url: String,
    /// Portico's OAuth2 authorization server: issuer, gateway audience, signing.
    pub oauth: domain::oauth::Provider,
    /// Whether cookies get the `Secure` attribute (the public URL is https).
    pub secure_cookies: bool,
    /// Leptos rendering options.
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who acts, with their roles.
    pub actor: Actor,
    /// Display name for the UI.
    pub display_name: String,
    /// The browser session (`None` when authenticated by personal access token).
    pub session_id: Option<uuid::Uuid>,
}

/// What the auth middleware learned about a request; in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    /// The signed-in user, if any.
    pub principal: Option<Principal>,
    /// The CSRF token forms of this page must carry (session token, or the anonymous
    /// double-submit token).
    pub csrf_token: Option<String>,
    /// The request carried a session cookie that has expired.
    pub session_expired: bool,
    /// Where the request came from (audit).
    pub origin: RequestOrigin,
}

/// Cookie holding the session secret.
pub const SESSION_COOKIE: &str = "portico_session";
/// Cookie holding the anonymous CSRF token (double-submit, before sign-in).
pub const CSRF_COOKIE: &str = "portico_csrf";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// Header carrying the CSRF token (API clients using cookies).
pub const CSRF_HEADER: &str = "x-csrf-token";

impl AppState {
    /// Asks the mail delivery task to run now (a message was queued).
    pub fn wake_mailer(&self) {
        self.mail_wakeup.notify_one();
    }
}
