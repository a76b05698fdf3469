//! The forms of `/admin/key-managers`: registering a key manager and editing one. Both
//! share their fields; the issuer itself comes from the discovery document.

use leptos::prelude::*;

use super::KeyManagerRow;
use super::server_fns::{CreateKeyManager, UpdateKeyManager};
use crate::components::button::SECONDARY;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, field_error};
use crate::errors::AppError;

/// The settings fields, filled from `row` when editing.
#[component]
fn Fields(row: Option<KeyManagerRow>, error: Signal<Option<AppError>>) -> impl IntoView {
    let row = row.unwrap_or_else(|| KeyManagerRow {
        id: uuid::Uuid::nil(),
        name: String::new(),
        issuer: String::new(),
        discovery_url: String::new(),
        client_claim: "client_id".into(),
        audiences: String::new(),
        algorithms: String::new(),
        key_ids: String::new(),
        fetched: String::new(),
        last_error: None,
        enabled: true,
        version: 0,
    });
    view! {
        <div class="mt-4 grid gap-4 sm:grid-cols-2">
            <CsrfField/>
            <TextField name="name" label="Name" value=row.name required=true help="Shown to consumers, e.g. “Corporate Keycloak”." error=field_error(error, "name")/>
            <TextField name="discovery_url" label="Issuer or discovery URL" value=row.discovery_url required=true
                help="/.well-known/openid-configuration is added when missing. It must answer now." error=field_error(error, "discovery_url")/>
            <TextField name="client_claim" label="Client claim" value=row.client_claim
                help="The token claim naming the client: client_id, azp (Keycloak, Auth0), cid (Okta), appid (Entra ID v1)." error=field_error(error, "client_claim")/>
            <TextField name="audiences" label="Required audiences" value=row.audiences
                help="Space-separated; tokens must carry one of them in aud. Empty: not checked." error=field_error(error, "audiences")/>
            <TextField name="algorithms" label="Accepted algorithms" value=row.algorithms
                help="Space-separated (RS256 RS384 RS512 PS256 ES256 ES384 EdDSA…). Empty: RS256 and ES256." error=field_error(error, "algorithms")/>
            <label class="flex items-center gap-2 self-center text-sm text-slate-700">
                <input type="checkbox" name="enabled" value="on" checked=row.enabled class="rounded border-slate-300"/>
                "Enabled (gateways accept its tokens)"
            </label>
        </div>
    }
}

/// Registers a key manager.
#[component]
pub fn NewKeyManagerForm(action: ServerAction<CreateKeyManager>) -> impl IntoView {
    let error = crate::components::form::action_error(action.value());
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Register a key manager"</h2>
            <p class="mt-1 text-sm text-slate-600">"Any issuer with OpenID discovery. Portico reads its keys now and every few minutes after, and pushes them to every gateway: tokens are checked at the gateway, without a call per request."</p>
            <ActionForm action=action>
                <Fields row=None error=error/>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Register key manager" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}

/// Edits a key manager.
#[component]
pub fn EditKeyManagerForm(
    row: KeyManagerRow,
    action: ServerAction<UpdateKeyManager>,
    cancel: RwSignal<Option<KeyManagerRow>>,
) -> impl IntoView {
    let error = crate::components::form::action_error(action.value());
    let (id, version, title) = (row.id.to_string(), row.version.to_string(), format!("Edit {}", row.name));
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-indigo-200" data-testid="key-manager-edit">
            <h2 class="text-lg font-semibold">{title}</h2>
            <ActionForm action=action>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <Fields row=Some(row) error=error/>
                <div class="mt-4 flex items-center gap-3">
                    <SubmitButton label="Save" pending=action.pending()/>
                    <button type="button" class=SECONDARY on:click=move |_| cancel.set(None)>"Cancel"</button>
                </div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}
