//! A labelled select whose options are only known at runtime (applications, tiers,
//! organizations, environments); `SelectField` of the shared form components takes fixed
//! options.

use leptos::prelude::*;

/// A labelled select among `(value, label)` options, with the server's error underneath.
#[component]
pub fn OptionsField(
    /// The field's `name` (the server function's argument).
    name: &'static str,
    /// The visible label.
    #[prop(into)]
    label: String,
    /// `(value, label)` pairs.
    options: Vec<(String, String)>,
    /// The value selected at first (the first option when empty).
    #[prop(into, optional)]
    selected: String,
    /// The server's message for this field.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <select id=id name=name aria-describedby=error_id.clone()
                class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 sm:text-sm">
                {options.into_iter().map(|(value, text)| {
                    let chosen = value == selected;
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
            <p id=error_id class="mt-1 text-sm text-red-600" data-field-error=name>{move || error.get()}</p>
        </div>
    }
}
