//! `/admin/audit`: the audit log, filtered by actor, action and time.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{page_href, page_param, query_param};
use crate::components::button::SECONDARY;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;
use crate::pages::Paged;

/// An audit entry as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    /// Pretty-printed `before` and `after` records.
    pub change: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<domain::audit::AuditEntryView> for AuditRow {
    fn from(e: domain::audit::AuditEntryView) -> Self {
        let change = (e.before.is_some() || e.after.is_some()).then(|| {
            let pretty = |v: &Option<serde_json::Value>| {
                v.as_ref().map_or("—".to_owned(), |v| serde_json::to_string_pretty(v).unwrap_or_default())
            };
            format!("before: {}\nafter: {}", pretty(&e.before), pretty(&e.after))
        });
        Self {
            time: crate::pages::time(e.created_at),
            actor: e.actor.unwrap_or_else(|| "—".into()),
            action: e.action,
            target: format!("{} {}", e.target_type, e.target_id.unwrap_or_default()),
            ip: e.ip.unwrap_or_default(),
            change,
        }
    }
}

/// One page of the audit log.
#[server(prefix = "/ui/fn", endpoint = "list_audit", input = GetUrl)]
pub async fn list_audit(
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: u64,
) -> Result<Paged<AuditRow>, AppError> {
    use crate::errors::FieldProblem;
    let caller = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    let day =
        |field: &str, raw: Option<String>, end: bool| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            let Some(raw) = raw else { return Ok(None) };
            let date = chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| {
                AppError::Invalid(vec![FieldProblem {
                    field: field.into(),
                    code: "invalid_date".into(),
                    message: "Use a date like 2026-11-27.".into(),
                }])
            })?;
            let date = if end { date.succ_opt().unwrap_or(date) } else { date };
            Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
        };
    let filter = domain::audit::AuditFilter {
        actor,
        action,
        org_id: None,
        from: day("from", from, false)?,
        to: day("to", to, true)?,
        sort: None,
    };
    let result = domain::audit::list(&db, &caller, &filter, domain::PageRequest::new(Some(page), Some(25))).await?;
    Ok(Paged::from_domain(result, AuditRow::from))
}

/// The audit table (also used by the overview).
#[component]
pub fn AuditTable(rows: Vec<AuditRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="Nothing recorded" message="No audit entries match."/> }.into_any();
    }
    view! {
        <Table headers=vec!["Time", "Actor", "Action", "Target", "IP", "Change"]>
            {rows.into_iter().map(|r| view! {
                <tr data-testid="audit-row">
                    <td class=CELL>{r.time}</td>
                    <td class=CELL>{r.actor}</td>
                    <td class=CELL_STRONG>{r.action}</td>
                    <td class=CELL><span class="font-mono text-xs">{r.target}</span></td>
                    <td class=CELL>{r.ip}</td>
                    <td class="px-4 py-3 text-slate-700">
                        {r.change.map(|c| view! {
                            <details><summary class="cursor-pointer text-xs text-indigo-700">"show"</summary>
                                <pre class="mt-2 max-w-md overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-xs">{c}</pre>
                            </details>
                        })}
                    </td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let (actor, action, from, to) =
        (query_param("actor"), query_param("action"), query_param("from"), query_param("to"));
    let page = page_param();
    let entries = Resource::new(
        move || (actor.get(), action.get(), from.get(), to.get(), page.get()),
        |(a, b, f, t, p)| list_audit(a, b, f, t, p),
    );
    let input = "mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300";
    view! {
        <PageHeader title="Audit log" subtitle="Every change: who, what, when, with the record before and after."/>
        <form method="get" class="mb-6 grid gap-3 rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-5 sm:items-end">
            <label class="text-sm text-slate-700">"Actor"<input name="actor" class=input placeholder="e-mail" value=move || actor.get().unwrap_or_default()/></label>
            <label class="text-sm text-slate-700">"Action"<input name="action" class=input placeholder="org. or user.disable" value=move || action.get().unwrap_or_default()/></label>
            <label class="text-sm text-slate-700">"From"<input type="date" name="from" class=input value=move || from.get().unwrap_or_default()/></label>
            <label class="text-sm text-slate-700">"To"<input type="date" name="to" class=input value=move || to.get().unwrap_or_default()/></label>
            <button type="submit" class=SECONDARY>"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(p) => {
                        let href = page_href("/admin/audit", vec![("actor", actor.get_untracked()), ("action", action.get_untracked()), ("from", from.get_untracked()), ("to", to.get_untracked())]);
                        view! {
                            <AuditTable rows=p.items/>
                            <Pagination page=p.page per_page=p.per_page total=p.total href=href/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
