//! `/invitations/accept?token=…`: joins an organization by invitation, creating the
//! account on the way when the address has none.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::card::{AuthCard, Notice};
use crate::components::button::LinkButton;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::urlencode;
use crate::errors::AppError;
use crate::session::use_session;

/// What the invitation offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub account_exists: bool,
}

/// Reads the invitation behind a link.
#[server(prefix = "/ui/fn", endpoint = "invitation_preview", input = GetUrl)]
pub async fn invitation_preview(token: String) -> Result<InvitationInfo, AppError> {
    let state = crate::session::server::state()?;
    let p = domain::invitations::preview(&state.db, &token).await?;
    Ok(InvitationInfo {
        org_name: p.org_name,
        email: p.email,
        role: p.role.as_str().to_owned(),
        account_exists: p.account_exists,
    })
}

/// Accepts the invitation.
#[server(prefix = "/ui/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(
    csrf_token: String,
    token: String,
    display_name: Option<String>,
    password: Option<String>,
) -> Result<String, AppError> {
    use crate::session::server;
    let auth = server::checked_request(&csrf_token)?;
    let state = server::state()?;
    let input = domain::invitations::AcceptInvitation { token, display_name, password };
    let signed_in = auth.principal.as_ref().map(|p| &p.actor);
    Ok(domain::invitations::accept(&state.db, input, &auth.origin, signed_in).await?)
}

/// The invitation page.
#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let token = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
    let preview = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        invitation_preview,
    );
    let action = ServerAction::<AcceptInvitation>::new();
    let error = action_error(action.value());
    let joined = move || action.value().get().and_then(Result::ok);
    let session = use_session();
    let here = StoredValue::new(format!("/invitations/accept?token={token}"));
    let token = StoredValue::new(token);
    view! {
        <AuthCard title="Join an organization">
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the invitation…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(info) => {
                            let signed_in_as = session.0.await.ok().and_then(|s| s.user).map(|u| u.email);
                            if info.account_exists && signed_in_as.as_deref() != Some(info.email.as_str()) {
                                let sign_in = format!("/login?next={}", urlencode(&here.get_value()));
                                let text = format!("{} already has an account: sign in with it to accept the invitation to {}.", info.email, info.org_name);
                                return view! {
                                    <p class="mb-4 text-sm text-slate-700" data-testid="sign-in-to-accept">{text}</p>
                                    <LinkButton href=sign_in>"Sign in to accept"</LinkButton>
                                }.into_any();
                            }
                            let joined_text = StoredValue::new(format!("You joined {}. Sign in to continue.", info.org_name));
                            let intro = format!("You are invited to join {} as {} with {}.", info.org_name, info.role.replace('_', " "), info.email);
                            let new_account = !info.account_exists;
                            view! {
                                <Show when=move || joined().is_none() fallback=move || view! {
                                    <Notice>{joined_text.get_value()}</Notice>
                                    <div class="mt-6"><LinkButton href="/login">"Sign in"</LinkButton></div>
                                }>
                                    <p class="mb-4 text-sm text-slate-700">{intro.clone()}</p>
                                    <ActionForm action=action>
                                        <div class="space-y-4">
                                            <CsrfField/>
                                            <input type="hidden" name="token" value=token.get_value()/>
                                            {new_account.then(|| view! {
                                                <TextField name="display_name" label="Your name" autocomplete="name" required=true error=field_error(error, "display_name")/>
                                                <TextField name="password" label="Choose a password" kind="password" autocomplete="new-password" required=true
                                                    help="At least 12 characters." error=field_error(error, "password")/>
                                            })}
                                            <FormError error=error/>
                                            <SubmitButton label="Accept invitation" pending=action.pending()/>
                                        </div>
                                    </ActionForm>
                                </Show>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}
