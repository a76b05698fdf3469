//! The OAuth2 section of an application page: create the application's client for an
//! environment (confidential with a secret shown once, or public with PKCE), see its
//! client id, grants and redirect URIs, give it a new secret or delete it, and mint a
//! test token with chosen scopes to try the APIs.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key_forms::EnvironmentChoices;
use crate::components::button::{SMALL, SMALL_DANGER};
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// An OAuth2 client as the section shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRow {
    pub id: Uuid,
    pub environment: String,
    pub client_id: String,
    /// `confidential` or `public`.
    pub kind: String,
    pub grants: String,
    pub redirect_uris: String,
    pub access_token_ttl: i32,
}

/// A scope the application can ask for: `(name, description, API)`.
pub type ScopeRow = (String, String, String);

/// Something shown once: a new client secret or a test token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revealed {
    pub title: String,
    pub value: String,
    pub hint: String,
}

/// The application's OAuth2 clients.
#[server(prefix = "/ui/fn", endpoint = "portal_oauth_clients", input = GetUrl)]
pub async fn portal_oauth_clients(application_id: Uuid) -> Result<Vec<ClientRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let clients = domain::oauth::clients::list(&db, &actor, application_id).await?;
    Ok(clients
        .into_iter()
        .map(|c| ClientRow {
            id: c.id,
            environment: c.environment,
            client_id: c.client_id,
            kind: if c.confidential { "confidential" } else { "public" }.into(),
            grants: c.grant_types.join(", "),
            redirect_uris: c.redirect_uris.join(" "),
            access_token_ttl: c.access_token_ttl,
        })
        .collect())
}

/// The scopes the application can put in tokens.
#[server(prefix = "/ui/fn", endpoint = "portal_oauth_scopes", input = GetUrl)]
pub async fn portal_oauth_scopes(application_id: Uuid) -> Result<Vec<ScopeRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let scopes = domain::oauth::scopes::available(&db, &actor, application_id).await?;
    Ok(scopes.into_iter().map(|s| (s.name, s.description, s.api_name)).collect())
}

/// Creates the client for an environment; reveals the secret of a confidential one.
#[server(prefix = "/ui/fn", endpoint = "portal_create_oauth_client")]
pub async fn portal_create_oauth_client(
    csrf_token: String,
    application_id: Uuid,
    environment: String,
    kind: String,
    redirect_uris: String,
    authorization_code: Option<String>,
) -> Result<Revealed, AppError> {
    use crate::session::server;
    use domain::oauth::clients::{self, ClientSettings, NewClient, grant};
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let confidential = kind != "public";
    let uris: Vec<String> = redirect_uris.split_whitespace().map(str::to_owned).collect();
    let mut grants = Vec::new();
    if confidential {
        grants.push(grant::CLIENT_CREDENTIALS.to_owned());
    }
    if authorization_code.is_some() || !confidential {
        grants.extend([grant::AUTHORIZATION_CODE.to_owned(), grant::REFRESH_TOKEN.to_owned()]);
    }
    let settings = ClientSettings { grant_types: Some(grants), redirect_uris: Some(uris), ..Default::default() };
    let created =
        clients::create(&db, &actor, application_id, NewClient { environment, confidential, settings }).await?;
    Ok(match created.client_secret {
        Some(secret) => Revealed {
            title: format!(
                "Client {} created. Copy its secret now: it will not be shown again.",
                created.client.client_id
            ),
            value: secret,
            hint: "Use it with the client id at the token endpoint (/oauth2/token).".into(),
        },
        None => Revealed {
            title: "Public client created: it has no secret and must use PKCE.".into(),
            value: created.client.client_id,
            hint: "This is the client id your app sends to /oauth2/authorize.".into(),
        },
    })
}

/// Gives a confidential client a new secret (the old one stops at once).
#[server(prefix = "/ui/fn", endpoint = "portal_new_client_secret")]
pub async fn portal_new_client_secret(csrf_token: String, client: Uuid) -> Result<Revealed, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let created = domain::oauth::clients::regenerate_secret(&db, &actor, client).await?;
    Ok(Revealed {
        title: format!("New secret of {}. Copy it now: it will not be shown again.", created.client.client_id),
        value: created.client_secret.unwrap_or_default(),
        hint: "The previous secret no longer works.".into(),
    })
}

/// Deletes a client; its tokens stop working.
#[server(prefix = "/ui/fn", endpoint = "portal_delete_oauth_client")]
pub async fn portal_delete_oauth_client(csrf_token: String, client: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    Ok(domain::oauth::clients::delete(&db, &actor, client).await?)
}

/// Mints a test token with the chosen (space-separated) scopes.
#[server(prefix = "/ui/fn", endpoint = "portal_test_token")]
pub async fn portal_test_token(
    csrf_token: String,
    application_id: Uuid,
    environment: String,
    scopes: String,
) -> Result<Revealed, AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let state = server::state()?;
    let scopes: Vec<String> = scopes.split_whitespace().map(str::to_owned).collect();
    let token =
        domain::oauth::issue::test_token(&state.db, &state.oauth, &actor, application_id, &environment, &scopes)
            .await?;
    let granted = if token.scope.is_empty() { "no scopes".to_owned() } else { token.scope };
    Ok(Revealed {
        title: format!("Test token for {environment} ({granted}), valid {} minutes.", token.expires_in / 60),
        value: token.access_token,
        hint: "Send it as Authorization: Bearer <token> to the gateway.".into(),
    })
}

/// The section; its resources are created by the page.
#[component]
pub fn OAuthClients(
    app_id: Uuid,
    clients: Resource<Result<Vec<ClientRow>, AppError>>,
    scopes: Resource<Result<Vec<ScopeRow>, AppError>>,
    environments: EnvironmentChoices,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let create = ServerAction::<PortalCreateOauthClient>::new();
    let secret = ServerAction::<PortalNewClientSecret>::new();
    let delete = ServerAction::<PortalDeleteOauthClient>::new();
    let token = ServerAction::<PortalTestToken>::new();
    let revealed: RwSignal<Option<Revealed>> = RwSignal::new(None);
    let create_error = action_error(create.value());
    let token_error = action_error(token.value());
    for action_value in [create.value(), secret.value(), token.value()] {
        Effect::new(move |_| match action_value.get() {
            Some(Ok(shown)) => {
                revealed.set(Some(shown));
                changed.update(|n| *n += 1);
            }
            Some(Err(e)) => toasts.error(e.to_string()),
            None => {}
        });
    }
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("Client deleted.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let csrf = csrf_token();
    let environment_select = move |name: &'static str, id: &'static str| {
        view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let options: Vec<(String, String)> = environments.await.unwrap_or_default();
                    view! { <SelectField name=name id=id label="Environment" options=options/> }
                })}
            </Suspense>
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="oauth">
            <h2 class="text-lg font-semibold">"OAuth2"</h2>
            <p class="mt-1 text-sm text-slate-600">"APIs that take OAuth2 tokens accept tokens issued to this application's client for the environment."</p>
            {move || revealed.get().map(|r| view! {
                <div role="status" class="mt-4 rounded-md bg-amber-50 p-4 ring-1 ring-inset ring-amber-300" data-testid="oauth-revealed">
                    <p class="text-sm font-semibold text-amber-900">{r.title}</p>
                    <code class="mt-2 block break-all rounded bg-white p-2 font-mono text-xs" data-testid="oauth-revealed-value">{r.value}</code>
                    <p class="mt-2 text-xs text-amber-900">{r.hint}</p>
                </div>
            })}
            <div class="mt-6">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading clients…"</p> }>
                    {move || Suspend::new(async move {
                        match clients.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"No client yet."</p> }.into_any(),
                            Ok(rows) => view! {
                                <Table headers=vec!["Client id", "Environment", "Kind", "Grants", "Redirect URIs", ""]>
                                    {rows.into_iter().map(|row| {
                                        let id = row.id;
                                        view! {
                                            <tr data-testid="oauth-client-row">
                                                <td class=CELL_STRONG><code class="font-mono text-xs" data-testid="oauth-client-id">{row.client_id}</code></td>
                                                <td class=CELL>{row.environment}</td>
                                                <td class=CELL>{row.kind.clone()}</td>
                                                <td class=CELL>{row.grants}</td>
                                                <td class=CELL><span class="break-all text-xs">{row.redirect_uris}</span></td>
                                                <td class=CELL>
                                                    <div class="flex gap-2">
                                                        {(row.kind == "confidential").then(|| view! {
                                                            <button type="button" class=SMALL on:click=move |_| {
                                                                secret.dispatch(PortalNewClientSecret { csrf_token: csrf.get_untracked(), client: id });
                                                            }>"New secret"</button>
                                                        })}
                                                        <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                            delete.dispatch(PortalDeleteOauthClient { csrf_token: csrf.get_untracked(), client: id });
                                                        }>"Delete"</button>
                                                    </div>
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
            <div class="mt-6 grid gap-6 lg:grid-cols-2">
                <ActionForm action=create>
                    <div class="space-y-4" data-testid="create-oauth-client">
                        <h3 class="font-semibold">"New client"</h3>
                        <CsrfField/>
                        <input type="hidden" name="application_id" value=app_id.to_string()/>
                        {environment_select("environment", "oauth-client-environment")}
                        <SelectField name="kind" label="Kind" options=vec![
                            ("confidential", "Confidential: a server keeps a secret"),
                            ("public", "Public: browser or mobile app, PKCE"),
                        ]/>
                        <TextField name="redirect_uris" label="Redirect URIs" help="For sign-in on behalf of users; separated by spaces, matched exactly." error=field_error(create_error, "redirect_uris")/>
                        <div class="flex items-center gap-2">
                            <input id="field-authorization_code" type="checkbox" name="authorization_code" value="on" class="rounded border-slate-300"/>
                            <label for="field-authorization_code" class="text-sm text-slate-700">"Also let users sign in (authorization code + refresh tokens)"</label>
                        </div>
                        <p class="text-sm text-red-600" data-field-error="grant_types">{move || field_error(create_error, "grant_types").get()}</p>
                        <FormError error=create_error/>
                        <SubmitButton label="Create client" pending=create.pending()/>
                    </div>
                </ActionForm>
                <ActionForm action=token>
                    <div class="space-y-4" data-testid="test-token">
                        <h3 class="font-semibold">"Test token"</h3>
                        <CsrfField/>
                        <input type="hidden" name="application_id" value=app_id.to_string()/>
                        {environment_select("environment", "oauth-token-environment")}
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let scopes = scopes.await.unwrap_or_default();
                                let all = scopes.iter().map(|(name, _, _)| name.clone()).collect::<Vec<_>>().join(" ");
                                let help = if scopes.is_empty() {
                                    "The subscribed APIs define no scopes.".to_owned()
                                } else {
                                    scopes.iter().map(|(n, d, api)| format!("{n} — {d} ({api})")).collect::<Vec<_>>().join("; ")
                                };
                                view! { <TextField name="scopes" label="Scopes" value=all help=help error=field_error(token_error, "scopes")/> }
                            })}
                        </Suspense>
                        <FormError error=token_error/>
                        <SubmitButton label="Generate token" pending=token.pending()/>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}
