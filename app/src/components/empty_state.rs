//! What a list shows when it has nothing in it.

use leptos::prelude::*;

/// A friendly empty list, with an optional call to action.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="rounded-lg border-2 border-dashed border-slate-300 px-6 py-10 text-center">
            <h3 class="text-sm font-semibold text-slate-900">{title}</h3>
            <p class="mt-1 text-sm text-slate-600">{message}</p>
            <div class="mt-4">{children.map(|c| c())}</div>
        </div>
    }
}
