//! A page's title, description and actions.

use leptos::prelude::*;
use leptos_meta::Title;

/// The heading of a page (also its document title).
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(into, optional)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Title text=title.clone()/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600">{s}</p> })}
            </div>
            <div class="flex gap-2">{children.map(|c| c())}</div>
        </div>
    }
}
