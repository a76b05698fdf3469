//! A modal asking the user to confirm a destructive action.

use leptos::prelude::*;

use crate::components::button::{DANGER, SECONDARY};

/// Shown while `open` is true; "Confirm" runs `on_confirm` and closes it.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: String,
    #[prop(into)] message: Signal<String>,
    #[prop(into, default = "Confirm".to_owned())] confirm_label: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let title = StoredValue::new(title);
    let confirm_label = StoredValue::new(confirm_label);
    view! {
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40 p-4" role="dialog" aria-modal="true">
                <div class="w-full max-w-md rounded-lg bg-white p-6 shadow-xl">
                    <h2 class="text-lg font-semibold text-slate-900">{title.get_value()}</h2>
                    <p class="mt-2 text-sm text-slate-600">{move || message.get()}</p>
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                        <button type="button" class=DANGER on:click=move |_| {
                            open.set(false);
                            on_confirm.run(());
                        }>{confirm_label.get_value()}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
