//! The frame around every page: the top bar with the areas the user may open, and the
//! account menu.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::errors::AppError;
use crate::session::use_session;

/// Signs out and returns to the portal.
#[server(prefix = "/ui/fn", endpoint = "logout")]
pub async fn logout(csrf_token: String) -> Result<(), AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    if let Some(parts) = use_context::<http::request::Parts>()
        && let Some(secret) = crate::cookies::get(&parts.headers, crate::state::SESSION_COOKIE)
    {
        domain::sessions::logout(&state.db, secret, &auth.origin).await?;
    }
    server::set_header(http::header::SET_COOKIE, &crate::cookies::clear_session(state.secure_cookies));
    Ok(())
}

/// Header, navigation and page body.
#[component]
pub fn AppShell(children: Children) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center justify-between gap-6 px-4 py-3">
                <a href="/portal" class="flex items-center gap-2 text-lg font-bold text-indigo-700">
                    <span aria-hidden="true" class="inline-block h-6 w-6 rounded bg-indigo-600"></span>
                    "Portico"
                </a>
                <Nav/>
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-4 py-8">{children()}</main>
    }
}

#[component]
fn Nav() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let link = move |href: &'static str, label: &'static str| {
        // The portal's own link stays unlit on its Applications page, which has its link.
        let active = move || {
            let path = location.pathname.get();
            path.starts_with(href) && !(href == "/portal" && path.starts_with("/portal/applications"))
        };
        view! {
            <a href=href class=move || if active() { "rounded-md bg-indigo-50 px-3 py-2 text-sm font-semibold text-indigo-700" } else { "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100" }>{label}</a>
        }
    };
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/portal");
        }
    });
    view! {
        <nav class="flex flex-1 items-center justify-between gap-2" aria-label="Main">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let info = session.0.await.unwrap_or_default();
                    let areas = view! {
                        <div class="flex items-center gap-1">
                            {link("/portal", "Portal")}
                            {info.user.is_some().then(|| link("/portal/applications", "Applications"))}
                            {info.user.as_ref().filter(|u| u.is_publisher()).map(|_| link("/publisher", "Publisher"))}
                            {info.user.as_ref().filter(|u| u.is_admin()).map(|_| link("/admin", "Admin"))}
                        </div>
                    };
                    let account = match info.user {
                        Some(user) => view! {
                            <div class="flex items-center gap-3">
                                <a href="/account" class="text-sm text-slate-700 hover:text-indigo-700" data-testid="account-link">{user.email.clone()}</a>
                                <ActionForm action=logout>
                                    <input type="hidden" name="csrf_token" value=info.csrf_token.clone()/>
                                    <button type="submit" class="text-sm font-medium text-slate-600 hover:text-slate-900">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }.into_any(),
                        None => view! {
                            <div class="flex items-center gap-3">
                                <a href="/login" class="text-sm font-medium text-slate-700 hover:text-indigo-700">"Sign in"</a>
                                <a href="/signup" class=crate::components::button::PRIMARY>"Sign up"</a>
                            </div>
                        }.into_any(),
                    };
                    view! { {areas} {account} }
                })}
            </Suspense>
        </nav>
    }
}
