//! `/forgot-password`: asks for the account's e-mail address and mails a reset link. The
//! page answers the same whether or not the address has an account.

use leptos::prelude::*;

use super::card::{AuthCard, Notice};
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;

/// Mails a reset link if the address has an active account (at most one a minute).
#[server(prefix = "/ui/fn", endpoint = "request_password_reset")]
pub async fn request_password_reset(csrf_token: String, email: String) -> Result<(), AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    domain::password_reset::request(&state.db, &email, &state.base_url, &auth.origin).await?;
    state.wake_mailer();
    Ok(())
}

/// The "forgot password" page.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action.value());
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <AuthCard title="Reset your password" subtitle="We will e-mail you a link to choose a new password.">
            <Show when=move || !sent() fallback=|| view! {
                <Notice>"If an active account uses this address, a link to reset its password is on its way. It is valid for one hour."</Notice>
                <p class="mt-6 text-sm text-slate-600"><a href="/login" class="font-semibold text-indigo-700 hover:underline">"Back to sign-in"</a></p>
            }>
                <ActionForm action=action>
                    <div class="space-y-4">
                        <CsrfField/>
                        <TextField name="email" label="E-mail" kind="email" autocomplete="username" required=true error=field_error(error, "email")/>
                        <FormError error=error/>
                        <SubmitButton label="Send reset link" pending=action.pending()/>
                    </div>
                </ActionForm>
                <p class="mt-6 text-sm text-slate-600">"Remembered it? " <a href="/login" class="font-semibold text-indigo-700 hover:underline">"Sign in"</a></p>
            </Show>
        </AuthCard>
    }
}
