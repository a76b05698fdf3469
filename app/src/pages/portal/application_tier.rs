//! The application tier of an application page: one limit across all the application's
//! APIs, chosen among the tiers (or none), shown with what each allows.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use uuid::Uuid;

use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// The tiers, as `(name, what it allows)`.
#[server(prefix = "/ui/fn", endpoint = "portal_tier_choices", input = GetUrl)]
pub async fn portal_tier_choices() -> Result<Vec<(String, String)>, AppError> {
    let db = crate::session::server::state()?.db;
    Ok(domain::tiers::list(&db).await?.into_iter().map(|t| (t.name.clone(), t.summary())).collect())
}

/// Sets (or, with an empty `tier`, removes) the application tier.
#[server(prefix = "/ui/fn", endpoint = "portal_set_application_tier")]
pub async fn portal_set_application_tier(csrf_token: String, id: Uuid, tier: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let tier = Some(tier).filter(|t| !t.is_empty());
    domain::applications::set_tier(&db, &actor, id, tier).await?;
    Ok(())
}

/// The select of the application tier; `choices` are loaded by the page.
#[component]
pub fn ApplicationTier(
    app_id: Uuid,
    tier: Option<String>,
    choices: Resource<Result<Vec<(String, String)>, AppError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let set = ServerAction::<PortalSetApplicationTier>::new();
    let csrf = csrf_token();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(())) => toasts.success("Application tier saved."),
        Some(Err(e)) => toasts.error(e.field("tier").unwrap_or_else(|| e.to_string())),
        None => {}
    });
    let current = tier.unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <span class="text-slate-500">"…"</span> }>
            {move || {
                let current = current.clone();
                Suspend::new(async move {
                    let choices = choices.await.unwrap_or_default();
                    view! {
                        <select aria-label="Application tier" class="w-full rounded-md border-0 py-1 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300"
                            on:change=move |ev| {
                                set.dispatch(PortalSetApplicationTier { csrf_token: csrf.get_untracked(), id: app_id, tier: event_target_value(&ev) });
                            }>
                            <option value="" selected=current.is_empty()>"None (no application-wide limit)"</option>
                            {choices.into_iter().map(|(name, allows)| {
                                let chosen = name == current;
                                view! { <option value=name.clone() selected=chosen>{format!("{name} — {allows}")}</option> }
                            }).collect_view()}
                        </select>
                    }
                })
            }}
        </Suspense>
    }
}
