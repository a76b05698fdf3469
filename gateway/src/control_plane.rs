//! The gateway's side of config distribution (`portico-gateway --control-plane URL`): one
//! long-lived WebSocket to the control plane ([`protocol`]), which sends a snapshot and
//! then deltas; each is compiled off the request path, installed in the [`ConfigStore`]
//! and ACKed, or NACKed while the last good configuration keeps serving.
//!
//! The last good snapshot is kept on disk ([`cache`]): a restarted gateway serves it at
//! once, and keeps serving it while the control plane is unreachable. The client
//! reconnects with [`backoff`] forever and reports key usage every interval ([`usage`]).
//!
//! | file | job |
//! |------|-----|
//! | `settings.rs` | flags, URL checks |
//! | `session.rs` | one connection: handshake, hello, messages, usage reports, keepalive |
//! | `apply.rs` | message → configuration to install (or NACK / resync) |
//! | `cache.rs` | node id and last good snapshot on disk, atomic and owner-only |
//! | `usage.rs` | batched key usage |
//! | `backoff.rs` | reconnect delays |

use std::sync::Arc;

use tokio::sync::watch;

use crate::analytics::Analytics;
use crate::config::{Config, ConfigStore};
use apply::{Outcome, Running};
use backoff::Backoff;
use cache::{Cache, Cached};
use outbox::Outbox;
use protocol::{ControlMessage, GatewayMessage};
use usage::Usage;

pub mod apply;
pub mod backoff;
pub mod cache;
pub mod outbox;
pub mod protocol;
pub mod session;
pub mod settings;
pub mod usage;

pub use settings::{ClientSettings, ControlPlaneArgs};

/// The control-plane client: what the gateway runs and what it owes the control plane.
pub struct Client {
    settings: ClientSettings,
    store: Arc<ConfigStore>,
    cache: Cache,
    node_id: String,
    hostname: String,
    running: Option<Running>,
    usage: Usage,
    /// Analytics events to ship, when analytics is on.
    outbox: Option<Outbox>,
    /// How often analytics is shipped.
    analytics_every: std::time::Duration,
    /// The latest snapshot to write to the cache (a writer task coalesces rapid pushes).
    cache_writes: watch::Sender<Option<Arc<Cached>>>,
}

impl Client {
    /// Opens the cache directory (creating it), reads or makes this node's id, and
    /// installs the cached snapshot if there is a good one, so the gateway serves before
    /// it reaches the control plane. Fails only when the cache directory is unusable.
    pub fn start(settings: ClientSettings, store: Arc<ConfigStore>) -> Result<Self, String> {
        let dir = settings.cache_dir.display().to_string();
        let cache =
            Cache::open(&settings.cache_dir).map_err(|e| format!("cannot use the cache directory {dir}: {e}"))?;
        let node_id = cache.node_id().map_err(|e| format!("cannot keep the node id in {dir}: {e}"))?;
        let running = cache.load(&settings.environment).and_then(|cached| install_cached(&store, cached));
        crate::credentials::clock::start();
        let (cache_writes, _) = watch::channel(None);
        Ok(Self {
            settings,
            store,
            cache,
            node_id,
            hostname: hostname(),
            running,
            usage: Usage::default(),
            outbox: None,
            analytics_every: std::time::Duration::from_secs(1),
            cache_writes,
        })
    }

    /// Ships `analytics`' events over the stream every `every`.
    pub fn ship_analytics(mut self, analytics: Arc<Analytics>, every: std::time::Duration) -> Self {
        self.outbox = Some(Outbox::new(analytics));
        self.analytics_every = every;
        self
    }

    /// This node's stable id.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Connects, serves the session, and reconnects after [`Backoff`] — forever.
    pub async fn run(mut self) {
        tokio::spawn(write_cache(self.cache.clone(), self.cache_writes.subscribe()));
        tracing::info!(
            control_plane = %self.settings.url, environment = %self.settings.environment, node_id = %self.node_id,
            "connecting to the control plane"
        );
        let mut backoff = Backoff::new();
        loop {
            let end = session::run(&mut self).await;
            if end.established {
                backoff.reset();
            }
            let delay = backoff.next_delay();
            tracing::warn!(
                control_plane = %self.settings.url, reason = %end.reason, retry_in_ms = delay.as_millis() as u64,
                serving = self.running.as_ref().map(|r| r.version),
                "control plane connection {}; retrying", if end.established { "lost" } else { "failed" }
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The first message of a session.
    fn hello(&self) -> GatewayMessage {
        GatewayMessage::Hello {
            node_id: self.node_id.clone(),
            hostname: self.hostname.clone(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
            config_version: self.running.as_ref().map(|r| r.version),
            config_hash: self.running.as_ref().map(|r| r.hash.clone()),
        }
    }

    /// Applies a control message and says what became of it (the reply, if any).
    async fn handle(&mut self, message: ControlMessage) -> Option<GatewayMessage> {
        let outcome = match message {
            ControlMessage::Snapshot { version, hash, snapshot } => {
                apply::snapshot(self.running.as_ref(), version, hash, *snapshot).await
            }
            ControlMessage::Delta(delta) => apply::delta(self.running.as_ref(), *delta).await,
            ControlMessage::AnalyticsStored { seq } => {
                let outbox = self.outbox.as_mut()?;
                return if outbox.stored(seq) { outbox.due() } else { None };
            }
        };
        Some(match outcome {
            Outcome::Install { running, config } => self.install(running, *config),
            Outcome::Current(running) => GatewayMessage::Ack { version: running.version, hash: running.hash },
            Outcome::Refused { version, error } => {
                self.store.metrics().rejected();
                tracing::error!(version, %error, "configuration refused; the running one keeps serving");
                GatewayMessage::Nack { version, error }
            }
            Outcome::Resync => GatewayMessage::Resync { have_version: self.running.as_ref().map(|r| r.version) },
        })
    }

    /// Makes a compiled configuration live, queues it for the disk cache, and ACKs it.
    fn install(&mut self, running: Running, config: Config) -> GatewayMessage {
        let previous = self.store.current();
        self.store.install(config);
        if let Some(previous) = previous {
            // Uses noted on the configuration just swapped out still get reported.
            self.usage.collect(&previous.credentials);
        }
        self.cache_writes.send_replace(Some(Arc::new(Cached {
            environment: self.settings.environment.clone(),
            version: running.version,
            hash: running.hash.clone(),
            snapshot: running.snapshot.clone(),
        })));
        let ack = GatewayMessage::Ack { version: running.version, hash: running.hash.clone() };
        self.running = Some(running);
        ack
    }
}

/// Compiles and installs a cached snapshot; `None` (logged) if it no longer compiles or
/// does not match its hash.
fn install_cached(store: &ConfigStore, cached: Cached) -> Option<Running> {
    match Config::compile(&cached.snapshot) {
        Ok(config) if config.hash == cached.hash => {
            tracing::info!(version = cached.version, hash = %cached.hash, "serving the cached configuration");
            store.install(config);
            Some(Running { version: cached.version, hash: cached.hash, snapshot: cached.snapshot })
        }
        Ok(config) => {
            tracing::warn!(expected = %cached.hash, computed = %config.hash, "the cached configuration is damaged; ignored");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "the cached configuration does not compile; ignored");
            None
        }
    }
}

/// Writes the latest installed snapshot to the cache, off the runtime's workers; pushes
/// that arrive while a write runs are coalesced into the next one.
async fn write_cache(cache: Cache, mut latest: watch::Receiver<Option<Arc<Cached>>>) {
    while latest.changed().await.is_ok() {
        let Some(cached) = latest.borrow_and_update().clone() else { continue };
        let (target, version) = (cache.clone(), cached.version);
        match tokio::task::spawn_blocking(move || target.store(&cached)).await {
            Ok(Ok(())) => tracing::debug!(version, "configuration cached"),
            Ok(Err(error)) => tracing::warn!(dir = %cache.dir().display(), %error, "cannot cache the configuration"),
            Err(error) => tracing::warn!(%error, "cache write task failed"),
        }
    }
}

/// This machine's host name (for the admin UI), or `unknown`.
pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
