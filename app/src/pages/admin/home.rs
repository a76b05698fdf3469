//! `/admin`: counts and the latest audit entries.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::audit::{AuditRow, AuditTable};
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;

/// Figures of the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub organizations: u64,
    pub users: u64,
    pub pending_approval: u64,
    pub recent: Vec<AuditRow>,
}

/// A section the caller may not see counts as empty (a custom role may, say, read the
/// audit log without managing members).
#[cfg(feature = "ssr")]
fn unless_refused<T: Default>(result: Result<T, domain::DomainError>) -> Result<T, domain::DomainError> {
    match result {
        Err(domain::DomainError::Forbidden | domain::DomainError::NotFound(_)) => Ok(T::default()),
        other => other,
    }
}

/// Counts what the caller administers.
#[server(prefix = "/ui/fn", endpoint = "admin_overview", input = GetUrl)]
pub async fn admin_overview() -> Result<Overview, AppError> {
    use domain::{PageRequest, audit, orgs, users};
    let actor = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    let one = PageRequest::new(Some(1), Some(1));
    let organizations = orgs::list(&db, &actor, &Default::default(), one).await?.total;
    let all_users = unless_refused(users::list(&db, &actor, &Default::default(), one).await.map(|p| p.total))?;
    let pending = users::UserFilter { status: Some(users::UserStatus::PendingApproval), ..Default::default() };
    let pending_approval = unless_refused(users::list(&db, &actor, &pending, one).await.map(|p| p.total))?;
    let recent = unless_refused(
        audit::list(&db, &actor, &Default::default(), PageRequest::new(Some(1), Some(8))).await.map(|p| p.items),
    )?;
    Ok(Overview {
        organizations,
        users: all_users,
        pending_approval,
        recent: recent.into_iter().map(AuditRow::from).collect(),
    })
}

/// The overview page.
#[component]
pub fn AdminHome() -> impl IntoView {
    let overview = Resource::new(|| (), |()| admin_overview());
    view! {
        <PageHeader title="Administration" subtitle="Organizations, users, roles and what changed."/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(o) => view! {
                        <div class="grid gap-4 sm:grid-cols-3">
                            <Stat label="Organizations" value=o.organizations href="/admin/orgs"/>
                            <Stat label="Users" value=o.users href="/admin/users"/>
                            <Stat label="Waiting for approval" value=o.pending_approval href="/admin/users?status=pending_approval"/>
                        </div>
                        <h2 class="mb-3 mt-10 text-lg font-semibold">"Recent activity"</h2>
                        <AuditTable rows=o.recent/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Stat(label: &'static str, value: u64, href: &'static str) -> impl IntoView {
    view! {
        <a href=href class="block rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
            <p class="text-sm text-slate-600">{label}</p>
            <p class="mt-1 text-3xl font-bold text-slate-900">{value}</p>
        </a>
    }
}
