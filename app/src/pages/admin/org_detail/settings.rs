//! The settings panel of an organization: name, sign-up approval, disable/enable.

use leptos::prelude::*;
use uuid::Uuid;

use super::OrgDetails;
use crate::components::button::{DANGER, SECONDARY};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// Saves the name and approval setting.
#[server(prefix = "/ui/fn", endpoint = "update_org")]
pub async fn update_org(
    csrf_token: String,
    id: Uuid,
    name: String,
    require_approval: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let update =
        domain::orgs::OrgUpdate { name: Some(name), require_approval: Some(require_approval.is_some()), status: None };
    domain::orgs::update(&db, &actor, id, update, None).await?;
    Ok(())
}

/// Disables or re-enables an organization.
#[server(prefix = "/ui/fn", endpoint = "set_org_status")]
pub async fn set_org_status(csrf_token: String, id: Uuid, active: bool) -> Result<(), AppError> {
    use crate::session::server;
    use domain::orgs::OrgStatus;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let status = if active { OrgStatus::Active } else { OrgStatus::Disabled };
    domain::orgs::update(&db, &actor, id, domain::orgs::OrgUpdate { status: Some(status), ..Default::default() }, None)
        .await?;
    Ok(())
}

/// The panel.
#[component]
pub fn Settings(org: OrgDetails, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<UpdateOrg>::new();
    let error = action_error(save.value());
    let status = ServerAction::<SetOrgStatus>::new();
    let confirm = RwSignal::new(false);
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Settings saved.");
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match status.value().get() {
        Some(Ok(())) => {
            toasts.success("Status changed.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let active = org.status == "active";
    let id = org.id;
    let toggle = Callback::new(move |()| {
        status.dispatch(SetOrgStatus { csrf_token: csrf.get_untracked(), id, active: !active });
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Settings"</h2>
            <ActionForm action=save>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <input type="hidden" name="id" value=org.id.to_string()/>
                    <TextField name="name" label="Name" value=org.name.clone() required=true error=field_error(error, "name")/>
                    <label class="flex items-center gap-2 self-end text-sm text-slate-700">
                        <input type="checkbox" name="require_approval" value="on" checked=org.require_approval class="rounded border-slate-300"/>
                        "Portal sign-ups need an administrator's approval"
                    </label>
                </div>
                <div class="mt-4 flex flex-wrap items-center gap-3">
                    <SubmitButton label="Save settings" pending=save.pending()/>
                    {org.can_change_status.then(|| view! {
                        <button type="button" class=if active { DANGER } else { SECONDARY } on:click=move |_| confirm.set(true)>
                            {if active { "Disable organization" } else { "Enable organization" }}
                        </button>
                    })}
                </div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
            <ConfirmDialog open=confirm title=if active { "Disable organization?" } else { "Enable organization?" }
                confirm_label=if active { "Disable" } else { "Enable" }
                message=Signal::derive(move || if active {
                    "Members keep their accounts, but their roles in this organization stop counting until it is enabled again.".to_owned()
                } else {
                    "Members' roles in this organization count again.".to_owned()
                })
                on_confirm=toggle/>
        </section>
    }
}
