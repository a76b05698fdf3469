//! The external identity provider section of an application page: when the platform
//! trusts external key managers (OIDC issuers an administrator registered), the user maps
//! the client id their provider issued to this application for an environment, so the
//! gateway accepts that provider's tokens for it; mappings are listed and can be removed.
//! Without key managers the section only says so.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key_forms::EnvironmentChoices;
use crate::components::button::SMALL_DANGER;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A key manager a client can be mapped from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyManagerRow {
    pub id: Uuid,
    pub name: String,
    /// The `iss` of its tokens.
    pub issuer: String,
}

/// A client of a key manager mapped to the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalClientRow {
    /// The mapping's id.
    pub id: Uuid,
    /// The key manager's name (or a note when it is disabled).
    pub key_manager: String,
    pub environment: String,
    /// The client id the key manager puts in its tokens.
    pub client_id: String,
    pub created: String,
}

/// The enabled key managers, loaded by the page.
pub type KeyManagersResource = Resource<Result<Vec<KeyManagerRow>, AppError>>;
/// The application's mapped clients, loaded by the page.
pub type ExternalClientsResource = Resource<Result<Vec<ExternalClientRow>, AppError>>;

/// The enabled external key managers.
#[server(prefix = "/ui/fn", endpoint = "portal_key_managers", input = GetUrl)]
pub async fn portal_key_managers() -> Result<Vec<KeyManagerRow>, AppError> {
    use crate::session::server;
    server::actor(None)?;
    let db = server::state()?.db;
    let choices = domain::key_managers::choices(&db).await?;
    Ok(choices.into_iter().map(|(id, name, issuer)| KeyManagerRow { id, name, issuer }).collect())
}

/// The external clients mapped to the application.
#[server(prefix = "/ui/fn", endpoint = "portal_external_clients", input = GetUrl)]
pub async fn portal_external_clients(application_id: Uuid) -> Result<Vec<ExternalClientRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let managers = domain::key_managers::choices(&db).await?;
    let mapped = domain::key_managers::mapped_clients(&db, &actor, application_id).await?;
    Ok(mapped
        .into_iter()
        .map(|(manager_id, client)| ExternalClientRow {
            id: client.id,
            key_manager: managers
                .iter()
                .find(|(id, _, _)| *id == manager_id)
                .map_or_else(|| "a disabled key manager".to_owned(), |(_, name, _)| name.clone()),
            environment: client.environment,
            client_id: client.client_id,
            created: crate::pages::time(client.created_at),
        })
        .collect())
}

/// Maps a key manager's client id to the application for an environment.
#[server(prefix = "/ui/fn", endpoint = "portal_map_external_client")]
pub async fn portal_map_external_client(
    csrf_token: String,
    application_id: Uuid,
    key_manager_id: Uuid,
    environment: String,
    client_id: String,
) -> Result<String, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let client =
        domain::key_managers::map_client(&db, &actor, application_id, key_manager_id, &environment, &client_id).await?;
    Ok(client.client_id)
}

/// Removes a mapping; the provider's tokens for that client stop working here.
#[server(prefix = "/ui/fn", endpoint = "portal_unmap_external_client")]
pub async fn portal_unmap_external_client(csrf_token: String, client: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    Ok(domain::oauth::clients::delete(&db, &actor, client).await?)
}

/// The section; its resources are created by the page and reload when `changed` moves.
#[component]
pub fn ExternalClients(
    app_id: Uuid,
    managers: KeyManagersResource,
    clients: ExternalClientsResource,
    environments: EnvironmentChoices,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let map = ServerAction::<PortalMapExternalClient>::new();
    let unmap = ServerAction::<PortalUnmapExternalClient>::new();
    Effect::new(move |_| {
        if let Some(Ok(client_id)) = map.value().get() {
            toasts.success(format!("Client {client_id} mapped to this application."));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match unmap.value().get() {
        Some(Ok(())) => {
            toasts.success("Mapping removed.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="external-clients">
            <h2 class="text-lg font-semibold">"Tokens from an external identity provider"</h2>
            <Suspense fallback=|| view! { <p class="mt-2 text-sm text-slate-500">"Loading identity providers…"</p> }>
                {move || Suspend::new(async move {
                    let managers = managers.await.unwrap_or_default();
                    let rows = clients.await;
                    if managers.is_empty() && rows.as_ref().is_ok_and(Vec::is_empty) {
                        return view! {
                            <p class="mt-1 text-sm text-slate-600" data-testid="no-key-managers">
                                "This platform trusts no external identity provider, so only tokens from Portico's own OAuth2 server (above) work. A platform administrator can register one."
                            </p>
                        }.into_any();
                    }
                    view! {
                        <p class="mt-1 text-sm text-slate-600">
                            "If your application is registered in an identity provider this platform trusts, map the client id it issued to this application: the gateway then accepts that provider's tokens for it."
                        </p>
                        <MappedClients rows=rows unmap=unmap/>
                        {(!managers.is_empty()).then(|| view! { <MapClientForm action=map app_id=app_id managers=managers environments=environments/> })}
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// The mapped clients, each with its remove button.
#[component]
fn MappedClients(
    rows: Result<Vec<ExternalClientRow>, AppError>,
    unmap: ServerAction<PortalUnmapExternalClient>,
) -> impl IntoView {
    let csrf = csrf_token();
    let rows = match rows {
        Err(e) => {
            return view! { <div class="mt-4"><FormError error=Signal::derive(move || Some(e.clone()))/></div> }
                .into_any();
        }
        Ok(rows) if rows.is_empty() => {
            return view! { <p class="mt-4 text-sm text-slate-500">"No client mapped yet."</p> }.into_any();
        }
        Ok(rows) => rows,
    };
    view! {
        <div class="mt-4">
            <Table headers=vec!["Client id", "Identity provider", "Environment", "Mapped", ""]>
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <tr data-testid="external-client-row">
                            <td class=CELL_STRONG><code class="font-mono text-xs">{row.client_id}</code></td>
                            <td class=CELL>{row.key_manager}</td>
                            <td class=CELL>{row.environment}</td>
                            <td class=CELL>{row.created}</td>
                            <td class=CELL>
                                <button type="button" class=SMALL_DANGER on:click=move |_| {
                                    unmap.dispatch(PortalUnmapExternalClient { csrf_token: csrf.get_untracked(), client: id });
                                }>"Remove"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        </div>
    }.into_any()
}

/// Maps a client: key manager, environment and client id.
#[component]
fn MapClientForm(
    action: ServerAction<PortalMapExternalClient>,
    app_id: Uuid,
    managers: Vec<KeyManagerRow>,
    environments: EnvironmentChoices,
) -> impl IntoView {
    let error = action_error(action.value());
    let options: Vec<(String, String)> =
        managers.into_iter().map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.issuer))).collect();
    view! {
        <ActionForm action=action>
            <div class="mt-6 space-y-4" data-testid="map-external-client">
                <h3 class="font-semibold">"Map a client"</h3>
                <CsrfField/>
                <input type="hidden" name="application_id" value=app_id.to_string()/>
                <div class="grid gap-4 sm:grid-cols-3 sm:items-start">
                    <SelectField name="key_manager_id" label="Identity provider" options=options error=field_error(error, "key_manager_id")/>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading environments…"</p> }>
                        {move || Suspend::new(async move {
                            let options: Vec<(String, String)> = environments.await.unwrap_or_default();
                            view! { <SelectField name="environment" id="external-environment" label="Environment" options=options error=field_error(error, "environment")/> }
                        })}
                    </Suspense>
                    <TextField name="client_id" label="Client id" required=true help="As your identity provider shows it (it names the client in its tokens)." error=field_error(error, "client_id")/>
                </div>
                <FormError error=error/>
                <SubmitButton label="Map client" pending=action.pending()/>
            </div>
        </ActionForm>
    }
}
