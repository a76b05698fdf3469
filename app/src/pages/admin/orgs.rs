//! `/admin/orgs`: the organizations the caller administers; platform administrators
//! create new ones here.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{page_href, page_param, query_param};
use crate::components::badge::Badge;
use crate::components::button::SECONDARY;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::pages::Paged;
use crate::session::{WithSession, is_platform_admin};

/// An organization as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub created: String,
}

#[cfg(feature = "ssr")]
impl From<domain::orgs::OrgView> for OrgRow {
    fn from(o: domain::orgs::OrgView) -> Self {
        Self {
            id: o.id,
            slug: o.slug,
            name: o.name,
            kind: o.kind,
            status: o.status,
            created: crate::pages::time(o.created_at),
        }
    }
}

/// One page of organizations.
#[server(prefix = "/ui/fn", endpoint = "list_orgs", input = GetUrl)]
pub async fn list_orgs(q: Option<String>, page: u64, per_page: u64) -> Result<Paged<OrgRow>, AppError> {
    let actor = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    let filter = domain::orgs::OrgFilter { q, ..Default::default() };
    let result = domain::orgs::list(&db, &actor, &filter, domain::PageRequest::new(Some(page), Some(per_page))).await?;
    Ok(Paged::from_domain(result, OrgRow::from))
}

/// Creates an organization; returns its id.
#[server(prefix = "/ui/fn", endpoint = "create_org")]
pub async fn create_org(
    csrf_token: String,
    slug: String,
    name: String,
    kind: String,
    require_approval: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::session::server;
    use domain::orgs::{NewOrg, OrgKind};
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let kind = if kind == "consumer" { OrgKind::Consumer } else { OrgKind::Provider };
    let input = NewOrg { slug, name, kind, require_approval: require_approval.is_some() };
    Ok(domain::orgs::create(&db, &actor, input).await?.id)
}

/// The organizations page.
#[component]
pub fn OrgsPage() -> impl IntoView {
    let q = query_param("q");
    let page = page_param();
    let create = ServerAction::<CreateOrg>::new();
    let orgs =
        Resource::new(move || (q.get(), page.get(), create.version().get()), |(q, page, _)| list_orgs(q, page, 25));
    let show_form = RwSignal::new(false);
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            toasts.success("Organization created.");
            show_form.set(false);
        }
    });
    view! {
        <PageHeader title="Organizations" subtitle="Tenants: provider organizations own APIs and portals; consumer organizations own applications.">
            <WithSession children=move |info| is_platform_admin(&info).then(|| view! {
                <button type="button" class=SECONDARY on:click=move |_| show_form.update(|s| *s = !*s)>"New organization"</button>
            })/>
        </PageHeader>
        <Show when=move || show_form.get()>
            <CreateOrgForm action=create/>
        </Show>
        <form method="get" class="mb-4 flex gap-2">
            <input name="q" placeholder="Search by name or slug" value=move || q.get().unwrap_or_default()
                class="w-72 rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300"/>
            <button type="submit" class=SECONDARY>"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match orgs.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(p) if p.items.is_empty() => view! { <EmptyState title="No organizations" message="Nothing matches this search."/> }.into_any(),
                    Ok(p) => view! {
                        <Table headers=vec!["Name", "Slug", "Kind", "Status", "Created"]>
                            {p.items.into_iter().map(|o| view! {
                                <tr data-testid="org-row">
                                    <td class=CELL_STRONG><a class="text-indigo-700 hover:underline" href=format!("/admin/orgs/{}", o.id)>{o.name}</a></td>
                                    <td class=CELL><code class="text-xs">{o.slug}</code></td>
                                    <td class=CELL>{o.kind}</td>
                                    <td class=CELL><Badge text=o.status/></td>
                                    <td class=CELL>{o.created}</td>
                                </tr>
                            }).collect_view()}
                        </Table>
                        <Pagination page=p.page per_page=p.per_page total=p.total href=page_href("/admin/orgs", vec![("q", q.get_untracked())])/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CreateOrgForm(action: ServerAction<CreateOrg>) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"New organization"</h2>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <TextField name="name" label="Name" required=true error=field_error(error, "name")/>
                    <TextField name="slug" label="Slug" required=true help="Lower-case letters, digits and dashes; used in URLs." error=field_error(error, "slug")/>
                    <SelectField name="kind" label="Kind" options=vec![("provider", "Provider (publishes APIs)"), ("consumer", "Consumer (uses APIs)")]/>
                    <label class="flex items-center gap-2 self-end text-sm text-slate-700">
                        <input type="checkbox" name="require_approval" value="on" class="rounded border-slate-300"/>
                        "Portal sign-ups need approval"
                    </label>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Create organization" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
