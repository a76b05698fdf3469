//! Single sign-on into the consoles from external OpenID Connect providers.
//!
//! Platform administrators register providers ([`providers`]: issuer, client, scopes, the
//! organization and role new users get, an optional e-mail-domain restriction). A sign-in
//! ([`flow`]) is the authorization-code flow with PKCE (S256), a `state` bound to the
//! browser by a cookie and a `nonce`, run with the `oauth2` crate over our own hyper
//! client ([`http`]); the provider's endpoints and keys come from its discovery document
//! ([`discovery`]), and the ID token is verified with the gateway's JWT primitives
//! ([`id_token`]: signature against the JWKS, `iss`, `aud`, `exp`, `nonce`). The user is
//! found by verified e-mail address or provisioned on first sign-in, then gets a session
//! exactly like a password sign-in. Every refusal is an [`SsoError`] with a stable code.

mod discovery;
mod error;
mod flow;
mod http;
mod id_token;
mod providers;

pub use error::SsoError;
pub use flow::{Callback, Finished, LOGIN_LIFETIME, Started, finish, start};
pub use providers::{
    NewSsoProvider, SsoButton, SsoProviderUpdate, SsoProviderView, buttons, create, delete, get, list, redirect_uri,
    update,
};
