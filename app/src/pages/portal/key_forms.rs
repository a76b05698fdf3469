//! The forms of the keys section: create a key (environment, lifetime), rotate one (grace
//! period), and the box that shows a new secret once with a curl example for one of the
//! application's subscribed APIs.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::application_keys::{KeyRow, PortalCreateKey, PortalRotateKey};
use crate::components::button::SECONDARY;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, action_error, field_error};
use crate::errors::AppError;

/// Lifetimes offered for a new key: `(days, label)`.
const LIFETIMES: [(&str, &str); 4] =
    [("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("never", "never")];

/// Grace periods offered when rotating: `(hours, label)`.
const GRACE_PERIODS: [(&str, &str); 4] =
    [("0", "none: the old key stops now"), ("1", "1 hour"), ("24", "24 hours"), ("168", "7 days")];

/// A key just created or rotated: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    pub secret: String,
    pub environment: String,
    /// A curl command calling a subscribed API with the key.
    pub curl: String,
}

#[cfg(feature = "ssr")]
impl NewSecret {
    /// The secret of `created`, with a curl example for one of the application's APIs.
    pub async fn of(
        db: &sea_orm::DatabaseConnection,
        actor: &domain::Actor,
        created: domain::api_keys::CreatedKey,
    ) -> Result<Self, crate::errors::AppError> {
        use super::how_to_call::CallExample;
        let subscriptions = domain::applications::subscriptions(db, actor, created.key.application_id).await?;
        let mut example = CallExample::generic();
        for subscription in subscriptions.iter().filter(|s| s.state == "active") {
            if let Ok(api) = domain::catalog::find_visible(db, Some(actor), subscription.api_id).await {
                example = CallExample::of(&api);
                break;
            }
        }
        Ok(Self { curl: example.curl(&created.secret), environment: created.key.environment, secret: created.secret })
    }
}

/// The environments a key can be made for, as `(name, display name)`.
pub type EnvironmentChoices = Resource<Result<Vec<(String, String)>, AppError>>;

/// Creates a key for application `app_id`; `environments` is loaded by the page.
#[component]
pub fn CreateKeyForm(
    action: ServerAction<PortalCreateKey>,
    app_id: Uuid,
    environments: EnvironmentChoices,
) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <ActionForm action=action>
            <div class="mt-4 grid gap-4 sm:grid-cols-2 sm:items-start">
                <CsrfField/>
                <input type="hidden" name="application_id" value=app_id.to_string()/>
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading environments…"</p> }>
                    {move || Suspend::new(async move {
                        let options: Vec<(String, String)> = environments
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(name, display_name)| {
                                let label = format!("{display_name} ({name})");
                                (name, label)
                            })
                            .collect();
                        view! { <SelectField name="environment" label="Environment" options=options error=field_error(error, "environment")/> }
                    })}
                </Suspense>
                <SelectField name="expires_in_days" label="Expires" selected="90" options=LIFETIMES.to_vec()/>
            </div>
            <div class="mt-4 space-y-3">
                <FormError error=error/>
                <SubmitButton label="Create key" pending=action.pending()/>
            </div>
        </ActionForm>
    }
}

/// The secret of a key just made, shown once, with a curl example.
#[component]
pub fn NewSecretBox(secret: NewSecret) -> impl IntoView {
    view! {
        <div role="status" class="mt-4 rounded-md bg-amber-50 p-4 ring-1 ring-inset ring-amber-300" data-testid="new-api-key-box">
            <p class="text-sm font-semibold text-amber-900">{format!("Copy your new {} key now: it will not be shown again.", secret.environment)}</p>
            <code class="mt-2 block break-all rounded bg-white p-2 font-mono text-sm" data-testid="new-api-key">{secret.secret}</code>
            <p class="mt-3 text-sm text-amber-900">"Try it (GATEWAY_URL is the address of this environment's gateway):"</p>
            <pre class="mt-1 overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100" data-testid="new-api-key-curl">{secret.curl}</pre>
        </div>
    }
}

/// Asks for the grace period, then rotates the key in `target` (shown while it is set).
#[component]
pub fn RotateDialog(target: RwSignal<Option<KeyRow>>, action: ServerAction<PortalRotateKey>) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        {move || target.get().map(|key| view! {
            <div class="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40 p-4" role="dialog" aria-modal="true" aria-labelledby="rotate-key-title">
                <div class="w-full max-w-md rounded-lg bg-white p-6 shadow-xl">
                    <h2 id="rotate-key-title" class="text-lg font-semibold text-slate-900">"Rotate key?"</h2>
                    <p class="mt-2 text-sm text-slate-600">
                        {format!("A new key replaces {}. During the grace period both keys work, so your programs can switch over.", key.key)}
                    </p>
                    <ActionForm action=action>
                        <div class="mt-4 space-y-4">
                            <CsrfField/>
                            <input type="hidden" name="key_id" value=key.id.to_string()/>
                            <SelectField name="grace_hours" label="Grace period" selected="24" options=GRACE_PERIODS.to_vec()/>
                            <FormError error=error/>
                            <div class="flex justify-end gap-3">
                                <button type="button" class=SECONDARY on:click=move |_| target.set(None)>"Cancel"</button>
                                <SubmitButton label="Rotate key" pending=action.pending()/>
                            </div>
                        </div>
                    </ActionForm>
                </div>
            </div>
        })}
    }
}
