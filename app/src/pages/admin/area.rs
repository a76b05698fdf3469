//! The admin area's frame: guard and side navigation.

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

use crate::components::guard::RequireUser;
use crate::session::{WithSession, is_platform_admin};

/// Guards `/admin/*` and lays out its pages.
#[component]
pub fn AdminArea() -> impl IntoView {
    view! {
        <RequireUser allow=|u| u.is_admin() what="the admin area">
            <div class="flex flex-col gap-8 md:flex-row">
                <SideNav/>
                <div class="min-w-0 flex-1"><Outlet/></div>
            </div>
        </RequireUser>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let location = use_location();

    let item = move |href: &'static str, label: &'static str| {
        let active = move || {
            let path = location.pathname.get();
            if href == "/admin" { path == "/admin" || path == "/admin/" } else { path.starts_with(href) }
        };
        view! {
            <a href=href class=move || if active() { "block rounded-md bg-indigo-50 px-3 py-2 text-sm font-semibold text-indigo-700" } else { "block rounded-md px-3 py-2 text-sm text-slate-700 hover:bg-slate-100" }>{label}</a>
        }
    };
    view! {
        <aside class="md:w-48 md:shrink-0">
            <nav class="space-y-1" aria-label="Admin">
                {item("/admin", "Overview")}
                {item("/admin/analytics", "Analytics")}
                {item("/admin/orgs", "Organizations")}
                {item("/admin/users", "Users")}
                {item("/admin/audit", "Audit log")}
                <WithSession children=move |info| is_platform_admin(&info).then(|| view! {
                    {item("/admin/environments", "Environments")}
                    {item("/admin/gateways", "Gateways")}
                    {item("/admin/tiers", "Tiers")}
                    {item("/admin/outbox", "Mail outbox")}
                    {item("/admin/sso", "Single sign-on")}
                    {item("/admin/oauth", "OAuth2 provider")}
                    {item("/admin/key-managers", "Key managers")}
                })/>
            </nav>
        </aside>
    }
}
