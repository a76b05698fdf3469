//! The API keys section of an application page: create a key for an environment (the
//! secret is shown once, with a curl example), list the keys with their status, rotate
//! one with a grace period, revoke one. The forms are in `key_forms`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key_forms::{CreateKeyForm, EnvironmentChoices, NewSecret, NewSecretBox, RotateDialog};
use crate::components::badge::Badge;
use crate::components::button::{SMALL, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A key as the table shows it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: Uuid,
    /// First and last characters: `pk_live_AbCd…wxYz`.
    pub key: String,
    pub environment: String,
    /// `active`, `grace_period` (rotated; works until it expires), `expired` or `revoked`.
    pub status: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
}

impl KeyRow {
    /// Whether the key still works (so it can be revoked).
    pub fn works(&self) -> bool {
        self.status == "active" || self.status == "grace_period"
    }
}

#[cfg(feature = "ssr")]
impl KeyRow {
    fn new(key: domain::api_keys::KeyView, now: chrono::DateTime<chrono::Utc>) -> Self {
        use crate::pages::time;
        let status = if key.revoked_at.is_some() {
            "revoked"
        } else if key.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else if key.replaced_by.is_some() {
            "grace_period"
        } else {
            "active"
        };
        Self {
            id: key.id,
            key: format!("{}…{}", key.prefix, key.last_four),
            environment: key.environment,
            status: status.to_owned(),
            created: time(key.created_at),
            last_used: key.last_used_at.map_or("never".to_owned(), time),
            expires: key.expires_at.map_or("never".to_owned(), time),
        }
    }
}

/// The keys of an application, newest first.
#[server(prefix = "/ui/fn", endpoint = "portal_keys", input = GetUrl)]
pub async fn portal_keys(application_id: Uuid) -> Result<Vec<KeyRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let now = chrono::Utc::now();
    Ok(domain::api_keys::list(&db, &actor, application_id).await?.into_iter().map(|k| KeyRow::new(k, now)).collect())
}

/// The environments keys can be made for: `(name, display name)`.
#[server(prefix = "/ui/fn", endpoint = "portal_key_environments", input = GetUrl)]
pub async fn portal_key_environments() -> Result<Vec<(String, String)>, AppError> {
    use crate::session::server;
    server::actor(None)?;
    let db = server::state()?.db;
    Ok(domain::environments::list(&db).await?.into_iter().map(|e| (e.name, e.display_name)).collect())
}

/// Creates a key; returns its secret (shown once).
#[server(prefix = "/ui/fn", endpoint = "portal_create_key")]
pub async fn portal_create_key(
    csrf_token: String,
    application_id: Uuid,
    environment: String,
    expires_in_days: String,
) -> Result<NewSecret, AppError> {
    use crate::session::server;
    use domain::api_keys::NewKey;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let expires_in_days = match expires_in_days.trim() {
        "" | "never" => None,
        days => Some(days.parse::<u32>().map_err(|_| {
            AppError::Invalid(vec![crate::errors::FieldProblem {
                field: "expires_in_days".into(),
                code: "invalid_number".into(),
                message: "Choose a lifetime from the list.".into(),
            }])
        })?),
    };
    let created =
        domain::api_keys::create(&db, &actor, application_id, NewKey { environment, expires_in_days }).await?;
    NewSecret::of(&db, &actor, created).await
}

/// Replaces a key; the old one keeps working for `grace_hours`. Returns the new secret.
#[server(prefix = "/ui/fn", endpoint = "portal_rotate_key")]
pub async fn portal_rotate_key(csrf_token: String, key_id: Uuid, grace_hours: u32) -> Result<NewSecret, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let created = domain::api_keys::rotate(&db, &actor, key_id, grace_hours).await?;
    NewSecret::of(&db, &actor, created).await
}

/// Revokes a key at once.
#[server(prefix = "/ui/fn", endpoint = "portal_revoke_key")]
pub async fn portal_revoke_key(csrf_token: String, key_id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::api_keys::revoke(&db, &actor, key_id).await?;
    Ok(())
}

/// The keys section of application `app_id`: `keys` (loaded by the page) reload when
/// `changed` moves.
#[component]
pub fn Keys(
    app_id: Uuid,
    keys: Resource<Result<Vec<KeyRow>, AppError>>,
    environments: EnvironmentChoices,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let create = ServerAction::<PortalCreateKey>::new();
    let rotate = ServerAction::<PortalRotateKey>::new();
    let revoke = ServerAction::<PortalRevokeKey>::new();
    let secret: RwSignal<Option<NewSecret>> = RwSignal::new(None);
    let rotating: RwSignal<Option<KeyRow>> = RwSignal::new(None);
    let revoking: RwSignal<Option<KeyRow>> = RwSignal::new(None);
    let confirm_open = RwSignal::new(false);
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            secret.set(Some(created));
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(created)) = rotate.value().get() {
            secret.set(Some(created));
            rotating.set(None);
            toasts.success("Key rotated.");
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            toasts.success("Key revoked.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let on_confirm = Callback::new(move |()| {
        if let Some(key) = revoking.get_untracked() {
            revoke.dispatch(PortalRevokeKey { csrf_token: csrf.get_untracked(), key_id: key.id });
        }
    });
    let message = Signal::derive(move || {
        let key = revoking.get().map(|k| k.key).unwrap_or_default();
        format!("Programs using {key} will stop working immediately.")
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="keys">
            <h2 class="text-lg font-semibold">"API keys"</h2>
            <p class="mt-1 text-sm text-slate-600">"A key works in one environment, for every API this application is subscribed to."</p>
            <CreateKeyForm action=create app_id=app_id environments=environments/>
            {move || secret.get().map(|s| view! { <NewSecretBox secret=s/> })}
            <div class="mt-6">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading keys…"</p> }>
                    {move || Suspend::new(async move {
                        match keys.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <EmptyState title="No keys yet" message="Create a key to call the APIs this application is subscribed to."/> }.into_any(),
                            Ok(rows) => view! { <KeyTable rows=rows rotating=rotating revoking=revoking confirm_open=confirm_open/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <RotateDialog target=rotating action=rotate/>
            <ConfirmDialog open=confirm_open title="Revoke key?" confirm_label="Revoke key" on_confirm=on_confirm message=message/>
        </section>
    }
}

/// The keys, with their rotate and revoke buttons.
#[component]
fn KeyTable(
    rows: Vec<KeyRow>,
    rotating: RwSignal<Option<KeyRow>>,
    revoking: RwSignal<Option<KeyRow>>,
    confirm_open: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <Table headers=vec!["Key", "Environment", "Status", "Created", "Last used", "Expires", ""]>
            {rows.into_iter().map(|row| {
                let (for_rotate, for_revoke) = (row.clone(), row.clone());
                view! {
                    <tr data-testid="key-row">
                        <td class=CELL_STRONG><code class="font-mono text-xs">{row.key.clone()}</code></td>
                        <td class=CELL>{row.environment.clone()}</td>
                        <td class=CELL><Badge text=row.status.clone()/></td>
                        <td class=CELL>{row.created.clone()}</td>
                        <td class=CELL>{row.last_used.clone()}</td>
                        <td class=CELL>{row.expires.clone()}</td>
                        <td class=CELL>
                            <div class="flex gap-2">
                                {(row.status == "active").then(|| view! {
                                    <button type="button" class=SMALL on:click=move |_| rotating.set(Some(for_rotate.clone()))>"Rotate"</button>
                                })}
                                {row.works().then(|| view! {
                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                        revoking.set(Some(for_revoke.clone()));
                                        confirm_open.set(true);
                                    }>"Revoke"</button>
                                })}
                            </div>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
    }
}
