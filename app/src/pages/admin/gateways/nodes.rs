//! Connected gateways: what runs where, and whether each gateway runs its environment's
//! current configuration ("in sync") or an older one ("behind").

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::components::badge::Badge;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;

/// A gateway as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayNodeRow {
    pub node_id: String,
    pub environment: String,
    pub hostname: String,
    pub software_version: String,
    /// Configuration it last acknowledged: `v12 · 3f2a…`, or `none`.
    pub config: String,
    /// Its environment's current config version.
    pub current_version: i64,
    /// Runs the current configuration.
    pub in_sync: bool,
    pub last_error: Option<String>,
    pub connected: bool,
    pub last_seen: String,
}

/// Every gateway that connected, most recently seen first.
#[server(prefix = "/ui/fn", endpoint = "admin_list_gateway_nodes", input = GetUrl)]
pub async fn list_gateway_nodes() -> Result<Vec<GatewayNodeRow>, AppError> {
    use crate::session::server;
    use std::collections::HashMap;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let nodes = domain::gateways::list_nodes(&db, &actor).await?;
    let current: HashMap<String, i64> =
        domain::environments::list(&db).await?.into_iter().map(|e| (e.name, e.config_version)).collect();
    Ok(nodes
        .into_iter()
        .map(|n| {
            let current_version = current.get(&n.environment).copied().unwrap_or_default();
            GatewayNodeRow {
                config: match (n.config_version, &n.config_hash) {
                    (Some(v), Some(h)) => format!("v{v} · {}", h.chars().take(12).collect::<String>()),
                    (Some(v), None) => format!("v{v}"),
                    (None, _) => "none".to_owned(),
                },
                in_sync: n.config_version.is_some_and(|v| v >= current_version),
                current_version,
                node_id: n.node_id,
                environment: n.environment,
                hostname: n.hostname,
                software_version: n.software_version,
                last_error: n.last_error,
                connected: n.connected,
                last_seen: crate::pages::time(n.last_seen_at),
            }
        })
        .collect())
}

/// The connected gateways section.
#[component]
pub fn GatewayNodes(
    /// From [`list_gateway_nodes`], made by the page outside the guard's `<Suspense/>`.
    nodes: Resource<Result<Vec<GatewayNodeRow>, AppError>>,
) -> impl IntoView {
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Connected gateways"</h2>
            <p class="mt-1 mb-4 text-sm text-slate-600">"Every gateway that connected with a token, and the configuration it runs."</p>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading gateways…"</p> }>
                {move || Suspend::new(async move {
                    match nodes.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(rows) if rows.is_empty() => view! { <EmptyState title="No gateways have connected" message="Issue a token above and start a gateway with the command shown."/> }.into_any(),
                        Ok(rows) => view! {
                            <Table headers=vec!["Gateway", "Environment", "Configuration", "Connection"]>
                                {rows.into_iter().map(|n| view! {
                                    <tr data-testid="gateway-node-row">
                                        <td class=CELL_STRONG>
                                            {n.hostname}
                                            <span class="ml-2 text-xs font-normal text-slate-500">{format!("portico-gateway {}", n.software_version)}</span>
                                            <div class="font-mono text-xs font-normal text-slate-500">{n.node_id}</div>
                                        </td>
                                        <td class=CELL><code class="text-xs">{n.environment}</code></td>
                                        <td class=CELL>
                                            <code class="text-xs">{n.config}</code>
                                            " "
                                            <Badge text=if n.in_sync { "in_sync" } else { "behind" }/>
                                            {(!n.in_sync).then(|| view! { <p class="mt-1 text-xs text-slate-500">{format!("current: v{}", n.current_version)}</p> })}
                                            {n.last_error.map(|e| view! { <p class="mt-1 max-w-md whitespace-normal text-xs text-red-700">{format!("Refused the last configuration: {e}")}</p> })}
                                        </td>
                                        <td class=CELL>
                                            <Badge text=if n.connected { "connected" } else { "disconnected" }/>
                                            <div class="mt-1 text-xs text-slate-500">{format!("last seen {}", n.last_seen)}</div>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </Table>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
