//! Button styles (for `<button>` and links styled as buttons) and a link-button component.

use leptos::prelude::*;

/// The main action of a page or form.
pub const PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60";
/// Secondary actions.
pub const SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-white px-4 py-2 text-sm font-semibold text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60";
/// Destructive actions.
pub const DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-500 disabled:cursor-not-allowed disabled:opacity-60";
/// Small inline actions in table rows.
pub const SMALL: &str = "inline-flex items-center rounded px-2 py-1 text-xs font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50 disabled:opacity-60";
/// Small destructive inline actions.
pub const SMALL_DANGER: &str = "inline-flex items-center rounded px-2 py-1 text-xs font-semibold text-red-700 ring-1 ring-inset ring-red-200 hover:bg-red-50 disabled:opacity-60";

/// A link that looks like a button.
#[component]
pub fn LinkButton(
    /// Where it goes.
    #[prop(into)]
    href: String,
    /// One of the style constants of this module.
    #[prop(default = PRIMARY)]
    style: &'static str,
    children: Children,
) -> impl IntoView {
    view! { <a href=href class=style>{children()}</a> }
}
