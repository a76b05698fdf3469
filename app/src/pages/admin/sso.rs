//! `/admin/sso`: the single sign-on providers users sign in to the consoles with
//! (OpenID Connect). Platform administrators register one (the client secret is
//! write-only), switch it on and off, edit and delete it; everyone else gets the 403 page.

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
use crate::pages::admin::orgs::list_orgs;
use crate::session::csrf_token;
pub use server_fns::SsoRow;
use server_fns::{CreateSsoProvider, DeleteSsoProvider, SetSsoEnabled, UpdateSsoProvider, list_sso_providers};

/// The page's actions (made in the page body, outside the guard).
#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateSsoProvider>,
    update: ServerAction<UpdateSsoProvider>,
    toggle: ServerAction<SetSsoEnabled>,
    delete: ServerAction<DeleteSsoProvider>,
}

/// The single sign-on page.
#[component]
pub fn SsoPage() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        update: ServerAction::new(),
        toggle: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let providers = Resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.update.version().get(),
                actions.toggle.version().get(),
                actions.delete.version().get(),
            )
        },
        |_| list_sso_providers(),
    );
    let orgs = Resource::new(|| (), |()| list_orgs(None, 1, 200));
    let toasts = use_toasts();
    let editing: RwSignal<Option<SsoRow>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.create.value().get() {
            toasts.success("Provider registered. Register its redirect URI at the provider.");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = actions.update.value().get() {
            toasts.success("Provider saved.");
            editing.set(None);
        }
    });
    Effect::new(move |_| match (actions.toggle.value().get(), actions.delete.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => toasts.error(e.to_string()),
        _ => {}
    });
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="single sign-on">
            <PageHeader title="Single sign-on" subtitle="OpenID Connect providers people sign in to Portico with. New users join the chosen organization with the chosen role."/>
            <div class="space-y-8">
                <ProviderList providers=providers actions=actions editing=editing/>
                {move || editing.get().map(|row| view! { <form::EditProviderForm row=row action=actions.update cancel=editing/> })}
                <form::NewProviderForm action=actions.create orgs=orgs/>
            </div>
        </RequireUser>
    }
}

#[component]
fn ProviderList(
    providers: Resource<Result<Vec<SsoRow>, AppError>>,
    actions: Actions,
    editing: RwSignal<Option<SsoRow>>,
) -> impl IntoView {
    let csrf = csrf_token();
    let confirm_open = RwSignal::new(false);
    let target: RwSignal<Option<SsoRow>> = RwSignal::new(None);
    let on_confirm = Callback::new(move |()| {
        if let Some(row) = target.get_untracked() {
            actions.delete.dispatch(DeleteSsoProvider { csrf_token: csrf.get_untracked(), id: row.id });
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match providers.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <EmptyState title="No providers" message="Register one below to offer “Sign in with …” on the sign-in page."/> }.into_any(),
                    Ok(rows) => view! {
                        <Table headers=vec!["Provider", "Issuer", "Client", "New users", "Domains", "Status", ""]>
                            {rows.into_iter().map(|row| {
                                let (for_edit, for_delete, for_toggle) = (row.clone(), row.clone(), row.clone());
                                view! {
                                    <tr data-testid="sso-row">
                                        <td class=CELL_STRONG>{row.display_name.clone()}<div class="font-mono text-xs font-normal text-slate-500" title="Redirect URI to register at the provider">{row.redirect_uri.clone()}</div></td>
                                        <td class=CELL><code class="text-xs">{row.issuer.clone()}</code></td>
                                        <td class=CELL><code class="text-xs">{row.client_id.clone()}</code>{(!row.secret_set).then(|| view! { " " <Badge text="public client"/> })}</td>
                                        <td class=CELL>{format!("{} in {}", row.role.replace('_', " "), row.org_name)}</td>
                                        <td class=CELL>{if row.allowed_domains.is_empty() { "any".to_owned() } else { row.allowed_domains.clone() }}</td>
                                        <td class=CELL><Badge text=if row.enabled { "active" } else { "disabled" }/></td>
                                        <td class="space-x-2 whitespace-nowrap px-4 py-3">
                                            <button type="button" class=SMALL on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                            <button type="button" class=SMALL on:click=move |_| {
                                                actions.toggle.dispatch(SetSsoEnabled { csrf_token: csrf.get_untracked(), id: for_toggle.id, version: for_toggle.version, enabled: !for_toggle.enabled });
                                            }>{if row.enabled { "Disable" } else { "Enable" }}</button>
                                            <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                target.set(Some(for_delete.clone()));
                                                confirm_open.set(true);
                                            }>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </Table>
                    }.into_any(),
                }
            })}
        </Suspense>
        <ConfirmDialog open=confirm_open title="Delete provider?" confirm_label="Delete" on_confirm=on_confirm
            message=Signal::derive(move || format!("Nobody can sign in with “{}” any more. Accounts it created stay.", target.get().map(|t| t.display_name).unwrap_or_default()))/>
    }
}
