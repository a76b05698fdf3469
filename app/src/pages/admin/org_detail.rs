//! `/admin/orgs/:id`: one organization's settings, members with their roles, and
//! invitations.

mod members;
mod settings;

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::badge::Badge;
use crate::components::form::FormError;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;

/// A member as the members table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
}

/// An invitation as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub status: String,
    pub expires: String,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDetails {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub require_approval: bool,
    /// The caller may disable/enable it (platform administrators).
    pub can_change_status: bool,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
}

/// Loads the organization with its members and invitations.
#[server(prefix = "/ui/fn", endpoint = "load_org", input = GetUrl)]
pub async fn load_org(id: Uuid) -> Result<OrgDetails, AppError> {
    use domain::PageRequest;
    let actor = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    let org = domain::orgs::get(&db, &actor, id).await?;
    let all = PageRequest::new(Some(1), Some(domain::page::MAX_PER_PAGE));
    let members = domain::members::list(&db, &actor, id, all).await?;
    let invitations = domain::invitations::list(&db, &actor, id, all).await?;
    Ok(OrgDetails {
        id: org.id,
        slug: org.slug,
        name: org.name,
        kind: org.kind,
        status: org.status,
        require_approval: org.require_approval,
        can_change_status: actor.is_platform_admin,
        members: members
            .items
            .into_iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                email: m.email,
                display_name: m.display_name,
                role: m.role.as_str().to_owned(),
                status: m.status,
            })
            .collect(),
        invitations: invitations
            .items
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role: i.role.as_str().to_owned(),
                status: i.status,
                expires: crate::pages::time(i.expires_at),
            })
            .collect(),
    })
}

/// The organization page.
#[component]
pub fn OrgDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok()));
    let changed = RwSignal::new(0u64);
    let details = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_org(id).await,
                None => Err(AppError::refused("not_found", "The organization does not exist.")),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Err(e) => view! { <PageHeader title="Organization"/><FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(org) => {
                        let subtitle = format!("{} organization · slug {}", org.kind, org.slug);
                        let (title, status) = (org.name.clone(), org.status.clone());
                        view! {
                            <PageHeader title=title subtitle=subtitle><Badge text=status/></PageHeader>
                            <div class="space-y-8">
                                <settings::Settings org=org.clone() changed=changed/>
                                <members::Members org=org changed=changed/>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
