//! Analytics in the UI: the report as pages receive it (a copy of the domain's
//! `analytics::Report` the browser can decode), the time ranges the picker offers, and
//! the dashboard that draws a report — figures, traffic and latency charts, errors by
//! status, the groups (top applications, operations) and CSV export links.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::chart::{Bar, BarChart, Line, LineChart, short};
use crate::components::table::{CELL, CELL_STRONG, Table};

/// Counts and latencies of a set of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsView {
    pub requests: i64,
    pub client_errors: i64,
    pub server_errors: i64,
    pub throttled: i64,
    pub cache_hits: i64,
    pub bytes_out: i64,
    pub avg_ms: Option<f64>,
    pub avg_upstream_ms: Option<f64>,
    pub avg_gateway_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// A group's totals (an application, an operation, a status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub key: String,
    pub label: String,
    pub stats: StatsView,
}

/// A report over a time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub from: i64,
    pub to: i64,
    pub totals: StatsView,
    /// (step start, Unix ms; the step's calls).
    pub series: Vec<(i64, StatsView)>,
    /// (status, calls), most frequent first.
    pub statuses: Vec<(i32, i64)>,
    pub groups: Vec<GroupView>,
}

#[cfg(feature = "ssr")]
impl From<domain::analytics::Stats> for StatsView {
    fn from(s: domain::analytics::Stats) -> Self {
        Self {
            requests: s.requests,
            client_errors: s.client_errors,
            server_errors: s.server_errors,
            throttled: s.throttled,
            cache_hits: s.cache_hits,
            bytes_out: s.bytes_out,
            avg_ms: s.avg_ms,
            avg_upstream_ms: s.avg_upstream_ms,
            avg_gateway_ms: s.avg_gateway_ms,
            p50_ms: s.p50_ms,
            p95_ms: s.p95_ms,
            p99_ms: s.p99_ms,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::analytics::Report> for ReportView {
    fn from(r: domain::analytics::Report) -> Self {
        Self {
            from: r.from,
            to: r.to,
            totals: r.totals.into(),
            series: r.series.into_iter().map(|p| (p.t, p.stats.into())).collect(),
            statuses: r.statuses.into_iter().map(|s| (s.status, s.requests)).collect(),
            groups: r
                .groups
                .into_iter()
                .map(|g| GroupView { key: g.key, label: g.label, stats: g.stats.into() })
                .collect(),
        }
    }
}

/// The ranges the picker offers: (query value, label, milliseconds).
pub const RANGES: [(&str, &str, i64); 4] = [
    ("1h", "Last hour", 3_600_000),
    ("24h", "Last 24 hours", 86_400_000),
    ("7d", "Last 7 days", 7 * 86_400_000),
    ("30d", "Last 30 days", 30 * 86_400_000),
];

/// `(from, to)` in Unix ms for a picker value (unknown values: the last 24 hours).
#[cfg(feature = "ssr")]
pub fn range_bounds(range: &str) -> (i64, i64) {
    let span = RANGES.iter().find(|(key, _, _)| *key == range).map_or(86_400_000, |r| r.2);
    let now = chrono::Utc::now().timestamp_millis();
    (now - span, now)
}

/// The time-range picker: links that set `?range=` on `base` (which already has a query).
#[component]
pub fn RangePicker(base: String, current: String) -> impl IntoView {
    view! {
        <nav class="flex gap-1" aria-label="Time range">
            {RANGES.map(|(key, label, _)| {
                let on = current == key;
                view! {
                    <a href=format!("{base}&range={key}") aria-current=on.then_some("page")
                        class=if on { "rounded-md bg-indigo-600 px-3 py-1 text-xs font-semibold text-white" }
                              else { "rounded-md px-3 py-1 text-xs text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50" }>
                        {label}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

fn tile(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200">
            <div class="text-xs uppercase tracking-wide text-slate-500">{label}</div>
            <div class="mt-1 text-lg font-semibold text-slate-900" data-testid=testid>{value}</div>
        </div>
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| short(v, "ms"))
}

/// The headline figures of a report.
#[component]
pub fn Figures(totals: StatsView) -> impl IntoView {
    let errors = totals.client_errors + totals.server_errors;
    view! {
        <div class="grid grid-cols-2 gap-3 md:grid-cols-4 lg:grid-cols-7">
            {tile("Calls", short(totals.requests as f64, ""), "figure-requests")}
            {tile("Errors", short(errors as f64, ""), "figure-errors")}
            {tile("Throttled", short(totals.throttled as f64, ""), "figure-throttled")}
            {tile("Cache hits", short(totals.cache_hits as f64, ""), "figure-cache-hits")}
            {tile("p50", ms(totals.p50_ms), "figure-p50")}
            {tile("p95", ms(totals.p95_ms), "figure-p95")}
            {tile("p99", ms(totals.p99_ms), "figure-p99")}
        </div>
    }
}

/// Traffic and latency charts of a report.
#[component]
pub fn TrafficCharts(report: ReportView) -> impl IntoView {
    let times: Vec<i64> = report.series.iter().map(|(t, _)| *t).collect();
    let count = |f: fn(&StatsView) -> i64| report.series.iter().map(|(_, s)| Some(f(s) as f64)).collect::<Vec<_>>();
    let latency = |f: fn(&StatsView) -> Option<f64>| report.series.iter().map(|(_, s)| f(s)).collect::<Vec<_>>();
    let traffic = vec![
        Line { label: "calls", stroke: "stroke-indigo-600", swatch: "bg-indigo-600", values: count(|s| s.requests) },
        Line { label: "4xx", stroke: "stroke-amber-500", swatch: "bg-amber-500", values: count(|s| s.client_errors) },
        Line { label: "5xx", stroke: "stroke-rose-600", swatch: "bg-rose-600", values: count(|s| s.server_errors) },
        Line { label: "throttled", stroke: "stroke-slate-500", swatch: "bg-slate-500", values: count(|s| s.throttled) },
    ];
    let latencies = vec![
        Line { label: "p50", stroke: "stroke-emerald-600", swatch: "bg-emerald-600", values: latency(|s| s.p50_ms) },
        Line { label: "p95", stroke: "stroke-amber-500", swatch: "bg-amber-500", values: latency(|s| s.p95_ms) },
        Line { label: "p99", stroke: "stroke-rose-600", swatch: "bg-rose-600", values: latency(|s| s.p99_ms) },
    ];
    view! {
        <div class="grid gap-4 lg:grid-cols-2">
            <LineChart title="Traffic" times=times.clone() lines=traffic testid="chart-traffic"/>
            <LineChart title="Latency" unit="ms" times=times lines=latencies testid="chart-latency"/>
        </div>
    }
}

/// A report's dashboard: its figures, traffic and latency charts, calls by status, and
/// its groups as bars titled `groups`.
#[component]
pub fn ReportPanels(report: ReportView, groups: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <Figures totals=report.totals.clone()/>
        <TrafficCharts report=report.clone()/>
        <div class="grid gap-4 lg:grid-cols-2">
            <StatusBars statuses=report.statuses/>
            <GroupBars title=groups groups=report.groups testid=testid/>
        </div>
    }
}

/// A report's CSV links: the series and the groups by `group_by` (named `label`), from
/// `export` (the export endpoint with the report's query); `testid` marks the first.
#[component]
pub fn ExportLinks(export: String, group_by: &'static str, label: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <span class="flex gap-2 text-xs">
            <a class="text-indigo-700 hover:underline" download="" data-testid=testid href=export.clone()>"Export series (CSV)"</a>
            <a class="text-indigo-700 hover:underline" download=""
                href=format!("{export}&table=groups&group_by={group_by}")>{format!("Export {label} (CSV)")}</a>
        </span>
    }
}

/// Calls per status as bars (2xx green, 4xx amber, 5xx red).
#[component]
pub fn StatusBars(statuses: Vec<(i32, i64)>) -> impl IntoView {
    let bars = statuses
        .into_iter()
        .map(|(status, requests)| Bar {
            label: status.to_string(),
            value: requests as f64,
            fill: match status {
                500.. => "fill-rose-500",
                400..=499 => "fill-amber-400",
                _ => "fill-emerald-500",
            },
        })
        .collect();
    view! { <BarChart title="Calls by status" bars=bars testid="chart-statuses"/> }
}

/// A report's groups as bars of calls.
#[component]
pub fn GroupBars(title: &'static str, groups: Vec<GroupView>, testid: &'static str) -> impl IntoView {
    let bars = groups
        .into_iter()
        .take(10)
        .map(|g| Bar { label: g.label, value: g.stats.requests as f64, fill: "fill-indigo-500" })
        .collect();
    view! { <BarChart title=title bars=bars testid=testid/> }
}

/// A report's groups as a table of their figures.
#[component]
pub fn GroupTable(first: &'static str, groups: Vec<GroupView>) -> impl IntoView {
    let rows = groups
        .into_iter()
        .map(|g| {
            let s = g.stats;
            view! {
                <tr>
                    <td class=CELL_STRONG>{g.label}</td>
                    <td class=CELL>{s.requests}</td>
                    <td class=CELL>{s.client_errors + s.server_errors}</td>
                    <td class=CELL>{s.throttled}</td>
                    <td class=CELL>{s.cache_hits}</td>
                    <td class=CELL>{ms(s.avg_ms)}</td>
                    <td class=CELL>{ms(s.p95_ms)}</td>
                    <td class=CELL>{ms(s.p99_ms)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Table headers=vec![first, "Calls", "Errors", "Throttled", "Cache hits", "Mean", "p95", "p99"]>{rows}</Table>
    }
}
