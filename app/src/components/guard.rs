//! Route guards: anonymous visitors are sent to the sign-in page (and back afterwards);
//! signed-in users without the needed role see a 403 page.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::pages::Forbidden;
use crate::session::{SessionUser, use_session};

/// Renders `children` only for a signed-in user for whom `allow` holds.
#[component]
pub fn RequireUser(
    /// Who may see the page.
    #[prop(default = |_| true)]
    allow: fn(&SessionUser) -> bool,
    /// What the page is, for the 403 message ("the admin area").
    #[prop(default = "this page")]
    what: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let info = session.0.await.unwrap_or_default();
                match info.user {
                    None => {
                        let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                        let expired = if info.expired { "&expired=1" } else { "" };
                        let target = format!("/login?next={}{expired}", urlencode(&here));
                        #[cfg(feature = "ssr")]
                        leptos_axum::redirect(&target);
                        view! { <Redirect path=target/> }.into_any()
                    }
                    Some(user) if allow(&user) => children.with_value(|c| c()).into_any(),
                    Some(_) => view! { <Forbidden what=what/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
