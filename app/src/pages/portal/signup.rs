//! `/signup`: self-service account creation on the portal.

use leptos::prelude::*;

use super::card::{AuthCard, Notice};
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;

/// Creates an account that waits for e-mail verification; returns the address the link
/// was sent to.
#[server(prefix = "/ui/fn", endpoint = "signup")]
pub async fn signup(
    csrf_token: String,
    display_name: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    let input = domain::accounts::SignupInput { email, password, display_name, portal: None };
    let user = domain::accounts::signup(&state.db, input, &state.base_url, &auth.origin).await?;
    state.wake_mailer();
    Ok(user.email)
}

/// The sign-up page.
#[component]
pub fn Signup() -> impl IntoView {
    let action = ServerAction::<Signup>::new();
    let error = action_error(action.value());
    let sent_to = move || action.value().get().and_then(Result::ok);
    view! {
        <AuthCard title="Create your account" subtitle="Self-service access to the API catalog.">
            <Show when=move || sent_to().is_none() fallback=move || view! {
                <Notice>
                    <p class="font-semibold">"Check your inbox"</p>
                    <p class="mt-1" data-testid="signup-done">{move || format!("We sent a verification link to {}. Open it to activate your account.", sent_to().unwrap_or_default())}</p>
                </Notice>
            }>
                <ActionForm action=action>
                    <div class="space-y-4">
                        <CsrfField/>
                        <TextField name="display_name" label="Your name" autocomplete="name" required=true error=field_error(error, "display_name")/>
                        <TextField name="email" label="E-mail" kind="email" autocomplete="email" required=true error=field_error(error, "email")/>
                        <TextField name="password" label="Password" kind="password" autocomplete="new-password" required=true
                            help="At least 12 characters." error=field_error(error, "password")/>
                        <FormError error=error/>
                        <SubmitButton label="Create account" pending=action.pending()/>
                    </div>
                </ActionForm>
                <p class="mt-6 text-sm text-slate-600">"Already have an account? " <a href="/login" class="font-semibold text-indigo-700 hover:underline">"Sign in"</a></p>
            </Show>
        </AuthCard>
    }
}
