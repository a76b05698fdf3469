//! One API of the catalog: its description, how to call it through the gateway (path,
//! key header, a curl example) and its operations, next to the subscribe panel.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::{CatalogEntry, StateBadge, Tags};
use super::subscribe::{SubscribeChoices, SubscribePanel};
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, Table};
use crate::errors::AppError;

/// How to call an API: the header carrying the key and a path to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallExample {
    /// Request header carrying the API key (`X-API-Key` by default).
    pub header: String,
    /// A path at the gateway, e.g. `/petstore/v1/pets`.
    pub path: String,
}

impl CallExample {
    /// The example for an API the caller does not know yet.
    pub fn generic() -> Self {
        Self { header: "X-API-Key".into(), path: "/<context>/<version>/".into() }
    }

    /// The example for `api`: its key header and its first plain `GET` operation (else
    /// its first operation, else its base path).
    #[cfg(feature = "ssr")]
    pub fn of(api: &domain::apis::ApiView) -> Self {
        let base = base_path(api);
        let operations = &api.definition.operations;
        let plain_get = operations.iter().find(|op| op.method.eq_ignore_ascii_case("GET") && !op.path.contains('{'));
        let path =
            plain_get.or(operations.first()).map_or_else(|| format!("{base}/"), |op| format!("{base}{}", op.path));
        Self { header: api.definition.key_auth.header.clone(), path }
    }

    /// The curl command that calls the example with `key`.
    pub fn curl(&self, key: &str) -> String {
        format!("curl -H \"{}: {key}\" \"$GATEWAY_URL{}\"", self.header, self.path)
    }
}

/// The path prefix of an API at the gateway: `{context}/{version}`.
#[cfg(feature = "ssr")]
fn base_path(api: &domain::apis::ApiView) -> String {
    format!("{}/{}", api.context.trim_end_matches('/'), api.version)
}

/// One routed operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRow {
    pub method: String,
    /// Full path at the gateway, e.g. `/petstore/v1/pets/{petId}`.
    pub path: String,
    /// Whether an API key must be sent.
    pub needs_key: bool,
}

/// Everything the API page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDetails {
    pub api: CatalogEntry,
    /// Path prefix at the gateway, e.g. `/petstore/v1`.
    pub base_path: String,
    /// Requests without the version segment reach this version too.
    pub default_version: bool,
    /// Query parameter that may carry the key instead of the header.
    pub key_query: Option<String>,
    pub example: CallExample,
    /// Routed operations (empty: every path below the base path).
    pub operations: Vec<OperationRow>,
    /// What a signed-in caller can subscribe with (`None` for anonymous visitors).
    pub subscribe: Option<SubscribeChoices>,
}

/// One API of the catalog, as the caller may see it.
#[server(prefix = "/ui/fn", endpoint = "portal_api", input = GetUrl)]
pub async fn portal_api(id: Uuid) -> Result<ApiDetails, AppError> {
    use crate::session::server;
    use domain::api_definition::AuthKind;
    let viewer = server::auth().principal.map(|p| p.actor);
    let db = server::state()?.db;
    let api = domain::catalog::find_visible(&db, viewer.as_ref(), id).await?;
    let subscribe = match &viewer {
        Some(actor) => Some(super::subscribe::choices(&db, actor).await?),
        None => None,
    };
    let base = base_path(&api);
    let definition = &api.definition;
    let operations = definition
        .operations
        .iter()
        .map(|op| OperationRow {
            method: op.method.to_uppercase(),
            path: format!("{base}{}", op.path),
            needs_key: op.auth.unwrap_or(definition.auth) != AuthKind::None,
        })
        .collect();
    Ok(ApiDetails {
        api: CatalogEntry::from(&api),
        example: CallExample::of(&api),
        key_query: definition.key_auth.query.clone(),
        default_version: api.is_default_version,
        base_path: base,
        operations,
        subscribe,
    })
}

/// The page of one API.
#[component]
pub fn ApiPage(details: ApiDetails) -> impl IntoView {
    let ApiDetails { api, base_path, operations, subscribe, .. } = details.clone();
    let (title, state) = (api.name.clone(), api.state.clone());
    let subtitle = format!("Version {} · {}", api.version, api.context);
    let description =
        if api.description.trim().is_empty() { "No description yet.".to_owned() } else { api.description.clone() };
    view! {
        <p class="mb-2 text-sm"><a href="/portal/apis" class="text-indigo-700 hover:underline">"← API catalog"</a></p>
        <PageHeader title=title subtitle=subtitle><StateBadge state=state/></PageHeader>
        <div class="grid gap-8 lg:grid-cols-3">
            <div class="space-y-8 lg:col-span-2">
                <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                    <h2 class="text-lg font-semibold">"About this API"</h2>
                    <p class="mt-2 whitespace-pre-line text-sm text-slate-700" data-testid="api-description">{description}</p>
                    <Tags tags=api.tags.clone()/>
                </section>
                <HowToCall details=details/>
                <Operations base_path=base_path operations=operations/>
            </div>
            <div><SubscribePanel api=api choices=subscribe/></div>
        </div>
    }
}

/// Path, authentication and a curl example.
#[component]
fn HowToCall(details: ApiDetails) -> impl IntoView {
    let ApiDetails { base_path, default_version, key_query, example, .. } = details;
    let unversioned = base_path.rsplit_once('/').map(|(context, _)| context.to_owned()).unwrap_or_default();
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"How to call it"</h2>
            <dl class="mt-4 space-y-3 text-sm">
                <div>
                    <dt class="font-medium text-slate-900">"Address"</dt>
                    <dd class="mt-1 text-slate-700">
                        "Send requests to your environment's gateway, below " <code class="rounded bg-slate-100 px-1" data-testid="api-base-path">{base_path}</code>
                        {default_version.then(|| view! { " (this is the default version: " <code class="rounded bg-slate-100 px-1">{unversioned}</code> " works too)" })}
                        "."
                    </dd>
                </div>
                <div>
                    <dt class="font-medium text-slate-900">"Authentication"</dt>
                    <dd class="mt-1 text-slate-700">
                        "Send an API key of a subscribed application in the " <code class="rounded bg-slate-100 px-1" data-testid="api-key-header">{example.header.clone()}</code> " header"
                        {key_query.map(|q| view! { " (or the " <code class="rounded bg-slate-100 px-1">{q}</code> " query parameter)" })}
                        "."
                    </dd>
                </div>
            </dl>
            <pre class="mt-4 overflow-x-auto rounded-md bg-slate-900 p-4 font-mono text-xs text-slate-100" data-testid="api-curl-example">{example.curl("$API_KEY")}</pre>
            <p class="mt-2 text-xs text-slate-500">"GATEWAY_URL is the address of the gateway of your key's environment; API_KEY is your application's key."</p>
        </section>
    }
}

/// The routed operations.
#[component]
fn Operations(base_path: String, operations: Vec<OperationRow>) -> impl IntoView {
    view! {
        <section>
            <h2 class="mb-3 text-lg font-semibold">"Operations"</h2>
            {if operations.is_empty() {
                view! { <p class="text-sm text-slate-600">"Every path below " <code class="rounded bg-slate-100 px-1">{base_path}</code> " is forwarded."</p> }.into_any()
            } else {
                view! {
                    <Table headers=vec!["Method", "Path", "Authentication"]>
                        {operations.into_iter().map(|op| view! {
                            <tr data-testid="operation-row">
                                <td class=CELL><span class="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs font-semibold">{op.method}</span></td>
                                <td class=CELL><code class="font-mono text-xs">{op.path}</code></td>
                                <td class=CELL>{if op.needs_key { "API key" } else { "none" }}</td>
                            </tr>
                        }).collect_view()}
                    </Table>
                }.into_any()
            }}
        </section>
    }
}
