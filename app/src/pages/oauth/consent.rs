//! `/oauth2/consent?<authorization request>`: the signed-in user sees which application
//! asks for what (each scope with what it allows) and where the answer goes, and
//! approves or denies. The answer is a URL (the client's redirect URI with a code or
//! `error=access_denied`) the browser is sent to. A request that cannot be trusted
//! (unknown client, unregistered redirect URI) is explained here and never redirected.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::components::form::{CsrfField, FormError, action_error};
use crate::components::guard::RequireUser;
use crate::errors::AppError;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConsentView {
    /// Ask the user.
    Ask {
        /// The application's name.
        application: String,
        /// Where the answer goes (scheme, host and path).
        redirect_uri: String,
        /// Scope → what it allows.
        scopes: Vec<(String, String)>,
    },
    /// The request cannot be answered: why.
    Refused(String),
    /// The request is answered already (an error for the client): go there.
    Redirect(String),
}

/// Checks the authorization request in `query` for the signed-in user.
#[server(prefix = "/ui/fn", endpoint = "oauth_consent")]
pub async fn check_consent(query: String) -> Result<ConsentView, AppError> {
    use domain::oauth::authorize::{self, AuthorizationRequest, AuthorizeError};
    let actor = crate::session::server::actor(None)?;
    let state = crate::session::server::state()?;
    let Ok(request) = serde_urlencoded::from_str::<AuthorizationRequest>(&query) else {
        return Ok(ConsentView::Refused("The authorization request cannot be read.".into()));
    };
    Ok(match authorize::check(&state.db, &actor, &request).await {
        Ok((pending, _)) => ConsentView::Ask {
            application: pending.application_name,
            redirect_uri: pending.redirect_uri,
            scopes: pending.scopes,
        },
        Err(AuthorizeError::Display(reason)) => ConsentView::Refused(reason),
        Err(AuthorizeError::Redirect(url)) => ConsentView::Redirect(url),
    })
}

/// Records the user's answer; returns where to send the browser.
#[server(prefix = "/ui/fn", endpoint = "oauth_decide")]
pub async fn decide(csrf_token: String, query: String, approve: bool) -> Result<String, AppError> {
    use domain::oauth::authorize::{self, AuthorizationRequest, AuthorizeError};
    let actor = crate::session::server::actor(Some(&csrf_token))?;
    let state = crate::session::server::state()?;
    let request = serde_urlencoded::from_str::<AuthorizationRequest>(&query)
        .map_err(|_| AppError::refused("invalid_request", "The authorization request cannot be read."))?;
    match authorize::decide(&state.db, &state.oauth, &actor, &request, approve).await {
        Ok(url) | Err(AuthorizeError::Redirect(url)) => Ok(url),
        Err(AuthorizeError::Display(reason)) => Err(AppError::refused("invalid_request", reason)),
    }
}

/// The consent page.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned());
    let consent = Resource::new(move || query.get(), check_consent);
    let action = ServerAction::<Decide>::new();
    let error = action_error(action.value());
    Effect::new(move |_| {
        if let Some(Ok(url)) = action.value().get() {
            go(&url);
        }
    });
    view! {
        <div class="mx-auto max-w-lg py-10">
            <RequireUser>
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Checking the request…"</p> }>
                    {move || Suspend::new(async move {
                        match consent.await {
                            Ok(ConsentView::Ask { application, redirect_uri, scopes }) => view! {
                                <Ask application redirect_uri scopes query=query.get_untracked() action error/>
                            }.into_any(),
                            Ok(ConsentView::Redirect(url)) => {
                                go(&url);
                                view! { <p class="text-sm text-slate-600">"Returning to the application…"</p> }.into_any()
                            }
                            Ok(ConsentView::Refused(reason)) => view! { <Refused reason/> }.into_any(),
                            Err(e) => view! { <Refused reason=e.to_string()/> }.into_any(),
                        }
                    })}
                </Suspense>
            </RequireUser>
        </div>
    }
}

/// Sends the browser to `url` (the client's redirect URI).
fn go(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

#[component]
fn Ask(
    application: String,
    redirect_uri: String,
    scopes: Vec<(String, String)>,
    query: String,
    action: ServerAction<Decide>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let destination = redirect_uri.split('?').next().unwrap_or_default().to_owned();
    let button = "rounded-md px-4 py-2 text-sm font-semibold shadow-sm disabled:opacity-50";
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="consent">
            <h1 class="text-xl font-semibold">{format!("{application} wants to access your account")}</h1>
            <p class="mt-2 text-sm text-slate-600">"If you allow it, the application can:"</p>
            <ul class="mt-3 space-y-2">
                {if scopes.is_empty() {
                    view! { <li class="text-sm text-slate-700">"Call the APIs it is subscribed to on your behalf."</li> }.into_any()
                } else {
                    scopes.into_iter().map(|(scope, what)| view! {
                        <li class="text-sm">
                            <code class="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{scope}</code>
                            " "<span class="text-slate-700">{what}</span>
                        </li>
                    }).collect_view().into_any()
                }}
            </ul>
            <p class="mt-4 text-xs text-slate-500">{format!("You will be sent back to {destination}.")}</p>
            <ActionForm action=action>
                <CsrfField/>
                <input type="hidden" name="query" value=query/>
                <div class="mt-6 flex gap-3">
                    <button type="submit" name="approve" value="true" disabled=move || action.pending().get()
                        class=format!("{button} bg-indigo-600 text-white hover:bg-indigo-500")>"Allow"</button>
                    <button type="submit" name="approve" value="false" disabled=move || action.pending().get()
                        class=format!("{button} bg-white text-slate-900 ring-1 ring-slate-300 hover:bg-slate-50")>"Deny"</button>
                </div>
                <div class="mt-4"><FormError error=error/></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Refused(reason: String) -> impl IntoView {
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-red-200" data-testid="consent-refused">
            <h1 class="text-xl font-semibold text-red-700">"This authorization request cannot be answered"</h1>
            <p class="mt-2 text-sm text-slate-700">{reason}</p>
            <p class="mt-4 text-xs text-slate-500">"Nothing was shared. You can close this page."</p>
        </section>
    }
}
