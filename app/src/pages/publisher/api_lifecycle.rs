//! The Lifecycle tab: move the API to another state with a reason (the domain enforces
//! the transition table), its history, and its versions — create the next one, choose
//! the default.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiRow;
use super::api_detail::TabData;
use crate::components::badge::Badge;
use crate::components::button::SMALL;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// One transition of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub from: String,
    pub to: String,
    pub reason: String,
    pub at: String,
}

/// Another version of the same API (same organization and context).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub id: Uuid,
    pub version: String,
    pub state: String,
    pub is_default: bool,
}

/// The history (newest first) and the versions of an API.
#[server(prefix = "/ui/fn", endpoint = "publisher_lifecycle", input = GetUrl)]
pub async fn lifecycle(id: Uuid) -> Result<(Vec<EventRow>, Vec<VersionRow>), AppError> {
    use crate::session::server;
    use domain::apis::{self, ApiFilter};
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let api = apis::get(&db, &actor, id).await?;
    let mut events: Vec<EventRow> = apis::history(&db, &actor, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            from: e.from.map_or("—".into(), |s| s.as_str().to_owned()),
            to: e.to.as_str().to_owned(),
            reason: e.reason,
            at: crate::pages::time(e.at),
        })
        .collect();
    events.reverse();
    let filter = ApiFilter { org_id: Some(api.org_id), state: None, q: Some(api.context.clone()) };
    let all = domain::PageRequest { page: 1, per_page: domain::page::MAX_PER_PAGE };
    let versions = apis::list(&db, &actor, filter, all)
        .await?
        .items
        .into_iter()
        .filter(|v| v.context == api.context)
        .map(|v| VersionRow {
            id: v.id,
            version: v.version,
            state: v.state.as_str().to_owned(),
            is_default: v.is_default_version,
        })
        .collect();
    Ok((events, versions))
}

/// Moves the API to `to`, saying why.
#[server(prefix = "/ui/fn", endpoint = "publisher_transition")]
pub async fn transition(csrf_token: String, id: Uuid, to: String, reason: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let to = domain::lifecycle::ApiState::ALL
        .into_iter()
        .find(|s| s.as_str() == to)
        .ok_or_else(|| AppError::refused("invalid_transition", "Choose one of the offered states."))?;
    domain::apis::transition(&server::state()?.db, &actor, id, to, &reason).await?;
    Ok(())
}

/// Creates version `version` from this one (same definition, state `created`).
#[server(prefix = "/ui/fn", endpoint = "publisher_new_version")]
pub async fn new_version(csrf_token: String, id: Uuid, version: String) -> Result<Uuid, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    Ok(domain::apis::new_version(&server::state()?.db, &actor, id, &version).await?.id)
}

/// Makes `id` the version served without a version segment.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_default_version")]
pub async fn set_default_version(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    domain::apis::set_default_version(&server::state()?.db, &actor, id).await?;
    Ok(())
}

/// The tab.
#[component]
pub fn Lifecycle(
    api: ApiRow,
    data: TabData<(Vec<EventRow>, Vec<VersionRow>)>,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = api.id;
    let move_to = ServerAction::<Transition>::new();
    let move_error = action_error(move_to.value());
    let create = ServerAction::<NewVersion>::new();
    let create_error = action_error(create.value());
    let make_default = ServerAction::<SetDefaultVersion>::new();
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(())) = move_to.value().get() {
            toasts.success("State changed.");
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(new_id)) = create.value().get() {
            toasts.success("Version created.");
            leptos_router::hooks::use_navigate()(
                &format!("/publisher/apis/{new_id}?tab=lifecycle"),
                Default::default(),
            );
        }
    });
    Effect::new(move |_| match make_default.value().get() {
        Some(Ok(())) => {
            toasts.success("Default version changed.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let section = "rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200";
    let next = api.next_states.clone();
    view! {
        <div class="space-y-8">
            <section class=section>
                <h2 class="text-lg font-semibold">"State"</h2>
                <p class="mt-1 text-sm text-slate-600">"Now: " <Badge text=api.state.clone()/></p>
                {if next.is_empty() {
                    view! { <p class="mt-4 text-sm text-slate-600">"A retired API stays retired."</p> }.into_any()
                } else {
                    view! {
                        <ActionForm action=move_to>
                            <CsrfField/>
                            <input type="hidden" name="id" value=id.to_string()/>
                            <div class="mt-4 grid gap-4 sm:grid-cols-3 sm:items-start">
                                <div>
                                    <label for="field-to" class="block text-sm font-medium text-slate-700">"New state"</label>
                                    <select id="field-to" name="to" class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">
                                        {next.into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="sm:col-span-2"><TextField name="reason" label="Reason" help="Kept in the history." error=field_error(move_error, "reason")/></div>
                            </div>
                            <div class="mt-4 space-y-3">
                                <FormError error=move_error/>
                                <SubmitButton label="Change state" pending=move_to.pending()/>
                            </div>
                        </ActionForm>
                    }.into_any()
                }}
            </section>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        None => ().into_any(),
                        Some(Err(e)) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Some(Ok((events, versions))) => view! {
                            <section class=section>
                                <h2 class="text-lg font-semibold">"Versions"</h2>
                                <div class="mt-4">
                                    <Table headers=vec!["Version", "State", ""]>
                                        {versions.into_iter().map(|v| view! {
                                            <tr>
                                                <td class=CELL_STRONG><a class="text-indigo-700 hover:underline" href=format!("/publisher/apis/{}?tab=lifecycle", v.id)>{v.version.clone()}</a></td>
                                                <td class=CELL><Badge text=v.state.clone()/></td>
                                                <td class=CELL>
                                                    {if v.is_default {
                                                        view! { <span class="text-xs font-semibold text-slate-600">"default version"</span> }.into_any()
                                                    } else {
                                                        view! { <button type="button" class=SMALL on:click=move |_| {
                                                            make_default.dispatch(SetDefaultVersion { csrf_token: csrf.get_untracked(), id: v.id });
                                                        }>"Make default"</button> }.into_any()
                                                    }}
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </Table>
                                </div>
                                <ActionForm action=create>
                                    <CsrfField/>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <div class="mt-4 flex flex-wrap items-end gap-3">
                                        <TextField name="version" label="New version" help="Copies this version's settings and runtime." error=field_error(create_error, "version")/>
                                        <SubmitButton label="Create version" pending=create.pending() style=crate::components::button::SECONDARY/>
                                    </div>
                                    <div class="mt-3"><FormError error=create_error/></div>
                                </ActionForm>
                            </section>
                            <section class=section>
                                <h2 class="text-lg font-semibold">"History"</h2>
                                <div class="mt-4">
                                    <Table headers=vec!["When", "From", "To", "Reason"]>
                                        {events.into_iter().map(|e| view! {
                                            <tr data-testid="lifecycle-event">
                                                <td class=CELL>{e.at}</td>
                                                <td class=CELL>{e.from}</td>
                                                <td class=CELL><Badge text=e.to/></td>
                                                <td class="px-4 py-3 text-slate-700">{e.reason}</td>
                                            </tr>
                                        }).collect_view()}
                                    </Table>
                                </div>
                            </section>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
