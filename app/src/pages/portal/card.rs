//! The narrow centred card the account pages use.

use leptos::prelude::*;
use leptos_meta::Title;

/// A centred card with a heading.
#[component]
pub fn AuthCard(
    #[prop(into)] title: String,
    #[prop(into, optional)] subtitle: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title.clone()/>
        <div class="mx-auto mt-8 max-w-md rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
            <h1 class="text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
            {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600">{s}</p> })}
            <div class="mt-6">{children()}</div>
        </div>
    }
}

/// A success message inside a card.
#[component]
pub fn Notice(children: Children) -> impl IntoView {
    view! { <div role="status" class="rounded-md bg-emerald-50 p-4 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">{children()}</div> }
}
