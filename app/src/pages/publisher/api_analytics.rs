//! The Analytics tab: one API's traffic over a chosen range — calls, errors and
//! throttled calls over time, latency percentiles, calls by status, the top
//! applications and every operation — with CSV export (the REST API's
//! `/api/publisher/v1/analytics/export`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api_detail::TabData;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::errors::AppError;
use crate::pages::analytics::{ExportLinks, GroupTable, GroupView, RangePicker, ReportPanels, ReportView};

/// What the tab shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsTab {
    /// The report, grouped by application.
    pub report: ReportView,
    /// The same calls grouped by operation.
    pub operations: Vec<GroupView>,
}

/// One API's analytics over `range` (`1h`, `24h`, `7d`, `30d`).
#[server(prefix = "/ui/fn", endpoint = "publisher_api_analytics", input = GetUrl)]
pub async fn api_analytics(id: Uuid, range: String) -> Result<AnalyticsTab, AppError> {
    use domain::analytics::{GroupBy, ReportQuery, publisher_report};

    use crate::session::server;
    let actor = server::actor(None)?;
    let db = &server::state()?.db;
    let (from, to) = crate::pages::analytics::range_bounds(&range);
    let query = |group_by| ReportQuery {
        from: Some(from),
        to: Some(to),
        api_id: Some(id),
        group_by: Some(group_by),
        ..Default::default()
    };
    let report = publisher_report(db, &actor, &query(GroupBy::Application)).await?;
    let operations = publisher_report(db, &actor, &query(GroupBy::Operation)).await?;
    Ok(AnalyticsTab { report: report.into(), operations: ReportView::from(operations).groups })
}

/// The tab.
#[component]
pub fn Analytics(api: Uuid, range: Memo<String>, data: TabData<AnalyticsTab>) -> impl IntoView {
    let base = format!("/publisher/apis/{api}?tab=analytics");
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            {move || view! { <RangePicker base=base.clone() current=range.get()/> }}
            <Suspense>
                {move || Suspend::new(async move {
                    let Some(Ok(data)) = data.await else { return ().into_any() };
                    let window = format!("api_id={api}&from={}&to={}", data.report.from, data.report.to);
                    let export = format!("/api/publisher/v1/analytics/export?{window}");
                    view! { <ExportLinks export=export group_by="application" label="applications" testid="export-series"/> }.into_any()
                })}
            </Suspense>
        </div>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Some(Ok(data)) if data.report.totals.requests == 0 => view! {
                        <EmptyState title="No calls in this range"
                            message="Calls through the gateway show here within seconds of being made."/>
                    }.into_any(),
                    Some(Ok(AnalyticsTab { report, operations })) => view! {
                        <div class="space-y-4">
                            <ReportPanels report=report groups="Top applications" testid="chart-applications"/>
                            <h3 class="text-sm font-semibold text-slate-800">"Operations"</h3>
                            <GroupTable first="Operation" groups=operations/>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
