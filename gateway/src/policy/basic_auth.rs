//! `basic`: HTTP basic authentication (RFC 7617) with an application's username and
//! password; the application must hold an active subscription.
//!
//! Passwords are human-chosen, so the snapshot carries argon2id hashes — far too slow to
//! run per request. A verified `Authorization` value is therefore cached (by its SHA-256)
//! for [`VERIFIED_FOR`] within one configuration; hashes run off the request threads, at
//! most one per core at a time, and an unknown username costs the same hash as a known
//! one (no username oracle). The credentials are removed before the upstream.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderValue, header, request};
use tokio::sync::Semaphore;

use super::{Flow, Policy, RequestCtx, check_subscription};
use crate::credentials::{Application, Credentials, clock};
use crate::error::ProxyError;
use crate::spec::AuthKind;
use crate::verified_cache::VerifiedCache;

/// How long a verified username and password are remembered (seconds).
pub const VERIFIED_FOR: i64 = 300;

const CACHE_CAPACITY: usize = 10_000;

/// Hashed for unknown usernames so that they take as long as known ones.
static DECOY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default().hash_password(b"decoy-password", &salt).ok().map(|h| h.to_string())
});

/// Basic-auth checking shared by every API of a configuration (and its cache).
#[derive(Debug)]
pub struct BasicVerifier {
    credentials: Arc<Credentials>,
    cache: VerifiedCache<Arc<Application>>,
    hashing: Semaphore,
}

impl BasicVerifier {
    /// A verifier over a configuration's credentials.
    pub fn new(credentials: Arc<Credentials>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { credentials, cache: VerifiedCache::new(CACHE_CAPACITY), hashing: Semaphore::new(cores) }
    }

    /// The application whose credentials `authorization` (the whole header value) holds.
    pub async fn verify(&self, authorization: &HeaderValue) -> Result<Arc<Application>, ProxyError> {
        let now = clock::now();
        let key = VerifiedCache::<()>::key(authorization.as_bytes());
        if let Some(application) = self.cache.get(&key, now) {
            return Ok(application);
        }
        let (username, password) = decode(authorization).ok_or(ProxyError::MissingBasicCredentials)?;
        let entry = self.credentials.basic(&username);
        let hash = match entry {
            Some(entry) => entry.password_hash.clone(),
            None => DECOY_HASH.clone().ok_or(ProxyError::InvalidBasicCredentials)?,
        };
        let permit = self.hashing.acquire().await.map_err(|_| ProxyError::InvalidBasicCredentials)?;
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .unwrap_or(false);
        drop(permit);
        match entry {
            Some(entry) if matches => {
                self.cache.insert(key, entry.application.clone(), now + VERIFIED_FOR, now);
                Ok(entry.application.clone())
            }
            _ => Err(ProxyError::InvalidBasicCredentials),
        }
    }
}

/// Username and password of a `Basic` header value.
fn decode(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (username, password) = decoded.split_once(':')?;
    Some((username.to_owned(), password.to_owned()))
}

/// The compiled `basic` policy of one API.
pub struct BasicAuth {
    api: usize,
    verifier: Arc<BasicVerifier>,
}

impl BasicAuth {
    /// The policy of the API at `index`.
    pub fn new(index: usize, verifier: Arc<BasicVerifier>) -> Self {
        Self { api: index, verifier }
    }
}

#[async_trait]
impl Policy for BasicAuth {
    fn name(&self) -> &'static str {
        "basic"
    }

    async fn on_request(&self, req: &mut request::Parts, cx: &mut RequestCtx) -> Result<Flow, ProxyError> {
        if cx.auth != AuthKind::Basic {
            return Ok(Flow::Continue);
        }
        let Some(authorization) = req.headers.remove(header::AUTHORIZATION) else {
            return Ok(Flow::Respond(ProxyError::MissingBasicCredentials));
        };
        let application = match self.verifier.verify(&authorization).await {
            Ok(application) => application,
            Err(refused) => return Ok(Flow::Respond(refused)),
        };
        // Known even when refused below, so analytics counts the refusal against it.
        cx.application = Some(application.clone());
        if let Some(refused) = check_subscription(&application, self.api) {
            return Ok(Flow::Respond(refused));
        }
        Ok(Flow::Continue)
    }
}
