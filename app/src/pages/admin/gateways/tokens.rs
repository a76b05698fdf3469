//! Gateway tokens: issue one for an environment (the secret and the command to start a
//! gateway with it are shown once), list and revoke.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::badge::Badge;
use crate::components::button::SMALL_DANGER;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::pages::admin::environments::{EnvironmentRow, list_environments};
use crate::session::csrf_token;

/// A gateway token as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayTokenRow {
    pub id: Uuid,
    pub name: String,
    pub environment: String,
    pub prefix: String,
    pub created: String,
    /// `active` or `revoked`.
    pub status: String,
}

/// A token just issued: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedGatewayToken {
    pub secret: String,
    /// The command that starts a remote gateway with it.
    pub command: String,
}

/// Every gateway token.
#[server(prefix = "/ui/fn", endpoint = "admin_list_gateway_tokens", input = GetUrl)]
pub async fn list_gateway_tokens() -> Result<Vec<GatewayTokenRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    Ok(domain::gateways::list_tokens(&db, &actor)
        .await?
        .into_iter()
        .map(|t| GatewayTokenRow {
            status: if t.revoked_at.is_some() { "revoked" } else { "active" }.to_owned(),
            id: t.id,
            name: t.name,
            environment: t.environment,
            prefix: format!("{}…", t.prefix),
            created: crate::pages::time(t.created_at),
        })
        .collect())
}

/// Issues a token for an environment.
#[server(prefix = "/ui/fn", endpoint = "admin_create_gateway_token")]
pub async fn create_gateway_token(
    csrf_token: String,
    name: String,
    environment: String,
) -> Result<IssuedGatewayToken, AppError> {
    use crate::session::server;
    use domain::gateways::NewGatewayToken;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let created = domain::gateways::create_token(&state.db, &actor, NewGatewayToken { name, environment }).await?;
    let command = format!(
        "portico-gateway --control-plane {} --environment {} --token {}",
        state.base_url, created.token.environment, created.secret
    );
    Ok(IssuedGatewayToken { secret: created.secret, command })
}

/// Revokes a gateway token.
#[server(prefix = "/ui/fn", endpoint = "admin_revoke_gateway_token")]
pub async fn revoke_gateway_token(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::gateways::revoke_token(&db, &actor, id).await?;
    Ok(())
}

/// What the tokens section works with. The page makes it outside the guard's
/// `<Suspense/>` (which the server may render more than once), so the server and the
/// browser number the resources alike.
#[derive(Clone, Copy)]
pub struct TokensData {
    create: ServerAction<CreateGatewayToken>,
    revoke: ServerAction<RevokeGatewayToken>,
    tokens: Resource<Result<Vec<GatewayTokenRow>, AppError>>,
    environments: Resource<Result<Vec<EnvironmentRow>, AppError>>,
}

impl TokensData {
    /// Creates the actions and starts loading the tokens and environments.
    pub fn load() -> Self {
        let create = ServerAction::<CreateGatewayToken>::new();
        let revoke = ServerAction::<RevokeGatewayToken>::new();
        let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_gateway_tokens());
        let environments = Resource::new(|| (), |()| list_environments());
        Self { create, revoke, tokens, environments }
    }
}

/// The gateway tokens section.
#[component]
pub fn GatewayTokens(data: TokensData) -> impl IntoView {
    let TokensData { create, revoke, tokens, environments } = data;
    let toasts = use_toasts();
    let error = action_error(create.value());
    let issued = move || create.value().get().and_then(Result::ok);
    let confirm_open = RwSignal::new(false);
    let target: RwSignal<Option<GatewayTokenRow>> = RwSignal::new(None);
    let csrf = csrf_token();
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => toasts.success("Gateway token revoked."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let on_confirm = Callback::new(move |()| {
        if let Some(token) = target.get_untracked() {
            revoke.dispatch(RevokeGatewayToken { csrf_token: csrf.get_untracked(), id: token.id });
        }
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Gateway tokens"</h2>
            <p class="mt-1 text-sm text-slate-600">"A token lets remote gateways take one environment's configuration from this control plane."</p>
            <ActionForm action=create>
                <div class="mt-4 grid gap-4 sm:grid-cols-2 sm:items-start">
                    <CsrfField/>
                    <TextField name="name" label="Token name" required=true help="What it is for, e.g. the data centre." error=field_error(error, "name")/>
                    <EnvironmentSelect environments=environments error=field_error(error, "environment")/>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Issue token" pending=create.pending()/>
                </div>
            </ActionForm>
            {move || issued().map(|t| view! {
                <div role="status" class="mt-4 rounded-md bg-amber-50 p-4 ring-1 ring-inset ring-amber-300">
                    <p class="text-sm font-semibold text-amber-900">"Copy the gateway token now — it will not be shown again."</p>
                    <code class="mt-2 block break-all rounded bg-white p-2 font-mono text-sm" data-testid="new-gateway-token">{t.secret}</code>
                    <p class="mt-3 text-sm text-amber-900">"Start a remote gateway with it:"</p>
                    <pre class="mt-1 whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs" data-testid="new-gateway-command">{t.command}</pre>
                    <p class="mt-1 text-xs text-amber-900">"Or pass the token in " <code>"PORTICO_GATEWAY_TOKEN"</code> " instead of " <code>"--token"</code> ", which keeps it out of the process list."</p>
                </div>
            })}
            <div class="mt-6">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading tokens…"</p> }>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <EmptyState title="No gateway tokens yet" message="Issue one to connect a remote gateway."/> }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["Name", "Environment", "Token", "Status", "Created", ""]>
                                    {rows.into_iter().map(|row| {
                                        let for_dialog = row.clone();
                                        view! {
                                            <tr data-testid="gateway-token-row">
                                                <td class=CELL_STRONG>{row.name.clone()}</td>
                                                <td class=CELL><code class="text-xs">{row.environment.clone()}</code></td>
                                                <td class=CELL><code class="font-mono text-xs">{row.prefix.clone()}</code></td>
                                                <td class=CELL><Badge text=row.status.clone()/></td>
                                                <td class=CELL>{row.created.clone()}</td>
                                                <td class=CELL>
                                                    {(row.status == "active").then(|| view! {
                                                        <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                            target.set(Some(for_dialog.clone()));
                                                            confirm_open.set(true);
                                                        }>"Revoke"</button>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </Table>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <ConfirmDialog open=confirm_open title="Revoke gateway token?" confirm_label="Revoke" on_confirm=on_confirm
                message=Signal::derive(move || format!("Gateways using “{}” are refused at their next connection.", target.get().map(|t| t.name).unwrap_or_default()))/>
        </section>
    }
}

/// The `environment` select, filled from the environments list (rendered whole once the
/// list has loaded: a `<Suspense/>` inside a `<select>` breaks hydration).
#[component]
fn EnvironmentSelect(
    environments: Resource<Result<Vec<EnvironmentRow>, AppError>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div>
            <label for="field-environment" class="block text-sm font-medium text-slate-700">"Environment"</label>
            <Suspense fallback=|| view! { <p class="mt-1 text-sm text-slate-500">"Loading environments…"</p> }>
                {move || Suspend::new(async move {
                    let options = environments.await.unwrap_or_default();
                    view! {
                        <select id="field-environment" name="environment" required=true aria-describedby="field-environment-error"
                            class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300">
                            {options.into_iter()
                                .map(|e| view! { <option value=e.name.clone()>{format!("{} ({})", e.display_name, e.name)}</option> })
                                .collect_view()}
                        </select>
                    }
                })}
            </Suspense>
            <p id="field-environment-error" class="mt-1 text-sm text-red-600" data-field-error="environment">{move || error.get()}</p>
        </div>
    }
}
