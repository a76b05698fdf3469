//! The subscriptions section of an application page: the APIs it is subscribed to, with
//! tier, what the tier allows, and state, and unsubscribing (after a confirmation).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::badge::Badge;
use crate::components::button::{LinkButton, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A subscription as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub api_id: Uuid,
    pub api_name: String,
    pub api_version: String,
    /// Path prefix at the gateway, e.g. `/petstore/v1`.
    pub api_path: String,
    pub tier: String,
    /// What the tier allows (`5,000 requests / minute`).
    pub limits: String,
    /// `active` or `blocked` (by the API's publisher).
    pub state: String,
    pub created: String,
}

/// The subscriptions of an application.
#[server(prefix = "/ui/fn", endpoint = "portal_subscriptions", input = GetUrl)]
pub async fn portal_subscriptions(application_id: Uuid) -> Result<Vec<SubscriptionRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let subscriptions = domain::applications::subscriptions(&db, &actor, application_id).await?;
    let tiers: std::collections::HashMap<String, String> =
        domain::tiers::list(&db).await?.into_iter().map(|t| (t.name.clone(), t.summary())).collect();
    Ok(subscriptions
        .into_iter()
        .map(|s| SubscriptionRow {
            limits: tiers.get(&s.tier).cloned().unwrap_or_default(),
            id: s.id,
            api_id: s.api_id,
            api_path: format!("{}/{}", s.api_context.trim_end_matches('/'), s.api_version),
            api_name: s.api_name,
            api_version: s.api_version,
            tier: s.tier,
            state: s.state,
            created: crate::pages::time(s.created_at),
        })
        .collect())
}

/// Removes a subscription.
#[server(prefix = "/ui/fn", endpoint = "portal_unsubscribe")]
pub async fn portal_unsubscribe(csrf_token: String, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::applications::unsubscribe(&db, &actor, id).await?;
    Ok(())
}

/// The subscriptions section of an application: `rows` (loaded by the page) reload
/// when `changed` moves.
#[component]
pub fn Subscriptions(rows: Resource<Result<Vec<SubscriptionRow>, AppError>>, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let unsubscribe = ServerAction::<PortalUnsubscribe>::new();
    let confirm_open = RwSignal::new(false);
    let target: RwSignal<Option<SubscriptionRow>> = RwSignal::new(None);
    let csrf = csrf_token();
    Effect::new(move |_| match unsubscribe.value().get() {
        Some(Ok(())) => {
            toasts.success("Unsubscribed.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let on_confirm = Callback::new(move |()| {
        if let Some(row) = target.get_untracked() {
            unsubscribe.dispatch(PortalUnsubscribe { csrf_token: csrf.get_untracked(), id: row.id });
        }
    });
    let message = Signal::derive(move || {
        let api = target.get().map(|s| format!("{} {}", s.api_name, s.api_version)).unwrap_or_default();
        format!("Keys of this application will stop working for {api} immediately.")
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="subscriptions">
            <h2 class="text-lg font-semibold">"Subscriptions"</h2>
            <p class="mt-1 text-sm text-slate-600">"The APIs this application may call, and with which tier."</p>
            <div class="mt-4">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading subscriptions…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! {
                                <EmptyState title="No subscriptions yet" message="Find an API in the catalog and subscribe this application to it.">
                                    <LinkButton href="/portal/apis">"Browse the API catalog"</LinkButton>
                                </EmptyState>
                            }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["API", "Path", "Tier", "Limits", "State", "Since", ""]>
                                    {rows.into_iter().map(|row| {
                                        let for_dialog = row.clone();
                                        view! {
                                            <tr data-testid="subscription-row">
                                                <td class=CELL_STRONG>
                                                    <a href=format!("/portal/apis/{}", row.api_id) class="text-indigo-700 hover:underline">{format!("{} {}", row.api_name, row.api_version)}</a>
                                                </td>
                                                <td class=CELL><code class="font-mono text-xs">{row.api_path}</code></td>
                                                <td class=CELL>{row.tier}</td>
                                                <td class=CELL data-testid="subscription-limits">{row.limits}</td>
                                                <td class=CELL><Badge text=row.state/></td>
                                                <td class=CELL>{row.created}</td>
                                                <td class=CELL>
                                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                        target.set(Some(for_dialog.clone()));
                                                        confirm_open.set(true);
                                                    }>"Unsubscribe"</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </Table>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <ConfirmDialog open=confirm_open title="Unsubscribe?" confirm_label="Unsubscribe" on_confirm=on_confirm message=message/>
        </section>
    }
}
