//! `/portal/applications/:id`: one application with its subscriptions and every kind of
//! credential it can call APIs with — API keys (`application_keys`), OAuth2 clients and
//! test tokens (`application_oauth`), basic-auth credentials (`application_basic`) and
//! clients of external identity providers (`application_external`) — its application
//! tier (`application_tier`) and its usage (`application_usage`).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::application_basic::{BasicCredentials, BasicCredentialsResource, portal_basic_credentials};
use super::application_external::{
    ExternalClients, ExternalClientsResource, KeyManagersResource, portal_external_clients, portal_key_managers,
};
use super::application_keys::{KeyRow, Keys, portal_key_environments, portal_keys};
use super::application_oauth::{ClientRow, OAuthClients, ScopeRow, portal_oauth_clients, portal_oauth_scopes};
use super::application_subscriptions::{SubscriptionRow, Subscriptions, portal_subscriptions};
use super::application_tier::{ApplicationTier, portal_tier_choices};
use super::application_usage::{Usage, portal_usage};
use super::applications::{ApplicationRow, memberships, org_name, portal_application};
use super::key_forms::EnvironmentChoices;
use crate::components::button::{LinkButton, SECONDARY};
use crate::components::form::FormError;
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::errors::AppError;
use crate::pages::NotFound;

/// The page of one application.
#[component]
pub fn ApplicationDetail() -> impl IntoView {
    // Every resource of the page is created here, outside the guard, so the server and
    // the browser number them alike when the page hydrates; `changed` reloads the lists.
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok()));
    let changed = RwSignal::new(0u64);
    let not_found = || AppError::refused("not_found", "The application does not exist.");
    let application = Resource::new(
        move || id.get(),
        move |id| async move { if let Some(id) = id { portal_application(id).await } else { Err(not_found()) } },
    );
    let subscriptions = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_subscriptions(id).await } else { Err(not_found()) } },
    );
    let keys = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_keys(id).await } else { Err(not_found()) } },
    );
    let environments = Resource::new(|| (), |()| portal_key_environments());
    let clients = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_oauth_clients(id).await } else { Err(not_found()) } },
    );
    let scopes = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_oauth_scopes(id).await } else { Err(not_found()) } },
    );
    let basic = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_basic_credentials(id).await } else { Err(not_found()) } },
    );
    let key_managers = Resource::new(|| (), |()| portal_key_managers());
    let tiers = Resource::new(|| (), |()| portal_tier_choices());
    let external = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_external_clients(id).await } else { Err(not_found()) } },
    );
    let usage = Resource::new(
        move || (id.get(), changed.get()),
        move |(id, _)| async move { if let Some(id) = id { portal_usage(id).await } else { Err(not_found()) } },
    );
    let credentials = CredentialResources { clients, scopes, basic, key_managers, external, tiers, usage };
    view! {
        <RequireUser>
            <ApplicationPage application=application subscriptions=subscriptions keys=keys environments=environments credentials=credentials changed=changed/>
        </RequireUser>
    }
}

/// The resources of the sections beyond API keys (created by the page).
#[derive(Clone, Copy)]
struct CredentialResources {
    clients: Resource<Result<Vec<ClientRow>, AppError>>,
    scopes: Resource<Result<Vec<ScopeRow>, AppError>>,
    basic: BasicCredentialsResource,
    key_managers: KeyManagersResource,
    external: ExternalClientsResource,
    tiers: Resource<Result<Vec<(String, String)>, AppError>>,
    usage: Resource<Result<super::application_usage::AppUsage, AppError>>,
}

#[component]
fn ApplicationPage(
    application: Resource<Result<ApplicationRow, AppError>>,
    subscriptions: Resource<Result<Vec<SubscriptionRow>, AppError>>,
    keys: Resource<Result<Vec<KeyRow>, AppError>>,
    environments: EnvironmentChoices,
    credentials: CredentialResources,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let memberships = memberships();
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match application.await {
                    Err(e) if e.code() == Some("not_found") => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <PageHeader title="Application"/><FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(app) => {
                        let subtitle = if app.description.is_empty() { "No description.".to_owned() } else { app.description.clone() };
                        view! {
                            <p class="mb-2 text-sm"><a href="/portal/applications" class="text-indigo-700 hover:underline">"← Applications"</a></p>
                            <PageHeader title=app.name.clone() subtitle=subtitle>
                                <LinkButton href="/portal/apis" style=SECONDARY>"Subscribe to an API"</LinkButton>
                            </PageHeader>
                            <dl class="mb-8 grid gap-4 text-sm sm:grid-cols-4" data-testid="application-info">
                                <Fact label="Organization">{move || org_name(&memberships.get(), app.org_id)}</Fact>
                                <Fact label="Sharing">{if app.shared { "shared with the organization" } else { "private (only you)" }}</Fact>
                                <Fact label="Created">{app.created.clone()}</Fact>
                                <Fact label="Application tier"><ApplicationTier app_id=app.id tier=app.tier.clone() choices=credentials.tiers/></Fact>
                            </dl>
                            <div class="space-y-8">
                                <Subscriptions rows=subscriptions changed=changed/>
                                <Usage usage=credentials.usage/>
                                <Keys app_id=app.id keys=keys environments=environments changed=changed/>
                                <OAuthClients app_id=app.id clients=credentials.clients scopes=credentials.scopes environments=environments changed=changed/>
                                <ExternalClients app_id=app.id managers=credentials.key_managers clients=credentials.external environments=environments changed=changed/>
                                <BasicCredentials app_id=app.id credentials=credentials.basic environments=environments changed=changed/>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A labelled fact of the application.
#[component]
fn Fact(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <dt class="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
            <dd class="mt-1 text-slate-900">{children()}</dd>
        </div>
    }
}
