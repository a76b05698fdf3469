//! The Runtime tab's response-caching section: whether the API's responses are cached at
//! the gateway, for how long, what the key holds besides method, path and consumer
//! (query parameters, headers), whether the upstream's `Cache-Control` is overridden;
//! operations' own settings are set in the Operations table; and the purge of every
//! response cached for the API, effective at once on every gateway.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::button::DANGER;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::form::{CsrfField, FormError, SubmitButton, action_error, field_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// The API's cache setting as form fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheForm {
    /// Present (`on`) when responses are cached.
    pub enabled: Option<String>,
    /// Seconds, as typed.
    pub ttl: String,
    /// Comma-separated query parameter names; empty: the whole query.
    pub query_params: String,
    /// Comma-separated header names.
    pub headers: String,
    /// Present (`on`) when the upstream's `Cache-Control` is ignored.
    pub override_cache_control: Option<String>,
    /// Bytes, as typed; empty: the default (1 MiB).
    pub max_body: String,
}

#[cfg(feature = "ssr")]
impl CacheForm {
    /// The form showing `definition`'s setting.
    pub fn from_definition(definition: &domain::api_definition::ApiDefinition) -> Self {
        let on = |yes: bool| yes.then(|| "on".to_owned());
        match &definition.cache {
            Some(cache) => Self {
                enabled: on(cache.enabled),
                ttl: cache.ttl_secs.to_string(),
                query_params: cache.query_params.join(", "),
                headers: cache.headers.join(", "),
                override_cache_control: on(cache.override_cache_control),
                max_body: cache.max_body_bytes.map(|n| n.to_string()).unwrap_or_default(),
            },
            None => Self { ttl: "300".into(), ..Self::default() },
        }
    }

    /// The setting the form describes (`None`: not cached).
    fn to_spec(&self) -> Result<Option<domain::api_definition::CacheSpec>, AppError> {
        if self.enabled.is_none() {
            return Ok(None);
        }
        let number =
            |field: &str, text: &str| text.trim().parse::<u64>().map_err(|_| invalid(field, "Enter a whole number."));
        let list = |text: &str| text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Ok(Some(domain::api_definition::CacheSpec {
            ttl_secs: number("ttl", &self.ttl)?,
            query_params: list(&self.query_params),
            headers: list(&self.headers),
            override_cache_control: self.override_cache_control.is_some(),
            max_body_bytes: if self.max_body.trim().is_empty() {
                None
            } else {
                Some(number("max_body", &self.max_body)?)
            },
            enabled: true,
        }))
    }
}

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: &str) -> AppError {
    domain::DomainError::field(field, "invalid", message).into()
}

/// The form field a domain error about the definition's cache belongs to.
#[cfg(feature = "ssr")]
fn form_field(field: &str) -> Option<&'static str> {
    let rest = field.strip_prefix("definition.cache.")?;
    Some(if rest.starts_with("ttl_secs") {
        "ttl"
    } else if rest.starts_with("query_params") {
        "query_params"
    } else if rest.starts_with("headers") {
        "headers"
    } else if rest.starts_with("max_body_bytes") {
        "max_body"
    } else {
        return None;
    })
}

/// Saves the API's cache setting.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_cache")]
pub async fn set_cache(csrf_token: String, id: Uuid, form: CacheForm) -> Result<(), AppError> {
    let cache = form.to_spec()?;
    super::api_runtime::edit_definition(&csrf_token, id, form_field, move |definition| {
        definition.cache = cache;
        Ok(())
    })
    .await
}

/// Sets the cache setting of operation `index`: empty for the API's, `off`, or
/// `TTL [query=A,B] [headers=H] [override] [max=BYTES]`.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_operation_cache")]
pub async fn set_operation_cache(csrf_token: String, id: Uuid, index: usize, cache: String) -> Result<(), AppError> {
    let cache = match cache.trim() {
        "" => None,
        text => Some(text.parse().map_err(|message: String| invalid("cache", &message))?),
    };
    let rename = |field: &str| field.contains(".cache").then_some("cache");
    super::api_runtime::edit_definition(&csrf_token, id, rename, move |definition| {
        let operation = definition
            .operations
            .get_mut(index)
            .ok_or_else(|| AppError::refused("not_found", "The operation does not exist (reload the page)."))?;
        operation.cache = cache;
        Ok(())
    })
    .await
}

/// Purges every response cached for the API; returns the environments told.
#[server(prefix = "/ui/fn", endpoint = "publisher_purge_cache")]
pub async fn purge_cache(csrf_token: String, id: Uuid) -> Result<Vec<String>, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    Ok(domain::api_cache::purge(&server::state()?.db, &actor, id).await?.environments)
}

/// The caching section.
#[component]
pub fn Caching(id: Uuid, form: CacheForm, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<SetCache>::new();
    let purge = ServerAction::<PurgeCache>::new();
    let error = action_error(save.value());
    let confirm = RwSignal::new(false);
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Caching saved. Deploy a new revision to put it live.");
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match purge.value().get() {
        Some(Ok(environments)) if environments.is_empty() => {
            toasts.success("Cache purged (the API is not deployed anywhere).");
        }
        Some(Ok(environments)) => toasts.success(format!("Cache purged on {}.", environments.join(", "))),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let input = move |name: &'static str, label: &'static str, value: String, help: &'static str| {
        view! {
            <div>
                <label for=format!("field-cache-{name}") class="block text-sm font-medium text-slate-700">{label}</label>
                <input id=format!("field-cache-{name}") name=format!("form[{name}]") value=value
                    class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-sm ring-1 ring-inset ring-slate-300"/>
                <p class="mt-1 text-xs text-slate-500">{help}</p>
                <p class="mt-1 text-sm text-red-600" data-field-error=name>{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    let checkbox = move |name: &'static str, label: &'static str, checked: bool| {
        view! {
            <div class="flex items-center gap-2">
                <input id=format!("field-cache-{name}") name=format!("form[{name}]") type="checkbox" value="on" checked=checked
                    class="h-4 w-4 rounded border-slate-300"/>
                <label for=format!("field-cache-{name}") class="text-sm text-slate-700">{label}</label>
            </div>
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" aria-labelledby="caching-title">
            <div class="flex items-start justify-between gap-4">
                <div>
                    <h2 id="caching-title" class="text-lg font-semibold">"Response caching"</h2>
                    <p class="mt-1 text-sm text-slate-600">"GET and HEAD responses are kept at the gateway by method, path, the chosen query parameters and headers, and — for authenticated calls — the consumer, so no consumer ever gets another's. Responses say X-Cache: HIT, MISS or BYPASS."</p>
                </div>
                <button type="button" class=DANGER on:click=move |_| confirm.set(true)>"Purge cache"</button>
            </div>
            <ActionForm action=save>
                <CsrfField/>
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <div class="space-y-2 sm:col-span-2">
                        {checkbox("enabled", "Cache responses of this API", form.enabled.is_some())}
                        {checkbox("override_cache_control", "Ignore the upstream's and clients' Cache-Control (keep every cacheable response for the TTL)", form.override_cache_control.is_some())}
                    </div>
                    {input("ttl", "Time to live (seconds)", form.ttl, "1 to 604800 (a week); the upstream's max-age wins unless overridden.")}
                    {input("max_body", "Largest cached body (bytes)", form.max_body, "Empty: 1 MiB. Larger responses pass uncached.")}
                    {input("query_params", "Query parameters in the key", form.query_params, "Comma-separated; empty: the whole query.")}
                    {input("headers", "Headers in the key", form.headers, "Comma-separated, e.g. Accept-Language.")}
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Save caching" pending=save.pending()/>
                </div>
            </ActionForm>
            <ConfirmDialog open=confirm title="Purge cached responses?" confirm_label="Purge"
                message=Signal::derive(|| "Every gateway stops serving this API's cached responses at once; the next calls go to the upstream.".to_owned())
                on_confirm=Callback::new(move |()| {
                    purge.dispatch(PurgeCache { csrf_token: csrf.get_untracked(), id });
                })/>
        </section>
    }
}
