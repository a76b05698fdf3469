//! `/verify-email?token=…`: confirms an e-mail address. The link opens a page with a
//! button (not a state change on GET), so mail scanners that prefetch links do not
//! consume it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::card::{AuthCard, Notice};
use crate::components::button::LinkButton;
use crate::components::form::{CsrfField, FormError, SubmitButton, action_error};
use crate::errors::AppError;

/// Verifies the address; returns the account's new status.
#[server(prefix = "/ui/fn", endpoint = "verify_email")]
pub async fn verify_email(csrf_token: String, token: String) -> Result<String, AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    Ok(domain::accounts::verify_email(&state.db, &token, &auth.origin).await?.status)
}

/// The verification page.
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let token = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action.value());
    let status = move || action.value().get().and_then(Result::ok);
    let token = StoredValue::new(token);
    view! {
        <AuthCard title="Verify your e-mail address">
            <Show when=move || status().is_none() fallback=move || view! {
                <Notice>
                    {move || if status().as_deref() == Some("pending_approval") {
                        "Your address is verified. An administrator will approve your account; you will get an e-mail then."
                    } else {
                        "Your address is verified. You can sign in now."
                    }}
                </Notice>
                <div class="mt-6"><LinkButton href="/login">"Sign in"</LinkButton></div>
            }>
                <ActionForm action=action>
                    <div class="space-y-4">
                        <CsrfField/>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <p class="text-sm text-slate-600">"Confirm that this address belongs to you to activate your account."</p>
                        <FormError error=error/>
                        <SubmitButton label="Verify my address" pending=action.pending()/>
                    </div>
                </ActionForm>
            </Show>
        </AuthCard>
    }
}
