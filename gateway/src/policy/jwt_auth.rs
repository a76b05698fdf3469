//! `jwt`: an OAuth2 access token (`Authorization: Bearer <JWT>`) from a trusted issuer
//! identifies an application through its client id; the application must hold an active
//! subscription, and the token every scope the operation lists.
//!
//! Signatures are checked locally against the keys in the snapshot, once per token and
//! configuration: the verified result is cached until the token expires (see
//! [`crate::verified_cache`]), so a client reusing its token costs one SHA-256 and one
//! map lookup per request. The token is removed before the upstream, which receives the
//! application's id in `X-Application-Id`.

use std::sync::Arc;

use async_trait::async_trait;
use http::{header, request};

use super::{Flow, Policy, RequestCtx, check_subscription};
use crate::credentials::{Application, Credentials, clock};
use crate::error::ProxyError;
use crate::jwt::{Issuers, TokenError};
use crate::spec::{ApiSpec, AuthKind, LoadError, is_scope_token};
use crate::verified_cache::VerifiedCache;

/// How many verified tokens one configuration remembers.
const CACHE_CAPACITY: usize = 100_000;

/// A token that passed every check but the per-API ones.
#[derive(Debug)]
pub struct VerifiedToken {
    /// The application it acts as.
    pub application: Arc<Application>,
    /// Its scopes, sorted.
    pub scopes: Vec<String>,
    /// Its claims with a string or number value, sorted by name (what limits keyed by a
    /// claim read).
    pub claims: Vec<(Box<str>, Box<str>)>,
}

impl VerifiedToken {
    /// The value of the claim `name`, if it is a string or a number.
    pub fn claim(&self, name: &str) -> Option<&str> {
        let found = self.claims.binary_search_by(|(claim, _)| (**claim).cmp(name)).ok()?;
        Some(&self.claims[found].1)
    }
}

/// Token checking shared by every API of a configuration (and its cache).
#[derive(Debug)]
pub struct TokenVerifier {
    issuers: Issuers,
    credentials: Arc<Credentials>,
    cache: VerifiedCache<Arc<VerifiedToken>>,
}

impl TokenVerifier {
    /// A verifier over a configuration's issuers and credentials.
    pub fn new(issuers: Issuers, credentials: Arc<Credentials>) -> Self {
        Self { issuers, credentials, cache: VerifiedCache::new(CACHE_CAPACITY) }
    }

    /// The verified token, from the cache or checked now.
    pub fn verify(&self, token: &str) -> Result<Arc<VerifiedToken>, TokenError> {
        let now = clock::now();
        let key = VerifiedCache::<()>::key(token.as_bytes());
        if let Some(hit) = self.cache.get(&key, now) {
            return Ok(hit);
        }
        let claims = self.issuers.verify(token, now)?;
        let application = self.credentials.client(claims.issuer, &claims.client_id).ok_or(TokenError::UnknownClient)?;
        let mut scopes = claims.scopes;
        scopes.sort_unstable();
        let verified = Arc::new(VerifiedToken { application: application.clone(), scopes, claims: claims.values });
        if claims.not_before.is_none_or(|nbf| nbf <= now) {
            self.cache.insert(key, verified.clone(), claims.expires_at, now);
        }
        Ok(verified)
    }
}

/// The compiled `jwt` policy of one API.
pub struct JwtAuth {
    api: usize,
    verifier: Arc<TokenVerifier>,
    /// Scopes required by each operation (by position), sorted; empty for none.
    scopes: Vec<Vec<String>>,
}

impl JwtAuth {
    /// Compiles the API's scope requirements.
    pub fn compile(index: usize, spec: &ApiSpec, verifier: Arc<TokenVerifier>) -> Result<Self, LoadError> {
        let mut scopes = Vec::with_capacity(spec.operations.len());
        for (o, operation) in spec.operations.iter().enumerate() {
            if let Some(bad) = operation.scopes.iter().find(|s| !is_scope_token(s)) {
                let at = format!("apis[{index}].operations[{o}].scopes");
                return Err(LoadError::at(
                    at,
                    format!("`{bad}` is not a scope (printable ASCII, no space, `\"` or `\\`)"),
                ));
            }
            let mut required = operation.scopes.clone();
            required.sort_unstable();
            required.dedup();
            scopes.push(required);
        }
        Ok(Self { api: index, verifier, scopes })
    }
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(req: &request::Parts) -> Option<&str> {
    let value = req.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[async_trait]
impl Policy for JwtAuth {
    fn name(&self) -> &'static str {
        "jwt"
    }

    async fn on_request(&self, req: &mut request::Parts, cx: &mut RequestCtx) -> Result<Flow, ProxyError> {
        if cx.auth != AuthKind::Jwt {
            return Ok(Flow::Continue);
        }
        let Some(token) = bearer(req) else {
            return Ok(Flow::Respond(ProxyError::MissingBearerToken));
        };
        let verified = match self.verifier.verify(token) {
            Ok(verified) => verified,
            Err(cause) => return Ok(Flow::Respond(ProxyError::InvalidToken(cause))),
        };
        req.headers.remove(header::AUTHORIZATION);
        // Known even when refused below, so analytics counts the refusal against it.
        cx.application = Some(verified.application.clone());
        if let Some(refused) = check_subscription(&verified.application, self.api) {
            return Ok(Flow::Respond(refused));
        }
        let required = cx.operation.and_then(|o| self.scopes.get(o)).map_or(&[][..], Vec::as_slice);
        if !required.iter().all(|scope| verified.scopes.binary_search(scope).is_ok()) {
            return Ok(Flow::Respond(ProxyError::InsufficientScope { required: required.join(" ") }));
        }
        cx.token = Some(verified);
        Ok(Flow::Continue)
    }
}
