//! Personal access tokens: create (the secret is shown once) with the owner's full rights
//! or limited to scopes (permissions the owner holds), list with their scopes, revoke.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::badge::Badge;
use crate::components::button::SMALL_DANGER;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A token as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    /// The permissions it is limited to; `None`: the owner's full rights.
    pub scopes: Option<Vec<String>>,
}

/// A permission a token may be limited to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeOption {
    pub name: String,
    pub description: String,
}

/// The permissions the caller holds, which a token of theirs may be limited to.
#[server(prefix = "/ui/fn", endpoint = "token_scopes", input = GetUrl)]
pub async fn token_scopes() -> Result<Vec<ScopeOption>, AppError> {
    let actor = crate::session::server::actor(None)?;
    Ok(domain::tokens::grantable_scopes(&actor)
        .into_iter()
        .map(|p| ScopeOption { name: p.as_str().to_owned(), description: p.description().to_owned() })
        .collect())
}

/// The caller's tokens.
#[server(prefix = "/ui/fn", endpoint = "list_tokens", input = GetUrl)]
pub async fn list_tokens() -> Result<Vec<TokenRow>, AppError> {
    use crate::pages::time;
    use crate::session::server;
    let actor = server::actor(None)?;
    let state = server::state()?;
    let now = chrono::Utc::now();
    Ok(domain::tokens::list(&state.db, &actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            status: if t.revoked_at.is_some() {
                "revoked"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "expired"
            } else {
                "active"
            }
            .to_owned(),
            id: t.id,
            name: t.name,
            prefix: format!("{}…", t.prefix),
            created: time(t.created_at),
            expires: t.expires_at.map_or("never".to_owned(), time),
            last_used: t.last_used_at.map_or("never".to_owned(), time),
            scopes: t.scopes.map(|s| s.names()),
        })
        .collect())
}

/// Creates a token; returns its secret (shown once).
#[server(prefix = "/ui/fn", endpoint = "create_token")]
pub async fn create_token(
    csrf_token: String,
    name: String,
    expires_in_days: String,
    access: Option<String>,
    scopes: Option<String>,
) -> Result<String, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let days = match expires_in_days.trim() {
        "" | "never" => None,
        d => Some(d.parse::<u32>().map_err(|_| {
            AppError::Invalid(vec![crate::errors::FieldProblem {
                field: "expires_in_days".into(),
                code: "invalid_number".into(),
                message: "Choose a lifetime from the list.".into(),
            }])
        })?),
    };
    let scopes = match access.as_deref() {
        Some("limited") => {
            let names: Vec<&str> = scopes.as_deref().unwrap_or("").split(',').filter(|s| !s.is_empty()).collect();
            Some(domain::Permissions::parse_field("scopes", &names, false)?.iter().collect())
        }
        _ => None,
    };
    let input = domain::tokens::NewToken { name, expires_in_days: days, scopes };
    let created = domain::tokens::create(&state.db, &actor, input).await?;
    Ok(created.secret)
}

/// Revokes a token.
#[server(prefix = "/ui/fn", endpoint = "revoke_token")]
pub async fn revoke_token(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    domain::tokens::revoke(&state.db, &actor, id).await?;
    Ok(())
}

/// The section's actions and resources, made by the page outside its guard (so the
/// server and the browser number the resources alike).
#[derive(Clone, Copy)]
pub struct TokensData {
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
    tokens: Resource<Result<Vec<TokenRow>, AppError>>,
    scope_options: Resource<Result<Vec<ScopeOption>, AppError>>,
}

impl TokensData {
    /// Makes them (call in the page's body).
    pub fn load() -> Self {
        let create = ServerAction::<CreateToken>::new();
        let revoke = ServerAction::<RevokeToken>::new();
        let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
        let scope_options = Resource::new(|| (), |()| token_scopes());
        Self { create, revoke, tokens, scope_options }
    }
}

/// The tokens section.
#[component]
pub fn Tokens(data: TokensData) -> impl IntoView {
    let toasts = use_toasts();
    let TokensData { create, revoke, tokens, scope_options } = data;
    let limited = RwSignal::new(false);
    let chosen: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let create_error = action_error(create.value());
    let secret = move || create.value().get().and_then(Result::ok);
    let confirm_open = RwSignal::new(false);
    let target: RwSignal<Option<TokenRow>> = RwSignal::new(None);
    let csrf = csrf_token();
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => toasts.success("Token revoked."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let on_confirm = Callback::new(move |()| {
        if let Some(token) = target.get_untracked() {
            revoke.dispatch(RevokeToken { csrf_token: csrf.get_untracked(), id: token.id });
        }
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Personal access tokens"</h2>
            <p class="mt-1 text-sm text-slate-600">"Use a token to call Portico's REST API: " <code class="rounded bg-slate-100 px-1">"Authorization: Bearer pat_…"</code></p>
            <ActionForm action=create>
                <div class="mt-4 grid gap-4 sm:grid-cols-3 sm:items-start">
                    <CsrfField/>
                    <div class="sm:col-span-2"><TextField name="name" label="Token name" required=true error=field_error(create_error, "name")/></div>
                    <SelectField name="expires_in_days" label="Expires" selected="90"
                        options=vec![("30", "in 30 days"), ("90", "in 90 days"), ("366", "in a year"), ("never", "never")]/>
                </div>
                <fieldset class="mt-4">
                    <legend class="text-sm font-medium text-slate-900">"Access"</legend>
                    <div class="mt-2 flex gap-6 text-sm">
                        <label class="flex items-center gap-2"><input type="radio" name="access" value="full" checked=true on:change=move |_| limited.set(false)/>"Everything I can do"</label>
                        <label class="flex items-center gap-2"><input type="radio" name="access" value="limited" on:change=move |_| limited.set(true)/>"Only these scopes"</label>
                    </div>
                    <input type="hidden" name="scopes" prop:value=move || chosen.get().join(",")/>
                    <div class="mt-3" class:hidden=move || !limited.get()>
                        <ScopePicker options=scope_options chosen=chosen/>
                    </div>
                    {move || field_error(create_error, "scopes").get().map(|e| view! { <p class="mt-1 text-sm text-red-600">{e}</p> })}
                </fieldset>
                <div class="mt-4 space-y-3">
                    <FormError error=create_error/>
                    <SubmitButton label="Create token" pending=create.pending()/>
                </div>
            </ActionForm>
            {move || secret().map(|s| view! {
                <div role="status" class="mt-4 rounded-md bg-amber-50 p-4 ring-1 ring-inset ring-amber-300">
                    <p class="text-sm font-semibold text-amber-900">"Copy your new token now — it will not be shown again."</p>
                    <code class="mt-2 block break-all rounded bg-white p-2 font-mono text-sm" data-testid="new-token">{s}</code>
                </div>
            })}
            <div class="mt-6">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading tokens…"</p> }>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <EmptyState title="No tokens yet" message="Create one to use the REST API from scripts and CI."/> }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["Name", "Token", "Scopes", "Status", "Created", "Expires", "Last used", ""]>
                                    {rows.into_iter().map(|row| {
                                        let for_dialog = row.clone();
                                        view! {
                                            <tr>
                                                <td class=CELL_STRONG>{row.name.clone()}</td>
                                                <td class=CELL><code class="font-mono text-xs">{row.prefix.clone()}</code></td>
                                                <td class=CELL data-testid="token-scopes">{match row.scopes.clone() {
                                                    None => view! { <span class="text-slate-500">"full access"</span> }.into_any(),
                                                    Some(list) => view! { <div class="flex flex-wrap gap-1">{list.into_iter().map(|s| view! { <Badge text=s/> }).collect_view()}</div> }.into_any(),
                                                }}</td>
                                                <td class=CELL><Badge text=row.status.clone()/></td>
                                                <td class=CELL>{row.created.clone()}</td>
                                                <td class=CELL>{row.expires.clone()}</td>
                                                <td class=CELL>{row.last_used.clone()}</td>
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
            <ConfirmDialog open=confirm_open title="Revoke token?" confirm_label="Revoke" on_confirm=on_confirm
                message=Signal::derive(move || format!("Programs using “{}” will stop working immediately.", target.get().map(|t| t.name).unwrap_or_default()))/>
        </section>
    }
}

/// Checkboxes of the scopes a new token may be limited to.
#[component]
fn ScopePicker(options: Resource<Result<Vec<ScopeOption>, AppError>>, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let options = options.await.unwrap_or_default();
                view! {
                    <ul class="grid gap-2 sm:grid-cols-2">
                        {options.into_iter().map(|o| {
                            let name = o.name.clone();
                            let toggle = name.clone();
                            view! {
                                <li>
                                    <label class="flex items-start gap-2 text-sm">
                                        <input type="checkbox" class="mt-1 rounded border-slate-300" data-scope=name.clone()
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|s| s != &toggle);
                                                    if on { c.push(toggle.clone()); }
                                                });
                                            }/>
                                        <span><code class="font-mono text-xs">{name}</code><span class="block text-slate-600">{o.description}</span></span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            })}
        </Suspense>
    }
}
