//! Policies: the steps a request passes through between routing and the upstream.
//!
//! A policy is a value compiled once per snapshot (never per request) with one hook per
//! phase, each a no-op unless the policy overrides it (pingora's `HttpModule`, Kong's
//! phases). A hook either lets the request continue or answers it.
//!
//! # Order
//! The chain of every API is built in this order, by [`chain_for`] — one table, here:
//!
//! | # | policy | why here |
//! |---|--------|----------|
//! | 1 | `key_auth`, `jwt`, `basic` | identify the application first, so every later policy (limits, analytics) knows the consumer; each acts only on operations requiring its kind, and strips its credential |
//! | 2 | `rate_limit` | after authentication, so tiers and consumer keys are known; before anything costly; see [`rate_limit`] |
//! | 3 | `request_headers` | last before the upstream: the publisher's header rules see the request as it will leave, and cannot be undone by another policy |
//! | — | response cache | after the chain, a stage of the proxy rather than a policy (it answers with stored responses and copies the upstream's body as it streams, see [`crate::cache`]): a hit is still authenticated, counted by the limits and answered through every policy's `on_response` |
//!
//! After the chain the proxy sets `X-Application-Id` to the authenticated application's
//! id, or removes it, so that a client can never claim an identity.
//!
//! Body phases (`on_request_body`, `on_response_body`) and the log phase arrive with the
//! first policies that need them (validation, transformation, analytics); until then no
//! request pays for them.

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use http::{request, response};

use crate::api::Api;
use crate::credentials::{Application, Credentials};
use crate::error::ProxyError;
use crate::ratelimit::concurrency::InFlight;
use crate::ratelimit::limiter::Limiter;
use crate::spec::{ApiSpec, AuthKind, LoadError, SubscriptionState};
use crate::tiers::Tiers;

mod basic_auth;
mod jwt_auth;
mod key_auth;
mod rate_limit;
mod request_headers;

pub use basic_auth::{BasicAuth, BasicVerifier};
pub use jwt_auth::{JwtAuth, TokenVerifier, VerifiedToken};
pub use key_auth::{APPLICATION_HEADER, KeyAuth};
pub use rate_limit::{RateLimit, Shown};
pub use request_headers::RequestHeaders;

/// What a request hook decided.
pub enum Flow {
    /// Go on to the next policy (and finally the upstream).
    Continue,
    /// Answer the request with this error now.
    Respond(ProxyError),
}

/// What the policies of one request know and share.
pub struct RequestCtx {
    /// The request id (client's or generated), sent upstream and in every answer.
    pub request_id: http::HeaderValue,
    /// The client's address (after trusted-proxy resolution).
    pub client_ip: IpAddr,
    /// The API the request was routed to.
    pub api: Arc<Api>,
    /// What the matched operation requires.
    pub auth: AuthKind,
    /// The matched operation's position in the API's spec, if it lists operations.
    pub operation: Option<usize>,
    /// The calling application, once authenticated.
    pub application: Option<Arc<Application>>,
    /// Query parameter holding the credential, removed from the upstream URL.
    pub strip_query_param: Option<Arc<str>>,
    /// The caller's access token, when it authenticated with one (`jwt`).
    pub token: Option<Arc<VerifiedToken>>,
    /// The gateway's limits and their counters (outlive every configuration).
    pub limiter: Arc<Limiter>,
    /// The most constrained limit of the request, shown in the response.
    pub shown_limit: Option<Shown>,
    /// This request's place under a concurrency limit, held until the response head.
    pub in_flight: Option<InFlight>,
}

/// One step of the request path.
#[async_trait]
pub trait Policy: Send + Sync + 'static {
    /// Short stable name (`key_auth`), used in logs and metrics.
    fn name(&self) -> &'static str;

    /// After routing, before anything is sent upstream (Kong's `access`): may inspect and
    /// change the request's head, or answer it. Must not block.
    async fn on_request(&self, _req: &mut request::Parts, _cx: &mut RequestCtx) -> Result<Flow, ProxyError> {
        Ok(Flow::Continue)
    }

    /// On the request as it will be sent upstream (URL and forwarding headers already
    /// set): last changes to its head.
    fn on_upstream_request(&self, _req: &mut request::Parts, _cx: &RequestCtx) {}

    /// On the upstream's response head before it is sent to the client (Kong's
    /// `header_filter`).
    fn on_response(&self, _resp: &mut response::Parts, _cx: &RequestCtx) {}
}

/// What every API's policies of one configuration share.
pub struct Shared {
    /// Every credential.
    pub credentials: Arc<Credentials>,
    /// Bearer-token checking and its cache.
    pub tokens: Arc<TokenVerifier>,
    /// Basic-auth checking and its cache.
    pub basic: Arc<BasicVerifier>,
    /// The throttling tiers.
    pub tiers: Arc<Tiers>,
    /// For each API (by position): whether a subscriber is under a limited tier.
    pub limited_apis: Vec<bool>,
    /// The snapshot's environment (backend limits are per environment).
    pub environment: Arc<str>,
}

/// The refusal for an application's call to the API at `api`, if its subscription does
/// not let it through.
pub(crate) fn check_subscription(application: &Application, api: usize) -> Option<ProxyError> {
    match application.subscription(api) {
        Some(SubscriptionState::Active) => None,
        Some(SubscriptionState::Blocked) => Some(ProxyError::SubscriptionBlocked),
        None => Some(ProxyError::NotSubscribed),
    }
}

/// Whether some operation of the API identifies its caller.
fn uses_consumers(spec: &ApiSpec) -> bool {
    spec.auth != AuthKind::None || spec.operations.iter().any(|o| o.auth.is_some_and(|a| a != AuthKind::None))
}

/// The compiled policy chain of one API, in the documented order.
pub fn chain_for(index: usize, spec: &ApiSpec, shared: &Shared) -> Result<Vec<Arc<dyn Policy>>, LoadError> {
    let mut chain: Vec<Arc<dyn Policy>> = Vec::new();
    let uses = |kind: AuthKind| spec.auth == kind || spec.operations.iter().any(|o| o.auth == Some(kind));
    if uses(AuthKind::ApiKey) {
        chain.push(Arc::new(KeyAuth::compile(index, spec, shared.credentials.clone())?));
    }
    if uses(AuthKind::Jwt) {
        chain.push(Arc::new(JwtAuth::compile(index, spec, shared.tokens.clone())?));
    }
    if uses(AuthKind::Basic) {
        chain.push(Arc::new(BasicAuth::new(index, shared.basic.clone())));
    }
    let consumers_limited = shared.limited_apis.get(index).copied().unwrap_or(false) && uses_consumers(spec);
    if let Some(limits) = RateLimit::compile(index, spec, &shared.tiers, &shared.environment, consumers_limited)? {
        chain.push(Arc::new(limits));
    }
    if !spec.request_headers.is_empty() {
        chain.push(Arc::new(RequestHeaders::compile(index, &spec.request_headers)?));
    }
    Ok(chain)
}
