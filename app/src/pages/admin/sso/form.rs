//! The forms of `/admin/sso`: registering a provider and editing one. The client secret
//! is a password field that is never filled in: empty on edit keeps the stored secret.

use leptos::prelude::*;

use super::SsoRow;
use super::server_fns::{CreateSsoProvider, UpdateSsoProvider};
use crate::components::button::SECONDARY;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::errors::AppError;
use crate::pages::Paged;
use crate::pages::admin::orgs::OrgRow;

const ROLES: [(&str, &str); 3] = [("consumer", "Consumer"), ("publisher", "Publisher"), ("org_admin", "Org admin")];

/// Registers a provider.
#[component]
pub fn NewProviderForm(
    action: ServerAction<CreateSsoProvider>,
    orgs: Resource<Result<Paged<OrgRow>, AppError>>,
) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Register a provider"</h2>
            <p class="mt-1 text-sm text-slate-600">"Any OpenID Connect provider with discovery (Keycloak, Okta, Auth0, Entra ID, Google…). Create a confidential web client there; its redirect URI is shown in the list once registered."</p>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <TextField name="display_name" label="Display name" required=true help="Shown as “Sign in with …”." error=field_error(error, "display_name")/>
                    <TextField name="slug" label="Name in URLs" required=true help="2–40 lower-case letters, digits and dashes." error=field_error(error, "slug")/>
                    <div class="sm:col-span-2"><TextField name="issuer" label="Issuer URL" required=true help="Its discovery document is at <issuer>/.well-known/openid-configuration." error=field_error(error, "issuer")/></div>
                    <TextField name="client_id" label="Client id" required=true error=field_error(error, "client_id")/>
                    <TextField name="client_secret" label="Client secret" kind="password" autocomplete="new-password" help="Stored, never shown again. Empty for a public client." error=field_error(error, "client_secret")/>
                    <TextField name="scopes" label="Scopes" value="openid email profile" error=field_error(error, "scopes")/>
                    <TextField name="allowed_domains" label="Allowed e-mail domains" help="Space-separated, e.g. example.com; empty allows any." error=field_error(error, "allowed_domains")/>
                    <div>
                        <label for="field-org_id" class="block text-sm font-medium text-slate-700">"New users join"</label>
                        <select id="field-org_id" name="org_id" class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 sm:text-sm">
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    orgs.await.map(|p| p.items).unwrap_or_default().into_iter()
                                        .map(|o| view! { <option value=o.id.to_string()>{o.name}</option> })
                                        .collect_view()
                                })}
                            </Suspense>
                        </select>
                        <p class="mt-1 text-sm text-red-600" data-field-error="org_id">{move || field_error(error, "org_id").get()}</p>
                    </div>
                    <SelectField name="role" label="with the role" options=ROLES.to_vec()/>
                    <label class="flex items-center gap-2 text-sm text-slate-700">
                        <input type="checkbox" name="enabled" value="on" checked=true class="rounded border-slate-300"/>
                        "Enabled (shown on the sign-in page)"
                    </label>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Register provider" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}

/// Edits a provider (not its name in URLs or its organization).
#[component]
pub fn EditProviderForm(
    row: SsoRow,
    action: ServerAction<UpdateSsoProvider>,
    cancel: RwSignal<Option<SsoRow>>,
) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-indigo-200" data-testid="sso-edit">
            <h2 class="text-lg font-semibold">{format!("Edit {}", row.display_name)}</h2>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <input type="hidden" name="id" value=row.id.to_string()/>
                    <input type="hidden" name="version" value=row.version.to_string()/>
                    <TextField name="display_name" label="Display name" value=row.display_name.clone() required=true error=field_error(error, "display_name")/>
                    <TextField name="issuer" label="Issuer URL" value=row.issuer.clone() required=true error=field_error(error, "issuer")/>
                    <TextField name="client_id" label="Client id" value=row.client_id.clone() required=true error=field_error(error, "client_id")/>
                    <TextField name="client_secret" label="New client secret" kind="password" autocomplete="new-password" help="Leave empty to keep the stored secret." error=field_error(error, "client_secret")/>
                    <TextField name="scopes" label="Scopes" value=row.scopes.clone() error=field_error(error, "scopes")/>
                    <TextField name="allowed_domains" label="Allowed e-mail domains" value=row.allowed_domains.clone() error=field_error(error, "allowed_domains")/>
                    <SelectField name="role" label="Role of new users" options=ROLES.to_vec() selected=row.role.clone()/>
                </div>
                <div class="mt-4 flex items-center gap-3">
                    <SubmitButton label="Save" pending=action.pending()/>
                    <button type="button" class=SECONDARY on:click=move |_| cancel.set(None)>"Cancel"</button>
                </div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}
