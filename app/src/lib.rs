//! Portico's web UI, one Leptos application for three areas: the developer **portal**
//! (`/portal`, public), the **publisher** console (`/publisher`) and the **admin** UI
//! (`/admin`), plus account pages. It is rendered on the server (feature `ssr`) and
//! hydrated in the browser (feature `hydrate`). Server functions live next to the page
//! that uses them and call `domain` services; nothing here talks SQL.

// Leptos views are deeply nested types.
#![recursion_limit = "256"]

pub mod components;
pub mod errors;
pub mod pages;
pub mod session;

#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::AppShell;
use crate::components::toast::Toaster;
use crate::pages::{NotFound, account, admin, oauth, portal, publisher};

/// The HTML document around the application (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The application: session context, toasts, layout and routes. Every route renders
/// with `SsrMode::Async`, so guards can set the status (403) or redirect before the
/// first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide();
    // Marks the page as interactive once the WASM has hydrated it (browser tests wait
    // for this before using forms).
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/portico.css"/>
        <Title formatter=|title: String| if title.is_empty() { "Portico".to_owned() } else { format!("{title} · Portico") }/>
        <Router>
            <Toaster>
                <AppShell>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Redirect path="/portal"/> } ssr=SsrMode::Async/>
                        <Route path=path!("/portal") view=portal::Landing ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=portal::Login ssr=SsrMode::Async/>
                        <Route path=path!("/signup") view=portal::Signup ssr=SsrMode::Async/>
                        <Route path=path!("/verify-email") view=portal::VerifyEmail ssr=SsrMode::Async/>
                        <Route path=path!("/invitations/accept") view=portal::AcceptInvitation ssr=SsrMode::Async/>
                        <Route path=path!("/setup") view=portal::Setup ssr=SsrMode::Async/>
                        <Route path=path!("/forgot-password") view=portal::ForgotPassword ssr=SsrMode::Async/>
                        <Route path=path!("/reset-password") view=portal::ResetPassword ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/oauth2/consent") view=oauth::ConsentPage ssr=SsrMode::Async/>
                        <Route path=path!("/portal/apis") view=portal::Catalog ssr=SsrMode::Async/>
                        <Route path=path!("/portal/apis/:id") view=portal::CatalogApi ssr=SsrMode::Async/>
                        <Route path=path!("/portal/applications") view=portal::Applications ssr=SsrMode::Async/>
                        <Route path=path!("/portal/applications/:id") view=portal::ApplicationDetail ssr=SsrMode::Async/>
                        <Route path=path!("/publisher") view=publisher::PublisherHome ssr=SsrMode::Async/>
                        <Route path=path!("/publisher/alerts") view=publisher::AlertsPage ssr=SsrMode::Async/>
                        <Route path=path!("/publisher/apis/new") view=publisher::NewApiPage ssr=SsrMode::Async/>
                        <Route path=path!("/publisher/apis/:id") view=publisher::ApiDetail ssr=SsrMode::Async/>
                        <ParentRoute path=path!("/admin") view=admin::AdminArea ssr=SsrMode::Async>
                            <Route path=path!("") view=admin::AdminHome ssr=SsrMode::Async/>
                            <Route path=path!("analytics") view=admin::AdminAnalyticsPage ssr=SsrMode::Async/>
                            <Route path=path!("orgs") view=admin::OrgsPage ssr=SsrMode::Async/>
                            <Route path=path!("orgs/:id") view=admin::OrgDetail ssr=SsrMode::Async/>
                            <Route path=path!("users") view=admin::UsersPage ssr=SsrMode::Async/>
                            <Route path=path!("audit") view=admin::AuditPage ssr=SsrMode::Async/>
                            <Route path=path!("outbox") view=admin::OutboxPage ssr=SsrMode::Async/>
                            <Route path=path!("environments") view=admin::EnvironmentsPage ssr=SsrMode::Async/>
                            <Route path=path!("gateways") view=admin::GatewaysPage ssr=SsrMode::Async/>
                            <Route path=path!("tiers") view=admin::TiersPage ssr=SsrMode::Async/>
                            <Route path=path!("orgs/:id/roles") view=admin::OrgRolesPage ssr=SsrMode::Async/>
                            <Route path=path!("sso") view=admin::SsoPage ssr=SsrMode::Async/>
                            <Route path=path!("key-managers") view=admin::KeyManagersPage ssr=SsrMode::Async/>
                            <Route path=path!("oauth") view=admin::OAuthProviderPage ssr=SsrMode::Async/>
                        </ParentRoute>
                    </Routes>
                </AppShell>
            </Toaster>
        </Router>
    }
}
