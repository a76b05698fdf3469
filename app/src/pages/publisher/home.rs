//! `/publisher`: the APIs of every organization the user publishes for, filtered by
//! name or state, with the way to create one.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;

use super::ApiRow;
use crate::components::badge::Badge;
use crate::components::button::LinkButton;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::guard::{RequireUser, urlencode};
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;
use crate::pages::Paged;

/// One page of the caller's APIs; `q` matches name or context, `state` filters.
#[server(prefix = "/ui/fn", endpoint = "publisher_list_apis", input = GetUrl)]
pub async fn list_apis(q: Option<String>, state: Option<String>, page: u64) -> Result<Paged<ApiRow>, AppError> {
    use crate::session::server;
    use domain::apis::{self, ApiFilter};
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let state = state.filter(|s| !s.is_empty()).map(|s| domain::lifecycle::ApiState::parse(&s));
    let filter = ApiFilter { org_id: None, state, q: q.filter(|q| !q.trim().is_empty()) };
    let request = domain::PageRequest { page: page.max(1), per_page: 25 };
    Ok(Paged::from_domain(apis::list(&db, &actor, filter, request).await?, ApiRow::from))
}

const STATES: [&str; 6] = ["created", "prototyped", "published", "deprecated", "blocked", "retired"];

/// The publisher console's home: the API list.
#[component]
pub fn PublisherHome() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
            (get("q"), get("state"), get("page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1))
        })
    };
    let apis = Resource::new(params, |(q, state, page)| list_apis(q, state, page));
    view! {
        <RequireUser allow=|u| u.is_publisher() what="the publisher console">
            <PageHeader title="APIs" subtitle="The APIs of the organizations you publish for.">
                <LinkButton href="/publisher/alerts">"Alerts"</LinkButton>
                <LinkButton href="/publisher/apis/new">"Create API"</LinkButton>
            </PageHeader>
            <form method="get" action="/publisher" class="mb-4 flex flex-wrap items-end gap-3" role="search">
                <div>
                    <label for="filter-q" class="block text-sm font-medium text-slate-700">"Search"</label>
                    <input id="filter-q" name="q" type="search" placeholder="Name or context" value=move || params().0
                        class="mt-1 rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"/>
                </div>
                <div>
                    <label for="filter-state" class="block text-sm font-medium text-slate-700">"State"</label>
                    <select id="filter-state" name="state" class="mt-1 rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">
                        <option value="">"Any"</option>
                        {STATES.map(|s| view! { <option value=s selected=move || params().1.as_deref() == Some(s)>{s}</option> }).collect_view()}
                    </select>
                </div>
                <button type="submit" class=crate::components::button::SECONDARY>"Filter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading APIs…"</p> }>
                {move || Suspend::new(async move {
                    match apis.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(list) if list.items.is_empty() => view! {
                            <EmptyState title="No APIs here" message="Import an OpenAPI document or design an API by hand."/>
                        }.into_any(),
                        Ok(list) => {
                            let (q, state, _) = params();
                            let href = move |page: u64| {
                                let mut parts = vec![format!("page={page}")];
                                parts.extend(q.as_ref().map(|q| format!("q={}", urlencode(q))));
                                parts.extend(state.as_ref().map(|s| format!("state={}", urlencode(s))));
                                format!("/publisher?{}", parts.join("&"))
                            };
                            view! {
                                <Table headers=vec!["Name", "Context", "Version", "State", "Operations", "Updated"]>
                                    {list.items.into_iter().map(|api| view! {
                                        <tr>
                                            <td class=CELL_STRONG>
                                                <a class="text-indigo-700 hover:underline" href=format!("/publisher/apis/{}", api.id)>{api.name.clone()}</a>
                                            </td>
                                            <td class=CELL><code class="font-mono text-xs">{api.context.clone()}</code></td>
                                            <td class=CELL>
                                                {api.version.clone()}
                                                {api.is_default_version.then(|| view! { <span class="ml-2 text-xs text-slate-500">"default"</span> })}
                                            </td>
                                            <td class=CELL><Badge text=api.state.clone()/></td>
                                            <td class=CELL>{api.operations}</td>
                                            <td class=CELL>{api.updated.clone()}</td>
                                        </tr>
                                    }).collect_view()}
                                </Table>
                                <Pagination page=list.page per_page=list.per_page total=list.total href=href/>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}
