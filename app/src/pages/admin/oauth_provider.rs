//! `/admin/oauth`: Portico's own OAuth2 authorization server as platform administrators
//! see it — its issuer, endpoints and token audience (start-up settings), the signing keys
//! with when each stops being published, "rotate now", and the switch for the password
//! grant (off by default). Everyone else gets the 403 page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::components::badge::Badge;
use crate::components::button::SECONDARY;
use crate::components::form::{CsrfField, FormError, SubmitButton, action_error};
use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderOverview {
    pub issuer: String,
    pub audience: String,
    /// The algorithm new keys use.
    pub algorithm: String,
    /// Days after which the signing key is replaced automatically.
    pub rotation_days: i64,
    pub password_grant: bool,
    /// `(kid, algorithm, created, state)`, newest first.
    pub keys: Vec<(String, String, String, String)>,
}

/// The provider's settings, switches and keys.
#[server(prefix = "/ui/fn", endpoint = "admin_oauth_provider", input = GetUrl)]
pub async fn oauth_provider() -> Result<ProviderOverview, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let state = server::state()?;
    let switches = domain::platform_settings::get(&state.db, &actor).await?;
    let keys = domain::oauth::keys::list(&state.db, &actor).await?;
    let keys = keys
        .into_iter()
        .map(|k| {
            let status = match (k.retired_at, k.publish_until) {
                (None, _) => "signing".to_owned(),
                (Some(_), Some(until)) => format!("published until {}", crate::pages::time(until)),
                (Some(_), None) => "retired".to_owned(),
            };
            (k.kid, k.algorithm, crate::pages::time(k.created_at), status)
        })
        .collect();
    Ok(ProviderOverview {
        issuer: state.oauth.issuer.clone(),
        audience: state.oauth.audience.clone(),
        algorithm: state.oauth.algorithm.as_str().to_owned(),
        rotation_days: state.oauth.rotate_after.num_days(),
        password_grant: switches.password_grant,
        keys,
    })
}

/// Replaces the signing key now; the old one stays in the JWKS until its tokens expire.
#[server(prefix = "/ui/fn", endpoint = "admin_rotate_signing_key")]
pub async fn rotate_signing_key(csrf_token: String) -> Result<String, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    Ok(domain::oauth::keys::rotate(&state.db, &actor, &state.oauth).await?.kid)
}

/// Turns the password grant on or off (`password_grant` is a checkbox).
#[server(prefix = "/ui/fn", endpoint = "admin_set_password_grant")]
pub async fn set_password_grant(csrf_token: String, password_grant: Option<String>) -> Result<bool, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let switches = domain::platform_settings::Switches { password_grant: password_grant.is_some() };
    Ok(domain::platform_settings::set(&db, &actor, switches).await?.password_grant)
}

/// The OAuth2 provider page.
#[component]
pub fn OAuthProviderPage() -> impl IntoView {
    let rotate = ServerAction::<RotateSigningKey>::new();
    let switch = ServerAction::<SetPasswordGrant>::new();
    let overview = Resource::new(move || (rotate.version().get(), switch.version().get()), |_| oauth_provider());
    let toasts = use_toasts();
    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(kid)) => {
            toasts.success(format!("New signing key {kid}. The previous one stays published until its tokens expire."))
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match switch.value().get() {
        Some(Ok(on)) => toasts.success(if on { "Password grant turned on." } else { "Password grant turned off." }),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="the OAuth2 provider">
            <PageHeader title="OAuth2 provider" subtitle="Portico issues access tokens (JWTs) to applications' clients; every gateway checks them locally against the published keys."/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                        Ok(o) => view! { <Overview o=o rotate=rotate switch=switch/> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn Overview(
    o: ProviderOverview,
    rotate: ServerAction<RotateSigningKey>,
    switch: ServerAction<SetPasswordGrant>,
) -> impl IntoView {
    let switch_error = action_error(switch.value());
    let fact = |label: &'static str, value: String| {
        view! { <div><dt class="text-xs uppercase tracking-wide text-slate-500">{label}</dt><dd class="mt-1 break-all font-mono text-sm">{value}</dd></div> }
    };
    view! {
        <div class="space-y-8">
            <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                <h2 class="text-lg font-semibold">"Endpoints"</h2>
                <dl class="mt-4 grid gap-4 sm:grid-cols-2">
                    {fact("Issuer (iss)", o.issuer.clone())}
                    {fact("Discovery", format!("{}/.well-known/openid-configuration", o.issuer))}
                    {fact("Token endpoint", format!("{}/oauth2/token", o.issuer))}
                    {fact("Access-token audience (aud)", o.audience.clone())}
                </dl>
                <p class="mt-4 text-xs text-slate-500">"Set at start-up: PORTICO_OAUTH_ISSUER, PORTICO_OAUTH_AUDIENCE, PORTICO_OAUTH_SIGNING_ALGORITHM, PORTICO_OAUTH_KEY_ROTATION_DAYS."</p>
            </section>
            <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                <div class="flex items-center justify-between gap-4">
                    <div>
                        <h2 class="text-lg font-semibold">"Signing keys"</h2>
                        <p class="mt-1 text-sm text-slate-600">{format!("New keys use {}; the signing key is replaced every {} days. A replaced key stays published until the tokens it signed have expired.", o.algorithm, o.rotation_days)}</p>
                    </div>
                    <ActionForm action=rotate>
                        <CsrfField/>
                        <SubmitButton label="Rotate now" pending=rotate.pending() style=SECONDARY/>
                    </ActionForm>
                </div>
                <div class="mt-4">
                    <Table headers=vec!["Key id (kid)", "Algorithm", "Created", "State"]>
                        {o.keys.into_iter().map(|(kid, alg, created, state)| view! {
                            <tr data-testid="signing-key-row">
                                <td class=CELL_STRONG><code class="text-xs">{kid}</code></td>
                                <td class=CELL>{alg}</td>
                                <td class=CELL>{created}</td>
                                <td class=CELL><Badge text=state/></td>
                            </tr>
                        }).collect_view()}
                    </Table>
                </div>
            </section>
            <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
                <h2 class="text-lg font-semibold">"Grants"</h2>
                <p class="mt-1 text-sm text-slate-600">"client_credentials, authorization_code with PKCE, refresh_token (rotated, reuse revokes the family) and JWT bearer are always available to the clients allowed them."</p>
                <ActionForm action=switch>
                    <CsrfField/>
                    <label class="mt-4 flex items-center gap-2 text-sm text-slate-700">
                        <input type="checkbox" name="password_grant" value="on" checked=o.password_grant class="rounded border-slate-300"/>
                        "Allow the password grant (clients send users' passwords; for legacy first-party apps only)"
                    </label>
                    <div class="mt-4 space-y-3">
                        <FormError error=switch_error/>
                        <SubmitButton label="Save grants" pending=switch.pending()/>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}
