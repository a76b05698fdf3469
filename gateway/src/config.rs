//! A snapshot compiled for the request path (router, APIs with their policies and
//! upstreams, credentials, the TLS listener's certificates) and the store that swaps it
//! atomically: a request finishes on the configuration it started with, and a
//! configuration that does not compile never replaces the running one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use sha2::{Digest, Sha256};

use crate::api::Api;
use crate::cache::{DEFAULT_CACHE_BYTES, ResponseCache};
use crate::credentials::Credentials;
use crate::jwt::Issuers;
use crate::metrics::Metrics;
use crate::policy::{BasicVerifier, Shared, TokenVerifier};
use crate::ratelimit::limiter::Limiter;
use crate::router::Router;
use crate::spec::{LoadError, Snapshot};
use crate::tiers::Tiers;
use crate::tls::Certificates;

/// Default largest request body (10 MiB), for APIs that do not set one.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// A compiled, immutable configuration.
pub struct Config {
    /// The snapshot's version.
    pub version: u64,
    /// Hex SHA-256 of the snapshot's canonical JSON (what ACKs and `/config` report).
    pub hash: String,
    /// The environment it is for.
    pub environment: Option<Arc<str>>,
    /// The routes.
    pub router: Router,
    /// The APIs, in snapshot order.
    pub apis: Vec<Arc<Api>>,
    /// Every key.
    pub credentials: Arc<Credentials>,
    /// The certificates the TLS listener serves by SNI name.
    pub certificates: Certificates,
    /// How long compiling it took.
    pub compile_time: Duration,
}

impl Config {
    /// Compiles a snapshot. This is the validation the control plane runs before it
    /// publishes a snapshot, and what a gateway runs before it swaps one in; it starts
    /// nothing (see [`Config::activate`]).
    pub fn compile(snapshot: &Snapshot) -> Result<Self, LoadError> {
        let started = Instant::now();
        let mut ids = HashMap::with_capacity(snapshot.apis.len());
        for (i, api) in snapshot.apis.iter().enumerate() {
            if ids.insert(api.id.as_str(), i).is_some() {
                return Err(LoadError::at(format!("apis[{i}].id"), format!("API id `{}` is used twice", api.id)));
            }
        }
        let issuers = Issuers::compile(&snapshot.issuers, &snapshot.revoked_tokens)?;
        let tiers = Arc::new(Tiers::compile(&snapshot.tiers)?);
        let credentials = Arc::new(Credentials::compile(&snapshot.applications, &ids, &issuers, &tiers)?);
        let shared = Shared {
            credentials: credentials.clone(),
            tokens: Arc::new(TokenVerifier::new(issuers, credentials.clone())),
            basic: Arc::new(BasicVerifier::new(credentials.clone())),
            limited_apis: limited_apis(snapshot, &ids, &tiers),
            tiers,
            environment: Arc::from(snapshot.environment.as_deref().unwrap_or("default")),
        };
        let certificates = Certificates::compile(&snapshot.certificates)?;
        let names: Vec<String> =
            snapshot.apis.iter().map(|a| format!("{} ({} {})", a.name, a.context, a.version)).collect();
        let mut router = Router::default();
        let mut apis = Vec::with_capacity(snapshot.apis.len());
        for (i, spec) in snapshot.apis.iter().enumerate() {
            let api = Api::compile(i, spec, &shared, DEFAULT_MAX_BODY_BYTES)?;
            router.add(i, spec, &api, &names)?;
            apis.push(api);
        }
        Ok(Self {
            version: snapshot.version,
            hash: hash(snapshot),
            environment: snapshot.environment.as_deref().map(Arc::from),
            router,
            apis,
            credentials,
            certificates,
            compile_time: started.elapsed(),
        })
    }

    /// Starts what a live configuration runs in the background (active health checks).
    pub fn activate(&self) {
        for api in &self.apis {
            api.upstream.activate();
        }
    }
}

/// For each API (by position): whether a subscriber's subscription or application tier
/// has a rate or a quota (APIs whose callers are all unlimited skip the policy).
fn limited_apis(snapshot: &Snapshot, ids: &HashMap<&str, usize>, tiers: &Tiers) -> Vec<bool> {
    let limited = |name: &Option<String>| {
        name.as_deref().and_then(|n| tiers.get(n)).is_some_and(|t| t.rate.is_some() || t.quota.is_some())
    };
    let mut apis = vec![false; snapshot.apis.len()];
    for application in &snapshot.applications {
        let app_limited = limited(&application.tier);
        for subscription in &application.subscriptions {
            if let Some(&api) = ids.get(subscription.api.as_str())
                && (app_limited || limited(&subscription.tier))
            {
                apis[api] = true;
            }
        }
    }
    apis
}

/// Hex SHA-256 of the snapshot's canonical JSON: field order is fixed by the types, maps
/// are sorted, and APIs, applications and certificates are taken in canonical order (see
/// [`Snapshot::canonicalize`]), so two snapshots with the same content hash alike whatever
/// order they list things in.
pub fn hash(snapshot: &Snapshot) -> String {
    let json = if snapshot.is_canonical() {
        serde_json::to_vec(snapshot)
    } else {
        let mut sorted = snapshot.clone();
        sorted.canonicalize();
        serde_json::to_vec(&sorted)
    };
    hex::encode(Sha256::digest(json.unwrap_or_default()))
}

/// Rate-limit keys the in-process limiter holds (about 100 bytes each).
pub const LIMITER_CAPACITY: usize = 1_000_000;

/// The live configuration, swapped atomically, and what outlives every configuration:
/// the limiter's counters and the cached responses.
pub struct ConfigStore {
    current: ArcSwapOption<Config>,
    limiter: Arc<Limiter>,
    cache: Arc<ResponseCache>,
    metrics: Metrics,
}

impl ConfigStore {
    /// An empty store (not ready until a configuration arrives) with in-process limits.
    pub fn new() -> Arc<Self> {
        Self::with_limiter(Limiter::local(LIMITER_CAPACITY))
    }

    /// An empty store whose limits are decided by `limiter`, with an in-process cache.
    pub fn with_limiter(limiter: Limiter) -> Arc<Self> {
        Self::with(limiter, ResponseCache::local(DEFAULT_CACHE_BYTES))
    }

    /// An empty store whose limits are decided by `limiter` and responses cached in `cache`.
    pub fn with(limiter: Limiter, cache: ResponseCache) -> Arc<Self> {
        let limiter = Arc::new(limiter);
        limiter.start();
        Arc::new(Self { current: ArcSwapOption::empty(), limiter, cache: Arc::new(cache), metrics: Metrics::default() })
    }

    /// The limiter.
    pub fn limiter(&self) -> &Arc<Limiter> {
        &self.limiter
    }

    /// The response cache.
    pub fn cache(&self) -> &Arc<ResponseCache> {
        &self.cache
    }

    /// The Prometheus counters that outlive configurations.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The live configuration, if any.
    pub fn current(&self) -> Option<Arc<Config>> {
        self.current.load_full()
    }

    /// Makes `config` live; requests already running keep the one they started with.
    pub fn install(&self, config: Config) {
        let started = Instant::now();
        config.activate();
        self.metrics.attach(&config);
        let took = config.compile_time + started.elapsed();
        let (version, hash) = (config.version, config.hash.clone());
        let previous = self.current.swap(Some(Arc::new(config)));
        self.metrics.applied(took);
        tracing::info!(version, %hash, "gateway configuration installed");
        // Freeing a large configuration takes a while; not on a thread serving requests.
        if let (Some(previous), Ok(runtime)) = (previous, tokio::runtime::Handle::try_current()) {
            runtime.spawn_blocking(move || drop(previous));
        }
    }

    /// Compiles and installs a snapshot; on error the running configuration stays.
    pub fn apply(&self, snapshot: &Snapshot) -> Result<(), LoadError> {
        let config = Config::compile(snapshot).inspect_err(|_| self.metrics.rejected())?;
        self.install(config);
        Ok(())
    }
}
