//! `/login`: sign in with e-mail and password or with a single sign-on provider, then go
//! back where the user came from.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::card::AuthCard;
use super::sso_buttons::{SsoButtons, SsoError, sso_options};
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;

/// Signs in: checks the password (throttled after repeated failures) and sets the
/// session cookie.
#[server(prefix = "/ui/fn", endpoint = "login")]
pub async fn login(csrf_token: String, email: String, password: String) -> Result<(), AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    let agent = server::user_agent();
    let session = domain::sessions::login(
        &state.db,
        &state.throttle,
        &state.sessions,
        &email,
        &password,
        &auth.origin,
        agent.as_deref(),
    )
    .await?;
    server::set_header(
        http::header::SET_COOKIE,
        &crate::cookies::session(&session.secret, session.expires_at, state.secure_cookies),
    );
    Ok(())
}

/// Only local paths are followed after sign-in (no open redirect): a single leading
/// `/`, no backslash, and no whitespace or control characters (browsers strip tabs and
/// newlines, which would turn `/\t/evil.example` into `//evil.example`).
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    })
    .unwrap_or_else(|| "/portal".to_owned())
}

/// The sign-in page.
#[component]
pub fn Login() -> impl IntoView {
    let query = use_query_map();
    let next = safe_next(query.with_untracked(|q| q.get("next")));
    let next_for_sso = next.clone();
    let expired = query.with_untracked(|q| q.get("expired").is_some());
    let sso_error = query.with_untracked(|q| q.get("sso_error"));
    let sso = Resource::new(move || sso_error.clone(), sso_options);
    let action = ServerAction::<Login>::new();
    let error = action_error(action.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(&next);
            #[cfg(not(feature = "hydrate"))]
            let _ = &next;
        }
    });
    view! {
        <AuthCard title="Sign in" subtitle="Use the e-mail address and password of your Portico account.">
            {expired.then(|| view! {
                <div role="alert" class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-800 ring-1 ring-inset ring-amber-200">
                    "Your session has expired. Please sign in again."
                </div>
            })}
            <SsoError options=sso/>
            <ActionForm action=action>
                <div class="space-y-4">
                    <CsrfField/>
                    <TextField name="email" label="E-mail" kind="email" autocomplete="username" required=true error=field_error(error, "email")/>
                    <TextField name="password" label="Password" kind="password" autocomplete="current-password" required=true error=field_error(error, "password")/>
                    <p class="text-right text-sm"><a href="/forgot-password" class="text-indigo-700 hover:underline">"Forgot password?"</a></p>
                    <FormError error=error/>
                    <SubmitButton label="Sign in" pending=action.pending()/>
                </div>
            </ActionForm>
            <SsoButtons options=sso next=next_for_sso/>
            <p class="mt-6 text-sm text-slate-600">"New here? " <a href="/signup" class="font-semibold text-indigo-700 hover:underline">"Create an account"</a></p>
        </AuthCard>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/admin/users?page=2".into())), "/admin/users?page=2");
        assert_eq!(safe_next(Some("//evil.example".into())), "/portal");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/portal");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/portal");
        assert_eq!(safe_next(Some("/\t/evil.example".into())), "/portal");
        assert_eq!(safe_next(Some("/\n/evil.example".into())), "/portal");
        assert_eq!(safe_next(None), "/portal");
    }
}
