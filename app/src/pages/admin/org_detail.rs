//! `/admin/orgs/:id`: one organization's settings, members with their roles (built-in or
//! the organization's custom roles), and invitations. Each section shows only when the
//! caller holds its permission there (`org_settings`, `members_manage`).

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

/// Prefix of a custom role's value in role pickers (`custom:<role id>`).
pub const CUSTOM_PREFIX: &str = "custom:";

/// A member as the members table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The role picker's value: a built-in role's name or `custom:<role id>`.
    pub role: String,
    pub status: String,
}

/// A custom role as pickers and the roles page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub members: u64,
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

#[cfg(feature = "ssr")]
impl From<domain::roles::RoleView> for RoleRow {
    fn from(r: domain::roles::RoleView) -> Self {
        Self {
            id: r.id,
            name: r.name,
            description: r.description,
            permissions: r.permissions.names(),
            members: r.members,
        }
    }
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
    /// The caller may rename it and change its approval setting (`org_settings`).
    pub can_edit_settings: bool,
    /// The caller manages members and invitations (`members_manage`).
    pub can_manage_members: bool,
    /// The organization's custom roles.
    pub roles: Vec<RoleRow>,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
}

/// Loads the organization with its members and invitations.
#[server(prefix = "/ui/fn", endpoint = "load_org", input = GetUrl)]
pub async fn load_org(id: Uuid) -> Result<OrgDetails, AppError> {
    use domain::PageRequest;
    let actor = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    use domain::Permission;
    let org = domain::orgs::get(&db, &actor, id).await?;
    let all = PageRequest::new(Some(1), Some(domain::page::MAX_PER_PAGE));
    let can_manage_members = actor.can(id, Permission::MembersManage);
    let (members, invitations) = if can_manage_members {
        let members = domain::members::list(&db, &actor, id, all).await?.items;
        (members, domain::invitations::list(&db, &actor, id, all).await?.items)
    } else {
        (Vec::new(), Vec::new())
    };
    let roles = domain::roles::list(&db, &actor, id, all).await?;
    Ok(OrgDetails {
        id: org.id,
        slug: org.slug,
        name: org.name,
        kind: org.kind,
        status: org.status,
        require_approval: org.require_approval,
        can_change_status: actor.can_platform(Permission::OrgsManage),
        can_edit_settings: actor.can(id, Permission::OrgSettings),
        can_manage_members,
        roles: roles.items.into_iter().map(RoleRow::from).collect(),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                user_id: m.user_id,
                email: m.email,
                display_name: m.display_name,
                role: match m.custom_role {
                    Some(custom) => format!("{CUSTOM_PREFIX}{}", custom.id),
                    None => m.role.as_str().to_owned(),
                },
                status: m.status,
            })
            .collect(),
        invitations: invitations
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
                        let roles_href = format!("/admin/orgs/{}/roles", org.id);
                        let (settings, members) = (org.can_edit_settings, org.can_manage_members);
                        view! {
                            <PageHeader title=title subtitle=subtitle>
                                <Badge text=status/>
                                <a href=roles_href class=crate::components::button::SECONDARY>"Roles"</a>
                            </PageHeader>
                            <div class="space-y-8">
                                {settings.then(|| view! { <settings::Settings org=org.clone() changed=changed/> })}
                                {members.then(|| view! { <members::Members org=org changed=changed/> })}
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
