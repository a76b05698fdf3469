//! The basic-authentication section of an application page: the application's usernames
//! per environment (never their passwords), a form to add one with a password the user
//! chooses (the domain checks both and answers with field errors), and deleting one after
//! a confirmation. APIs whose operations use `basic` accept these credentials.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key_forms::EnvironmentChoices;
use crate::components::button::SMALL_DANGER;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A basic-auth credential as the section shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicRow {
    pub id: Uuid,
    pub environment: String,
    pub username: String,
    pub created: String,
}

#[cfg(feature = "ssr")]
impl From<domain::basic_credentials::BasicCredentialView> for BasicRow {
    fn from(view: domain::basic_credentials::BasicCredentialView) -> Self {
        Self {
            id: view.id,
            environment: view.environment,
            username: view.username,
            created: crate::pages::time(view.created_at),
        }
    }
}

/// The resource the page loads the credentials into.
pub type BasicCredentialsResource = Resource<Result<Vec<BasicRow>, AppError>>;

/// The application's basic-auth credentials, by username.
#[server(prefix = "/ui/fn", endpoint = "portal_basic_credentials", input = GetUrl)]
pub async fn portal_basic_credentials(application_id: Uuid) -> Result<Vec<BasicRow>, AppError> {
    use crate::session::server;
    let actor = server::actor(None)?;
    let db = server::state()?.db;
    let rows = domain::basic_credentials::list(&db, &actor, application_id).await?;
    Ok(rows.into_iter().map(BasicRow::from).collect())
}

/// Adds a username and password for an environment (the password is hashed at once).
#[server(prefix = "/ui/fn", endpoint = "portal_create_basic_credential")]
pub async fn portal_create_basic_credential(
    csrf_token: String,
    application_id: Uuid,
    environment: String,
    username: String,
    password: String,
) -> Result<BasicRow, AppError> {
    use crate::session::server;
    use domain::basic_credentials::NewBasicCredential;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    let input = NewBasicCredential { environment, username, password };
    Ok(domain::basic_credentials::create(&db, &actor, application_id, input).await?.into())
}

/// Deletes a credential; gateways refuse it from their next configuration.
#[server(prefix = "/ui/fn", endpoint = "portal_delete_basic_credential")]
pub async fn portal_delete_basic_credential(csrf_token: String, credential: Uuid) -> Result<(), AppError> {
    use crate::session::server;
    let actor = server::actor(Some(&csrf_token))?;
    let db = server::state()?.db;
    Ok(domain::basic_credentials::delete(&db, &actor, credential).await?)
}

/// The section; `credentials` (loaded by the page) reload when `changed` moves.
#[component]
pub fn BasicCredentials(
    app_id: Uuid,
    credentials: BasicCredentialsResource,
    environments: EnvironmentChoices,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let toasts = use_toasts();
    let create = ServerAction::<PortalCreateBasicCredential>::new();
    let delete = ServerAction::<PortalDeleteBasicCredential>::new();
    let deleting: RwSignal<Option<BasicRow>> = RwSignal::new(None);
    let confirm_open = RwSignal::new(false);
    // Emptied after each credential made.
    let form = NodeRef::<leptos::html::Form>::new();
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(row)) = create.value().get() {
            toasts.success(format!("Credential {} created for {}.", row.username, row.environment));
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("Credential deleted.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let on_confirm = Callback::new(move |()| {
        if let Some(row) = deleting.get_untracked() {
            delete.dispatch(PortalDeleteBasicCredential { csrf_token: csrf.get_untracked(), credential: row.id });
        }
    });
    let message = Signal::derive(move || {
        let username = deleting.get().map(|r| r.username).unwrap_or_default();
        format!("Programs signing in as {username} will be refused.")
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="basic-auth">
            <h2 class="text-lg font-semibold">"Basic authentication"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "APIs that take basic authentication accept a username and password of this application, sent as "
                <code class="rounded bg-slate-100 px-1">"Authorization: Basic"</code>
                " (curl: " <code class="rounded bg-slate-100 px-1">"-u username:password"</code> "). Each works in one environment."
            </p>
            <div class="mt-6">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading credentials…"</p> }>
                    {move || Suspend::new(async move {
                        match credentials.await {
                            Err(e) => view! { <FormError error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"No credential yet."</p> }.into_any(),
                            Ok(rows) => view! { <CredentialTable rows=rows deleting=deleting confirm_open=confirm_open/> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
            <CreateCredentialForm action=create form=form app_id=app_id environments=environments/>
            <ConfirmDialog open=confirm_open title="Delete credential?" confirm_label="Delete credential" on_confirm=on_confirm message=message/>
        </section>
    }
}

/// The credentials with their delete buttons.
#[component]
fn CredentialTable(
    rows: Vec<BasicRow>,
    deleting: RwSignal<Option<BasicRow>>,
    confirm_open: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <Table headers=vec!["Username", "Environment", "Created", ""]>
            {rows.into_iter().map(|row| {
                let target = row.clone();
                view! {
                    <tr data-testid="basic-credential-row">
                        <td class=CELL_STRONG><code class="font-mono text-xs">{row.username}</code></td>
                        <td class=CELL>{row.environment}</td>
                        <td class=CELL>{row.created}</td>
                        <td class=CELL>
                            <button type="button" class=SMALL_DANGER on:click=move |_| {
                                deleting.set(Some(target.clone()));
                                confirm_open.set(true);
                            }>"Delete"</button>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
    }
}

/// Adds a credential: environment, username and password.
#[component]
fn CreateCredentialForm(
    action: ServerAction<PortalCreateBasicCredential>,
    form: NodeRef<leptos::html::Form>,
    app_id: Uuid,
    environments: EnvironmentChoices,
) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <ActionForm action=action node_ref=form>
            <div class="mt-6 space-y-4" data-testid="create-basic-credential">
                <h3 class="font-semibold">"New credential"</h3>
                <CsrfField/>
                <input type="hidden" name="application_id" value=app_id.to_string()/>
                <div class="grid gap-4 sm:grid-cols-3 sm:items-start">
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading environments…"</p> }>
                        {move || Suspend::new(async move {
                            let options: Vec<(String, String)> = environments.await.unwrap_or_default();
                            view! { <SelectField name="environment" id="basic-environment" label="Environment" options=options error=field_error(error, "environment")/> }
                        })}
                    </Suspense>
                    <TextField name="username" label="Username" required=true help="3–64 letters, digits, dots, dashes, underscores or @." error=field_error(error, "username")/>
                    <TextField name="password" label="Password" kind="password" autocomplete="new-password" required=true help="At least 12 characters. It is stored hashed: keep it somewhere safe." error=field_error(error, "password")/>
                </div>
                <FormError error=error/>
                <SubmitButton label="Create credential" pending=action.pending()/>
            </div>
        </ActionForm>
    }
}
