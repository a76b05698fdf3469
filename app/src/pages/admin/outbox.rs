//! `/admin/outbox`: the mail Portico sent to the log while no SMTP server is configured
//! (platform administrators; development).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{page_href, page_param};
use crate::components::badge::Badge;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::errors::AppError;
use crate::pages::Paged;

/// A message as the outbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRow {
    pub time: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `log`, `smtp`, `pending` or `failed`.
    pub status: String,
    pub error: Option<String>,
}

/// One page of the outbox.
#[server(prefix = "/ui/fn", endpoint = "list_outbox", input = GetUrl)]
pub async fn list_outbox(page: u64) -> Result<Paged<MailRow>, AppError> {
    let actor = crate::session::server::actor(None)?;
    let state = crate::session::server::state()?;
    let result =
        domain::mail::list_outbox(&state.db, &actor, &state.mail, domain::PageRequest::new(Some(page), Some(25)))
            .await?;
    Ok(Paged::from_domain(result, |m| MailRow {
        time: crate::pages::time(m.created_at),
        status: match (&m.delivered_via, &m.last_error) {
            (Some(via), _) => via.clone(),
            (None, Some(_)) => "failed".into(),
            (None, None) => "pending".into(),
        },
        to: m.to,
        subject: m.subject,
        body: m.body,
        error: m.last_error,
    }))
}

/// The outbox page.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let page = page_param();
    let mails = Resource::new(move || page.get(), list_outbox);
    view! {
        <PageHeader title="Mail outbox" subtitle="No SMTP server is configured (PORTICO_SMTP_URL), so e-mail goes to the log; here it is."/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mails.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(p) if p.items.is_empty() => view! { <EmptyState title="No mail yet" message="Sign-ups and invitations will show up here."/> }.into_any(),
                    Ok(p) => view! {
                        <Table headers=vec!["Time", "To", "Subject", "Status"]>
                            {p.items.into_iter().map(|m| view! {
                                <tr data-testid="mail-row">
                                    <td class=CELL>{m.time}</td>
                                    <td class=CELL>{m.to}</td>
                                    <td class=CELL_STRONG>
                                        <details><summary class="cursor-pointer">{m.subject}</summary>
                                            <pre class="mt-2 max-w-xl whitespace-pre-wrap rounded bg-slate-50 p-3 text-xs" data-testid="mail-body">{m.body}</pre>
                                        </details>
                                    </td>
                                    <td class=CELL><Badge text=m.status/>{m.error.map(|e| view! { <p class="mt-1 text-xs text-red-700">{e}</p> })}</td>
                                </tr>
                            }).collect_view()}
                        </Table>
                        <Pagination page=p.page per_page=p.per_page total=p.total href=page_href("/admin/outbox", vec![])/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
