//! `/admin/orgs/:id/roles`: an organization's custom roles — the list with each role's
//! permissions and members, a form to create or edit one (a checkbox per organization
//! permission with its description), and deletion (refused while members have it).
//! Everyone who sees the organization's admin area sees the list; `roles_manage`
//! changes it.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::org_detail::RoleRow;
use crate::components::badge::Badge;
use crate::components::button::{SECONDARY, SMALL, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SubmitButton, action_error, field_error};
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A permission a role may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionRow {
    pub name: String,
    pub description: String,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesPage {
    pub org_id: Uuid,
    pub org_name: String,
    pub roles: Vec<RoleRow>,
    /// The organization permissions, in display order.
    pub permissions: Vec<PermissionRow>,
    /// The caller may change roles (`roles_manage`).
    pub can_manage: bool,
}

/// Loads the organization's roles and the permission list.
#[server(prefix = "/ui/fn", endpoint = "admin_org_roles", input = GetUrl)]
pub async fn org_roles(org_id: Uuid) -> Result<RolesPage, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let org = domain::orgs::get(&db, &actor, org_id).await?;
    let all = domain::PageRequest::new(Some(1), Some(domain::page::MAX_PER_PAGE));
    let roles = domain::roles::list(&db, &actor, org_id, all).await?;
    Ok(RolesPage {
        org_id,
        org_name: org.name,
        roles: roles.items.into_iter().map(RoleRow::from).collect(),
        permissions: domain::permissions::catalog()
            .into_iter()
            .filter(|p| p.in_roles)
            .map(|p| PermissionRow { name: p.name.as_str().to_owned(), description: p.description })
            .collect(),
        can_manage: actor.can(org_id, domain::Permission::RolesManage),
    })
}

/// Creates a role (no `id`) or updates one; `permissions` is a comma-separated list.
#[server(prefix = "/ui/fn", endpoint = "admin_save_role")]
pub async fn save_role(
    csrf_token: String,
    org_id: Uuid,
    id: Option<Uuid>,
    name: String,
    description: String,
    permissions: String,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let names: Vec<&str> = permissions.split(',').filter(|s| !s.is_empty()).collect();
    let permissions: Vec<domain::Permission> =
        domain::Permissions::parse_field("permissions", &names, true)?.iter().collect();
    match id {
        None => {
            domain::roles::create(&db, &actor, org_id, domain::roles::NewRole { name, description, permissions })
                .await?;
        }
        Some(id) => {
            let update = domain::roles::RoleUpdate {
                name: Some(name),
                description: Some(description),
                permissions: Some(permissions),
            };
            domain::roles::update(&db, &actor, org_id, id, update, None).await?;
        }
    }
    Ok(())
}

/// Deletes a role no member has.
#[server(prefix = "/ui/fn", endpoint = "admin_delete_role")]
pub async fn delete_role(csrf_token: String, org_id: Uuid, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::roles::delete(&db, &actor, org_id, id).await?;
    Ok(())
}

/// The page.
#[component]
pub fn OrgRolesPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok()));
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let page = Resource::new(
        move || (id.get(), save.version().get(), delete.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => org_roles(id).await,
                None => Err(AppError::refused("not_found", "The organization does not exist.")),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <PageHeader title="Roles"/><FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(data) => view! { <Roles data=data save=save delete=delete/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Roles(data: RolesPage, save: ServerAction<SaveRole>, delete: ServerAction<DeleteRole>) -> impl IntoView {
    let toasts = use_toasts();
    let editing: RwSignal<Option<RoleRow>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Role saved.");
            editing.set(None);
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => toasts.success("Role deleted."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let back = format!("/admin/orgs/{}", data.org_id);
    let subtitle = format!(
        "{}: custom roles built from permissions; give them to members on the organization page.",
        data.org_name
    );
    let org_id = data.org_id;
    let can_manage = data.can_manage;
    view! {
        <PageHeader title="Roles" subtitle=subtitle><a href=back class=SECONDARY>"Back to the organization"</a></PageHeader>
        <div class="space-y-8">
            <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                <RoleTable rows=data.roles org_id=org_id can_manage=can_manage editing=editing delete=delete/>
            </section>
            {can_manage.then(|| view! { <RoleForm org_id=org_id permissions=data.permissions editing=editing save=save/> })}
        </div>
    }
}

#[component]
fn RoleTable(
    rows: Vec<RoleRow>,
    org_id: Uuid,
    can_manage: bool,
    editing: RwSignal<Option<RoleRow>>,
    delete: ServerAction<DeleteRole>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="No custom roles" message="The built-in roles are consumer, publisher and org admin; create a role for anything in between."/> }.into_any();
    }
    let csrf = csrf_token();
    let confirm = RwSignal::new(false);
    let target: RwSignal<Option<RoleRow>> = RwSignal::new(None);
    let on_confirm = Callback::new(move |()| {
        if let Some(role) = target.get_untracked() {
            delete.dispatch(DeleteRole { csrf_token: csrf.get_untracked(), org_id, id: role.id });
        }
    });
    view! {
        <Table headers=vec!["Role", "Permissions", "Members", ""]>
            {rows.into_iter().map(|r| {
                let (for_edit, for_delete) = (r.clone(), r.clone());
                view! {
                    <tr data-testid="role-row">
                        <td class=CELL_STRONG>{r.name.clone()}<div class="text-xs font-normal text-slate-500">{r.description.clone()}</div></td>
                        <td class=CELL><div class="flex flex-wrap gap-1">{r.permissions.into_iter().map(|p| view! { <Badge text=p/> }).collect_view()}</div></td>
                        <td class=CELL>{r.members}</td>
                        <td class=CELL>
                            {can_manage.then(|| view! {
                                <div class="flex gap-2">
                                    <button type="button" class=SMALL on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                        target.set(Some(for_delete.clone()));
                                        confirm.set(true);
                                    }>"Delete"</button>
                                </div>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
        <ConfirmDialog open=confirm title="Delete role?" confirm_label="Delete" on_confirm=on_confirm
            message=Signal::derive(move || format!("“{}” is removed. A role members still have cannot be deleted.", target.get().map(|r| r.name).unwrap_or_default()))/>
    }
    .into_any()
}

#[component]
fn RoleForm(
    org_id: Uuid,
    permissions: Vec<PermissionRow>,
    editing: RwSignal<Option<RoleRow>>,
    save: ServerAction<SaveRole>,
) -> impl IntoView {
    let error = action_error(save.value());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        let role = editing.get();
        name.set(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
        description.set(role.as_ref().map(|r| r.description.clone()).unwrap_or_default());
        chosen.set(role.map(|r| r.permissions).unwrap_or_default());
    });
    let name_error = field_error(error, "name");
    let permissions_error = field_error(error, "permissions");
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">{move || if editing.get().is_some() { "Edit role" } else { "New role" }}</h2>
            <ActionForm action=save>
                <CsrfField/>
                <input type="hidden" name="org_id" value=org_id.to_string()/>
                {move || editing.get().map(|r| view! { <input type="hidden" name="id" value=r.id.to_string()/> })}
                <input type="hidden" name="permissions" prop:value=move || chosen.get().join(",")/>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <div>
                        <label for="role-name" class="block text-sm font-medium text-slate-700">"Name"</label>
                        <input id="role-name" name="name" required=true prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))
                            class="mt-1 block w-full rounded-md border-0 px-3 py-2 shadow-sm ring-1 ring-inset ring-slate-300 sm:text-sm"/>
                        <p class="mt-1 text-sm text-red-600" data-field-error="name">{move || name_error.get()}</p>
                    </div>
                    <div>
                        <label for="role-description" class="block text-sm font-medium text-slate-700">"Description"</label>
                        <input id="role-description" name="description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))
                            class="mt-1 block w-full rounded-md border-0 px-3 py-2 shadow-sm ring-1 ring-inset ring-slate-300 sm:text-sm"/>
                    </div>
                </div>
                <fieldset class="mt-4">
                    <legend class="text-sm font-medium text-slate-700">"Permissions"</legend>
                    <ul class="mt-2 grid gap-2 sm:grid-cols-2">
                        {permissions.into_iter().map(|p| {
                            let (checked_name, toggle) = (p.name.clone(), p.name.clone());
                            view! {
                                <li>
                                    <label class="flex items-start gap-2 text-sm">
                                        <input type="checkbox" class="mt-1 rounded border-slate-300" data-permission=p.name.clone()
                                            prop:checked=move || chosen.with(|c| c.contains(&checked_name))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|s| s != &toggle);
                                                    if on { c.push(toggle.clone()); }
                                                });
                                            }/>
                                        <span><code class="font-mono text-xs">{p.name}</code><span class="block text-slate-600">{p.description}</span></span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="mt-1 text-sm text-red-600" data-field-error="permissions">{move || permissions_error.get()}</p>
                </fieldset>
                <div class="mt-4 flex items-center gap-3">
                    <SubmitButton label="Save role" pending=save.pending()/>
                    {move || editing.get().is_some().then(|| view! {
                        <button type="button" class=SECONDARY on:click=move |_| editing.set(None)>"Cancel"</button>
                    })}
                </div>
                <div class="mt-3"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}
