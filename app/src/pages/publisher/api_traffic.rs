//! The Runtime tab's traffic section: the API's own limits (each counted by consumer,
//! IP, a header, a token claim or a query parameter), its backend throughput limits for
//! production and sandbox, and its concurrency limit; operations' own limits are set in
//! the Operations table; and which of the tiers (defined by admins at `/admin/tiers`)
//! consumers may subscribe with.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::form::{CsrfField, FormError, SubmitButton, action_error, field_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// The traffic settings as text fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficForm {
    /// One limit per line: `KEY RATE` (`ip 100/1m`, `header:X-Tenant 1000/1h burst 50`).
    pub limits: String,
    /// `RATE` or empty.
    pub production_backend: String,
    /// `RATE` or empty.
    pub sandbox_backend: String,
    /// A number or empty.
    pub max_concurrent: String,
    /// Tier names consumers may subscribe with, comma-separated; empty: every tier.
    pub tiers: String,
}

#[cfg(feature = "ssr")]
impl TrafficForm {
    /// The form showing `definition`'s settings.
    pub fn from_definition(definition: &domain::api_definition::ApiDefinition) -> Self {
        let text = |rate: Option<domain::api_definition::RateSpec>| rate.map(|r| r.to_string()).unwrap_or_default();
        Self {
            limits: lines(&definition.rate_limits),
            production_backend: text(definition.production_backend_limit),
            sandbox_backend: text(definition.sandbox_backend_limit),
            max_concurrent: definition.max_concurrent.map(|n| n.to_string()).unwrap_or_default(),
            tiers: definition.tiers.join(", "),
        }
    }
}

/// Limits one per line, as the forms show them.
#[cfg(feature = "ssr")]
pub fn lines(limits: &[domain::api_definition::LimitSpec]) -> String {
    limits.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// Reads limits written one per line (or separated by `;`); the error names `field`.
#[cfg(feature = "ssr")]
pub fn parse_limits(field: &str, text: &str) -> Result<Vec<domain::api_definition::LimitSpec>, AppError> {
    text.split(['\n', ';'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| line.parse().map_err(|message: String| invalid(field, message)))
        .collect()
}

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: String) -> AppError {
    domain::DomainError::field(field, "invalid", message).into()
}

/// The form field a domain error about the definition belongs to.
#[cfg(feature = "ssr")]
fn form_field(field: &str) -> Option<&'static str> {
    let rest = field.strip_prefix("definition.")?;
    Some(if rest.starts_with("rate_limits") {
        "limits"
    } else if rest.starts_with("production_backend_limit") {
        "production_backend"
    } else if rest.starts_with("sandbox_backend_limit") {
        "sandbox_backend"
    } else if rest.starts_with("max_concurrent") {
        "max_concurrent"
    } else if rest.starts_with("tiers") {
        "tiers"
    } else {
        return None;
    })
}

/// Saves the traffic section.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_traffic")]
pub async fn set_traffic(csrf_token: String, id: Uuid, form: TrafficForm) -> Result<(), AppError> {
    let rate = |field: &str, text: &str| -> Result<Option<domain::api_definition::RateSpec>, AppError> {
        let text = text.trim();
        if text.is_empty() { Ok(None) } else { text.parse().map(Some).map_err(|m: String| invalid(field, m)) }
    };
    let limits = parse_limits("limits", &form.limits)?;
    let production = rate("production_backend", &form.production_backend)?;
    let sandbox = rate("sandbox_backend", &form.sandbox_backend)?;
    let max_concurrent = match form.max_concurrent.trim() {
        "" => None,
        n => Some(n.parse::<u32>().map_err(|_| invalid("max_concurrent", "Enter a whole number.".into()))?),
    };
    let tiers: Vec<String> =
        form.tiers.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    super::api_runtime::edit_definition(&csrf_token, id, form_field, move |definition| {
        definition.tiers = tiers;
        definition.rate_limits = limits;
        definition.production_backend_limit = production;
        definition.sandbox_backend_limit = sandbox;
        definition.max_concurrent = max_concurrent;
        Ok(())
    })
    .await
}

/// Sets the limits of operation `index` (one per line or `;`-separated).
#[server(prefix = "/ui/fn", endpoint = "publisher_set_operation_limits")]
pub async fn set_operation_limits(csrf_token: String, id: Uuid, index: usize, limits: String) -> Result<(), AppError> {
    let limits = parse_limits("limits", &limits)?;
    let rename = |field: &str| field.contains("rate_limits").then_some("limits");
    super::api_runtime::edit_definition(&csrf_token, id, rename, move |definition| {
        let operation = definition
            .operations
            .get_mut(index)
            .ok_or_else(|| AppError::refused("not_found", "The operation does not exist (reload the page)."))?;
        operation.rate_limits = limits;
        Ok(())
    })
    .await
}

/// The traffic section.
#[component]
pub fn Traffic(id: Uuid, form: TrafficForm, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<SetTraffic>::new();
    let error = action_error(save.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Traffic limits saved. Deploy a new revision to put them live.");
            changed.update(|n| *n += 1);
        }
    });
    let input = move |name: &'static str, label: &'static str, value: String, help: &'static str| {
        view! {
            <div>
                <label for=format!("field-{name}") class="block text-sm font-medium text-slate-700">{label}</label>
                <input id=format!("field-{name}") name=format!("form[{name}]") value=value
                    class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-sm ring-1 ring-inset ring-slate-300"/>
                <p class="mt-1 text-xs text-slate-500">{help}</p>
                <p class="mt-1 text-sm text-red-600" data-field-error=name>{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" aria-labelledby="traffic-title">
            <h2 id="traffic-title" class="text-lg font-semibold">"Traffic limits"</h2>
            <p class="mt-1 text-sm text-slate-600">"On top of each subscription's tier. Rates are LIMIT/PERIOD (s, m, h or d), optionally with a burst: 100/1m burst 20."</p>
            <ActionForm action=save>
                <CsrfField/>
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <div class="sm:col-span-2">
                        <label for="field-limits" class="block text-sm font-medium text-slate-700">"API limits"</label>
                        <textarea id="field-limits" name="form[limits]" rows="3" spellcheck="false"
                            class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300">{form.limits}</textarea>
                        <p class="mt-1 text-xs text-slate-500">"One per line: KEY RATE. KEY is consumer, ip, header:NAME, claim:NAME or query:NAME (e.g. ip 100/1m)."</p>
                        <p class="mt-1 text-sm text-red-600" data-field-error="limits">{move || field_error(error, "limits").get()}</p>
                    </div>
                    {input("production_backend", "Production backend limit", form.production_backend, "Most requests sent to the production endpoints, all consumers together; lower tiers are throttled first.")}
                    {input("sandbox_backend", "Sandbox backend limit", form.sandbox_backend, "The same for the sandbox endpoints.")}
                    {input("max_concurrent", "Concurrent requests per gateway", form.max_concurrent, "Empty: no limit.")}
                    {input("tiers", "Tiers offered", form.tiers, "Comma-separated tier names consumers may subscribe with (see Admin → Tiers); empty: every tier.")}
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Save traffic limits" pending=save.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
