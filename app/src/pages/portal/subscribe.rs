//! The subscribe panel of an API page: signed-in users pick one of their applications
//! and a tier; anonymous visitors are asked to sign in; APIs that take no subscriptions
//! (coming, deprecated) say why.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::CatalogEntry;
use crate::components::button::LinkButton;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, action_error, field_error};
use crate::components::guard::urlencode;
use crate::errors::AppError;

/// What the caller can subscribe with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeChoices {
    /// The caller's applications: `(id, name)`.
    pub applications: Vec<(Uuid, String)>,
    /// The tiers offered: `(name, what it allows)`.
    pub tiers: Vec<(String, String)>,
}

/// The caller's applications and the tiers the API offers (`offered`; empty: all).
#[cfg(feature = "ssr")]
pub async fn choices(
    db: &sea_orm::DatabaseConnection,
    actor: &domain::Actor,
    offered: &[String],
) -> Result<SubscribeChoices, AppError> {
    let applications =
        domain::applications::list(db, actor, None).await?.into_iter().map(|app| (app.id, app.name)).collect();
    let tiers = domain::tiers::offered(db, offered).await?.into_iter().map(|t| (t.name.clone(), t.summary())).collect();
    Ok(SubscribeChoices { applications, tiers })
}

/// A subscription just made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribed {
    pub application_id: Uuid,
    pub application_name: String,
    pub tier: String,
}

/// Subscribes one of the caller's applications to an API.
#[server(prefix = "/ui/fn", endpoint = "portal_subscribe")]
pub async fn portal_subscribe(
    csrf_token: String,
    api_id: Uuid,
    application_id: Uuid,
    tier: String,
) -> Result<Subscribed, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let created = domain::applications::subscribe(&db, &actor, application_id, api_id, &tier).await?;
    Ok(Subscribed {
        application_id: created.application_id,
        application_name: created.application_name,
        tier: created.tier,
    })
}

/// The subscribe panel of `api`.
#[component]
pub fn SubscribePanel(api: CatalogEntry, choices: Option<SubscribeChoices>) -> impl IntoView {
    let body = match (api.state.as_str(), choices) {
        ("prototyped", _) => view! {
            <Why>"This API is coming soon: subscriptions open once it is published."</Why>
        }
        .into_any(),
        ("deprecated", _) => view! {
            <Why>"This API is deprecated and takes no new subscriptions. Existing subscriptions keep working until it is retired."</Why>
        }
        .into_any(),
        (_, None) => {
            let login = format!("/login?next={}", urlencode(&format!("/portal/apis/{}", api.id)));
            view! {
                <p class="text-sm text-slate-600">"Sign in to subscribe one of your applications and get an API key."</p>
                <div class="mt-4"><LinkButton href=login>"Sign in to subscribe"</LinkButton></div>
            }
            .into_any()
        }
        (_, Some(choices)) if choices.applications.is_empty() => view! {
            <p class="text-sm text-slate-600">"You need an application to subscribe with."</p>
            <div class="mt-4"><LinkButton href="/portal/applications">"Create an application"</LinkButton></div>
        }
        .into_any(),
        (_, Some(choices)) if choices.tiers.is_empty() => view! {
            <Why>"No subscription tiers are offered yet. Please try again later."</Why>
        }
        .into_any(),
        (_, Some(choices)) => view! { <SubscribeForm api_id=api.id choices=choices/> }.into_any(),
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="subscribe-panel">
            <h2 class="text-lg font-semibold">"Subscribe"</h2>
            <div class="mt-3">{body}</div>
        </section>
    }
}

/// Why an API takes no subscriptions.
#[component]
fn Why(children: Children) -> impl IntoView {
    view! { <p class="rounded-md bg-slate-50 p-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200" data-testid="not-subscribable">{children()}</p> }
}

/// Application and tier, then a link to the application for its keys.
#[component]
fn SubscribeForm(api_id: Uuid, choices: SubscribeChoices) -> impl IntoView {
    let subscribe = ServerAction::<PortalSubscribe>::new();
    let error = action_error(subscribe.value());
    let done = move || subscribe.value().get().and_then(Result::ok);
    let applications: Vec<(String, String)> =
        choices.applications.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    let tiers: Vec<(String, String)> =
        choices.tiers.into_iter().map(|(name, allows)| (name.clone(), format!("{name} — {allows}"))).collect();
    view! {
        <ActionForm action=subscribe>
            <div class="space-y-4">
                <CsrfField/>
                <input type="hidden" name="api_id" value=api_id.to_string()/>
                <SelectField name="application_id" label="Application" options=applications error=field_error(error, "application_id")/>
                <SelectField name="tier" label="Tier" options=tiers error=field_error(error, "tier")/>
                <FormError error=error/>
                <SubmitButton label="Subscribe" pending=subscribe.pending()/>
            </div>
        </ActionForm>
        {move || done().map(|s| view! {
            <div role="status" class="mt-4 rounded-md bg-emerald-50 p-4 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200" data-testid="subscribed">
                {format!("{} is subscribed with the {} tier. ", s.application_name, s.tier)}
                <a href=format!("/portal/applications/{}", s.application_id) class="font-semibold underline">{format!("Open {} to get a key", s.application_name)}</a>
            </div>
        })}
    }
}
