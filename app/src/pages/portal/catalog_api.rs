//! One API of the catalog: its description, how to call it through the gateway (see
//! `how_to_call`) and its operations with their authentication and scopes, next to the
//! subscribe panel.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::{CatalogEntry, StateBadge, Tags};
use super::how_to_call::{CallGuide, HowToCall};
use super::subscribe::{SubscribeChoices, SubscribePanel};
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, Table};
use crate::errors::AppError;

/// One routed operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRow {
    pub method: String,
    /// Full path at the gateway, e.g. `/petstore/v1/pets/{petId}`.
    pub path: String,
    /// How it authenticates, as the table says it (`API key`, `OAuth2 token`, …).
    pub auth: String,
    /// OAuth2 scopes a token must hold to call it.
    pub scopes: Vec<String>,
}

/// Everything the API page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDetails {
    pub api: CatalogEntry,
    /// How to call it: address, authentication, scopes, examples.
    pub guide: CallGuide,
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
    let state = server::state()?;
    let db = state.db;
    let api = domain::catalog::find_visible(&db, viewer.as_ref(), id).await?;
    let subscribe = match &viewer {
        Some(actor) => Some(super::subscribe::choices(&db, actor, &api.definition.tiers).await?),
        None => None,
    };
    let guide = CallGuide::of(&api, state.oauth.token_endpoint());
    let definition = &api.definition;
    let operations = definition
        .operations
        .iter()
        .map(|op| OperationRow {
            method: op.method.to_uppercase(),
            path: format!("{}{}", guide.base_path, op.path),
            auth: match op.auth.unwrap_or(definition.auth) {
                AuthKind::None => "none",
                AuthKind::ApiKey => "API key",
                AuthKind::Jwt => "OAuth2 token",
                AuthKind::Basic => "basic auth",
            }
            .to_owned(),
            scopes: op.scopes.clone(),
        })
        .collect();
    Ok(ApiDetails { api: CatalogEntry::from(&api), guide, operations, subscribe })
}

/// The page of one API.
#[component]
pub fn ApiPage(details: ApiDetails) -> impl IntoView {
    let ApiDetails { api, guide, operations, subscribe } = details;
    let base_path = guide.base_path.clone();
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
                <HowToCall guide=guide/>
                <Operations base_path=base_path operations=operations/>
            </div>
            <div><SubscribePanel api=api choices=subscribe/></div>
        </div>
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
                    <Table headers=vec!["Method", "Path", "Authentication", "Scopes"]>
                        {operations.into_iter().map(|op| view! {
                            <tr data-testid="operation-row">
                                <td class=CELL><span class="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs font-semibold">{op.method}</span></td>
                                <td class=CELL><code class="font-mono text-xs">{op.path}</code></td>
                                <td class=CELL>{op.auth}</td>
                                <td class=CELL><code class="font-mono text-xs">{if op.scopes.is_empty() { "—".to_owned() } else { op.scopes.join(" ") }}</code></td>
                            </tr>
                        }).collect_view()}
                    </Table>
                }.into_any()
            }}
        </section>
    }
}
