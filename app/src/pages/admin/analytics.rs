//! `/admin/analytics`: the platform dashboard — traffic of every organization's APIs
//! (platform administrators) or of the organizations an admin administers, optionally
//! one organization's: figures, traffic and latency charts, calls by status, calls per
//! tenant and the top APIs, with a range picker and CSV export; and, for platform
//! administrators, gateway health: each node's analytics shipping (latest batch, events
//! in the last hour, events dropped) and each environment's configuration version with
//! how many of its gateways run it.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::query_param;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;
use crate::pages::analytics::{ExportLinks, GroupTable, GroupView, RangePicker, ReportPanels, ReportView};

/// A gateway node's analytics shipping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRow {
    pub node: String,
    pub last_batch: String,
    pub events_last_hour: i64,
    pub dropped: i64,
}

/// An environment's configuration and how many of its gateways run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub config_version: i64,
    pub in_sync: usize,
    pub behind: usize,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The report, grouped by organization.
    pub report: ReportView,
    /// The same calls grouped by API.
    pub apis: Vec<GroupView>,
    /// The provider organizations the caller may pick: (id, name).
    pub orgs: Vec<(String, String)>,
    /// Gateway health (platform administrators only).
    pub nodes: Option<Vec<NodeRow>>,
    pub environments: Option<Vec<EnvironmentRow>>,
}

/// The dashboard's data over `range` (`1h`, `24h`, `7d`, `30d`), for one organization
/// when `org` is given.
#[server(prefix = "/ui/fn", endpoint = "admin_analytics", input = GetUrl)]
pub async fn admin_analytics(range: String, org: Option<String>) -> Result<Dashboard, AppError> {
    use domain::analytics::{GroupBy, ReportQuery, admin_report};
    use domain::orgs::{OrgFilter, OrgKind};

    use crate::session::server;
    let actor = server::actor(None)?;
    let db = &server::state()?.db;
    let org_id = match org.as_deref().filter(|o| !o.is_empty()) {
        Some(id) => Some(id.parse().map_err(|_| AppError::from(domain::DomainError::NotFound("organization")))?),
        None => None,
    };
    let (from, to) = crate::pages::analytics::range_bounds(&range);
    let query =
        |group_by| ReportQuery { from: Some(from), to: Some(to), group_by: Some(group_by), ..Default::default() };
    let report = admin_report(db, &actor, org_id, &query(GroupBy::Organization)).await?;
    let apis = admin_report(db, &actor, org_id, &query(GroupBy::Api)).await?;
    let filter = OrgFilter { kind: Some(OrgKind::Provider), sort: Some("name".into()), ..Default::default() };
    let orgs = domain::orgs::list(db, &actor, &filter, domain::PageRequest { page: 1, per_page: 200 }).await?;
    let orgs = orgs.items.into_iter().map(|o| (o.id.to_string(), o.name)).collect();
    let (nodes, environments) = if actor.can_platform(domain::Permission::GatewaysManage) {
        let nodes = domain::analytics::nodes(db, &actor, chrono::Utc::now()).await?;
        let gateways = domain::gateways::list_nodes(db, &actor).await?;
        let environments = domain::environments::list(db)
            .await?
            .into_iter()
            .map(|e| {
                let mine = gateways.iter().filter(|g| g.environment == e.name && g.connected);
                let in_sync = mine.clone().filter(|g| g.config_version.is_some_and(|v| v >= e.config_version)).count();
                EnvironmentRow {
                    behind: mine.count() - in_sync,
                    in_sync,
                    config_version: e.config_version,
                    name: e.name,
                }
            })
            .collect();
        let nodes = nodes
            .into_iter()
            .map(|n| NodeRow {
                last_batch: crate::pages::time(n.last_batch_at),
                node: n.node,
                events_last_hour: n.events_last_hour,
                dropped: n.dropped,
            })
            .collect();
        (Some(nodes), Some(environments))
    } else {
        (None, None)
    };
    Ok(Dashboard { report: report.into(), apis: ReportView::from(apis).groups, orgs, nodes, environments })
}

/// The page.
#[component]
pub fn AdminAnalyticsPage() -> impl IntoView {
    let range = query_param("range");
    let org = query_param("org");
    let data = Resource::new(
        move || (range.get().unwrap_or_else(|| "24h".into()), org.get()),
        |(range, org)| admin_analytics(range, org),
    );
    let base = move || match org.get() {
        Some(org) => format!("/admin/analytics?org={org}"),
        None => "/admin/analytics?".to_owned(),
    };
    view! {
        <PageHeader title="Analytics" subtitle="Traffic through every gateway, per tenant and API, and the gateways' health."/>
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            {move || view! { <RangePicker base=base() current=range.get().unwrap_or_else(|| "24h".into())/> }}
            <Suspense>
                {move || Suspend::new(async move {
                    let Ok(page) = data.await else { return ().into_any() };
                    let current = org.get().unwrap_or_default();
                    let org_query = if current.is_empty() { String::new() } else { format!("org_id={current}&") };
                    let window = format!("{org_query}from={}&to={}", page.report.from, page.report.to);
                    view! {
                        <form method="get" action="/admin/analytics" class="flex items-end gap-2">
                            <input type="hidden" name="range" value=range.get().unwrap_or_else(|| "24h".into())/>
                            <label class="text-xs text-slate-600">"Organization"
                                <select name="org" class="ml-2 rounded-md border-slate-300 text-sm" onchange="this.form.submit()">
                                    <option value="">"All"</option>
                                    {page.orgs.into_iter().map(|(id, name)| {
                                        let selected = id == current;
                                        view! { <option value=id selected=selected>{name}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <noscript><button type="submit" class="rounded-md px-2 py-1 text-xs ring-1 ring-slate-300">"Show"</button></noscript>
                            <ExportLinks export=format!("/api/admin/v1/analytics/export?{window}")
                                group_by="organization" label="tenants" testid="admin-export-series"/>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </div>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(page) => view! {
                        <div class="space-y-4">
                            {if page.report.totals.requests == 0 {
                                view! { <EmptyState title="No calls in this range" message="Calls through any gateway show here within seconds of being made."/> }.into_any()
                            } else {
                                let report = page.report.clone();
                                view! {
                                    <ReportPanels report=report.clone() groups="Calls per tenant" testid="chart-tenants"/>
                                    <h3 class="text-sm font-semibold text-slate-800">"Tenants"</h3>
                                    <GroupTable first="Organization" groups=report.groups/>
                                    <h3 class="text-sm font-semibold text-slate-800">"APIs"</h3>
                                    <GroupTable first="API" groups=page.apis.clone()/>
                                }.into_any()
                            }}
                            {page.nodes.map(|nodes| view! { <GatewayHealth nodes=nodes environments=page.environments.unwrap_or_default()/> })}
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GatewayHealth(nodes: Vec<NodeRow>, environments: Vec<EnvironmentRow>) -> impl IntoView {
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Gateway health"</h2>
        <Table headers=vec!["Environment", "Configuration", "Gateways in sync", "Behind"]>
            {environments.into_iter().map(|e| {
                let behind = if e.behind > 0 { "px-4 py-3 text-amber-700" } else { CELL };
                view! {
                <tr data-testid="environment-health">
                    <td class=CELL_STRONG>{e.name}</td>
                    <td class=CELL>{format!("v{}", e.config_version)}</td>
                    <td class=CELL>{e.in_sync}</td>
                    <td class=behind>{e.behind}</td>
                </tr>
            }}).collect_view()}
        </Table>
        <p class="text-xs text-slate-500">
            "Each gateway's version and errors: " <a class="text-indigo-700 hover:underline" href="/admin/gateways">"Gateways"</a>
        </p>
        {if nodes.is_empty() {
            view! { <EmptyState title="No analytics received" message="Gateway nodes appear here once they ship their first events."/> }.into_any()
        } else {
            view! {
                <Table headers=vec!["Node", "Latest batch", "Events, last hour", "Events dropped"]>
                    {nodes.into_iter().map(|n| {
                        let dropped = if n.dropped > 0 { "px-4 py-3 font-semibold text-red-700" } else { CELL };
                        view! {
                        <tr data-testid="node-health">
                            <td class=CELL_STRONG>{n.node}</td>
                            <td class=CELL>{n.last_batch}</td>
                            <td class=CELL>{n.events_last_hour}</td>
                            <td class=dropped>{n.dropped}</td>
                        </tr>
                    }}).collect_view()}
                </Table>
            }.into_any()
        }}
    }
}
