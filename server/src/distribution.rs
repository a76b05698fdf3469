//! Config distribution, control-plane side: the hub watches every environment's
//! `config_version` (bumped by the domain in the same transaction as any change that
//! affects gateways), rebuilds that environment's snapshot when it moves, checks it with
//! the gateway's own compile step, and publishes it on a `watch` channel. The co-located
//! gateway and every remote gateway's stream subscribe to their environment's channel.
//! It wakes on every state-changing request and also polls, so several control-plane
//! instances on one database converge too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gateway::Snapshot;
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};

/// How often the hub looks for changes when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);

/// One published configuration of an environment.
#[derive(Debug)]
pub struct Published {
    /// The snapshot's version (the environment's `config_version`).
    pub version: u64,
    /// Its hash.
    pub hash: String,
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
}

type Channel = watch::Sender<Option<Arc<Published>>>;

/// The hub; see the module documentation.
pub struct ConfigHub {
    db: DatabaseConnection,
    changed: Arc<Notify>,
    channels: Mutex<HashMap<String, Channel>>,
}

impl ConfigHub {
    /// A hub over `db`, woken by `changed`.
    pub fn new(db: DatabaseConnection, changed: Arc<Notify>) -> Arc<Self> {
        Arc::new(Self { db, changed, channels: Mutex::new(HashMap::new()) })
    }

    /// The channel of `environment`'s configuration (`None` until first built).
    pub fn subscribe(&self, environment: &str) -> watch::Receiver<Option<Arc<Published>>> {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels.entry(environment.to_owned()).or_insert_with(|| watch::channel(None).0).subscribe()
    }

    /// The current configuration of `environment`, if built.
    pub fn current(&self, environment: &str) -> Option<Arc<Published>> {
        self.subscribe(environment).borrow().clone()
    }

    /// Each environment's published configuration version, by environment name.
    pub fn published(&self) -> Vec<(String, u64)> {
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let mut published: Vec<(String, u64)> = channels
            .iter()
            .filter_map(|(environment, channel)| Some((environment.clone(), channel.borrow().as_ref()?.version)))
            .collect();
        published.sort();
        published
    }

    /// Runs forever: refresh, then wait for a change or the poll interval.
    pub async fn run(self: Arc<Self>) {
        loop {
            self.refresh().await;
            let _ = tokio::time::timeout(POLL, self.changed.notified()).await;
        }
    }

    /// Rebuilds every environment whose version moved; returns how many were published.
    pub async fn refresh(&self) -> usize {
        let environments = match domain::environments::list(&self.db).await {
            Ok(list) => list,
            Err(error) => {
                tracing::warn!(%error, "config distribution cannot list environments");
                return 0;
            }
        };
        let mut published = 0;
        for env in environments {
            let version = u64::try_from(env.config_version).unwrap_or_default();
            let sender = {
                let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
                channels.entry(env.name.clone()).or_insert_with(|| watch::channel(None).0).clone()
            };
            if sender.borrow().as_ref().is_some_and(|p| p.version >= version) {
                continue;
            }
            match self.build(&env.name).await {
                Ok(next) => {
                    tracing::info!(environment = %env.name, version = next.version, hash = %next.hash, "configuration published");
                    sender.send_replace(Some(Arc::new(next)));
                    published += 1;
                }
                Err(error) => tracing::error!(environment = %env.name, %error, "configuration not published"),
            }
        }
        published
    }

    async fn build(&self, environment: &str) -> Result<Published, String> {
        let snapshot = domain::snapshots::build_named(&self.db, environment).await.map_err(|e| e.to_string())?;
        let checked = snapshot.clone();
        tokio::task::spawn_blocking(move || gateway::Config::compile(&checked).map(|_| ()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        Ok(Published {
            version: snapshot.version,
            hash: gateway::config::hash(&snapshot),
            snapshot: Arc::new(snapshot),
        })
    }
}

/// Keeps the co-located gateway's store on `environment`'s configuration.
pub async fn feed_colocated(hub: Arc<ConfigHub>, environment: String, store: Arc<gateway::ConfigStore>) {
    let mut updates = hub.subscribe(&environment);
    loop {
        let next = updates.borrow_and_update().clone();
        if let Some(published) = next {
            let snapshot = published.snapshot.clone();
            let compiled = tokio::task::spawn_blocking(move || gateway::Config::compile(&snapshot)).await;
            match compiled {
                Ok(Ok(config)) => store.install(config),
                Ok(Err(error)) => tracing::error!(%error, "co-located gateway refused the configuration"),
                Err(error) => tracing::error!(%error, "co-located gateway compile task failed"),
            }
        }
        if updates.changed().await.is_err() {
            return;
        }
    }
}
