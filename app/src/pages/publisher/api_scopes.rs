//! The OAuth2 scopes of an API (Runtime tab): the scopes it defines — a name tokens
//! carry, what it allows (shown on the consent page and in the portal), optionally the
//! roles that may get it — and, per operation, the scopes a token must hold (set in the
//! Operations table). Removing a scope also unbinds it from the operations.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::api_runtime::edit_definition;
use crate::components::button::SMALL_DANGER;
use crate::components::form::{CsrfField, FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::table::{CELL, CELL_STRONG, Table};
use crate::components::toast::use_toasts;
use crate::errors::AppError;
use crate::session::csrf_token;

/// A scope as the section lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRow {
    pub name: String,
    pub description: String,
    /// Space-separated roles; empty: anyone the API is visible to.
    pub roles: String,
}

/// The rows of a definition's scopes.
#[cfg(feature = "ssr")]
pub fn rows(scopes: &[domain::api_definition::ScopeDefinition]) -> Vec<ScopeRow> {
    scopes
        .iter()
        .map(|s| ScopeRow {
            name: s.name.clone(),
            description: s.description.clone(),
            roles: s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" "),
        })
        .collect()
}

/// Renames the definition's scope and operation errors to the form's `field`.
#[cfg(feature = "ssr")]
fn scope_errors_on(field: &'static str) -> impl Fn(&str) -> Option<&'static str> {
    move |name| (name.starts_with("definition.scopes") || name.starts_with("definition.operations")).then_some(field)
}

/// Defines a scope; `roles` is space- or comma-separated (empty: no role restriction).
#[server(prefix = "/ui/fn", endpoint = "publisher_add_scope")]
pub async fn add_scope(
    csrf_token: String,
    id: Uuid,
    name: String,
    description: String,
    roles: String,
) -> Result<(), AppError> {
    let roles = roles
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|r| !r.is_empty())
        .map(|r| domain::Role::parse_field("roles", r))
        .collect::<Result<Vec<_>, _>>()?;
    let scope = domain::api_definition::ScopeDefinition {
        name: name.trim().to_owned(),
        description: description.trim().to_owned(),
        roles,
    };
    edit_definition(&csrf_token, id, scope_errors_on("name"), move |d| {
        d.scopes.push(scope);
        Ok(())
    })
    .await
}

/// Removes a scope and unbinds it from every operation.
#[server(prefix = "/ui/fn", endpoint = "publisher_remove_scope")]
pub async fn remove_scope(csrf_token: String, id: Uuid, name: String) -> Result<(), AppError> {
    edit_definition(&csrf_token, id, scope_errors_on("name"), move |d| {
        d.scopes.retain(|s| s.name != name);
        for operation in &mut d.operations {
            operation.scopes.retain(|s| *s != name);
        }
        Ok(())
    })
    .await
}

/// Sets the scopes operation `index` requires (space-separated; all of them needed).
#[server(prefix = "/ui/fn", endpoint = "publisher_set_operation_scopes")]
pub async fn set_operation_scopes(csrf_token: String, id: Uuid, index: usize, scopes: String) -> Result<(), AppError> {
    edit_definition(&csrf_token, id, scope_errors_on("scopes"), move |d| {
        let operation = d
            .operations
            .get_mut(index)
            .ok_or_else(|| AppError::refused("not_found", "The operation does not exist (reload the page)."))?;
        operation.scopes = scopes.split_whitespace().map(str::to_owned).collect();
        Ok(())
    })
    .await
}

/// The section (`scopes` come with the Runtime tab's data; a change reloads it).
#[component]
pub fn Scopes(id: Uuid, scopes: Vec<ScopeRow>, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let add = ServerAction::<AddScope>::new();
    let remove = ServerAction::<RemoveScope>::new();
    let error = action_error(add.value());
    let csrf = csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(())) = add.value().get() {
            toasts.success("Scope defined. Bind it to operations below, then deploy a new revision.");
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => changed.update(|n| *n += 1),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" data-testid="scopes">
            <h2 class="text-lg font-semibold">"OAuth2 scopes"</h2>
            <p class="mt-1 text-sm text-slate-600">"What an OAuth2 token may do with this API. Operations that require a scope answer 403 insufficient_scope to tokens without it."</p>
            {if scopes.is_empty() {
                view! { <p class="mt-4 text-sm text-slate-500">"No scopes yet: any token of a subscribed application may call every operation."</p> }.into_any()
            } else {
                view! {
                            <div class="mt-4">
                                <Table headers=vec!["Scope", "Allows", "Only for roles", ""]>
                                    {scopes.into_iter().map(|row| {
                                        let name = row.name.clone();
                                        view! {
                                            <tr data-testid="scope-row">
                                                <td class=CELL_STRONG><code class="text-xs">{row.name.clone()}</code></td>
                                                <td class=CELL>{row.description.clone()}</td>
                                                <td class=CELL>{if row.roles.is_empty() { "anyone".to_owned() } else { row.roles.replace('_', " ") }}</td>
                                                <td class="px-4 py-3 text-right">
                                                    <button type="button" class=SMALL_DANGER on:click=move |_| {
                                                        remove.dispatch(RemoveScope { csrf_token: csrf.get_untracked(), id, name: name.clone() });
                                                    }>"Remove"</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </Table>
                            </div>
                }.into_any()
            }}
            <ActionForm action=add>
                <CsrfField/>
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="mt-4 grid gap-4 sm:grid-cols-3">
                    <TextField name="name" label="Scope" required=true help="e.g. pets:write" error=field_error(error, "name")/>
                    <TextField name="description" label="What it allows" help="Shown to users on the consent page." error=field_error(error, "description")/>
                    <TextField name="roles" label="Only for roles (optional)" help="consumer, publisher, org_admin" error=field_error(error, "roles")/>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Add scope" pending=add.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
