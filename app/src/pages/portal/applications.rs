//! `/portal/applications`: the signed-in user's applications (their own and those shared
//! with their organizations) and the form to create one. The page of one application is
//! `application_detail`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::button::{LinkButton, SECONDARY};
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::{SessionMembership, use_session};

/// An application as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub description: String,
    /// Usable by every member of the organization.
    pub shared: bool,
    /// The application tier, if any.
    pub tier: Option<String>,
    pub created: String,
}

#[cfg(feature = "ssr")]
impl From<domain::applications::ApplicationView> for ApplicationRow {
    fn from(app: domain::applications::ApplicationView) -> Self {
        Self {
            id: app.id,
            org_id: app.org_id,
            name: app.name,
            description: app.description,
            shared: app.shared,
            tier: app.tier,
            created: crate::pages::time(app.created_at),
        }
    }
}

/// The applications the caller may use.
#[server(prefix = "/ui/fn", endpoint = "portal_applications", input = GetUrl)]
pub async fn portal_applications() -> Result<Vec<ApplicationRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    Ok(domain::applications::list(&db, &actor, None).await?.into_iter().map(ApplicationRow::from).collect())
}

/// One application.
#[server(prefix = "/ui/fn", endpoint = "portal_application", input = GetUrl)]
pub async fn portal_application(id: Uuid) -> Result<ApplicationRow, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    Ok(domain::applications::get(&db, &actor, id).await?.into())
}

/// Creates an application owned by the caller; returns its id.
#[server(prefix = "/ui/fn", endpoint = "portal_create_application")]
pub async fn portal_create_application(
    csrf_token: String,
    org_id: Uuid,
    name: String,
    description: String,
    shared: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::session::server;
    use domain::applications::NewApplication;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let input = NewApplication { org_id, name, description, shared: shared.is_some(), tier: None };
    Ok(domain::applications::create(&db, &actor, input).await?.id)
}

/// The name of organization `id` among the user's memberships.
pub(super) fn org_name(memberships: &[SessionMembership], id: Uuid) -> String {
    memberships.iter().find(|m| m.org_id == id).map(|m| m.org_name.clone()).unwrap_or_default()
}

/// The signed-in user's memberships (empty until the session has loaded).
pub(super) fn memberships() -> Signal<Vec<SessionMembership>> {
    let session = use_session();
    Signal::derive(move || {
        session.0.get().and_then(Result::ok).and_then(|s| s.user).map(|u| u.memberships).unwrap_or_default()
    })
}

/// The applications page.
#[component]
pub fn Applications() -> impl IntoView {
    // Created here, outside the guard, so the server and the browser number the
    // resource alike when the page hydrates.
    let create = ServerAction::<PortalCreateApplication>::new();
    let applications = Resource::new(move || create.version().get(), |_| portal_applications());
    view! {
        <RequireUser>
            <PageHeader title="Applications" subtitle="An application is what you subscribe to APIs and what API keys belong to.">
                <LinkButton href="/portal/apis" style=SECONDARY>"Browse the API catalog"</LinkButton>
            </PageHeader>
            <ApplicationList create=create applications=applications/>
        </RequireUser>
    }
}

#[component]
fn ApplicationList(
    create: ServerAction<PortalCreateApplication>,
    applications: Resource<Result<Vec<ApplicationRow>, AppError>>,
) -> impl IntoView {
    let memberships = memberships();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            toasts.success("Application created.");
        }
    });
    view! {
        <div class="grid gap-8 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading applications…"</p> }>
                    {move || Suspend::new(async move {
                        match applications.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! {
                                <EmptyState title="No applications yet" message="Create one, subscribe it to an API and get a key."/>
                            }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["Name", "Organization", "Sharing", "Created"]>
                                    {rows.into_iter().map(|app| view! {
                                        <tr data-testid="application-row">
                                            <td class=CELL_STRONG><a href=format!("/portal/applications/{}", app.id) class="text-indigo-700 hover:underline">{app.name}</a></td>
                                            <td class=CELL>{move || org_name(&memberships.get(), app.org_id)}</td>
                                            <td class=CELL>{if app.shared { "shared" } else { "private" }}</td>
                                            <td class=CELL>{app.created}</td>
                                        </tr>
                                    }).collect_view()}
                                </Table>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <CreateApplication action=create memberships=memberships/>
        </div>
    }
}

/// The create form; the organization is asked for only when the user has several.
#[component]
fn CreateApplication(
    action: ServerAction<PortalCreateApplication>,
    memberships: Signal<Vec<SessionMembership>>,
) -> impl IntoView {
    let error = action_error(action.value());
    let organization = move || {
        let mut orgs = memberships.get();
        // Consumer organizations first: that is where applications usually live.
        orgs.sort_by_key(|m| m.provider);
        match orgs.as_slice() {
            [] => view! { <p class="text-sm text-red-700">"You are not a member of any organization, so you cannot create applications."</p> }.into_any(),
            [only] => view! { <input type="hidden" name="org_id" value=only.org_id.to_string()/> }.into_any(),
            _ => {
                let options: Vec<(String, String)> = orgs.into_iter().map(|m| (m.org_id.to_string(), m.org_name)).collect();
                view! { <SelectField name="org_id" label="Organization" options=options error=field_error(error, "org_id")/> }.into_any()
            }
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200 lg:self-start">
            <h2 class="text-lg font-semibold">"New application"</h2>
            <ActionForm action=action>
                <div class="mt-4 space-y-4">
                    <CsrfField/>
                    <TextField name="name" label="Application name" required=true error=field_error(error, "name")/>
                    <TextField name="description" label="Description" error=field_error(error, "description")/>
                    {organization}
                    <div class="flex items-center gap-2">
                        <input id="field-shared" type="checkbox" name="shared" value="on" aria-describedby="field-shared-help" class="rounded border-slate-300"/>
                        <label for="field-shared" class="text-sm text-slate-700">"Shared"</label>
                        <span id="field-shared-help" class="text-xs text-slate-500">"every member of the organization may use it"</span>
                    </div>
                    <FormError error=error/>
                    <SubmitButton label="Create application" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
