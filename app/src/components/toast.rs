//! Toasts: short confirmations and errors in the corner, dismissed after a few seconds.

use leptos::prelude::*;

/// How a toast looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something failed.
    Error,
}

#[derive(Debug, Clone)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Handle to show toasts; get it with [`use_toasts`].
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    /// Shows a toast.
    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items.update(|items| items.push(Toast { id, kind, text: text.into() }));
        let items = self.items;
        set_timeout(move || items.update(|i| i.retain(|t| t.id != id)), std::time::Duration::from_secs(5));
    }

    /// Shows a success toast.
    pub fn success(&self, text: impl Into<String>) {
        self.show(ToastKind::Success, text);
    }

    /// Shows an error toast.
    pub fn error(&self, text: impl Into<String>) {
        self.show(ToastKind::Error, text);
    }
}

/// The toasts of the page.
pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Provides [`Toasts`] to its children and renders them.
#[component]
pub fn Toaster(children: Children) -> impl IntoView {
    let toasts = Toasts { items: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
    provide_context(toasts);
    view! {
        {children()}
        <div aria-live="polite" class="pointer-events-none fixed bottom-4 right-4 z-50 flex w-80 flex-col gap-2">
            <For each=move || toasts.items.get() key=|t| t.id let(toast)>
                <div role="status" class=match toast.kind {
                    ToastKind::Success => "pointer-events-auto rounded-md bg-emerald-700 px-4 py-3 text-sm text-white shadow-lg",
                    ToastKind::Error => "pointer-events-auto rounded-md bg-red-700 px-4 py-3 text-sm text-white shadow-lg",
                }>
                    <div class="flex items-start justify-between gap-3">
                        <span>{toast.text.clone()}</span>
                        <button type="button" aria-label="Dismiss" class="text-white/80 hover:text-white"
                            on:click=move |_| toasts.items.update(|i| i.retain(|t| t.id != toast.id))>"×"</button>
                    </div>
                </div>
            </For>
        </div>
    }
}
