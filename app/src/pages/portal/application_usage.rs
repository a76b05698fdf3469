//! The Usage section of an application: each subscription's use of its tier now (calls
//! in the last minute against the rate, calls this quota period against the quota, with
//! when it resets) and the application's calls over the last 24 hours.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;
use crate::pages::analytics::{Figures, ReportView, TrafficCharts};

/// One subscription's use of its tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRow {
    pub api: String,
    pub tier: String,
    /// The rate, e.g. `5,000 per 60 s`; `None` when unlimited.
    pub rate: Option<(i64, i64)>,
    pub last_minute: i64,
    /// (limit, `day` or `month`); `None` when there is no quota.
    pub quota: Option<(i64, String)>,
    pub quota_used: i64,
    pub resets: String,
    pub throttled: i64,
}

/// The section's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppUsage {
    pub subscriptions: Vec<UsageRow>,
    /// The application's calls over the last 24 hours.
    pub report: ReportView,
}

/// The application's usage.
#[server(prefix = "/ui/fn", endpoint = "portal_usage", input = GetUrl)]
pub async fn portal_usage(id: Uuid) -> Result<AppUsage, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = &server::state()?.db;
    let subscriptions = domain::analytics::subscription_usage(db, &actor, id)
        .await?
        .into_iter()
        .map(|u| UsageRow {
            api: u.api_name,
            tier: u.tier,
            rate: u.limits.as_ref().and_then(|l| l.rate_limit.map(|limit| (limit, l.rate_period_secs))),
            last_minute: u.requests_last_minute,
            quota: u.limits.as_ref().and_then(|l| l.quota_limit.zip(l.quota_period.clone())),
            quota_used: u.quota_used,
            resets: crate::pages::time(u.period_end),
            throttled: u.throttled,
        })
        .collect();
    let (from, to) = crate::pages::analytics::range_bounds("24h");
    let query = domain::analytics::ReportQuery { from: Some(from), to: Some(to), ..Default::default() };
    let report = domain::analytics::application_report(db, &actor, id, &query).await?;
    Ok(AppUsage { subscriptions, report: report.into() })
}

/// A bar showing `used` of `limit`.
fn meter(used: i64, limit: i64) -> impl IntoView {
    let share = if limit > 0 { (used as f64 / limit as f64).clamp(0.0, 1.0) } else { 0.0 };
    let colour = if share >= 0.8 { "bg-rose-500" } else { "bg-indigo-500" };
    view! {
        <div class="h-2 w-32 rounded bg-slate-100" role="meter" aria-valuemin="0" aria-valuemax=limit aria-valuenow=used>
            <div class=format!("h-2 rounded {colour}") style=format!("width: {:.0}%", share * 100.0)></div>
        </div>
    }
}

/// The section.
#[component]
pub fn Usage(usage: Resource<Result<AppUsage, AppError>>) -> impl IntoView {
    view! {
        <section aria-labelledby="usage-heading" data-testid="usage">
            <h2 id="usage-heading" class="mb-3 text-lg font-semibold text-slate-900">"Usage"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match usage.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(usage) if usage.subscriptions.is_empty() => view! {
                            <EmptyState title="No usage yet" message="Subscribe to an API; each subscription's use of its tier shows here."/>
                        }.into_any(),
                        Ok(AppUsage { subscriptions, report }) => {
                            let rows = subscriptions.into_iter().map(|row| {
                                let rate = match row.rate {
                                    Some((limit, period)) => view! {
                                        <span class="flex items-center gap-2">{meter(row.last_minute, limit)}
                                            {format!("{} of {limit} per {period} s", row.last_minute)}</span>
                                    }.into_any(),
                                    None => view! { <span>{format!("{} in the last minute (no rate limit)", row.last_minute)}</span> }.into_any(),
                                };
                                let quota = match row.quota {
                                    Some((limit, period)) => view! {
                                        <span class="flex items-center gap-2">{meter(row.quota_used, limit)}
                                            {format!("{} of {limit} this {period}", row.quota_used)}</span>
                                    }.into_any(),
                                    None => view! { <span>{format!("{} today (no quota)", row.quota_used)}</span> }.into_any(),
                                };
                                view! {
                                    <tr data-testid="usage-row">
                                        <td class=CELL_STRONG>{row.api}</td>
                                        <td class=CELL>{row.tier}</td>
                                        <td class=CELL>{rate}</td>
                                        <td class=CELL>{quota}</td>
                                        <td class=CELL>{row.resets}</td>
                                        <td class=CELL>{row.throttled}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                <div class="space-y-4">
                                    <Table headers=vec!["API", "Tier", "Rate now", "Quota", "Quota resets", "Throttled"]>{rows}</Table>
                                    <p class="text-xs text-slate-500">"The last 24 hours:"</p>
                                    <Figures totals=report.totals.clone()/>
                                    <TrafficCharts report=report/>
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
