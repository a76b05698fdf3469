//! The Deployments tab: what runs where. Revisions are immutable snapshots of the API's
//! definition; deploying one to an environment replaces what ran there (deploying an
//! older one is a rollback), and the environment's gateways receive it within moments.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiRow;
use super::api_detail::TabData;
use crate::components::button::{SECONDARY, SMALL, SMALL_DANGER};
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRow {
    pub id: Uuid,
    pub number: i32,
    pub description: String,
    pub created: String,
    pub deployed_in: Vec<String>,
}

/// An environment and what of this API runs there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub display_name: String,
    /// `(revision number, deployed at)` when deployed.
    pub running: Option<(i32, String)>,
}

/// Revisions (newest first) and every environment with what runs there.
#[server(prefix = "/ui/fn", endpoint = "publisher_deployments", input = GetUrl)]
pub async fn deployments(id: Uuid) -> Result<(Vec<RevisionRow>, Vec<EnvironmentRow>), AppError> {
    use crate::pages::time;
    use crate::session::server;
    use domain::deployments;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let mut revisions: Vec<RevisionRow> = deployments::revisions(&db, &actor, id)
        .await?
        .into_iter()
        .map(|r| RevisionRow {
            id: r.id,
            number: r.number,
            description: r.description,
            created: time(r.created_at),
            deployed_in: r.deployed_in,
        })
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.number));
    let running = deployments::deployments(&db, &actor, id).await?;
    let environments = domain::environments::list(&db)
        .await?
        .into_iter()
        .map(|env| EnvironmentRow {
            running: running
                .iter()
                .find(|d| d.environment == env.name)
                .map(|d| (d.revision_number, time(d.deployed_at))),
            name: env.name,
            display_name: env.display_name,
        })
        .collect();
    Ok((revisions, environments))
}

/// Takes a revision of the current definition.
#[server(prefix = "/ui/fn", endpoint = "publisher_create_revision")]
pub async fn create_revision(csrf_token: String, id: Uuid, description: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    domain::deployments::create_revision(&server::state()?.db, &actor, id, &description).await?;
    Ok(())
}

/// Deploys `revision` to `environment`.
#[server(prefix = "/ui/fn", endpoint = "publisher_deploy")]
pub async fn deploy(csrf_token: String, id: Uuid, revision: Uuid, environment: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    domain::deployments::deploy(&server::state()?.db, &actor, id, revision, &environment).await?;
    Ok(())
}

/// Removes the API from `environment`.
#[server(prefix = "/ui/fn", endpoint = "publisher_undeploy")]
pub async fn undeploy(csrf_token: String, id: Uuid, environment: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    domain::deployments::undeploy(&server::state()?.db, &actor, id, &environment).await?;
    Ok(())
}

/// The tab.
#[component]
pub fn Deployments(
    api: ApiRow,
    data: TabData<(Vec<RevisionRow>, Vec<EnvironmentRow>)>,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = api.id;
    let create = ServerAction::<CreateRevision>::new();
    let create_error = action_error(create.value());
    let deploy = ServerAction::<Deploy>::new();
    let undeploy = ServerAction::<Undeploy>::new();
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(())) = create.value().get() {
            toasts.success("Revision created.");
            changed.update(|n| *n += 1);
        }
    });
    for (value, done) in [(deploy.value(), "Deployed."), (undeploy.value(), "Undeployed.")] {
        Effect::new(move |_| match value.get() {
            Some(Ok(())) => {
                toasts.success(done);
                changed.update(|n| *n += 1);
            }
            Some(Err(e)) => toasts.error(e.to_string()),
            None => {}
        });
    }
    let section = "rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200";
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (revisions, environments) = match data.await {
                    Some(Ok(data)) => data,
                    None => return ().into_any(),
                    Some(Err(e)) => return view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                };
                let latest = revisions.first().map(|r| (r.id, r.number));
                let options: Vec<(Uuid, i32)> = revisions.iter().map(|r| (r.id, r.number)).collect();
                view! {
                    <div class="space-y-8">
                        <section class=section>
                            <h2 class="text-lg font-semibold">"Where it runs"</h2>
                            <div class="mt-4">
                                <Table headers=vec!["Environment", "Running", "Deploy revision", ""]>
                                    {environments.into_iter().map(|env| {
                                        let name = env.name.clone();
                                        let choice = RwSignal::new(latest.map(|(id, _)| id));
                                        let label = format!("Revision for {}", env.name);
                                        view! {
                                            <tr data-testid=format!("environment-{}", env.name)>
                                                <td class=CELL_STRONG>{env.display_name.clone()}<span class="ml-2 font-mono text-xs text-slate-500">{env.name.clone()}</span></td>
                                                <td class=CELL>{env.running.clone().map_or("not deployed".to_owned(), |(n, at)| format!("revision {n} since {at}"))}</td>
                                                <td class=CELL>
                                                    {(!options.is_empty()).then(|| view! {
                                                        <select aria-label=label class="rounded-md border-0 py-1 pl-2 pr-8 text-xs ring-1 ring-inset ring-slate-300"
                                                            on:change=move |ev| choice.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                                                            {options.iter().map(|(id, n)| view! { <option value=id.to_string()>{format!("revision {n}")}</option> }).collect_view()}
                                                        </select>
                                                    })}
                                                    {
                                                        let environment = name.clone();
                                                        (!options.is_empty()).then(|| view! {
                                                            <button type="button" class=format!("{SMALL} ml-2") on:click=move |_| {
                                                                if let Some(revision) = choice.get_untracked() {
                                                                    deploy.dispatch(Deploy { csrf_token: csrf.get_untracked(), id, revision, environment: environment.clone() });
                                                                }
                                                            }>{format!("Deploy to {}", name)}</button>
                                                        })
                                                    }
                                                </td>
                                                <td class=CELL>
                                                    {env.running.is_some().then(|| {
                                                        let environment = env.name.clone();
                                                        view! {
                                                            <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                                undeploy.dispatch(Undeploy { csrf_token: csrf.get_untracked(), id, environment: environment.clone() });
                                                            }>"Undeploy"</button>
                                                        }
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </Table>
                            </div>
                        </section>
                        <section class=section>
                            <h2 class="text-lg font-semibold">"Revisions"</h2>
                            <ActionForm action=create>
                                <CsrfField/>
                                <input type="hidden" name="id" value=id.to_string()/>
                                <div class="mt-4 flex flex-wrap items-end gap-3">
                                    <div class="min-w-64 flex-1"><TextField name="description" label="Revision description" help="A revision freezes the current settings and runtime." error=field_error(create_error, "description")/></div>
                                    <SubmitButton label="Create revision" pending=create.pending() style=SECONDARY/>
                                </div>
                                <div class="mt-3"><FormError error=create_error/></div>
                            </ActionForm>
                            <div class="mt-4">
                                {if revisions.is_empty() {
                                    view! { <EmptyState title="No revisions yet" message="Create one, then deploy it to an environment."/> }.into_any()
                                } else {
                                    view! {
                                        <Table headers=vec!["Revision", "Description", "Created", "Running in"]>
                                            {revisions.into_iter().map(|r| view! {
                                                <tr>
                                                    <td class=CELL_STRONG>{r.number}</td>
                                                    <td class="px-4 py-3 text-slate-700">{r.description}</td>
                                                    <td class=CELL>{r.created}</td>
                                                    <td class=CELL>{if r.deployed_in.is_empty() { "—".to_owned() } else { r.deployed_in.join(", ") }}</td>
                                                </tr>
                                            }).collect_view()}
                                        </Table>
                                    }.into_any()
                                }}
                            </div>
                        </section>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}
