//! The Settings tab: name, description, tags and who sees the API in the portal.
//! Context and version identify an API and do not change (create a new version).

use leptos::prelude::*;
use uuid::Uuid;

use super::ApiRow;
use crate::components::form::{CsrfField, FormError, SelectField, SubmitButton, TextField, action_error, field_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// Saves the settings; `etag` guards against overwriting someone else's change.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/ui/fn", endpoint = "publisher_update_api_settings")]
pub async fn update_api_settings(
    csrf_token: String,
    id: Uuid,
    etag: i64,
    name: String,
    description: String,
    tags: String,
    visibility: String,
    role_consumer: Option<String>,
    role_publisher: Option<String>,
    role_org_admin: Option<String>,
) -> Result<(), AppError> {
    use crate::session::server;
    use domain::Role;
    use domain::apis::{ApiPatch, Visibility};
    let actor = server::actor(Some(&csrf_token))?;
    let roles = [(role_consumer, Role::Consumer), (role_publisher, Role::Publisher), (role_org_admin, Role::OrgAdmin)];
    let patch = ApiPatch {
        name: Some(name),
        description: Some(description),
        tags: Some(tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()),
        visibility: Some(Visibility::parse(&visibility)),
        visible_roles: Some(roles.into_iter().filter_map(|(on, role)| on.map(|_| role)).collect()),
        definition: None,
    };
    domain::apis::update(&server::state()?.db, &actor, id, Some(etag), patch).await?;
    Ok(())
}

/// The tab.
#[component]
pub fn Settings(api: ApiRow, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<UpdateApiSettings>::new();
    let error = action_error(save.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Settings saved.");
            changed.update(|n| *n += 1);
        }
    });
    let visible_roles = api.visible_roles.clone();
    let role = move |value: &'static str, label: &'static str| {
        let checked = visible_roles.iter().any(|r| r == value);
        view! {
            <label class="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" name=format!("role_{value}") value="on" checked=checked class="rounded border-slate-300"/>
                {label}
            </label>
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200">
            <ActionForm action=save>
                <CsrfField/>
                <input type="hidden" name="id" value=api.id.to_string()/>
                <input type="hidden" name="etag" value=api.etag.to_string()/>
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextField name="name" label="Name" value=api.name.clone() required=true error=field_error(error, "name")/>
                    <TextField name="tags" label="Tags" value=api.tags.join(", ") help="Comma separated." error=field_error(error, "tags")/>
                    <div class="sm:col-span-2">
                        <label for="field-description" class="block text-sm font-medium text-slate-700">"Description"</label>
                        <textarea id="field-description" name="description" rows="4"
                            class="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">{api.description.clone()}</textarea>
                    </div>
                    <SelectField name="visibility" label="Visible in the portal to" selected=api.visibility.clone()
                        options=vec![("public", "everyone"), ("org", "members of this organization"), ("roles", "members with one of these roles")]/>
                    <fieldset>
                        <legend class="block text-sm font-medium text-slate-700">"Roles (with “members with one of these roles”)"</legend>
                        <div class="mt-2 flex gap-4">
                            {role("consumer", "Consumer")}
                            {role("publisher", "Publisher")}
                            {role("org_admin", "Org admin")}
                        </div>
                        <p class="mt-1 text-sm text-red-600" data-field-error="visible_roles">{move || field_error(error, "visible_roles").get()}</p>
                    </fieldset>
                </div>
                <div class="mt-4 space-y-3">
                    <FormError error=error/>
                    <SubmitButton label="Save settings" pending=save.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
