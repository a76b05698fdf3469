//! Page links under a list (plain links, so they work without JavaScript).

use leptos::prelude::*;

/// "Showing a–b of n" with previous/next links; `href` builds the URL of a page.
#[component]
pub fn Pagination(page: u64, per_page: u64, total: u64, href: impl Fn(u64) -> String + 'static) -> impl IntoView {
    let first = if total == 0 { 0 } else { (page - 1) * per_page + 1 };
    let last = (page * per_page).min(total);
    let pages = total.div_ceil(per_page.max(1)).max(1);
    let link = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset ring-slate-300 hover:bg-slate-50";
    view! {
        <nav class="mt-4 flex items-center justify-between" aria-label="Pagination">
            <p class="text-sm text-slate-600">{format!("Showing {first}–{last} of {total}")}</p>
            <div class="flex gap-2">
                {(page > 1).then(|| view! { <a class=link href=href(page - 1) rel="prev">"Previous"</a> })}
                {(page < pages).then(|| view! { <a class=link href=href(page + 1) rel="next">"Next"</a> })}
            </div>
        </nav>
    }
}
