//! `/publisher/alerts`: alert rules on the traffic of the caller's APIs — error rate,
//! p95/p99 latency, traffic drop or spike against the usual, quota use — each with an
//! optional webhook; which rules fire now; and the alert history with each webhook
//! delivery's state (delivered, retrying, failed and why).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::components::button::SMALL_DANGER;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// A rule as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub id: String,
    pub name: String,
    /// What it watches, e.g. "Shop v1" or "every API".
    pub target: String,
    /// The condition in words, e.g. "error rate ≥ 5 % over 5 min".
    pub condition: String,
    pub webhook: Option<String>,
    pub firing: bool,
    pub last: Option<String>,
}

/// An entry of the alert history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    pub at: String,
    pub kind: String,
    pub message: String,
    /// The webhook delivery in words.
    pub delivery: String,
    pub failed: bool,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsPage {
    pub rules: Vec<RuleRow>,
    pub history: Vec<AlertRow>,
    /// What a rule can watch: `api:<id>` or `org:<id>`, with a label.
    pub targets: Vec<(String, String)>,
}

const METRICS: [(&str, &str); 6] = [
    ("error_rate", "Error rate (% of calls answered 5xx)"),
    ("latency_p95", "Latency p95 (ms)"),
    ("latency_p99", "Latency p99 (ms)"),
    ("traffic_drop", "Traffic drop (% below the usual)"),
    ("traffic_spike", "Traffic spike (% above the usual)"),
    ("quota", "Quota use (% of a subscription's quota)"),
];

/// The rules, the history and what a rule may watch.
#[server(prefix = "/ui/fn", endpoint = "publisher_alerts", input = GetUrl)]
pub async fn publisher_alerts() -> Result<AlertsPage, AppError> {
    use std::collections::HashMap;

    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let request = domain::PageRequest { page: 1, per_page: 200 };
    let apis = domain::apis::list(&db, &actor, domain::apis::ApiFilter::default(), request).await?.items;
    // Readers who may not write rules get the list without a choice of targets.
    let orgs = match domain::alerts::watchable_orgs(&db, &actor).await {
        Ok(orgs) => orgs,
        Err(domain::DomainError::NotFound(_) | domain::DomainError::Forbidden) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut labels: HashMap<String, String> = HashMap::new();
    for (org_id, org_name) in orgs {
        let label = format!("Every API of {org_name}");
        labels.insert(format!("org:{org_id}"), label.clone());
        targets.push((format!("org:{org_id}"), label));
        for api in apis.iter().filter(|api| api.org_id == org_id) {
            let label = format!("{} {}", api.name, api.version);
            labels.insert(api.id.to_string(), label.clone());
            targets.push((format!("api:{}", api.id), label));
        }
    }
    let rules = domain::alerts::list_rules(&db, &actor).await?;
    let rules = rules
        .into_iter()
        .map(|r| {
            let target = match r.api_id {
                Some(api) => labels.get(&api.to_string()).cloned().unwrap_or_else(|| api.to_string()),
                None => labels.get(&format!("org:{}", r.org_id)).cloned().unwrap_or_else(|| "Every API".into()),
            };
            let unit = r.metric.unit();
            let metric = r.metric.as_str().replace('_', " ");
            let window = if r.metric == domain::alerts::Metric::Quota {
                " this period".to_owned()
            } else {
                format!(" over {} min", r.window_minutes)
            };
            RuleRow {
                id: r.id.to_string(),
                name: r.name,
                target,
                condition: format!("{metric} ≥ {}{unit}{window}", r.threshold),
                webhook: r.webhook_url,
                firing: r.firing,
                last: r.last_value.map(|v| format!("{v}{unit}")),
            }
        })
        .collect();
    let history = domain::alerts::history(&db, &actor, None, 100)
        .await?
        .into_iter()
        .map(|e| AlertRow {
            at: e.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            delivery: match e.delivery.as_str() {
                "none" => "No webhook".to_owned(),
                "delivered" => "Delivered".to_owned(),
                "pending" if e.attempts == 0 => "Sending".to_owned(),
                "pending" => format!("Retrying ({} failed: {})", e.attempts, e.last_error.clone().unwrap_or_default()),
                _ => format!("Failed after {} attempts: {}", e.attempts, e.last_error.clone().unwrap_or_default()),
            },
            failed: e.delivery == "failed",
            kind: e.kind,
            message: e.message,
        })
        .collect();
    Ok(AlertsPage { rules, history, targets })
}

/// Adds a rule.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/ui/fn", endpoint = "publisher_save_alert_rule")]
pub async fn save_alert_rule(
    csrf_token: String,
    target: String,
    name: String,
    metric: String,
    threshold: String,
    window_minutes: String,
    webhook_url: String,
) -> Result<(), AppError> {
    use crate::session::server;
    use domain::FieldError;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let invalid = |field: &str, message: &str| {
        AppError::from(domain::DomainError::Invalid(vec![FieldError::new(field, "invalid", message)]))
    };
    let (org_id, api_id) = match target.split_once(':') {
        Some(("org", id)) => (id.parse().map_err(|_| invalid("target", "Choose what to watch."))?, None),
        Some(("api", id)) => {
            let id: uuid::Uuid = id.parse().map_err(|_| invalid("target", "Choose what to watch."))?;
            let api = domain::apis::get(&db, &actor, id).await?;
            (api.org_id, Some(id))
        }
        _ => return Err(invalid("target", "Choose what to watch.")),
    };
    let metric = serde_json::from_value(serde_json::Value::String(metric))
        .map_err(|_| invalid("metric", "Choose a condition."))?;
    let threshold = threshold.trim().parse().map_err(|_| invalid("threshold", "Enter a number."))?;
    let window_minutes =
        window_minutes.trim().parse().map_err(|_| invalid("window_minutes", "Enter whole minutes."))?;
    let webhook_url = Some(webhook_url).filter(|url| !url.trim().is_empty());
    let input = domain::alerts::AlertRuleInput {
        org_id,
        api_id,
        name,
        metric,
        threshold,
        window_minutes,
        webhook_url,
        enabled: true,
    };
    domain::alerts::create_rule(&db, &actor, input).await?;
    Ok(())
}

/// Removes a rule and its history.
#[server(prefix = "/ui/fn", endpoint = "publisher_delete_alert_rule")]
pub async fn delete_alert_rule(csrf_token: String, id: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let id = id.parse().map_err(|_| AppError::Refused { code: "not_found".into(), message: "No such rule.".into() })?;
    Ok(domain::alerts::delete_rule(&db, &actor, id).await?)
}

/// The alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let save = ServerAction::<SaveAlertRule>::new();
    let delete = ServerAction::<DeleteAlertRule>::new();
    let data = Resource::new(move || (save.version().get(), delete.version().get()), |_| publisher_alerts());
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Alert rule added; it is evaluated every minute.");
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => toasts.success("Alert rule removed."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <RequireUser allow=|u| u.is_publisher() what="alerts">
            <PageHeader title="Alerts" subtitle="Rules on your APIs' traffic, evaluated every minute; fired and resolved alerts are listed here and posted to the rule's webhook."/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(page) => view! {
                            <RuleForm action=save targets=page.targets/>
                            <RuleTable rows=page.rules delete=delete/>
                            <History rows=page.history/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn RuleForm(action: ServerAction<SaveAlertRule>, targets: Vec<(String, String)>) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"New rule"</h2>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-3">
                    <CsrfField/>
                    <TextField name="name" label="Name" required=true help="e.g. Checkout errors" error=field_error(error, "name")/>
                    <SelectField name="target" label="Watch" options=targets error=field_error(error, "target")/>
                    <SelectField name="metric" label="Condition" options=METRICS.to_vec() error=field_error(error, "metric")/>
                    <TextField name="threshold" label="Threshold" required=true value="5" help="Fires at or above this (% or ms)." error=field_error(error, "threshold")/>
                    <TextField name="window_minutes" label="Window (minutes)" value="5" help="1 to 1,440; traffic rules compare with the six windows before." error=field_error(error, "window_minutes")/>
                    <TextField name="webhook_url" label="Webhook URL" help="Optional: receives fired and resolved alerts as JSON." error=field_error(error, "webhook_url")/>
                </div>
                <div class="mt-4"><SubmitButton label="Add rule" pending=action.pending()/></div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn RuleTable(rows: Vec<RuleRow>, delete: ServerAction<DeleteAlertRule>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="No alert rules" message="Add one above to hear about errors, slow calls, traffic changes or quotas running out."/> }.into_any();
    }
    view! {
        <Table headers=vec!["Rule", "Watches", "Condition", "Now", "Webhook", ""]>
            {rows.into_iter().map(|r| view! {
                <tr data-testid="alert-rule">
                    <td class=CELL_STRONG>{r.name.clone()}</td>
                    <td class=CELL>{r.target}</td>
                    <td class=CELL>{r.condition}</td>
                    <td class=CELL>
                        {if r.firing {
                            view! { <span class="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800">"Firing"</span> }.into_any()
                        } else {
                            view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">"OK"</span> }.into_any()
                        }}
                        <span class="ml-2 text-xs text-slate-500">{r.last}</span>
                    </td>
                    <td class="px-4 py-3 text-xs text-slate-600 break-all">{r.webhook.unwrap_or_else(|| "—".into())}</td>
                    <td class="px-4 py-3 text-right">
                        <ActionForm action=delete attr:class="inline">
                            <CsrfField/>
                            <input type="hidden" name="id" value=r.id/>
                            <button type="submit" class=SMALL_DANGER aria-label=format!("Remove {}", r.name)>"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}

#[component]
fn History(rows: Vec<AlertRow>) -> impl IntoView {
    view! {
        <h2 class="mt-8 mb-3 text-lg font-semibold">"History"</h2>
        {if rows.is_empty() {
            view! { <EmptyState title="No alerts yet" message="Alerts appear here when a rule fires or resolves."/> }.into_any()
        } else {
            view! {
                <Table headers=vec!["When", "", "What", "Webhook"]>
                    {rows.into_iter().map(|a| view! {
                        <tr data-testid="alert-event">
                            <td class=CELL>{a.at}</td>
                            <td class=CELL_STRONG>{a.kind}</td>
                            <td class="px-4 py-3 text-slate-700">{a.message}</td>
                            <td class=if a.failed { "px-4 py-3 text-red-700" } else { "px-4 py-3 text-slate-600" }>{a.delivery}</td>
                        </tr>
                    }).collect_view()}
                </Table>
            }.into_any()
        }}
    }
}
