//! `/admin/gateways`: the tokens remote gateways connect with (issued once, revocable)
//! and the gateways that connected, with whether each runs its environment's current
//! configuration. Platform administrators only; everyone else gets the 403 page.

mod nodes;
mod tokens;

use leptos::prelude::*;

use crate::components::guard::RequireUser;
use crate::components::page_header::PageHeader;

/// The gateways page. Its resources are made here, outside the guard's `<Suspense/>`
/// (which the server may render more than once), so the server and the browser number
/// them alike.
#[component]
pub fn GatewaysPage() -> impl IntoView {
    let tokens = tokens::TokensData::load();
    let nodes = Resource::new(|| (), |()| nodes::list_gateway_nodes());
    view! {
        <RequireUser allow=|u| u.is_platform_admin what="the gateways">
            <PageHeader title="Gateways" subtitle="Remote gateways take their environment's configuration from this control plane, authenticated by a gateway token."/>
            <div class="space-y-8">
                <tokens::GatewayTokens data=tokens/>
                <nodes::GatewayNodes nodes=nodes/>
            </div>
        </RequireUser>
    }
}
