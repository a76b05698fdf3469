//! The Runtime tab: where and how the gateway forwards the API — endpoints per
//! environment with balancing and failover, base path, `Host`, timeouts, retries,
//! health checks, header rules, upstream TLS, the API-key settings — its traffic limits,
//! its response caching, and the authentication, OAuth2 scopes, limits and caching of
//! each operation.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiRow;
use super::api_cache::{CacheForm, Caching, SetOperationCache};
use super::api_detail::TabData;
use super::api_observability::{Observability, ObservabilityForm};
use super::api_scopes::{ScopeRow, Scopes, SetOperationScopes};
use super::api_traffic::{SetOperationLimits, Traffic, TrafficForm};
use super::runtime_form::RuntimeForm;
use crate::components::form::{CsrfField, FormError, SubmitButton, action_error, field_error};
use crate::components::table::{CELL, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// An operation and the authentication it requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationRow {
    pub method: String,
    pub path: String,
    /// `inherit` (the API's default), `none`, `api_key`, `jwt` or `basic`.
    pub auth: String,
    /// OAuth2 scopes a token must hold, space-separated.
    pub scopes: String,
    /// The operation's own limits, `;`-separated (`ip 10/1m`).
    pub limits: String,
    /// The operation's own cache setting (`5m query=page`, `off`); empty: the API's.
    pub cache: String,
}

/// What the tab shows: the runtime form, the API's scopes, its operations, its traffic
/// limits, its caching and its observability settings.
pub type RuntimeTab = (RuntimeForm, Vec<ScopeRow>, Vec<OperationRow>, TrafficForm, CacheForm, ObservabilityForm);

/// The runtime form, the scopes and the operations of an API.
#[server(prefix = "/ui/fn", endpoint = "publisher_get_runtime", input = GetUrl)]
pub async fn get_runtime(id: Uuid) -> Result<RuntimeTab, AppError> {
    use domain::api_definition::AuthKind;
    let actor = crate::session::server::actor(None)?;
    let api = domain::apis::get(&crate::session::server::state()?.db, &actor, id).await?;
    let operations = api
        .definition
        .operations
        .iter()
        .map(|op| OperationRow {
            method: op.method.clone(),
            path: op.path.clone(),
            auth: op.auth.map_or("inherit", AuthKind::as_str).into(),
            scopes: op.scopes.join(" "),
            limits: super::api_traffic::lines(&op.rate_limits).replace('\n', "; "),
            cache: op.cache.as_ref().map(ToString::to_string).unwrap_or_default(),
        })
        .collect();
    Ok((
        RuntimeForm::from_definition(&api.definition),
        super::api_scopes::rows(&api.definition.scopes),
        operations,
        TrafficForm::from_definition(&api.definition),
        CacheForm::from_definition(&api.definition),
        ObservabilityForm::from_definition(&api.definition),
    ))
}

/// Saves the runtime form (`client_key_pem` only when a new key is given).
#[server(prefix = "/ui/fn", endpoint = "publisher_update_runtime")]
pub async fn update_runtime(
    csrf_token: String,
    id: Uuid,
    etag: i64,
    form: RuntimeForm,
    client_key_pem: String,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let api = domain::apis::get(&db, &actor, id).await?;
    let definition = form.apply(&api.definition, &client_key_pem)?;
    let rename = |field: &str| Some(super::runtime_form::form_field(field));
    save_definition(&db, &actor, id, etag, definition, rename).await
}

/// Saves `definition` as API `id`'s, if the API is still at version `etag`; the domain's
/// field errors are renamed to the form's fields by `rename` (`None`: kept).
#[cfg(feature = "ssr")]
pub(super) async fn save_definition(
    db: &impl domain::Db,
    actor: &domain::Actor,
    id: Uuid,
    etag: i64,
    definition: domain::api_definition::ApiDefinition,
    rename: impl Fn(&str) -> Option<&'static str>,
) -> Result<(), AppError> {
    use domain::DomainError;
    let patch = domain::apis::ApiPatch { definition: Some(definition), ..Default::default() };
    match domain::apis::update(db, actor, id, Some(etag), patch).await {
        Err(DomainError::Invalid(fields)) => Err(DomainError::Invalid(
            fields
                .into_iter()
                .map(|mut f| {
                    if let Some(name) = rename(&f.field) {
                        f.field = name.to_owned();
                    }
                    f
                })
                .collect(),
        )
        .into()),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

/// Changes API `id`'s current definition with `change` and saves it (see
/// [`save_definition`] for `rename`).
#[cfg(feature = "ssr")]
pub(super) async fn edit_definition(
    csrf_token: &str,
    id: Uuid,
    rename: impl Fn(&str) -> Option<&'static str>,
    change: impl FnOnce(&mut domain::api_definition::ApiDefinition) -> Result<(), AppError>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(csrf_token))?;
    let db = server::state()?.db;
    let api = domain::apis::get(&db, &actor, id).await?;
    let mut definition = api.definition;
    change(&mut definition)?;
    save_definition(&db, &actor, id, api.etag, definition, rename).await
}

/// Sets the authentication of operation `index`.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_operation_auth")]
pub async fn set_operation_auth(csrf_token: String, id: Uuid, index: usize, auth: String) -> Result<(), AppError> {
    use domain::api_definition::AuthKind;
    edit_definition(
        &csrf_token,
        id,
        |_| None,
        move |definition| {
            let operation = definition
                .operations
                .get_mut(index)
                .ok_or_else(|| AppError::refused("not_found", "The operation does not exist (reload the page)."))?;
            operation.auth = AuthKind::parse(&auth);
            Ok(())
        },
    )
    .await
}

/// The tab.
#[component]
pub fn Runtime(api: ApiRow, data: TabData<RuntimeTab>, changed: RwSignal<u64>) -> impl IntoView {
    let id = api.id;
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Some(Ok((form, scopes, operations, traffic, cache, observe))) => view! {
                        <div class="space-y-8">
                            <RuntimeEditor id=id etag=api.etag form=form changed=changed/>
                            <Traffic id=id form=traffic changed=changed/>
                            <Caching id=id form=cache changed=changed/>
                            <Observability id=id form=observe changed=changed/>
                            <Scopes id=id scopes=scopes changed=changed/>
                            <Operations id=id operations=operations changed=changed/>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuntimeEditor(id: Uuid, etag: i64, form: RuntimeForm, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<UpdateRuntime>::new();
    let error = action_error(save.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Runtime saved. Deploy a new revision to put it live.");
            changed.update(|n| *n += 1);
        }
    });
    let area = move |name: &'static str, label: &'static str, value: String, help: &'static str| {
        view! {
            <div>
                <label for=format!("field-{name}") class="block text-sm font-medium text-slate-700">{label}</label>
                <textarea id=format!("field-{name}") name=format!("form[{name}]") rows="3" spellcheck="false"
                    class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300">{value}</textarea>
                <p class="mt-1 text-xs text-slate-500">{help}</p>
                <p class="mt-1 text-sm text-red-600" data-field-error=name>{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    let input = move |name: &'static str, label: &'static str, value: String| {
        view! {
            <div>
                <label for=format!("field-{name}") class="block text-sm font-medium text-slate-700">{label}</label>
                <input id=format!("field-{name}") name=format!("form[{name}]") value=value
                    class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"/>
                <p class="mt-1 text-sm text-red-600" data-field-error=name>{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    let select = move |name: &'static str,
                       label: &'static str,
                       value: String,
                       options: &'static [(&'static str, &'static str)]| {
        view! {
            <div>
                <label for=format!("field-{name}") class="block text-sm font-medium text-slate-700">{label}</label>
                <select id=format!("field-{name}") name=format!("form[{name}]") class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">
                    {options.iter().map(|(v, text)| view! { <option value=*v selected=*v == value>{*text}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    let section = "rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200";
    let key_note = if form.tls_client_key_set {
        "A client key is set; leave empty to keep it."
    } else {
        "PEM. Once saved it is never shown again."
    };
    view! {
        <ActionForm action=save>
            <CsrfField/>
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="etag" value=etag.to_string()/>
            <div class="space-y-6">
                <section class=section>
                    <h2 class="text-lg font-semibold">"Endpoints"</h2>
                    <div class="mt-4 grid gap-4 sm:grid-cols-2">
                        {area("production", "Production endpoints", form.production, "One per line: URL, then an optional weight (http://10.0.0.5:8080 3).")}
                        {area("production_backup", "Production failover", form.production_backup, "Used while no production endpoint is available.")}
                        {area("sandbox", "Sandbox endpoints", form.sandbox, "Served by gateways of the sandbox environment.")}
                        {area("sandbox_backup", "Sandbox failover", form.sandbox_backup, "")}
                        {select("balancing", "Load balancing", form.balancing, &[("round_robin", "Round robin"), ("weighted", "Weighted")])}
                        {input("base_path", "Upstream base path", form.base_path)}
                        {select("host_mode", "Host header", form.host_mode, &[("upstream", "The endpoint's host"), ("preserve", "As the client sent it"), ("rewrite", "This value:")])}
                        {input("host_value", "Host value (with “This value”)", form.host_value)}
                    </div>
                </section>
                <section class=section>
                    <h2 class="text-lg font-semibold">"Resilience"</h2>
                    <div class="mt-4 grid gap-4 sm:grid-cols-3">
                        {input("connect_ms", "Connect timeout (ms)", form.connect_ms)}
                        {input("response_ms", "Response timeout (ms)", form.response_ms)}
                        {input("retries", "Retries on another endpoint", form.retries)}
                        {input("health_path", "Health-check path (empty: off)", form.health_path)}
                        {input("health_interval_ms", "Health-check interval (ms)", form.health_interval_ms)}
                        {input("max_body_bytes", "Request body limit (bytes, empty: gateway default)", form.max_body_bytes)}
                    </div>
                </section>
                <section class=section>
                    <h2 class="text-lg font-semibold">"Security and headers"</h2>
                    <div class="mt-4 grid gap-4 sm:grid-cols-3">
                        {select("auth", "Default authentication", form.auth, &[("api_key", "API key"), ("jwt", "OAuth2 token (JWT)"), ("basic", "Basic (username and password)"), ("none", "None")])}
                        {input("key_header", "API-key header", form.key_header)}
                        {input("key_query", "API-key query parameter (optional)", form.key_query)}
                    </div>
                    <div class="mt-4 grid gap-4 sm:grid-cols-2">
                        {area("headers_add", "Headers to add", form.headers_add, "One `Name: value` per line.")}
                        {area("headers_remove", "Headers to remove", form.headers_remove, "Comma separated.")}
                        {area("tls_ca_pem", "Upstream CA certificates (PEM)", form.tls_ca_pem, "Trusted instead of the public web roots.")}
                        {area("tls_client_cert_pem", "Client certificate (PEM)", form.tls_client_cert_pem, "For upstreams that require mutual TLS.")}
                        <div>
                            <label for="field-client_key_pem" class="block text-sm font-medium text-slate-700">"Client key (PEM)"</label>
                            <textarea id="field-client_key_pem" name="client_key_pem" rows="3" spellcheck="false" autocomplete="off"
                                class="mt-1 block w-full rounded-md border-0 px-3 py-2 font-mono text-xs ring-1 ring-inset ring-slate-300"></textarea>
                            <p class="mt-1 text-xs text-slate-500">{key_note}</p>
                        </div>
                        {input("tls_sni", "SNI server name (optional)", form.tls_sni)}
                    </div>
                </section>
                <p class="text-sm text-red-600" data-field-error="definition">{move || field_error(error, "definition").get()}</p>
                <FormError error=error/>
                <SubmitButton label="Save runtime" pending=save.pending()/>
            </div>
        </ActionForm>
    }
}

#[component]
fn Operations(id: Uuid, operations: Vec<OperationRow>, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let set = ServerAction::<SetOperationAuth>::new();
    let set_scopes = ServerAction::<SetOperationScopes>::new();
    let set_limits = ServerAction::<SetOperationLimits>::new();
    let set_cache = ServerAction::<SetOperationCache>::new();
    let csrf = csrf_token();
    let report = move |outcome: Option<Result<(), AppError>>| match outcome {
        Some(Ok(())) => {
            toasts.success("Operation updated.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts
            .error(["scopes", "limits", "cache"].into_iter().find_map(|f| e.field(f)).unwrap_or_else(|| e.to_string())),
        None => {}
    };
    Effect::new(move |_| report(set.value().get()));
    Effect::new(move |_| report(set_scopes.value().get()));
    Effect::new(move |_| report(set_limits.value().get()));
    Effect::new(move |_| report(set_cache.value().get()));
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Operations"</h2>
            <p class="mt-1 text-sm text-slate-600">"With no operations, every path and method under the context is routed. Scopes: space-separated, a token needs all of them. Limits: KEY RATE, separated by ;, on top of the API's (ip 10/1m). Cache: empty for the API's setting, off, or TTL [query=A,B] [headers=H] [override] (5m query=page)."</p>
            <div class="mt-4">
                <Table headers=vec!["Method", "Path", "Authentication", "Scopes", "Limits", "Cache"]>
                    {operations.into_iter().enumerate().map(|(index, op)| {
                        let label = format!("Authentication of {} {}", op.method, op.path);
                        let scopes_label = format!("Scopes of {} {}", op.method, op.path);
                        let limits_label = format!("Limits of {} {}", op.method, op.path);
                        let cache_label = format!("Cache of {} {}", op.method, op.path);
                        view! {
                            <tr>
                                <td class=CELL><code class="font-mono text-xs font-semibold">{op.method.clone()}</code></td>
                                <td class=CELL><code class="font-mono text-xs">{op.path.clone()}</code></td>
                                <td class=CELL>
                                    <select aria-label=label class="rounded-md border-0 py-1 pl-2 pr-8 text-xs ring-1 ring-inset ring-slate-300"
                                        on:change=move |ev| {
                                            set.dispatch(SetOperationAuth { csrf_token: csrf.get_untracked(), id, index, auth: event_target_value(&ev) });
                                        }>
                                        {[("inherit", "API default"), ("api_key", "API key"), ("jwt", "OAuth2 token"), ("basic", "Basic"), ("none", "None")].map(|(v, t)| view! {
                                            <option value=v selected=op.auth == v>{t}</option>
                                        }).collect_view()}
                                    </select>
                                </td>
                                <td class=CELL>
                                    <input aria-label=scopes_label value=op.scopes.clone() placeholder="none"
                                        class="w-48 rounded-md border-0 px-2 py-1 font-mono text-xs ring-1 ring-inset ring-slate-300"
                                        on:change=move |ev| {
                                            set_scopes.dispatch(SetOperationScopes { csrf_token: csrf.get_untracked(), id, index, scopes: event_target_value(&ev) });
                                        }/>
                                </td>
                                <td class=CELL>
                                    <input aria-label=limits_label value=op.limits.clone() placeholder="none"
                                        class="w-48 rounded-md border-0 px-2 py-1 font-mono text-xs ring-1 ring-inset ring-slate-300"
                                        on:change=move |ev| {
                                            set_limits.dispatch(SetOperationLimits { csrf_token: csrf.get_untracked(), id, index, limits: event_target_value(&ev) });
                                        }/>
                                </td>
                                <td class=CELL>
                                    <input aria-label=cache_label value=op.cache.clone() placeholder="API's"
                                        class="w-40 rounded-md border-0 px-2 py-1 font-mono text-xs ring-1 ring-inset ring-slate-300"
                                        on:change=move |ev| {
                                            set_cache.dispatch(SetOperationCache { csrf_token: csrf.get_untracked(), id, index, cache: event_target_value(&ev) });
                                        }/>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </Table>
            </div>
        </section>
    }
}
