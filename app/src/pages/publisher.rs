//! `/publisher`: the publisher console's home — the organizations the user publishes
//! for, with their role in each.

use leptos::prelude::*;

use crate::components::badge::Badge;
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::session::use_session;

/// The publisher home.
#[component]
pub fn PublisherHome() -> impl IntoView {
    let session = use_session();
    view! {
        <RequireUser allow=|u| u.is_publisher() what="the publisher console">
            <PageHeader title="Publisher console" subtitle="The organizations you publish APIs for."/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = session.0.await.ok().and_then(|s| s.user);
                    let orgs: Vec<_> = user.map(|u| u.memberships.into_iter().filter(|m| m.provider && m.role != "consumer").collect()).unwrap_or_default();
                    view! {
                        <Table headers=vec!["Organization", "Your role", ""]>
                            {orgs.into_iter().map(|m| view! {
                                <tr>
                                    <td class=CELL_STRONG>{m.org_name.clone()}</td>
                                    <td class=CELL><Badge text=m.role.clone()/></td>
                                    <td class=CELL>
                                        {(m.role == "org_admin").then(|| view! {
                                            <a class="text-sm font-semibold text-indigo-700 hover:underline" href=format!("/admin/orgs/{}", m.org_id)>"Members and settings"</a>
                                        })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </Table>
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}
