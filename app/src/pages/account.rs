//! `/account`: the signed-in user's profile, password, personal access tokens and
//! sessions.

mod profile;
mod sessions;
mod tokens;

use leptos::prelude::*;

use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;

/// The account page. The tokens and sessions sections' resources and actions are made
/// here, outside the guard, so the server and the browser number them alike.
#[component]
pub fn AccountPage() -> impl IntoView {
    let revoke_session = ServerAction::<sessions::RevokeSession>::new();
    let session_list = Resource::new(move || revoke_session.version().get(), |_| sessions::list_sessions());
    let tokens = tokens::TokensData::load();
    view! {
        <RequireUser>
            <PageHeader title="Your account" subtitle="Profile, password, API access tokens and sessions."/>
            <div class="grid gap-8 lg:grid-cols-3">
                <div class="space-y-8 lg:col-span-1"><profile::Profile/></div>
                <div class="space-y-8 lg:col-span-2">
                    <tokens::Tokens data=tokens/>
                    <sessions::Sessions sessions=session_list revoke=revoke_session/>
                </div>
            </div>
        </RequireUser>
    }
}
