//! `/portal/apis`: the API catalog, open to everyone (anonymous visitors see the public
//! APIs), searchable by name or tag without JavaScript; and `/portal/apis/:id`, one API
//! with how to call it and how to subscribe (see `catalog_api` and `subscribe`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog_api::{ApiPage, portal_api};
use crate::components::button::{LinkButton, SECONDARY};
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;

/// An API as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    /// Context path, e.g. `/petstore`.
    pub context: String,
    pub description: String,
    pub tags: Vec<String>,
    /// `published`, `prototyped` or `deprecated`.
    pub state: String,
}

#[cfg(feature = "ssr")]
impl From<&domain::apis::ApiView> for CatalogEntry {
    fn from(api: &domain::apis::ApiView) -> Self {
        Self {
            id: api.id,
            name: api.name.clone(),
            version: api.version.clone(),
            context: api.context.clone(),
            description: api.description.clone(),
            tags: api.tags.clone(),
            state: api.state.as_str().to_owned(),
        }
    }
}

impl CatalogEntry {
    /// Whether the entry matches a search: name, context or a tag contains `q`, ignoring case.
    #[cfg(any(feature = "ssr", test))]
    fn matches(&self, q: &str) -> bool {
        let q = q.trim().to_lowercase();
        let has = |text: &str| text.to_lowercase().contains(&q);
        has(&self.name) || has(&self.context) || self.tags.iter().any(|tag| has(tag))
    }
}

/// The catalog as the caller may see it, narrowed to the search `q`.
#[server(prefix = "/ui/fn", endpoint = "portal_catalog", input = GetUrl)]
pub async fn portal_catalog(q: Option<String>) -> Result<Vec<CatalogEntry>, AppError> {
    use crate::session::server;
    let viewer = server::auth().principal.map(|p| p.actor);
    let db = server::state()?.db;
    let apis = domain::catalog::list(&db, viewer.as_ref()).await?;
    let q = q.unwrap_or_default();
    Ok(apis.iter().map(CatalogEntry::from).filter(|api| api.matches(&q)).collect())
}

/// The catalog page.
#[component]
pub fn Catalog() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|p| p.get("q")).filter(|v| !v.trim().is_empty()));
    let apis = Resource::new(move || q.get(), portal_catalog);
    view! {
        <PageHeader title="API catalog" subtitle="The APIs you can use: read how to call them, then subscribe an application."/>
        <form method="get" action="/portal/apis" role="search" class="mb-6 flex gap-2">
            <label for="catalog-search" class="sr-only">"Search APIs"</label>
            <input id="catalog-search" type="search" name="q" placeholder="Search by name or tag" value=move || q.get().unwrap_or_default()
                class="w-72 rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"/>
            <button type="submit" class=SECONDARY>"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading APIs…"</p> }>
            {move || Suspend::new(async move {
                match apis.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        let message = match q.get_untracked() {
                            Some(q) => format!("No API matches “{q}”."),
                            None => "No APIs are published yet. Come back soon.".to_owned(),
                        };
                        view! { <EmptyState title="No APIs found" message=message/> }.into_any()
                    }
                    Ok(list) => view! {
                        <div class="grid gap-6 md:grid-cols-2 lg:grid-cols-3">
                            {list.into_iter().map(|api| view! { <ApiCard api=api/> }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One API of the catalog.
#[component]
fn ApiCard(api: CatalogEntry) -> impl IntoView {
    let description =
        if api.description.trim().is_empty() { "No description yet.".to_owned() } else { api.description };
    view! {
        <article class="flex flex-col rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="catalog-card">
            <div class="flex items-start justify-between gap-3">
                <h2 class="text-lg font-semibold text-slate-900">
                    <a href=format!("/portal/apis/{}", api.id) class="hover:text-indigo-700 hover:underline" data-testid="catalog-card-link">{api.name}</a>
                </h2>
                <StateBadge state=api.state/>
            </div>
            <p class="mt-1 text-sm text-slate-500">{api.version} " · " <code class="text-xs">{api.context}</code></p>
            <p class="mt-3 line-clamp-3 flex-1 text-sm text-slate-600">{description}</p>
            <Tags tags=api.tags/>
        </article>
    }
}

/// Tags, each a link to the catalog searched by it (nothing when there are none).
#[component]
pub fn Tags(tags: Vec<String>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        view! {
            <ul class="mt-4 flex flex-wrap gap-2" aria-label="Tags">
                {tags.into_iter().map(|tag| {
                    let href = format!("/portal/apis?q={}", crate::components::guard::urlencode(&tag));
                    view! {
                        <li><a href=href class="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700 hover:bg-indigo-100">{tag}</a></li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// The state of an API in portal words: available, coming (prototyped) or deprecated.
#[component]
pub fn StateBadge(state: String) -> impl IntoView {
    let (label, tone) = match state.as_str() {
        "prototyped" => ("coming", "bg-amber-50 text-amber-800 ring-amber-600/20"),
        "deprecated" => ("deprecated", "bg-red-50 text-red-700 ring-red-600/20"),
        _ => ("available", "bg-emerald-50 text-emerald-700 ring-emerald-600/20"),
    };
    view! {
        <span class=format!("inline-flex shrink-0 items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset {tone}")
            data-testid="api-state">{label}</span>
    }
}

/// The page of one API (404 when it does not exist or is not visible to the caller).
#[component]
pub fn CatalogApi() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok()));
    let details = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => portal_api(id).await,
                None => Err(AppError::refused("not_found", "The API does not exist.")),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(details) => view! { <ApiPage details=details/> }.into_any(),
                    Err(e) if e.code() == Some("not_found") => view! { <ApiNotFound/> }.into_any(),
                    Err(e) => view! { <PageHeader title="API"/><FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// 404 for an API that does not exist or that the caller may not see.
#[component]
fn ApiNotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::session::server::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <div class="mx-auto max-w-md py-16 text-center" data-testid="api-not-found">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-3xl font-bold text-slate-900">"API not found"</h1>
            <p class="mt-2 text-slate-600">"This API does not exist, or it is not visible to you. Some APIs are only shown after you sign in."</p>
            <div class="mt-6"><LinkButton href="/portal/apis">"Back to the catalog"</LinkButton></div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::CatalogEntry;

    #[test]
    fn search_matches_name_context_and_tags_ignoring_case() {
        let api = CatalogEntry {
            id: uuid::Uuid::nil(),
            name: "Petstore".into(),
            version: "v1".into(),
            context: "/pets".into(),
            description: String::new(),
            tags: vec!["Animals".into()],
            state: "published".into(),
        };
        assert!(api.matches(""));
        assert!(api.matches("store"));
        assert!(api.matches("/PETS"));
        assert!(api.matches("animal"));
        assert!(!api.matches("weather"));
    }
}
