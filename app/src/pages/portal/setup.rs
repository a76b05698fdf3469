//! `/setup?token=…`: creates the first platform administrator through the one-time link
//! Portico prints in its log on first start.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;

use super::card::{AuthCard, Notice};
use crate::components::button::LinkButton;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;

/// Whether the setup link is still usable.
#[server(prefix = "/ui/fn", endpoint = "check_setup_link", input = GetUrl)]
pub async fn check_setup_link(token: String) -> Result<(), AppError> {
    let state = crate::session::server::state()?;
    Ok(domain::setup::check_link(&state.db, &token).await?)
}

/// Creates the administrator.
#[server(prefix = "/ui/fn", endpoint = "complete_setup")]
pub async fn complete_setup(
    csrf_token: String,
    token: String,
    display_name: String,
    email: String,
    password: String,
) -> Result<String, AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    let who = domain::audit::AuditActor { user_id: None, label: "setup-link".into(), origin: auth.origin };
    let input = domain::setup::SetupInput { token, email, display_name, password };
    Ok(domain::setup::complete(&state.db, input, &who).await?.email)
}

/// The setup page.
#[component]
pub fn Setup() -> impl IntoView {
    let token = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
    let link = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        check_setup_link,
    );
    let action = ServerAction::<CompleteSetup>::new();
    let error = action_error(action.value());
    let created = move || action.value().get().and_then(Result::ok);
    let token = StoredValue::new(token);
    view! {
        <AuthCard title="Set up Portico" subtitle="Create the first platform administrator.">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match link.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(()) => view! {
                            <Show when=move || created().is_none() fallback=move || view! {
                                <Notice>{move || format!("Administrator {} created.", created().unwrap_or_default())}</Notice>
                                <div class="mt-6"><LinkButton href="/login?next=/admin">"Sign in"</LinkButton></div>
                            }>
                                <ActionForm action=action>
                                    <div class="space-y-4">
                                        <CsrfField/>
                                        <input type="hidden" name="token" value=token.get_value()/>
                                        <TextField name="display_name" label="Your name" autocomplete="name" required=true error=field_error(error, "display_name")/>
                                        <TextField name="email" label="E-mail" kind="email" autocomplete="email" required=true error=field_error(error, "email")/>
                                        <TextField name="password" label="Password" kind="password" autocomplete="new-password" required=true
                                            help="At least 12 characters." error=field_error(error, "password")/>
                                        <FormError error=error/>
                                        <SubmitButton label="Create administrator" pending=action.pending()/>
                                    </div>
                                </ActionForm>
                            </Show>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
