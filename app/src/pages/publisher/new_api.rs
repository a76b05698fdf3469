//! `/publisher/apis/new`: create an API from an OpenAPI 3.x (or Swagger 2.0) document —
//! pasted, uploaded or fetched by URL — or by hand. The document goes to the REST API
//! from the browser so that large ones show their upload progress, then the time the
//! server takes to read and check them; every problem of a refused document is listed
//! with where it is.

use leptos::prelude::*;

use super::upload::Phase;
use crate::components::form::{FormError, TextField, field_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;
use crate::session::{WithSession, csrf_token};

/// Where the API's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Paste,
    File,
    Url,
    Manual,
}

impl Source {
    const ALL: [(Source, &'static str); 4] = [
        (Source::Paste, "Paste a document"),
        (Source::File, "Upload a file"),
        (Source::Url, "Fetch from a URL"),
        (Source::Manual, "Design by hand"),
    ];
}

/// The create-API page.
#[component]
pub fn NewApiPage() -> impl IntoView {
    view! {
        <RequireUser allow=|u| u.is_publisher() what="the publisher console">
            <PageHeader title="Create API" subtitle="Import an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML), or start from nothing."/>
            <NewApiForm/>
        </RequireUser>
    }
}

#[component]
fn NewApiForm() -> impl IntoView {
    let source = RwSignal::new(Source::Paste);
    let phase = RwSignal::new(Phase::Idle);
    let error = Signal::derive(move || phase.with(Phase::error));
    let csrf = csrf_token();
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        submit(&ev, source.get_untracked(), phase, csrf.get_untracked(), navigate.clone());
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, csrf);
    };
    view! {
            <form on:submit=on_submit class="space-y-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="new-api-form">
                <fieldset>
                    <legend class="text-sm font-medium text-slate-700">"Source"</legend>
                    <div class="mt-2 flex flex-wrap gap-4">
                        {Source::ALL.map(|(value, label)| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="radio" name="source" checked=move || source.get() == value on:change=move |_| source.set(value)/>
                                {label}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                {move || match source.get() {
                    Source::Paste => view! {
                        <div>
                            <label for="field-spec" class="block text-sm font-medium text-slate-700">"OpenAPI document"</label>
                            <textarea id="field-spec" name="spec" rows="14" spellcheck="false" placeholder="openapi: 3.1.0"
                                class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300"></textarea>
                        </div>
                    }.into_any(),
                    Source::File => view! {
                        <div>
                            <label for="field-file" class="block text-sm font-medium text-slate-700">"OpenAPI file"</label>
                            <input id="field-file" name="file" type="file" accept=".json,.yaml,.yml,application/json,application/yaml" class="mt-1 block text-sm"/>
                        </div>
                    }.into_any(),
                    Source::Url => view! {
                        <TextField name="url" label="Document URL" kind="url" help="http(s) only; at most 20 MB and 30 s. Private and loopback addresses are refused unless an administrator allows them."
                            error=field_error(error, "url")/>
                    }.into_any(),
                    Source::Manual => ().into_any(),
                }}
                <div class="grid gap-4 sm:grid-cols-2">
                    <OrgField/>
                    <TextField name="name" label="Name" help="Taken from the document's title when left empty." error=field_error(error, "name")/>
                    <TextField name="context" label="Context path" required=true help="Where the gateway serves it, e.g. /petstore" error=field_error(error, "context")/>
                    <TextField name="version" label="Version" required=true value="v1" error=field_error(error, "version")/>
                    <TextField name="endpoint" label="Production endpoint" kind="url" help="The upstream service, e.g. http://10.0.0.5:8080 (more on the API's Runtime tab)."
                        error=Signal::derive(move || error.with(|e| definition_error(e.as_ref())))/>
                </div>
                <Progress phase=phase/>
                <FormError error=error/>
                <SpecErrors error=error/>
                <button type="submit" class=crate::components::button::PRIMARY disabled=move || phase.with(Phase::busy)>
                    {move || if phase.with(Phase::busy) { "Working…" } else { "Create API" }}
                </button>
            </form>
    }
}

/// The first problem of the definition (the endpoint is its only part on this form).
fn definition_error(error: Option<&AppError>) -> Option<String> {
    match error {
        Some(AppError::Invalid(fields)) => {
            fields.iter().find(|f| f.field.starts_with("definition")).map(|f| f.message.clone())
        }
        _ => None,
    }
}

/// The organization select (only shown when the user publishes for several).
#[component]
fn OrgField() -> impl IntoView {
    view! {
        <WithSession children=|info| {
            let orgs: Vec<_> = info.user.map(|u| u.memberships).unwrap_or_default().into_iter()
                .filter(|m| m.provider && m.role != "consumer").collect();
            let single = orgs.len() < 2;
            view! {
                <div class:hidden=single>
                    <label for="field-org_id" class="block text-sm font-medium text-slate-700">"Organization"</label>
                    <select id="field-org_id" name="org_id" class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">
                        {orgs.into_iter().map(|m| view! { <option value=m.org_id.to_string()>{m.org_name}</option> }).collect_view()}
                    </select>
                </div>
            }
        }/>
    }
}

/// The upload bar, then the server's turn.
#[component]
fn Progress(phase: RwSignal<Phase>) -> impl IntoView {
    let mb = |bytes: f64| format!("{:.1} MB", bytes / 1_048_576.0);
    move || match phase.get() {
        Phase::Reading => {
            Some(view! { <p role="status" class="text-sm text-slate-600">"Reading the file…"</p> }.into_any())
        }
        Phase::Sending { sent, total } => {
            let percent = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
            Some(view! {
                <div role="status" data-testid="import-progress">
                    <p class="text-sm text-slate-600">{format!("Uploading {} of {} ({percent}%)", mb(sent), mb(total))}</p>
                    <div class="mt-1 h-2 w-full rounded bg-slate-200"><div class="h-2 rounded bg-indigo-600" style=format!("width: {percent}%")></div></div>
                </div>
            }.into_any())
        }
        Phase::Processing => Some(
            view! {
                <div role="status" data-testid="import-progress">
                    <p class="text-sm text-slate-600">"Reading and checking the document…"</p>
                    <div class="mt-1 h-2 w-full animate-pulse rounded bg-indigo-300"></div>
                </div>
            }
            .into_any(),
        ),
        Phase::Idle | Phase::Failed(_) => None,
    }
}

/// The document's own problems, each with where it is.
#[component]
fn SpecErrors(error: Signal<Option<AppError>>) -> impl IntoView {
    let problems = move || match error.get() {
        Some(AppError::Invalid(fields)) => fields.into_iter().filter(|f| f.field.starts_with("spec")).collect(),
        _ => Vec::new(),
    };
    move || {
        let problems = problems();
        (!problems.is_empty()).then(|| view! {
            <ul class="max-h-72 list-disc overflow-y-auto rounded-md bg-red-50 py-2 pl-8 pr-3 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-testid="spec-errors">
                {problems.into_iter().map(|p| view! { <li><code class="font-mono text-xs">{p.field}</code>": "{p.message}</li> }).collect_view()}
            </ul>
        })
    }
}

/// Reads the form and sends it: the document to `/apis/import`, a hand-made API to
/// `/apis`. On success, opens the new API.
#[cfg(feature = "hydrate")]
fn submit(
    ev: &leptos::ev::SubmitEvent,
    source: Source,
    phase: RwSignal<Phase>,
    csrf: String,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + Clone + 'static,
) {
    use wasm_bindgen::JsCast;
    let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
    let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
    let text = |name: &str| data.get(name).as_string().unwrap_or_default().trim().to_owned();
    let endpoint = text("endpoint");
    let mut api = serde_json::json!({
        "org_id": text("org_id"), "name": text("name"), "context": text("context"), "version": text("version"),
    });
    if !endpoint.is_empty() {
        api["definition"] = serde_json::json!({ "production": { "endpoints": [{ "url": endpoint }] } });
    }
    let file = data.get("file").dyn_into::<web_sys::File>().ok().filter(|f| f.size() > 0.0);
    let url = text("url");
    let spec = data.get("spec").as_string();
    leptos::task::spawn_local(async move {
        // The import takes the API's fields and `spec` or `url` side by side.
        let (path, document) = match source {
            Source::Manual => ("/api/publisher/v1/apis", None),
            Source::Url => ("/api/publisher/v1/apis/import", Some(("url", url))),
            Source::Paste => ("/api/publisher/v1/apis/import", Some(("spec", spec.unwrap_or_default()))),
            Source::File => {
                let Some(file) = file else {
                    let missing = crate::errors::FieldProblem {
                        field: "spec".into(),
                        code: "spec_required".into(),
                        message: "Choose a file.".into(),
                    };
                    return phase.set(Phase::Failed(AppError::Invalid(vec![missing])));
                };
                phase.set(Phase::Reading);
                match super::upload::read_file(file).await {
                    Ok(text) => ("/api/publisher/v1/apis/import", Some(("spec", text))),
                    Err(e) => return phase.set(Phase::Failed(e)),
                }
            }
        };
        let mut body = api;
        if let Some((field, value)) = document {
            body[field] = serde_json::Value::String(value);
        }
        phase.set(Phase::Sending { sent: 0.0, total: 0.0 });
        let progress = move |sent: f64, total: f64| {
            phase.set(if total > 0.0 && sent >= total { Phase::Processing } else { Phase::Sending { sent, total } });
        };
        let done = move |answer: Result<String, AppError>| match answer {
            Ok(body) => match serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
            {
                Some(id) => navigate(&format!("/publisher/apis/{id}"), Default::default()),
                None => phase.set(Phase::Failed(AppError::Failed("unexpected answer".into()))),
            },
            Err(e) => phase.set(Phase::Failed(e)),
        };
        if let Err(e) = super::upload::post_json(path, &body.to_string(), &csrf, progress, done) {
            phase.set(Phase::Failed(e));
        }
    });
}
