//! The account page's sessions section: where the user is signed in (created, last
//! seen, address, browser), ending one session, and "log out everywhere" (every session,
//! this one included, and optionally every personal access token).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::badge::Badge;
use crate::components::button::{DANGER, SMALL_DANGER};
use crate::components::empty_state::EmptyState;
use crate::components::form::{CsrfField, FormError, action_error};
use crate::components::table::{CELL, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A session as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: Uuid,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
    pub ip: String,
    pub user_agent: String,
    /// This browser's session.
    pub current: bool,
}

/// The caller's live sessions.
#[server(prefix = "/ui/fn", endpoint = "account_list_sessions", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<SessionRow>, AppError> {
    use crate::pages::time;
    use crate::session::server;
    let actor = server::actor(None)?;
    let state = server::state()?;
    let current = server::auth().principal.and_then(|p| p.session_id);
    Ok(domain::sessions::list_mine(&state.db, &actor, &state.sessions, current)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            created: time(s.created_at),
            last_seen: time(s.last_seen_at),
            expires: time(s.expires_at),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            user_agent: s.user_agent.unwrap_or_else(|| "unknown".into()),
            current: s.current,
        })
        .collect())
}

/// Ends one session; returns whether it was this browser's.
#[server(prefix = "/ui/fn", endpoint = "account_revoke_session")]
pub async fn revoke_session(csrf_token: String, id: Uuid) -> Result<bool, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    domain::sessions::revoke_mine(&state.db, &actor, id).await?;
    let current = server::auth().principal.and_then(|p| p.session_id) == Some(id);
    if current {
        server::set_header(http::header::SET_COOKIE, &crate::cookies::clear_session(state.secure_cookies));
    }
    Ok(current)
}

/// Ends every session of the caller (this one included); `include_tokens` (a checkbox)
/// revokes every personal access token too.
#[server(prefix = "/ui/fn", endpoint = "account_revoke_all_sessions")]
pub async fn revoke_all_sessions(csrf_token: String, include_tokens: Option<String>) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    domain::sessions::revoke_all(&state.db, &actor, include_tokens.is_some()).await?;
    server::set_header(http::header::SET_COOKIE, &crate::cookies::clear_session(state.secure_cookies));
    Ok(())
}

/// Goes to the sign-in page (after this browser's session ended).
fn to_sign_in() {
    #[cfg(feature = "hydrate")]
    let _ = window().location().set_href("/login");
}

/// The sessions section; `sessions` and `revoke` are made by the page (outside its guard).
#[component]
pub fn Sessions(
    sessions: Resource<Result<Vec<SessionRow>, AppError>>,
    revoke: ServerAction<RevokeSession>,
) -> impl IntoView {
    let toasts = use_toasts();
    let csrf = csrf_token();
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(true)) => to_sign_in(),
        Some(Ok(false)) => toasts.success("Session ended."),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="sessions">
            <h2 class="text-lg font-semibold">"Sessions"</h2>
            <p class="mt-1 text-sm text-slate-600">"Where your account is signed in. End any session you do not recognise."</p>
            <div class="mt-4">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading sessions…"</p> }>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <EmptyState title="No sessions" message="You are not signed in anywhere."/> }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["Browser", "Address", "Signed in", "Last seen", "Ends", ""]>
                                    {rows.into_iter().map(|row| {
                                        let id = row.id;
                                        view! {
                                            <tr data-testid="session-row">
                                                <td class="max-w-xs truncate px-4 py-3 text-slate-700" title=row.user_agent.clone()>
                                                    {row.user_agent.clone()} " "
                                                    {row.current.then(|| view! { <Badge text="this browser"/> })}
                                                </td>
                                                <td class=CELL>{row.ip.clone()}</td>
                                                <td class=CELL>{row.created.clone()}</td>
                                                <td class=CELL>{row.last_seen.clone()}</td>
                                                <td class=CELL>{row.expires.clone()}</td>
                                                <td class=CELL>
                                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                        revoke.dispatch(RevokeSession { csrf_token: csrf.get_untracked(), id });
                                                    }>{if row.current { "Sign out" } else { "End" }}</button>
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
            <LogOutEverywhere/>
        </section>
    }
}

#[component]
fn LogOutEverywhere() -> impl IntoView {
    let action = ServerAction::<RevokeAllSessions>::new();
    let error = action_error(action.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            to_sign_in();
        }
    });
    view! {
        <ActionForm action=action>
            <div class="mt-6 space-y-3 border-t border-slate-200 pt-4">
                <CsrfField/>
                <label class="flex items-center gap-2 text-sm text-slate-700">
                    <input type="checkbox" name="include_tokens" value="on" class="rounded border-slate-300"/>
                    "Also revoke all my personal access tokens"
                </label>
                <FormError error=error/>
                <button type="submit" class=DANGER disabled=move || action.pending().get()>"Log out everywhere"</button>
                <p class="text-xs text-slate-500">"Ends every session, this one included. You will have to sign in again."</p>
            </div>
        </ActionForm>
    }
}
