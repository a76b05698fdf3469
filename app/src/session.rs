//! Who is signed in, as the UI sees it: a resource loaded once per page (server-side
//! rendered, then reused by hydration) and provided as context, plus the server-side
//! helpers every server function uses to find the caller and check its CSRF token.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errors::AppError;

/// A membership of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMembership {
    pub org_id: Uuid,
    pub org_name: String,
    /// `org_admin`, `publisher`, `consumer` or `custom`.
    pub role: String,
    /// A provider organization (publishes APIs; administered in the admin area).
    pub provider: bool,
    /// What the role allows there (permission names), within the credential's scopes.
    pub permissions: Vec<String>,
}

impl SessionMembership {
    fn holds_any(&self, names: &[&str]) -> bool {
        self.permissions.iter().any(|p| names.contains(&p.as_str()))
    }
}

/// The admin area's permissions (any of them opens it).
const ADMIN_PERMISSIONS: [&str; 4] = ["members_manage", "roles_manage", "org_settings", "audit_read"];
/// The publisher console's permissions (any of them opens it).
const PUBLISHER_PERMISSIONS: [&str; 5] =
    ["apis_read", "apis_write", "apis_publish", "apis_deploy", "subscriptions_manage"];

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub is_platform_admin: bool,
    pub memberships: Vec<SessionMembership>,
}

impl SessionUser {
    /// May open the admin area (platform admin, or an admin permission in a provider org).
    pub fn is_admin(&self) -> bool {
        self.is_platform_admin || self.memberships.iter().any(|m| m.provider && m.holds_any(&ADMIN_PERMISSIONS))
    }

    /// May open the publisher console (platform admin, or a publisher permission in a
    /// provider org).
    pub fn is_publisher(&self) -> bool {
        self.is_platform_admin || self.memberships.iter().any(|m| m.provider && m.holds_any(&PUBLISHER_PERMISSIONS))
    }
}

/// The session state of the current page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionInfo {
    /// The signed-in user, if any.
    pub user: Option<SessionUser>,
    /// The token every form of this page must carry.
    pub csrf_token: String,
    /// A session cookie was presented but had expired.
    pub expired: bool,
}

/// The session state of this request.
#[server(prefix = "/ui/fn", endpoint = "session", input = GetUrl)]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    let auth = server::auth();
    let user = auth.principal.map(|p| SessionUser {
        id: p.actor.user_id,
        email: p.actor.email.clone(),
        display_name: p.display_name.clone(),
        is_platform_admin: p.actor.is_platform_admin,
        memberships: Vec::new(),
    });
    let user = match user {
        Some(mut user) => {
            let state = server::state()?;
            let actor = server::actor(None)?;
            let me = domain::accounts::me(&state.db, &actor).await?;
            // Only memberships that count (active organizations) are shown.
            user.memberships = me
                .memberships
                .into_iter()
                .filter_map(|m| {
                    let counted = actor.memberships.iter().find(|a| a.org_id == m.org_id)?;
                    Some(SessionMembership {
                        org_id: m.org_id,
                        org_name: m.org_name,
                        role: m.role.as_str().to_owned(),
                        provider: counted.provider,
                        permissions: actor.permissions_in(m.org_id).names(),
                    })
                })
                .collect();
            Some(user)
        }
        None => None,
    };
    Ok(SessionInfo { user, csrf_token: auth.csrf_token.unwrap_or_default(), expired: auth.session_expired })
}

/// The page's session resource, from context.
#[derive(Clone, Copy)]
pub struct Session(pub Resource<Result<SessionInfo, AppError>>);

/// Loads the session for this page and provides it as context.
pub fn provide() {
    provide_context(Session(Resource::new(|| (), |()| get_session())));
}

/// The page's session resource.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Renders `children` with the page's session once it has loaded (inside a
/// `<Suspense/>`, so server and browser render the same during hydration).
#[component]
pub fn WithSession<F, V>(children: F) -> impl IntoView
where
    F: Fn(SessionInfo) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let info = session.0.await.unwrap_or_default();
                children.with_value(|render| render(info))
            })}
        </Suspense>
    }
}

/// Whether the signed-in user is a platform administrator.
pub fn is_platform_admin(info: &SessionInfo) -> bool {
    info.user.as_ref().is_some_and(|u| u.is_platform_admin)
}

/// The CSRF token of the page, for event handlers (empty until the session has loaded;
/// read it in handlers, not while rendering — forms use [`crate::components::form::CsrfField`]).
pub fn csrf_token() -> Signal<String> {
    let session = use_session();
    Signal::derive(move || session.0.get().and_then(Result::ok).map(|s| s.csrf_token).unwrap_or_default())
}

/// Server-side access to the request's state and caller (feature `ssr`).
#[cfg(feature = "ssr")]
pub mod server {
    use domain::Actor;
    use leptos::prelude::*;

    use crate::errors::AppError;
    use crate::state::{AppState, RequestAuth};

    /// The application state.
    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| AppError::Failed("application state missing".into()))
    }

    /// What the auth middleware learned about this request.
    pub fn auth() -> RequestAuth {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<RequestAuth>().cloned())
            .unwrap_or_default()
    }

    /// The signed-in caller. For state changes pass the form's CSRF token: it must be
    /// the session's (the middleware checked it already; this keeps the rule local too).
    pub fn actor(csrf_token: Option<&str>) -> Result<Actor, AppError> {
        let auth = auth();
        let principal = auth.principal.ok_or(AppError::SignInRequired { expired: auth.session_expired })?;
        check_csrf(csrf_token, auth.csrf_token.as_deref())?;
        Ok(principal.actor)
    }

    /// A state change open to anyone (sign-up, sign-in, sign-out): checks the form's
    /// CSRF token (the session's, or the anonymous one) and returns the request's auth
    /// context.
    pub fn checked_request(csrf_token: &str) -> Result<RequestAuth, AppError> {
        let auth = auth();
        check_csrf(Some(csrf_token), auth.csrf_token.as_deref())?;
        Ok(auth)
    }

    fn check_csrf(provided: Option<&str>, expected: Option<&str>) -> Result<(), AppError> {
        match (provided, expected) {
            (None, _) => Ok(()),
            (Some(p), Some(e)) if domain::secrets::constant_time_eq(p, e) => Ok(()),
            _ => Err(AppError::refused("csrf_failed", "This form has expired. Reload the page and try again.")),
        }
    }

    /// Sets a response header of the current server function or page.
    pub fn set_header(name: http::HeaderName, value: &str) {
        if let (Some(options), Ok(value)) =
            (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(value))
        {
            options.append_header(name, value);
        }
    }

    /// The request's `User-Agent`.
    pub fn user_agent() -> Option<String> {
        use_context::<http::request::Parts>()?.headers.get(http::header::USER_AGENT)?.to_str().ok().map(str::to_owned)
    }

    /// Sets the HTTP status of the page being rendered.
    pub fn set_status(status: http::StatusCode) {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(status);
        }
    }
}
