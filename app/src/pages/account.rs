//! `/account`: the signed-in user's profile, password and personal access tokens.

mod profile;
mod tokens;

use leptos::prelude::*;

use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <RequireUser>
            <PageHeader title="Your account" subtitle="Profile, password and API access tokens."/>
            <div class="grid gap-8 lg:grid-cols-3">
                <div class="space-y-8 lg:col-span-1"><profile::Profile/></div>
                <div class="lg:col-span-2"><tokens::Tokens/></div>
            </div>
        </RequireUser>
    }
}
