//! Form building blocks: the hidden CSRF field every form carries, labelled inputs that
//! show their server-side error underneath, the submit button with a busy state, and the
//! message for errors that belong to no single field.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::session::WithSession;

/// The hidden `csrf_token` input (every server function that changes state takes it).
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <WithSession children=|info| view! { <input type="hidden" name="csrf_token" value=info.csrf_token/> }/> }
}

/// The error of an action's last run, if it failed.
pub fn action_error<T>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> Signal<Option<AppError>> {
    Signal::derive(move || value.get().and_then(Result::err))
}

/// The error message of one field of an action's last run.
pub fn field_error(error: Signal<Option<AppError>>, name: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.field(name))))
}

/// A labelled input with its error message.
#[component]
pub fn TextField(
    /// The field's `name` (the server function's argument).
    name: &'static str,
    /// The visible label.
    #[prop(into)]
    label: String,
    /// The input type (`text`, `email`, `password`, ...).
    #[prop(default = "text")]
    kind: &'static str,
    /// Initial value.
    #[prop(into, optional)]
    value: String,
    /// Browser autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether the field must be filled in.
    #[prop(default = false)]
    required: bool,
    /// A hint shown under the field.
    #[prop(into, optional)]
    help: Option<String>,
    /// The server's message for this field.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let input_class = move || {
        let ring = if error.with(Option::is_some) {
            "ring-red-400 focus:ring-red-500"
        } else {
            "ring-slate-300 focus:ring-indigo-600"
        };
        format!(
            "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset {ring} placeholder:text-slate-400 focus:ring-2 focus:ring-inset sm:text-sm"
        )
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=error_id.clone()
                class=input_class
            />
            {help.map(|h| view! { <p class="mt-1 text-xs text-slate-500">{h}</p> })}
            <p id=error_id class="mt-1 text-sm text-red-600" data-field-error=name>{move || error.get()}</p>
        </div>
    }
}

/// The `(value, label)` options of a select: fixed ones (`&'static str` pairs) or ones
/// known at runtime (applications, tiers, environments).
pub struct SelectOptions(Vec<(String, String)>);

impl From<Vec<(&'static str, &'static str)>> for SelectOptions {
    fn from(options: Vec<(&'static str, &'static str)>) -> Self {
        Self(options.into_iter().map(|(v, l)| (v.to_owned(), l.to_owned())).collect())
    }
}

impl From<Vec<(String, String)>> for SelectOptions {
    fn from(options: Vec<(String, String)>) -> Self {
        Self(options)
    }
}

/// A labelled select with its error message.
#[component]
pub fn SelectField(
    name: &'static str,
    #[prop(into)] label: String,
    /// The element's id suffix (`field-{id}`) when one page has several selects of the
    /// same `name`; default: the name.
    #[prop(optional)]
    id: Option<&'static str>,
    /// `(value, label)` pairs.
    #[prop(into)]
    options: SelectOptions,
    /// The selected value (the first option when none matches).
    #[prop(into, optional)]
    selected: String,
    /// The server's message for this field.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{}", id.unwrap_or(name));
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <select id=id name=name aria-describedby=error_id.clone() class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 sm:text-sm">
                {options.0.into_iter().map(|(value, text)| {
                    let chosen = value == selected;
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
            <p id=error_id class="mt-1 text-sm text-red-600" data-field-error=name>{move || error.get()}</p>
        </div>
    }
}

/// The submit button; disabled and relabelled while the action runs.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    /// Whether the action is running.
    #[prop(into)]
    pending: Signal<bool>,
    #[prop(default = crate::components::button::PRIMARY)] style: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=style disabled=move || pending.get()>
            {move || if pending.get() { "Working…".to_owned() } else { label.clone() }}
        </button>
    }
}

/// Errors of an action that belong to no single field (and a summary for field errors).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        {move || error.get().map(|e| view! {
            <div role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-error-code=e.code().unwrap_or("error").to_owned()>
                {e.to_string()}
            </div>
        })}
    }
}
