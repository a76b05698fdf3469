//! The portal's public landing page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::button::{LinkButton, SECONDARY};
use crate::session::use_session;

/// A secondary button on the indigo hero.
const ON_DARK: &str = "inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-semibold text-white ring-1 ring-inset ring-white/60 hover:bg-white/10";

/// `/portal`: what Portico's developer portal offers, and the way in.
#[component]
pub fn Landing() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Developer portal"/>
        <section class="rounded-2xl bg-gradient-to-br from-indigo-600 to-indigo-800 px-8 py-14 text-white shadow">
            <h1 class="text-4xl font-bold tracking-tight">"Build on our APIs"</h1>
            <p class="mt-4 max-w-2xl text-lg text-indigo-100">
                "Find an API, read its documentation, create an application, get a key and make your first call — all self-service."
            </p>
            <div class="mt-8 flex flex-wrap items-center gap-3">
                <LinkButton href="/portal/apis" style=ON_DARK>"API catalog"</LinkButton>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.0.await.ok().and_then(|s| s.user) {
                            Some(user) => view! {
                                <LinkButton href="/portal/applications" style=ON_DARK>"Applications"</LinkButton>
                                <p class="text-indigo-100" data-testid="welcome">{format!("Welcome back, {}.", user.display_name)}</p>
                            }.into_any(),
                            None => view! {
                                <LinkButton href="/signup" style=SECONDARY>"Create an account"</LinkButton>
                                <a href="/login" class="inline-flex items-center px-4 py-2 text-sm font-semibold text-white hover:underline">"Sign in"</a>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </section>
        <section class="mt-10 grid gap-6 md:grid-cols-3">
            <Feature title="Discover" text="Browse the catalog of published APIs with their documentation, versions and plans."/>
            <Feature title="Subscribe" text="Create applications, choose a plan and get API keys or OAuth2 credentials."/>
            <Feature title="Call" text="Try operations in the browser, then call the gateway from your code."/>
        </section>
    }
}

#[component]
fn Feature(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold text-slate-900">{title}</h2>
            <p class="mt-2 text-sm text-slate-600">{text}</p>
        </div>
    }
}
