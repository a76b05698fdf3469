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
//! | 1 | `key_auth` | identifies the application first, so every later policy (limits, analytics) knows the consumer; strips the credential |
//! | 2 | `request_headers` | last before the upstream: the publisher's header rules see the request as it will leave, and cannot be undone by another policy |
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
use crate::spec::{ApiSpec, AuthKind, LoadError};

mod key_auth;
mod request_headers;

pub use key_auth::KeyAuth;
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
    /// The calling application, once authenticated.
    pub application: Option<Arc<Application>>,
    /// Query parameter holding the credential, removed from the upstream URL.
    pub strip_query_param: Option<Arc<str>>,
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

/// The compiled policy chain of one API, in the documented order.
pub fn chain_for(
    index: usize,
    spec: &ApiSpec,
    credentials: &Arc<Credentials>,
) -> Result<Vec<Arc<dyn Policy>>, LoadError> {
    let mut chain: Vec<Arc<dyn Policy>> = Vec::new();
    let needs_key = spec.auth == AuthKind::ApiKey || spec.operations.iter().any(|o| o.auth == Some(AuthKind::ApiKey));
    if needs_key {
        chain.push(Arc::new(KeyAuth::compile(index, spec, credentials.clone())?));
    }
    if !spec.request_headers.is_empty() {
        chain.push(Arc::new(RequestHeaders::compile(index, &spec.request_headers)?));
    }
    Ok(chain)
}
