//! The profile and password forms of the account page.

use leptos::prelude::*;

use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::{WithSession, use_session};

/// Changes the display name.
#[server(prefix = "/ui/fn", endpoint = "update_profile")]
pub async fn update_profile(csrf_token: String, display_name: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let input = domain::accounts::ProfileUpdate { display_name: Some(display_name), ..Default::default() };
    domain::accounts::update_me(&state.db, &state.throttle, &actor, input, None).await?;
    Ok(())
}

/// Changes the password; other sessions are signed out.
#[server(prefix = "/ui/fn", endpoint = "change_password")]
pub async fn change_password(
    csrf_token: String,
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let keep = server::auth().principal.and_then(|p| p.session_id);
    let input = domain::accounts::ProfileUpdate {
        current_password: Some(current_password),
        new_password: Some(new_password),
        display_name: None,
    };
    domain::accounts::update_me(&state.db, &state.throttle, &actor, input, keep).await?;
    Ok(())
}

/// Both forms.
#[component]
pub fn Profile() -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let rename = ServerAction::<UpdateProfile>::new();
    let rename_error = action_error(rename.value());
    let password = ServerAction::<ChangePassword>::new();
    let password_error = action_error(password.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = rename.value().get() {
            toasts.success("Profile saved.");
            session.0.refetch();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = password.value().get() {
            toasts.success("Password changed. Your other sessions were signed out.");
        }
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Profile"</h2>
            <ActionForm action=rename>
                <div class="mt-4 space-y-4">
                    <CsrfField/>
                    <WithSession children=move |info| view! {
                        <TextField name="display_name" label="Display name" value=info.user.map(|u| u.display_name).unwrap_or_default()
                            required=true error=field_error(rename_error, "display_name")/>
                    }/>
                    <FormError error=rename_error/>
                    <SubmitButton label="Save" pending=rename.pending()/>
                </div>
            </ActionForm>
        </section>
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Password"</h2>
            <ActionForm action=password>
                <div class="mt-4 space-y-4">
                    <CsrfField/>
                    <TextField name="current_password" label="Current password" kind="password" autocomplete="current-password" required=true error=field_error(password_error, "current_password")/>
                    <TextField name="new_password" label="New password" kind="password" autocomplete="new-password" required=true help="At least 12 characters." error=field_error(password_error, "new_password")/>
                    <FormError error=password_error/>
                    <SubmitButton label="Change password" pending=password.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
