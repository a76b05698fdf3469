//! The sign-in page's single sign-on part: a "Sign in with …" link per enabled provider
//! (to `/auth/sso/{provider}/start`, which redirects to the provider), and the message
//! for a failed single sign-on (`/login?sso_error=<code>`).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::components::button::SECONDARY;
use crate::components::guard::urlencode;
use crate::errors::AppError;

/// What the sign-in page offers for single sign-on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoChoices {
    /// `(display name, start path)` of each enabled provider.
    pub providers: Vec<(String, String)>,
    /// The explanation of `sso_error`, when the page was opened with one.
    pub error: Option<String>,
}

/// The enabled providers and the message for `error` (a code from the callback).
#[server(prefix = "/ui/fn", endpoint = "login_sso_options", input = GetUrl)]
pub async fn sso_options(error: Option<String>) -> Result<SsoChoices, AppError> {
    let state = crate::session::server::state()?;
    let providers =
        domain::sso::buttons(&state.db).await?.into_iter().map(|b| (b.display_name, b.start_path)).collect();
    let error = error.map(|code| domain::sso::SsoError::message_for(&code).to_owned());
    Ok(SsoChoices { providers, error })
}

/// The message of a failed single sign-on, if the page was opened with one.
#[component]
pub fn SsoError(options: Resource<Result<SsoChoices, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                options.await.ok().and_then(|o| o.error).map(|message| view! {
                    <div role="alert" data-testid="sso-error" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200">{message}</div>
                })
            })}
        </Suspense>
    }
}

/// A "Sign in with …" link per enabled provider; `next` is where to go afterwards.
#[component]
pub fn SsoButtons(options: Resource<Result<SsoChoices, AppError>>, next: String) -> impl IntoView {
    let suffix = StoredValue::new(format!("?next={}", urlencode(&next)));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let providers = options.await.map(|o| o.providers).unwrap_or_default();
                (!providers.is_empty()).then(|| view! {
                    <div class="mt-6 space-y-2">
                        <p class="text-center text-xs uppercase tracking-wide text-slate-500">"or"</p>
                        {providers.into_iter().map(|(name, path)| view! {
                            // rel="external": a full page load (the start route is the server's, not the app's router's).
                            <a href=format!("{path}{}", suffix.get_value()) rel="external" class=format!("{SECONDARY} w-full") data-testid="sso-button">{format!("Sign in with {name}")}</a>
                        }).collect_view()}
                    </div>
                })
            })}
        </Suspense>
    }
}
