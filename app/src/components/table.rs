//! Data tables.

use leptos::prelude::*;

/// A table with a header row; pass the body rows (`<tr>`s) as children.
#[component]
pub fn Table(
    /// Column headings.
    headers: Vec<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50">
                    <tr>
                        {headers.into_iter().map(|h| view! {
                            <th scope="col" class="px-4 py-3 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">{h}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}

/// Class of a regular table cell.
pub const CELL: &str = "whitespace-nowrap px-4 py-3 text-slate-700";
/// Class of a row's leading cell.
pub const CELL_STRONG: &str = "whitespace-nowrap px-4 py-3 font-medium text-slate-900";
