//! The applications of a snapshot and their credentials, indexed for the request path.
//! API keys: one SHA-256 of the presented key and one hash-map lookup, never a slow hash
//! (keys are random and high-entropy, so SHA-256 is the right tool — as for GitHub and
//! Stripe tokens). OAuth2 clients: (issuer, client id) → application. Basic-auth
//! usernames: the argon2id hash to check (see `policy::basic_auth` for its cache).
//!
//! Each key also notes when it was last used ([`KeyEntry::record_use`]: one relaxed load
//! of a coarse clock and, at most once a second per key, a relaxed store), which the
//! control-plane client collects in batches ([`Credentials::take_usage`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use http::HeaderValue;
use sha2::{Digest as _, Sha256};

use crate::jwt::Issuers;
use crate::spec::{ApplicationSpec, BasicCredentialSpec, LoadError, SubscriptionState};
use crate::tiers::{Tier, Tiers};

pub mod clock;

/// A consumer application as the gateway knows it.
#[derive(Debug)]
pub struct Application {
    /// Its stable id.
    pub id: Arc<str>,
    /// The id as a header value (sent upstream in `X-Application-Id`).
    pub id_header: HeaderValue,
    /// The application tier (one limit across all its APIs), if any.
    pub tier: Option<Arc<Tier>>,
    /// The key its application-tier counts are kept under (`app:{id}`).
    pub limit_key: Arc<str>,
    /// Subscribed APIs (by position in the snapshot), sorted.
    subscriptions: Vec<Subscription>,
}

/// An application's subscription to one API.
#[derive(Debug)]
pub struct Subscription {
    /// The API's position in the snapshot.
    pub api: usize,
    /// Whether calls are let through.
    pub state: SubscriptionState,
    /// The subscription tier, if limited.
    pub tier: Option<Arc<Tier>>,
    /// The key its counts are kept under (`sub:{application}:{api id}`).
    pub limit_key: Arc<str>,
}

impl Application {
    /// The state of this application's subscription to the snapshot's `api`-th API, if any.
    pub fn subscription(&self, api: usize) -> Option<SubscriptionState> {
        self.subscription_to(api).map(|s| s.state)
    }

    /// This application's subscription to the snapshot's `api`-th API, if any.
    pub fn subscription_to(&self, api: usize) -> Option<&Subscription> {
        let found = self.subscriptions.binary_search_by_key(&api, |s| s.api).ok()?;
        self.subscriptions.get(found)
    }
}

/// One valid key.
#[derive(Debug)]
pub struct KeyEntry {
    /// The application the key belongs to.
    pub application: Arc<Application>,
    /// Expiry as Unix seconds, if any.
    pub expires_at: Option<i64>,
    /// The key's id ([`crate::spec::KeySpec::id`]), which usage reports name; keys without
    /// one are not tracked.
    pub id: Option<Arc<str>>,
    /// Last use (Unix seconds, coarse clock) not yet collected; 0 when none.
    last_used: AtomicI64,
}

impl KeyEntry {
    /// Notes that the key was just used (a successful authentication). Cheap enough for
    /// every request: a relaxed load of the coarse clock and of the key's last use, and a
    /// relaxed store only when the second changed.
    #[inline]
    pub fn record_use(&self) {
        if self.id.is_none() {
            return;
        }
        let now = clock::now();
        if self.last_used.load(Ordering::Relaxed) != now {
            self.last_used.store(now, Ordering::Relaxed);
        }
    }

    /// The last use noted since the previous call, if any, and forgets it.
    pub fn take_last_used(&self) -> Option<i64> {
        if self.last_used.load(Ordering::Relaxed) == 0 {
            return None;
        }
        match self.last_used.swap(0, Ordering::Relaxed) {
            0 => None,
            at => Some(at),
        }
    }
}

/// A basic-auth username's password hash and application.
#[derive(Debug)]
pub struct BasicEntry {
    /// The argon2id PHC string.
    pub password_hash: String,
    /// The application.
    pub application: Arc<Application>,
}

/// Every credential of a snapshot.
#[derive(Debug, Default)]
pub struct Credentials {
    keys: HashMap<[u8; 32], KeyEntry>,
    clients: HashMap<(usize, String), Arc<Application>>,
    basic: HashMap<String, BasicEntry>,
}

/// SHA-256 of a key as it is presented.
pub fn hash_key(key: &[u8]) -> [u8; 32] {
    Sha256::digest(key).into()
}

impl Credentials {
    /// Indexes the applications. `api_index` maps the snapshot's API ids to their positions
    /// (subscriptions must name one); OAuth2 clients must name one of `issuers`, and
    /// tiers one of `tiers`.
    pub fn compile(
        applications: &[ApplicationSpec],
        api_index: &HashMap<&str, usize>,
        issuers: &Issuers,
        tiers: &Tiers,
    ) -> Result<Self, LoadError> {
        let capacity = applications.iter().map(|a| a.keys.len()).sum();
        let mut keys = HashMap::with_capacity(capacity);
        let mut clients = HashMap::new();
        let mut basic = HashMap::new();
        let mut seen_apps = HashSet::with_capacity(applications.len());
        for (a, spec) in applications.iter().enumerate() {
            let at = |field: String| format!("applications[{a}].{field}");
            if !seen_apps.insert(spec.id.as_str()) {
                return Err(LoadError::at(at("id".into()), format!("application id `{}` is used twice", spec.id)));
            }
            let id_header = HeaderValue::from_str(&spec.id)
                .map_err(|_| LoadError::at(at("id".into()), "the id must be printable ASCII"))?;
            let mut subscriptions = Vec::with_capacity(spec.subscriptions.len());
            for (s, subscription) in spec.subscriptions.iter().enumerate() {
                let Some(&api) = api_index.get(subscription.api.as_str()) else {
                    let message = format!("no API with id `{}` in this configuration", subscription.api);
                    return Err(LoadError::at(at(format!("subscriptions[{s}].api")), message));
                };
                let tier = tiers.named(|| at(format!("subscriptions[{s}].tier")), subscription.tier.as_deref())?;
                let limit_key = Arc::from(format!("sub:{}:{}", spec.id, subscription.api));
                subscriptions.push(Subscription { api, state: subscription.state, tier, limit_key });
            }
            subscriptions.sort_unstable_by_key(|s| s.api);
            subscriptions.dedup_by_key(|s| s.api);
            let tier = tiers.named(|| at("tier".into()), spec.tier.as_deref())?;
            let limit_key = Arc::from(format!("app:{}", spec.id));
            let application =
                Arc::new(Application { id: Arc::from(spec.id.as_str()), id_header, tier, limit_key, subscriptions });
            for (k, key) in spec.keys.iter().enumerate() {
                let hash = match (&key.sha256, &key.key) {
                    (Some(hex_hash), None) => parse_sha256(hex_hash)
                        .ok_or_else(|| LoadError::at(at(format!("keys[{k}].sha256")), "expected 64 hex digits"))?,
                    (None, Some(clear)) if clear.len() >= 8 => hash_key(clear.as_bytes()),
                    (None, Some(_)) => {
                        return Err(LoadError::at(at(format!("keys[{k}].key")), "a key has at least 8 characters"));
                    }
                    _ => return Err(LoadError::at(at(format!("keys[{k}]")), "give exactly one of `sha256` and `key`")),
                };
                let entry = KeyEntry {
                    application: application.clone(),
                    expires_at: key.expires_at.map(|t| t.timestamp()),
                    id: key.id.as_deref().map(Arc::from),
                    last_used: AtomicI64::new(0),
                };
                if keys.insert(hash, entry).is_some() {
                    return Err(LoadError::at(at(format!("keys[{k}]")), "this key is listed twice"));
                }
            }
            for (c, client) in spec.oauth_clients.iter().enumerate() {
                let Some(issuer) = issuers.position(&client.issuer) else {
                    let message = format!("no issuer with id `{}` in this configuration", client.issuer);
                    return Err(LoadError::at(at(format!("oauth_clients[{c}].issuer")), message));
                };
                if clients.insert((issuer, client.client_id.clone()), application.clone()).is_some() {
                    let message = format!("client `{}` of this issuer belongs to two applications", client.client_id);
                    return Err(LoadError::at(at(format!("oauth_clients[{c}].client_id")), message));
                }
            }
            for (b, credential) in spec.basic_auth.iter().enumerate() {
                let password_hash =
                    basic_hash(credential).map_err(|m| LoadError::at(at(format!("basic_auth[{b}]")), m))?;
                let entry = BasicEntry { password_hash, application: application.clone() };
                if credential.username.is_empty() || credential.username.contains(':') {
                    let message = "a username is not empty and has no `:`";
                    return Err(LoadError::at(at(format!("basic_auth[{b}].username")), message));
                }
                if basic.insert(credential.username.clone(), entry).is_some() {
                    let message = format!("username `{}` is used twice", credential.username);
                    return Err(LoadError::at(at(format!("basic_auth[{b}].username")), message));
                }
            }
        }
        Ok(Self { keys, clients, basic })
    }

    /// The application of `client_id` at the issuer in position `issuer`.
    pub fn client(&self, issuer: usize, client_id: &str) -> Option<&Arc<Application>> {
        self.clients.get(&(issuer, client_id.to_owned()))
    }

    /// The basic-auth entry of `username`.
    pub fn basic(&self, username: &str) -> Option<&BasicEntry> {
        self.basic.get(username)
    }

    /// The entry of a presented key, if it is known (expiry is the caller's check).
    pub fn find(&self, presented: &[u8]) -> Option<&KeyEntry> {
        self.keys.get(&hash_key(presented))
    }

    /// Calls `report(key id, last use)` for every key with an id used since the previous
    /// call, and forgets those uses (what a usage report sends).
    pub fn take_usage(&self, mut report: impl FnMut(&Arc<str>, i64)) {
        for entry in self.keys.values() {
            if let Some(id) = &entry.id
                && let Some(at) = entry.take_last_used()
            {
                report(id, at);
            }
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The argon2id PHC string of a basic-auth credential (a clear password is hashed now).
fn basic_hash(credential: &BasicCredentialSpec) -> Result<String, String> {
    use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
    match (&credential.password_hash, &credential.password) {
        (Some(hash), None) => match PasswordHash::new(hash) {
            Ok(parsed) if parsed.algorithm.as_str() == "argon2id" => Ok(hash.clone()),
            _ => Err("`password_hash` must be an argon2id PHC string (`$argon2id$v=19$…`)".into()),
        },
        (None, Some(clear)) if clear.len() >= 8 => argon2::Argon2::default()
            .hash_password(clear.as_bytes(), &SaltString::generate(&mut OsRng))
            .map(|hash| hash.to_string())
            .map_err(|e| e.to_string()),
        (None, Some(_)) => Err("a password has at least 8 characters".into()),
        _ => Err("give exactly one of `password_hash` and `password`".into()),
    }
}

fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_of_keys_with_an_id_are_collected_once() {
        let applications: Vec<ApplicationSpec> = crate::spec::parse(
            b"applications: [{ id: app, keys: [{ id: k1, key: first-key-1 }, { key: second-key-2 }] }]",
        )
        .unwrap()
        .applications;
        let credentials =
            Credentials::compile(&applications, &HashMap::new(), &Issuers::default(), &Tiers::default()).unwrap();
        let collect = || {
            let mut seen = Vec::new();
            credentials.take_usage(|id, at| seen.push((id.to_string(), at)));
            seen
        };
        assert!(collect().is_empty());
        credentials.find(b"first-key-1").unwrap().record_use();
        credentials.find(b"second-key-2").unwrap().record_use();
        let seen = collect();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].0, "k1");
        assert!((seen[0].1 - clock::now()).abs() <= 1);
        assert!(collect().is_empty(), "a use is reported once");
    }
}
