//! The Subscribers tab: the applications subscribed to this API version, with the
//! publisher's power to block (and unblock) a subscription — its keys then get 403 at
//! the gateway.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api_detail::TabData;
use crate::components::badge::Badge;
use crate::components::button::{SMALL, SMALL_DANGER};
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A subscription as the publisher sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriberRow {
    pub id: Uuid,
    pub application: String,
    pub tier: String,
    pub state: String,
    pub since: String,
}

/// The subscriptions to an API.
#[server(prefix = "/ui/fn", endpoint = "publisher_subscribers", input = GetUrl)]
pub async fn subscribers(id: Uuid) -> Result<Vec<SubscriberRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    Ok(domain::applications::subscribers(&server::state()?.db, &actor, id)
        .await?
        .into_iter()
        .map(|s| SubscriberRow {
            id: s.id,
            application: s.application_name,
            tier: s.tier,
            state: s.state,
            since: crate::pages::time(s.created_at),
        })
        .collect())
}

/// Blocks or unblocks a subscription.
#[server(prefix = "/ui/fn", endpoint = "publisher_set_subscription_blocked")]
pub async fn set_blocked(csrf_token: String, subscription: Uuid, blocked: bool) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    domain::applications::set_blocked(&server::state()?.db, &actor, subscription, blocked).await?;
    Ok(())
}

/// The tab.
#[component]
pub fn Subscribers(data: TabData<Vec<SubscriberRow>>, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let set = ServerAction::<SetBlocked>::new();
    let csrf = csrf_token();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(())) => {
            toasts.success("Subscription updated.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Some(Ok(rows)) if rows.is_empty() => view! {
                        <EmptyState title="No subscribers yet" message="Applications appear here when consumers subscribe in the portal."/>
                    }.into_any(),
                    Some(Ok(rows)) => view! {
                        <Table headers=vec!["Application", "Tier", "State", "Since", ""]>
                            {rows.into_iter().map(|s| {
                                let blocked = s.state == "blocked";
                                view! {
                                    <tr data-testid="subscriber-row">
                                        <td class=CELL_STRONG>{s.application.clone()}</td>
                                        <td class=CELL>{s.tier.clone()}</td>
                                        <td class=CELL><Badge text=s.state.clone()/></td>
                                        <td class=CELL>{s.since.clone()}</td>
                                        <td class=CELL>
                                            <button type="button" class=if blocked { SMALL } else { SMALL_DANGER } on:click=move |_| {
                                                set.dispatch(SetBlocked { csrf_token: csrf.get_untracked(), subscription: s.id, blocked: !blocked });
                                            }>{if blocked { "Unblock" } else { "Block" }}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </Table>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
