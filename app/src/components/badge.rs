//! Small coloured labels for statuses and roles.

use leptos::prelude::*;

/// A status or role label; the colour follows the value.
#[component]
pub fn Badge(#[prop(into)] text: String) -> impl IntoView {
    let tone = match text.as_str() {
        "active" | "signing" | "accepted" | "ready" | "org_admin" | "smtp" | "published" | "in_sync" | "connected" => {
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20"
        }
        "pending"
        | "pending_verification"
        | "pending_approval"
        | "publisher"
        | "prototyped"
        | "coming"
        | "deprecated"
        | "behind" => "bg-amber-50 text-amber-800 ring-amber-600/20",
        "disabled" | "revoked" | "expired" | "failed" | "blocked" | "retired" | "disconnected" => {
            "bg-red-50 text-red-700 ring-red-600/20"
        }
        _ => "bg-slate-100 text-slate-700 ring-slate-500/20",
    };
    let label = text.replace('_', " ");
    view! { <span class=format!("inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset {tone}")>{label}</span> }
}
