//! The pages of the three areas, and the error pages.

pub mod account;
pub mod admin;
pub mod analytics;
pub mod oauth;
pub mod portal;
pub mod publisher;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::button::LinkButton;

/// One page of a list, as server functions return it to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[cfg(feature = "ssr")]
impl<T> Paged<T> {
    /// Converts a domain page.
    pub fn from_domain<U>(page: domain::Page<U>, f: impl FnMut(U) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(f).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// A timestamp as pages show it (UTC, minutes).
#[cfg(feature = "ssr")]
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The 404 page.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::session::server::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <div class="mx-auto max-w-md py-16 text-center">
            <p class="text-sm font-semibold text-indigo-600">"404"</p>
            <h1 class="mt-2 text-3xl font-bold text-slate-900">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is nothing at this address."</p>
            <div class="mt-6"><LinkButton href="/portal">"Back to the portal"</LinkButton></div>
        </div>
    }
}

/// The 403 page: signed in, but without the role this page needs.
#[component]
pub fn Forbidden(what: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::session::server::set_status(http::StatusCode::FORBIDDEN);
    view! {
        <div class="mx-auto max-w-md py-16 text-center" data-testid="forbidden">
            <p class="text-sm font-semibold text-red-600">"403"</p>
            <h1 class="mt-2 text-3xl font-bold text-slate-900">"Not allowed"</h1>
            <p class="mt-2 text-slate-600">{format!("Your account does not have access to {what}.")}</p>
            <div class="mt-6"><LinkButton href="/portal">"Back to the portal"</LinkButton></div>
        </div>
    }
}
