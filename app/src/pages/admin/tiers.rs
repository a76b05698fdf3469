//! `/admin/tiers`: the throttling tiers every gateway enforces — a rate with its burst,
//! a daily or monthly quota and a priority. Platform administrators add, edit
//! (`?edit=<name>`) and remove them; changes reach the gateways at once, without
//! resetting their counters. Everyone else gets the 403 page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::query_param;
use crate::components::button::{LinkButton, SMALL, SMALL_DANGER};
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// A tier as the page shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// What it allows, in words.
    pub summary: String,
    pub rate_limit: Option<i64>,
    pub rate_period_secs: i64,
    pub burst: Option<i64>,
    pub quota_limit: Option<i64>,
    pub quota_period: Option<String>,
    pub priority: i32,
    pub approximate: bool,
}

#[cfg(feature = "ssr")]
impl From<domain::tiers::TierView> for TierRow {
    fn from(t: domain::tiers::TierView) -> Self {
        Self {
            id: t.id.to_string(),
            summary: t.summary(),
            name: t.name,
            description: t.description,
            rate_limit: t.limits.rate_limit,
            rate_period_secs: t.limits.rate_period_secs,
            burst: t.limits.burst,
            quota_limit: t.limits.quota_limit,
            quota_period: t.limits.quota_period,
            priority: t.limits.priority,
            approximate: t.limits.approximate,
        }
    }
}

/// Every tier, the most important first (platform administrators).
#[server(prefix = "/ui/fn", endpoint = "admin_list_tiers", input = GetUrl)]
pub async fn list_tiers() -> Result<Vec<TierRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    actor.require_platform(domain::Permission::TiersManage)?;
    let db = server::state()?.db;
    Ok(domain::tiers::list(&db).await?.into_iter().map(TierRow::from).collect())
}

/// Adds a tier (no `id`) or changes one.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/ui/fn", endpoint = "admin_save_tier")]
pub async fn save_tier(
    csrf_token: String,
    id: String,
    name: String,
    description: String,
    rate_limit: String,
    rate_period_secs: String,
    burst: String,
    quota_limit: String,
    quota_period: String,
    priority: String,
    approximate: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    use domain::tiers::{TierInput, TierLimits};
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let mut problems = Vec::new();
    let mut number = |field: &'static str, text: &str| -> Option<i64> {
        let text = text.trim().replace([',', '_', ' '], "");
        if text.is_empty() {
            return None;
        }
        text.parse()
            .map_err(|_| problems.push(domain::FieldError::new(field, "not_a_number", "Enter a whole number.")))
            .ok()
    };
    let limits = TierLimits {
        rate_limit: number("rate_limit", &rate_limit),
        rate_period_secs: number("rate_period_secs", &rate_period_secs).unwrap_or(60),
        burst: number("burst", &burst),
        quota_limit: number("quota_limit", &quota_limit),
        quota_period: Some(quota_period).filter(|p| !p.is_empty()),
        priority: number("priority", &priority).map_or(0, |p| i32::try_from(p).unwrap_or(i32::MAX)),
        approximate: approximate.is_some(),
    };
    if !problems.is_empty() {
        return Err(domain::DomainError::Invalid(problems).into());
    }
    let input = TierInput { name, description, limits };
    match id.parse::<uuid::Uuid>() {
        Ok(id) => domain::tiers::update(&db, &actor, id, input).await?,
        Err(_) => domain::tiers::create(&db, &actor, input).await?,
    };
    Ok(())
}

/// Removes a tier nothing uses.
#[server(prefix = "/ui/fn", endpoint = "admin_delete_tier")]
pub async fn delete_tier(csrf_token: String, id: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let id = id.parse().map_err(|_| AppError::Refused { code: "not_found".into(), message: "No such tier.".into() })?;
    Ok(domain::tiers::delete(&db, &actor, id).await?)
}

/// The tiers page. Actions and the resource are made here, outside the guard's
/// `<Suspense/>`, so the server and the browser number the resource alike.
#[component]
pub fn TiersPage() -> impl IntoView {
    let save = ServerAction::<SaveTier>::new();
    let delete = ServerAction::<DeleteTier>::new();
    let tiers = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_tiers());
    let editing = query_param("edit");
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Tier saved; gateways enforce it now.");
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => toasts.success("Tier removed."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="the tiers">
            <PageHeader title="Tiers" subtitle="Plans subscriptions and applications are made with: a rate with its burst, a quota per day or month, and a priority that decides who is throttled first when a backend is saturated."/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tiers.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(rows) => {
                            let edited = editing.get().and_then(|name| rows.iter().find(|t| t.name == name).cloned());
                            view! {
                                <TierForm action=save tier=edited/>
                                <TierTable rows=rows delete=delete/>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn TierTable(rows: Vec<TierRow>, delete: ServerAction<DeleteTier>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="No tiers" message="Add one above: subscriptions need a tier."/> }.into_any();
    }
    view! {
        <Table headers=vec!["Name", "Allows", "Priority", "Description", ""]>
            {rows.into_iter().map(|t| view! {
                <tr data-testid="tier-row">
                    <td class=CELL_STRONG>{t.name.clone()}</td>
                    <td class=CELL>{t.summary}</td>
                    <td class=CELL>{t.priority}</td>
                    <td class="px-4 py-3 text-slate-600">{t.description}</td>
                    <td class="px-4 py-3 text-right whitespace-nowrap space-x-2">
                        <a class=SMALL href=format!("/admin/tiers?edit={}", crate::components::guard::urlencode(&t.name))>"Edit"</a>
                        <ActionForm action=delete attr:class="inline">
                            <CsrfField/>
                            <input type="hidden" name="id" value=t.id/>
                            <button type="submit" class=SMALL_DANGER aria-label=format!("Remove {}", t.name)>"Remove"</button>
                        </ActionForm>
                    </td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}

/// The form adding a tier, or editing `tier`.
#[component]
fn TierForm(action: ServerAction<SaveTier>, tier: Option<TierRow>) -> impl IntoView {
    let error = action_error(action.value());
    let text = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let editing = tier.is_some();
    let t = tier.unwrap_or(TierRow {
        id: String::new(),
        name: String::new(),
        description: String::new(),
        summary: String::new(),
        rate_limit: None,
        rate_period_secs: 60,
        burst: None,
        quota_limit: None,
        quota_period: None,
        priority: 0,
        approximate: false,
    });
    let title = if editing { format!("Edit {}", t.name) } else { "New tier".to_owned() };
    let periods = vec![("", "No quota"), ("day", "Per day (UTC)"), ("month", "Per month (UTC)")];
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">{title}</h2>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-3">
                    <CsrfField/>
                    <input type="hidden" name="id" value=t.id.clone()/>
                    <TextField name="name" label="Name" required=true value=t.name.clone() help=if editing { "A tier keeps its name." } else { "Shown to consumers, e.g. Gold." } error=field_error(error, "name")/>
                    <div class="sm:col-span-2"><TextField name="description" label="Description" value=t.description.clone() error=field_error(error, "description")/></div>
                    <TextField name="rate_limit" label="Requests per period" value=text(t.rate_limit) help="Empty: no rate limit." error=field_error(error, "rate_limit")/>
                    <TextField name="rate_period_secs" label="Period (seconds)" value=t.rate_period_secs.to_string() help="1 to 86,400; 60 is per minute." error=field_error(error, "rate_period_secs")/>
                    <TextField name="burst" label="Burst" value=text(t.burst) help="Requests at once; empty: the whole limit." error=field_error(error, "burst")/>
                    <TextField name="quota_limit" label="Quota" value=text(t.quota_limit) help="Requests per day or month; empty: none." error=field_error(error, "quota_limit")/>
                    <SelectField name="quota_period" label="Quota period" options=periods selected=t.quota_period.clone().unwrap_or_default() error=field_error(error, "quota_period")/>
                    <TextField name="priority" label="Priority" value=t.priority.to_string() help="0–100; lower priorities are throttled first at a saturated backend." error=field_error(error, "priority")/>
                    <div class="sm:col-span-2 flex items-start gap-2 pt-6">
                        <input id="field-approximate" name="approximate" type="checkbox" value="on" checked=t.approximate class="mt-1 h-4 w-4 rounded border-slate-300"/>
                        <label for="field-approximate" class="text-sm text-slate-700">
                            "Approximate: each gateway decides alone and shares its counts every 100 ms (for very high rates; may admit about gateways × rate × 0.1 s too many)"
                        </label>
                    </div>
                </div>
                <div class="mt-4 flex items-center gap-3">
                    <SubmitButton label=if editing { "Save tier" } else { "Add tier" } pending=action.pending()/>
                    {editing.then(|| view! { <LinkButton href="/admin/tiers">"Cancel"</LinkButton> })}
                </div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}
