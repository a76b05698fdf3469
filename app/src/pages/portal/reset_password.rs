//! `/reset-password?token=…`: chooses a new password with the e-mailed link. The link
//! opens a form (nothing changes on GET); on success every session of the account has
//! ended and the user signs in again with the new password.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::card::{AuthCard, Notice};
use crate::components::button::LinkButton;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;

/// Sets the new password; returns the account's e-mail address.
#[server(prefix = "/ui/fn", endpoint = "confirm_password_reset")]
pub async fn confirm_password_reset(csrf_token: String, token: String, password: String) -> Result<String, AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    let email = domain::password_reset::confirm(&state.db, &state.throttle, &token, &password, &auth.origin).await?;
    // Every session ended, this browser's included.
    server::set_header(http::header::SET_COOKIE, &crate::cookies::clear_session(state.secure_cookies));
    Ok(email)
}

/// The reset page.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let token = StoredValue::new(use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default());
    let action = ServerAction::<ConfirmPasswordReset>::new();
    let error = action_error(action.value());
    let done = move || action.value().get().and_then(Result::ok);
    view! {
        <AuthCard title="Choose a new password">
            <Show when=move || done().is_none() fallback=move || view! {
                <Notice>"Your password has been changed and every session of your account has been signed out. Sign in with the new password."</Notice>
                <div class="mt-6"><LinkButton href="/login">"Sign in"</LinkButton></div>
            }>
                <ActionForm action=action>
                    <div class="space-y-4">
                        <CsrfField/>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <TextField name="password" label="New password" kind="password" autocomplete="new-password" required=true
                            help="At least 12 characters." error=field_error(error, "password")/>
                        <FormError error=error/>
                        <SubmitButton label="Set new password" pending=action.pending()/>
                    </div>
                </ActionForm>
                <p class="mt-6 text-sm text-slate-600">"Link expired? " <a href="/forgot-password" class="font-semibold text-indigo-700 hover:underline">"Ask for a new one"</a></p>
            </Show>
        </AuthCard>
    }
}
