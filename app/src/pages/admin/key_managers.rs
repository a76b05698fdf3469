//! `/admin/key-managers`: external OAuth2/OIDC issuers (Keycloak, Okta, Auth0, Entra ID,
//! PingFederate, WSO2 IS…) whose access tokens gateways accept. A platform administrator
//! registers one by its issuer or discovery URL, sees the keys gateways hold and when they
//! were last read, refreshes them now, and sees why a refresh failed (the last good keys
//! keep working). Everyone else gets the 403 page.

mod form;
mod server_fns;

use leptos::prelude::*;

use crate::components::badge::Badge;
use crate::components::button::{SMALL, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::FormError;
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;
pub use server_fns::KeyManagerRow;
use server_fns::{
    CreateKeyManager, DeleteKeyManager, RefreshKeyManager, SetKeyManagerEnabled, UpdateKeyManager, list_key_managers,
};

/// The page's actions (made in the page body, outside the guard).
#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateKeyManager>,
    update: ServerAction<UpdateKeyManager>,
    toggle: ServerAction<SetKeyManagerEnabled>,
    refresh: ServerAction<RefreshKeyManager>,
    delete: ServerAction<DeleteKeyManager>,
}

/// The key managers page.
#[component]
pub fn KeyManagersPage() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        update: ServerAction::new(),
        toggle: ServerAction::new(),
        refresh: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let rows = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.update.version().get(),
                actions.toggle.version().get(),
                actions.refresh.version().get(),
                actions.delete.version().get(),
            )
        },
        |_| list_key_managers(),
    );
    let toasts = use_toasts();
    let editing: RwSignal<Option<KeyManagerRow>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.create.value().get() {
            toasts.success("Key manager registered. Gateways accept its tokens within moments.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.update.value().get() {
            toasts.success("Key manager saved.");
            editing.set(None);
        }
    });
    Effect::new(move |_| match actions.refresh.value().get() {
        Some(Ok(None)) => toasts.success("Keys read again."),
        Some(Ok(Some(error))) => toasts.error(format!("The refresh failed; the last keys are kept: {error}")),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match (actions.toggle.value().get(), actions.delete.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => toasts.error(e.to_string()),
        _ => {}
    });
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="key managers">
            <PageHeader title="Key managers" subtitle="External identity providers whose OAuth2 access tokens the gateways accept. Consumers map their provider's client ids to their applications in the portal."/>
            <div class="space-y-8">
                <KeyManagerList rows=rows actions=actions editing=editing/>
                {move || editing.get().map(|row| view! { <form::EditKeyManagerForm row=row action=actions.update cancel=editing/> })}
                <form::NewKeyManagerForm action=actions.create/>
            </div>
        </RequireUser>
    }
}

#[component]
fn KeyManagerList(
    rows: Resource<Result<Vec<KeyManagerRow>, AppError>>,
    actions: Actions,
    editing: RwSignal<Option<KeyManagerRow>>,
) -> impl IntoView {
    let csrf = csrf_token();
    let confirm_open = RwSignal::new(false);
    let target: RwSignal<Option<KeyManagerRow>> = RwSignal::new(None);
    let on_confirm = Callback::new(move |()| {
        if let Some(row) = target.get_untracked() {
            actions.delete.dispatch(DeleteKeyManager { csrf_token: csrf.get_untracked(), id: row.id });
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <EmptyState title="No key managers" message="Gateways accept Portico's own tokens. Register an external issuer below to accept its tokens too."/> }.into_any(),
                    Ok(rows) => view! {
                        <Table headers=vec!["Key manager", "Client claim", "Audiences", "Keys", "Status", ""]>
                            {rows.into_iter().map(|row| key_manager_row(row, actions, editing, csrf, target, confirm_open)).collect_view()}
                        </Table>
                    }.into_any(),
                }
            })}
        </Suspense>
        <ConfirmDialog open=confirm_open title="Delete key manager?" confirm_label="Delete" on_confirm=on_confirm
            message=Signal::derive(move || format!("Gateways stop accepting tokens from “{}”, and the client ids mapped to applications are removed.", target.get().map(|t| t.name).unwrap_or_default()))/>
    }
}

fn key_manager_row(
    row: KeyManagerRow,
    actions: Actions,
    editing: RwSignal<Option<KeyManagerRow>>,
    csrf: Signal<String>,
    target: RwSignal<Option<KeyManagerRow>>,
    confirm_open: RwSignal<bool>,
) -> impl IntoView {
    let (for_edit, for_delete, for_toggle, id) = (row.clone(), row.clone(), row.clone(), row.id);
    let keys = if row.key_ids.is_empty() { "no key ids".to_owned() } else { row.key_ids.clone() };
    view! {
        <tr data-testid="key-manager-row">
            <td class=CELL_STRONG>
                {row.name.clone()}
                <div class="font-mono text-xs font-normal text-slate-500" title="Issuer (iss)">{row.issuer.clone()}</div>
            </td>
            <td class=CELL><code class="text-xs">{row.client_claim.clone()}</code></td>
            <td class=CELL>{if row.audiences.is_empty() { "not checked".to_owned() } else { row.audiences.clone() }}</td>
            <td class=CELL>
                <code class="text-xs">{keys}</code>
                <div class="text-xs text-slate-500">{format!("read {}", row.fetched)}</div>
                {row.last_error.clone().map(|e| view! { <div class="mt-1 text-xs text-red-700" data-testid="key-manager-error">{format!("Last refresh failed: {e}")}</div> })}
            </td>
            <td class=CELL><Badge text=if row.enabled { "active" } else { "disabled" }/></td>
            <td class="space-x-2 whitespace-nowrap px-4 py-3">
                <button type="button" class=SMALL on:click=move |_| {
                    actions.refresh.dispatch(server_fns::RefreshKeyManager { csrf_token: csrf.get_untracked(), id });
                }>"Refresh keys"</button>
                <button type="button" class=SMALL on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                <button type="button" class=SMALL on:click=move |_| {
                    let enabled = !for_toggle.enabled;
                    actions.toggle.dispatch(SetKeyManagerEnabled { csrf_token: csrf.get_untracked(), row: for_toggle.clone(), enabled });
                }>{if row.enabled { "Disable" } else { "Enable" }}</button>
                <button type="button" class=SMALL_DANGER on:click=move |_| {
                    target.set(Some(for_delete.clone()));
                    confirm_open.set(true);
                }>"Delete"</button>
            </td>
        </tr>
    }
}
