//! The Runtime tab's observability section: whether the API's calls are recorded in
//! analytics (off, as Tyk's `do_not_track`, for health probes and other noise: calls are
//! still served, limited and logged), and whether the gateway logs the frames of its
//! WebSocket sessions (each frame's direction, opcode and length, never the payload).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::form::{CsrfField, FormError, SubmitButton, action_error};
use crate::components::toast::use_toasts;
use crate::errors::AppError;

/// The settings as the form shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservabilityForm {
    /// Calls are recorded in analytics.
    pub tracked: bool,
    /// WebSocket frames are logged.
    pub log_frames: bool,
}

#[cfg(feature = "ssr")]
impl ObservabilityForm {
    /// The form showing `definition`'s settings.
    pub fn from_definition(definition: &domain::api_definition::ApiDefinition) -> Self {
        Self { tracked: !definition.do_not_track, log_frames: definition.websocket.log_frames }
    }
}

/// Saves the settings (a checkbox is present, `on`, when ticked).
#[server(prefix = "/ui/fn", endpoint = "publisher_set_observability")]
pub async fn set_observability(
    csrf_token: String,
    id: Uuid,
    tracked: Option<String>,
    log_frames: Option<String>,
) -> Result<(), AppError> {
    super::api_runtime::edit_definition(
        &csrf_token,
        id,
        |_| None,
        move |definition| {
            definition.do_not_track = tracked.is_none();
            definition.websocket.log_frames = log_frames.is_some();
            Ok(())
        },
    )
    .await
}

/// The section.
#[component]
pub fn Observability(id: Uuid, form: ObservabilityForm, changed: RwSignal<u64>) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<SetObservability>::new();
    let error = action_error(save.value());
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Observability saved. Deploy a new revision to put it live.");
            changed.update(|n| *n += 1);
        }
    });
    let checkbox = move |name: &'static str, label: &'static str, help: &'static str, checked: bool| {
        view! {
            <div class="flex items-start gap-2">
                <input id=format!("field-observe-{name}") name=name type="checkbox" value="on" checked=checked
                    class="mt-1 h-4 w-4 rounded border-slate-300"/>
                <div>
                    <label for=format!("field-observe-{name}") class="text-sm text-slate-700">{label}</label>
                    <p class="text-xs text-slate-500">{help}</p>
                </div>
            </div>
        }
    };
    view! {
        <section class="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200" aria-labelledby="observability-title">
            <h2 id="observability-title" class="text-lg font-semibold">"Observability"</h2>
            <ActionForm action=save>
                <CsrfField/>
                <input type="hidden" name="id" value=id.to_string()/>
                <div class="mt-4 space-y-3">
                    {checkbox("tracked", "Record analytics for this API's calls",
                        "Off: calls are still served, limited, traced and in the access log, but not counted in analytics or usage.", form.tracked)}
                    {checkbox("log_frames", "Log WebSocket frames",
                        "Each frame's direction, type and length (never its content), with the handshake's request id, in the gateway's access log.", form.log_frames)}
                    <FormError error=error/>
                    <SubmitButton label="Save observability" pending=save.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}
