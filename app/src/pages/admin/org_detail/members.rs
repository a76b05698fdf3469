//! Members (roles, removal, direct adding for platform administrators) and invitations
//! of an organization.

use leptos::prelude::*;
use uuid::Uuid;

use super::{CUSTOM_PREFIX, InvitationRow, MemberRow, OrgDetails};
use crate::components::badge::Badge;
use crate::components::button::{SMALL, SMALL_DANGER};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

const ROLES: [(&str, &str); 3] = [("consumer", "Consumer"), ("publisher", "Publisher"), ("org_admin", "Org admin")];

#[cfg(feature = "ssr")]
fn role(raw: &str) -> Result<domain::Role, AppError> {
    Ok(domain::Role::parse_field("role", raw)?)
}

/// A role picked in the members table: a built-in name, or `custom:<role id>`.
#[cfg(feature = "ssr")]
fn assignment(raw: &str) -> Result<(domain::Role, Option<Uuid>), AppError> {
    match raw.strip_prefix(CUSTOM_PREFIX) {
        Some(id) => {
            let id =
                Uuid::parse_str(id).map_err(|_| domain::DomainError::field("role", "invalid_role", "Unknown role."))?;
            Ok((domain::Role::Custom, Some(id)))
        }
        None => Ok((role(raw)?, None)),
    }
}

/// Changes a member's role.
#[server(prefix = "/ui/fn", endpoint = "set_member_role")]
pub async fn set_member_role(csrf_token: String, org_id: Uuid, user_id: Uuid, role: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let (role, custom) = self::assignment(&role)?;
    domain::members::set_role(&db, &actor, org_id, user_id, role, custom).await?;
    Ok(())
}

/// Adds an existing account by e-mail (platform administrators).
#[server(prefix = "/ui/fn", endpoint = "add_member")]
pub async fn add_member(csrf_token: String, org_id: Uuid, email: String, role: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    actor.require_platform(domain::Permission::UsersManage)?;
    let user = domain::users::find_by_email(&db, &email).await?.ok_or_else(|| {
        AppError::Invalid(vec![crate::errors::FieldProblem {
            field: "email".into(),
            code: "unknown_user".into(),
            message: "No account has this address; invite it instead.".into(),
        }])
    })?;
    domain::members::set_role(&db, &actor, org_id, user.id, self::role(&role)?, None).await?;
    Ok(())
}

/// Removes a member.
#[server(prefix = "/ui/fn", endpoint = "remove_member")]
pub async fn remove_member(csrf_token: String, org_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::members::remove(&db, &actor, org_id, user_id).await?;
    Ok(())
}

/// Invites an address.
#[server(prefix = "/ui/fn", endpoint = "invite")]
pub async fn invite(csrf_token: String, org_id: Uuid, email: String, role: String) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let input = domain::invitations::NewInvitation { email, role: Some(self::role(&role)?) };
    domain::invitations::create(&state.db, &actor, org_id, input, &state.base_url).await?;
    state.wake_mailer();
    Ok(())
}

/// Withdraws an invitation.
#[server(prefix = "/ui/fn", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(csrf_token: String, org_id: Uuid, id: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    domain::invitations::revoke(&db, &actor, org_id, id).await?;
    Ok(())
}

/// Reports an action's outcome as a toast and reloads the page's data on success.
fn on_done<T>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    done: &'static str,
    changed: RwSignal<u64>,
    report_errors: bool,
) {
    let toasts = use_toasts();
    Effect::new(move |_| match value.get() {
        Some(Ok(_)) => {
            toasts.success(done);
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) if report_errors => toasts.error(e.to_string()),
        _ => {}
    });
}

/// The members and invitations sections.
#[component]
pub fn Members(org: OrgDetails, changed: RwSignal<u64>) -> impl IntoView {
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let add = ServerAction::<AddMember>::new();
    let invite_action = ServerAction::<Invite>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    on_done(set_role.value(), "Role changed.", changed, true);
    on_done(remove.value(), "Member removed.", changed, true);
    on_done(add.value(), "Member added.", changed, false);
    on_done(invite_action.value(), "Invitation sent.", changed, false);
    on_done(revoke.value(), "Invitation withdrawn.", changed, true);
    let csrf = csrf_token();
    let org_id = org.id;
    let confirm = RwSignal::new(false);
    let leaving: RwSignal<Option<MemberRow>> = RwSignal::new(None);
    let confirm_remove = Callback::new(move |()| {
        if let Some(m) = leaving.get_untracked() {
            remove.dispatch(RemoveMember { csrf_token: csrf.get_untracked(), org_id, user_id: m.user_id });
        }
    });
    let invite_error = action_error(invite_action.value());
    let add_error = action_error(add.value());
    let members = org.members.clone();
    let mut picker: Vec<(String, String)> = ROLES.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect();
    picker.extend(org.roles.iter().map(|r| (format!("{CUSTOM_PREFIX}{}", r.id), r.name.clone())));
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="mb-4 text-lg font-semibold">"Members"</h2>
            <Table headers=vec!["Member", "Status", "Role", ""]>
                {members.into_iter().map(|m| {
                    let for_dialog = m.clone();
                    let picker = picker.clone();
                    view! {
                        <tr data-testid="member-row">
                            <td class=CELL_STRONG>{m.display_name.clone()}<div class="text-xs font-normal text-slate-500">{m.email.clone()}</div></td>
                            <td class=CELL><Badge text=m.status.clone()/></td>
                            <td class=CELL>
                                <ActionForm action=set_role>
                                    <div class="flex items-center gap-2">
                                        <CsrfField/>
                                        <input type="hidden" name="org_id" value=org_id.to_string()/>
                                        <input type="hidden" name="user_id" value=m.user_id.to_string()/>
                                        <select name="role" aria-label="Role" class="rounded-md border-0 py-1 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300">
                                            {picker.iter().map(|(v, l)| view! { <option value=v.clone() selected=*v == m.role>{l.clone()}</option> }).collect_view()}
                                        </select>
                                        <button type="submit" class=SMALL>"Save"</button>
                                    </div>
                                </ActionForm>
                            </td>
                            <td class=CELL>
                                <button type="button" class=SMALL_DANGER on:click=move |_| {
                                    leaving.set(Some(for_dialog.clone()));
                                    confirm.set(true);
                                }>"Remove"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
            {org.can_change_status.then(|| view! {
                <ActionForm action=add>
                    <div class="mt-6 grid gap-4 sm:grid-cols-3 sm:items-start">
                        <CsrfField/>
                        <input type="hidden" name="org_id" value=org_id.to_string()/>
                        <TextField name="email" label="Add an existing account" kind="email" error=field_error(add_error, "email")/>
                        <SelectField name="role" label="Role" options=ROLES.to_vec()/>
                        <div class="sm:mt-6"><SubmitButton label="Add member" pending=add.pending()/></div>
                    </div>
                    <div class="mt-2"><FormError error=add_error/></div>
                </ActionForm>
            })}
            <ConfirmDialog open=confirm title="Remove member?" confirm_label="Remove" on_confirm=confirm_remove
                message=Signal::derive(move || format!("{} loses their role in this organization.", leaving.get().map(|m| m.email).unwrap_or_default()))/>
        </section>
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <h2 class="text-lg font-semibold">"Invitations"</h2>
            <ActionForm action=invite_action>
                <div class="mt-4 grid gap-4 sm:grid-cols-3 sm:items-start">
                    <CsrfField/>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <TextField name="email" label="E-mail" kind="email" required=true error=field_error(invite_error, "email")/>
                    <SelectField name="role" label="Role" options=ROLES.to_vec()/>
                    <div class="sm:mt-6"><SubmitButton label="Send invitation" pending=invite_action.pending()/></div>
                </div>
                <div class="mt-2"><FormError error=invite_error/></div>
            </ActionForm>
            <div class="mt-6">
                <InvitationTable rows=org.invitations org_id=org_id revoke=revoke/>
            </div>
        </section>
    }
}

#[component]
fn InvitationTable(rows: Vec<InvitationRow>, org_id: Uuid, revoke: ServerAction<RevokeInvitation>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="No invitations" message="Invite people by e-mail; they choose their password when they accept."/> }.into_any();
    }
    let csrf = csrf_token();
    view! {
        <Table headers=vec!["E-mail", "Role", "Status", "Expires", ""]>
            {rows.into_iter().map(|i| {
                let id = i.id;
                view! {
                    <tr data-testid="invitation-row">
                        <td class=CELL_STRONG>{i.email}</td>
                        <td class=CELL><Badge text=i.role/></td>
                        <td class=CELL><Badge text=i.status.clone()/></td>
                        <td class=CELL>{i.expires}</td>
                        <td class=CELL>
                            {(i.status == "pending").then(|| view! {
                                <button type="button" class=SMALL_DANGER on:click=move |_| {
                                    revoke.dispatch(RevokeInvitation { csrf_token: csrf.get_untracked(), org_id, id });
                                }>"Withdraw"</button>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
    }
    .into_any()
}
