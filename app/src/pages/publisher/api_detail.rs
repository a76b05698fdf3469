//! `/publisher/apis/:id`: one API, in tabs — its settings, its runtime (endpoints,
//! upstream, operations), its lifecycle and versions, where it is deployed, who
//! subscribes to it, and its traffic.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::{ApiRow, api_analytics, api_deployments, api_lifecycle, api_runtime, api_settings, api_subscribers};
use crate::components::badge::Badge;
use crate::components::form::FormError;
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;

/// One API of the caller's organizations.
#[server(prefix = "/ui/fn", endpoint = "publisher_get_api", input = GetUrl)]
pub async fn get_api(id: Uuid) -> Result<ApiRow, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    Ok(domain::apis::get(&server::state()?.db, &actor, id).await?.into())
}

/// The data of one tab, loaded with the page: `None` while another tab is shown.
/// Every resource of the page is created here, at the top, so the server and the
/// browser number them alike when the page hydrates.
pub type TabData<T> = Resource<Option<Result<T, AppError>>>;

/// A tab's resource: loads with `load` when `name` is the tab shown.
fn tab_data<T, F>(
    id: Memo<Option<Uuid>>,
    tab: Memo<String>,
    changed: RwSignal<u64>,
    name: &'static str,
    load: fn(Uuid) -> F,
) -> TabData<T>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new(
        move || (id.get(), tab.get() == name, changed.get()),
        move |(id, shown, _)| async move {
            match id {
                Some(id) if shown => Some(load(id).await),
                _ => None,
            }
        },
    )
}

const TABS: [(&str, &str); 6] = [
    ("settings", "Settings"),
    ("runtime", "Runtime"),
    ("lifecycle", "Lifecycle"),
    ("deployments", "Deployments"),
    ("subscribers", "Subscribers"),
    ("analytics", "Analytics"),
];

/// The API page.
#[component]
pub fn ApiDetail() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok()));
    let tab = Memo::new(move |_| query.with(|q| q.get("tab")).unwrap_or_else(|| "settings".into()));
    let range = Memo::new(move |_| query.with(|q| q.get("range")).unwrap_or_else(|| "24h".into()));
    // Bumped by every change, so the header (state, version) follows.
    let changed = RwSignal::new(0u64);
    let api = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_api(id).await,
                None => Err(AppError::refused("not_found", "The API does not exist.")),
            }
        },
    );
    let tabs = Tabs {
        runtime: tab_data(id, tab, changed, "runtime", api_runtime::get_runtime),
        lifecycle: tab_data(id, tab, changed, "lifecycle", api_lifecycle::lifecycle),
        deployments: tab_data(id, tab, changed, "deployments", api_deployments::deployments),
        subscribers: tab_data(id, tab, changed, "subscribers", api_subscribers::subscribers),
        analytics: Resource::new(
            move || (id.get(), tab.get() == "analytics", range.get(), changed.get()),
            |(id, shown, range, _)| async move {
                match id {
                    Some(id) if shown => Some(api_analytics::api_analytics(id, range).await),
                    _ => None,
                }
            },
        ),
        range,
    };
    view! {
        <RequireUser allow=|u| u.is_publisher() what="the publisher console">
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match api.await {
                        Err(e) => {
                            #[cfg(feature = "ssr")]
                            if e.code() == Some("not_found") {
                                crate::session::server::set_status(http::StatusCode::NOT_FOUND);
                            }
                            view! { <PageHeader title="API"/><FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any()
                        }
                        Ok(api) => view! { <ApiPage api=api tab=tab tabs=tabs changed=changed/> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

/// The data of the tabs that load their own.
#[derive(Clone, Copy)]
struct Tabs {
    runtime: TabData<api_runtime::RuntimeTab>,
    lifecycle: TabData<(Vec<api_lifecycle::EventRow>, Vec<api_lifecycle::VersionRow>)>,
    deployments: TabData<(Vec<api_deployments::RevisionRow>, Vec<api_deployments::EnvironmentRow>)>,
    subscribers: TabData<Vec<api_subscribers::SubscriberRow>>,
    analytics: TabData<api_analytics::AnalyticsTab>,
    /// The Analytics tab's time range (`?range=`).
    range: Memo<String>,
}

#[component]
fn ApiPage(api: ApiRow, tab: Memo<String>, tabs: Tabs, changed: RwSignal<u64>) -> impl IntoView {
    let subtitle = format!(
        "{}/{}{} · {} operations",
        api.context,
        api.version,
        if api.is_default_version { " (default version)" } else { "" },
        api.operations
    );
    let base = format!("/publisher/apis/{}", api.id);
    let api = StoredValue::new(api);
    view! {
        <PageHeader title=api.with_value(|a| a.name.clone()) subtitle=subtitle>
            <span data-testid="api-state"><Badge text=api.with_value(|a| a.state.clone())/></span>
        </PageHeader>
        <nav class="mb-6 flex gap-1 border-b border-slate-200" aria-label="API sections">
            {TABS.map(|(key, label)| {
                let href = format!("{base}?tab={key}");
                view! {
                    <a href=href aria-current=move || (tab.get() == key).then_some("page")
                        class=move || if tab.get() == key {
                            "-mb-px border-b-2 border-indigo-600 px-3 py-2 text-sm font-semibold text-indigo-700"
                        } else {
                            "px-3 py-2 text-sm text-slate-600 hover:text-slate-900"
                        }>{label}</a>
                }
            }).collect_view()}
        </nav>
        {move || {
            let api = api.get_value();
            match tab.get().as_str() {
                "runtime" => view! { <api_runtime::Runtime api=api data=tabs.runtime changed=changed/> }.into_any(),
                "lifecycle" => view! { <api_lifecycle::Lifecycle api=api data=tabs.lifecycle changed=changed/> }.into_any(),
                "deployments" => view! { <api_deployments::Deployments api=api data=tabs.deployments changed=changed/> }.into_any(),
                "subscribers" => view! { <api_subscribers::Subscribers data=tabs.subscribers changed=changed/> }.into_any(),
                "analytics" => view! { <api_analytics::Analytics api=api.id range=tabs.range data=tabs.analytics/> }.into_any(),
                _ => view! { <api_settings::Settings api=api changed=changed/> }.into_any(),
            }
        }}
    }
}
