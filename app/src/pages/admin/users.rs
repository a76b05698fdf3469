//! `/admin/users`: accounts — search, approve, disable/enable, and create.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::orgs::list_orgs;
use super::{page_href, page_param, query_param};
use crate::components::badge::Badge;
use crate::components::button::{SECONDARY, SMALL, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::page_header::PageHeader;
use crate::components::pagination::Pagination;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::pages::Paged;
use crate::session::{WithSession, csrf_token, is_platform_admin, use_session};

/// A user as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub status: String,
    pub is_platform_admin: bool,
    /// "Org (role)" for each membership.
    pub memberships: Vec<String>,
    pub last_login: String,
}

/// One page of users.
#[server(prefix = "/ui/fn", endpoint = "list_users", input = GetUrl)]
pub async fn list_users(q: Option<String>, status: Option<String>, page: u64) -> Result<Paged<UserRow>, AppError> {
    use domain::users::UserStatus;
    let actor = crate::session::server::actor(None)?;
    let db = crate::session::server::state()?.db;
    let status = match status.as_deref() {
        Some("pending_verification") => Some(UserStatus::PendingVerification),
        Some("pending_approval") => Some(UserStatus::PendingApproval),
        Some("active") => Some(UserStatus::Active),
        Some("disabled") => Some(UserStatus::Disabled),
        _ => None,
    };
    let filter = domain::users::UserFilter { q, status, ..Default::default() };
    let result = domain::users::list(&db, &actor, &filter, domain::PageRequest::new(Some(page), Some(25))).await?;
    Ok(Paged::from_domain(result, |u| UserRow {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        status: u.status,
        is_platform_admin: u.is_platform_admin,
        memberships: u
            .memberships
            .into_iter()
            .map(|m| format!("{} ({})", m.org_name, m.role.as_str().replace('_', " ")))
            .collect(),
        last_login: u.last_login_at.map_or("never".to_owned(), crate::pages::time),
    }))
}

/// Approves, disables or re-enables an account.
#[server(prefix = "/ui/fn", endpoint = "set_user_status")]
pub async fn set_user_status(csrf_token: String, id: Uuid, status: String) -> Result<(), AppError> {
    use crate::session::server;
    use domain::users::{UserStatus, UserUpdate};
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let status = match status.as_str() {
        "active" => UserStatus::Active,
        "disabled" => UserStatus::Disabled,
        _ => return Err(AppError::refused("invalid_status", "Choose active or disabled.")),
    };
    domain::users::update(
        &state.db,
        &actor,
        id,
        UserUpdate { status: Some(status), ..Default::default() },
        None,
        &state.base_url,
    )
    .await?;
    state.wake_mailer();
    Ok(())
}

/// Creates an active account (platform administrators).
#[server(prefix = "/ui/fn", endpoint = "create_user")]
pub async fn create_user(
    csrf_token: String,
    email: String,
    display_name: String,
    password: String,
    org_id: String,
    role: String,
    is_platform_admin: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let org_id = Uuid::parse_str(&org_id).ok();
    let input = domain::users::NewUser {
        email,
        display_name,
        password,
        org_id,
        role: Some(domain::Role::parse_field("role", &role)?),
        is_platform_admin: is_platform_admin.is_some(),
    };
    domain::users::create(&db, &actor, input).await?;
    Ok(())
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let (q, status) = (query_param("q"), query_param("status"));
    let page = page_param();
    let create = ServerAction::<CreateUser>::new();
    let change = ServerAction::<SetUserStatus>::new();
    let users = Resource::new(
        move || (q.get(), status.get(), page.get(), create.version().get(), change.version().get()),
        |(q, s, p, _, _)| list_users(q, s, p),
    );
    let show_form = RwSignal::new(false);
    let session = use_session();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = create.value().get() {
            toasts.success("User created.");
            show_form.set(false);
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => toasts.success("User updated."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let statuses = [
        ("", "Any status"),
        ("active", "Active"),
        ("pending_approval", "Waiting for approval"),
        ("pending_verification", "Unverified"),
        ("disabled", "Disabled"),
    ];
    view! {
        <PageHeader title="Users" subtitle="Accounts of the organizations you administer. Org admins bring people in by invitation (on the organization's page).">
            <WithSession children=move |info| is_platform_admin(&info).then(|| view! {
                <button type="button" class=SECONDARY on:click=move |_| show_form.update(|s| *s = !*s)>"New user"</button>
            })/>
        </PageHeader>
        <Show when=move || show_form.get()>
            <CreateUserForm action=create/>
        </Show>
        <form method="get" class="mb-4 flex flex-wrap gap-2">
            <input name="q" placeholder="Search by e-mail or name" value=move || q.get().unwrap_or_default()
                class="w-72 rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300"/>
            <select name="status" aria-label="Status" class="rounded-md border-0 py-2 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300">
                {statuses.into_iter().map(|(v, l)| view! { <option value=v selected=move || status.get().as_deref().unwrap_or("") == v>{l}</option> }).collect_view()}
            </select>
            <button type="submit" class=SECONDARY>"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let platform_admin = is_platform_admin(&session.0.await.unwrap_or_default());
                match users.await {
                    Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(p) if p.items.is_empty() => view! { <EmptyState title="No users" message="Nobody matches this filter."/> }.into_any(),
                    Ok(p) => view! {
                        <UserTable rows=p.items change=change platform_admin=platform_admin/>
                        <Pagination page=p.page per_page=p.per_page total=p.total href=page_href("/admin/users", vec![("q", q.get_untracked()), ("status", status.get_untracked())])/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserTable(rows: Vec<UserRow>, change: ServerAction<SetUserStatus>, platform_admin: bool) -> impl IntoView {
    let csrf = csrf_token();
    let confirm = RwSignal::new(false);
    let target: RwSignal<Option<UserRow>> = RwSignal::new(None);
    let disable = Callback::new(move |()| {
        if let Some(u) = target.get_untracked() {
            change.dispatch(SetUserStatus { csrf_token: csrf.get_untracked(), id: u.id, status: "disabled".into() });
        }
    });
    view! {
        <Table headers=vec!["User", "Status", "Organizations", "Last sign-in", ""]>
            {rows.into_iter().map(|u| {
                let id = u.id;
                let for_dialog = u.clone();
                view! {
                    <tr data-testid="user-row">
                        <td class=CELL_STRONG>
                            {u.display_name.clone()}
                            {u.is_platform_admin.then(|| view! { <span class="ml-2"><Badge text="platform admin"/></span> })}
                            <div class="text-xs font-normal text-slate-500">{u.email.clone()}</div>
                        </td>
                        <td class=CELL><Badge text=u.status.clone()/></td>
                        <td class="px-4 py-3 text-xs text-slate-600">{u.memberships.join(", ")}</td>
                        <td class=CELL>{u.last_login.clone()}</td>
                        <td class=CELL>
                            <div class="flex gap-2">
                                {(u.status == "pending_approval").then(|| view! {
                                    <button type="button" class=SMALL on:click=move |_| {
                                        change.dispatch(SetUserStatus { csrf_token: csrf.get_untracked(), id, status: "active".into() });
                                    }>"Approve"</button>
                                })}
                                {(platform_admin && u.status == "disabled").then(|| view! {
                                    <button type="button" class=SMALL on:click=move |_| {
                                        change.dispatch(SetUserStatus { csrf_token: csrf.get_untracked(), id, status: "active".into() });
                                    }>"Enable"</button>
                                })}
                                {(platform_admin && u.status != "disabled").then(|| view! {
                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                        target.set(Some(for_dialog.clone()));
                                        confirm.set(true);
                                    }>"Disable"</button>
                                })}
                            </div>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
        <ConfirmDialog open=confirm title="Disable user?" confirm_label="Disable" on_confirm=disable
            message=Signal::derive(move || format!("{} is signed out everywhere and cannot sign in until enabled again.", target.get().map(|u| u.email).unwrap_or_default()))/>
    }
}

#[component]
fn CreateUserForm(action: ServerAction<CreateUser>) -> impl IntoView {
    let error = action_error(action.value());
    let orgs = Resource::new(|| (), |()| list_orgs(None, 1, 200));
    view! {
        <section class="mb-6 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"New user"</h2>
            <p class="mt-1 text-sm text-slate-600">"The account is active at once; share the initial password with its owner, who can change it."</p>
            <ActionForm action=action>
                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                    <CsrfField/>
                    <TextField name="display_name" label="Name" required=true error=field_error(error, "display_name")/>
                    <TextField name="email" label="E-mail" kind="email" required=true error=field_error(error, "email")/>
                    <TextField name="password" label="Initial password" kind="password" autocomplete="new-password" required=true help="At least 12 characters." error=field_error(error, "password")/>
                    <div>
                        <label for="field-org_id" class="block text-sm font-medium text-slate-700">"Organization"</label>
                        <select id="field-org_id" name="org_id" class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm shadow-sm ring-1 ring-inset ring-slate-300">
                            <option value="">"— none —"</option>
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    orgs.await.map(|p| p.items).unwrap_or_default().into_iter()
                                        .map(|o| view! { <option value=o.id.to_string()>{o.name}</option> })
                                        .collect_view()
                                })}
                            </Suspense>
                        </select>
                    </div>
                    <SelectField name="role" label="Role in the organization" options=vec![("consumer", "Consumer"), ("publisher", "Publisher"), ("org_admin", "Org admin")]/>
                    <label class="flex items-center gap-2 self-end text-sm text-slate-700">
                        <input type="checkbox" name="is_platform_admin" value="on" class="rounded border-slate-300"/>
                        "Platform administrator"
                    </label>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Create user" pending=action.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
