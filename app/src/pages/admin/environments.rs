//! `/admin/environments`: the gateway environments and their config versions; platform
//! administrators add new ones here (everyone else gets the 403 page).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// An environment as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Version of the configuration its gateways should run.
    pub config_version: i64,
    pub created: String,
}

#[cfg(feature = "ssr")]
impl From<domain::environments::EnvironmentView> for EnvironmentRow {
    fn from(e: domain::environments::EnvironmentView) -> Self {
        Self {
            name: e.name,
            display_name: e.display_name,
            description: e.description,
            config_version: e.config_version,
            created: crate::pages::time(e.created_at),
        }
    }
}

/// Every environment, by name (platform administrators).
#[server(prefix = "/ui/fn", endpoint = "admin_list_environments", input = GetUrl)]
pub async fn list_environments() -> Result<Vec<EnvironmentRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    actor.require_platform(domain::Permission::EnvironmentsManage)?;
    let db = server::state()?.db;
    Ok(domain::environments::list(&db).await?.into_iter().map(EnvironmentRow::from).collect())
}

/// Adds an environment.
#[server(prefix = "/ui/fn", endpoint = "admin_create_environment")]
pub async fn create_environment(
    csrf_token: String,
    name: String,
    display_name: String,
    description: String,
) -> Result<(), AppError> {
    use crate::session::server;
    use domain::environments::NewEnvironment;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::environments::create(&db, &actor, NewEnvironment { name, display_name, description }).await?;
    Ok(())
}

/// The environments page. Its action and resource are made here, outside the guard's
/// `<Suspense/>` (which the server may render more than once), so the server and the
/// browser number the resource alike.
#[component]
pub fn EnvironmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateEnvironment>::new();
    let environments = Resource::new(move || create.version().get(), |_| list_environments());
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = create.value().get() {
            toasts.success("Environment added.");
        }
    });
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="the environments">
            <PageHeader title="Environments" subtitle="Where APIs are deployed. Each environment's gateways run its configuration; every change bumps the config version."/>
            <NewEnvironmentForm action=create/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match environments.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(rows) if rows.is_empty() => view! { <EmptyState title="No environments" message="Add one above."/> }.into_any(),
                        Ok(rows) => view! {
                            <Table headers=vec!["Name", "Display name", "Description", "Config version", "Created"]>
                                {rows.into_iter().map(|e| view! {
                                    <tr data-testid="environment-row">
                                        <td class=CELL_STRONG><code class="text-xs">{e.name}</code></td>
                                        <td class=CELL>{e.display_name}</td>
                                        <td class="px-4 py-3 text-slate-600">{e.description}</td>
                                        <td class=CELL>{format!("v{}", e.config_version)}</td>
                                        <td class=CELL>{e.created}</td>
                                    </tr>
                                }).collect_view()}
                            </Table>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn NewEnvironmentForm(action: ServerAction<CreateEnvironment>) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"New environment"</h2>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <TextField name="name" label="Name" required=true help="2–40 lower-case letters, digits and dashes; used in URLs and by gateways." error=field_error(error, "name")/>
                    <TextField name="display_name" label="Display name" required=true error=field_error(error, "display_name")/>
                    <div class="sm:col-span-2"><TextField name="description" label="Description" error=field_error(error, "description")/></div>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Add environment" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
