//! From a control-plane message to a configuration ready to install, or the reason there
//! is none: a snapshot is compiled; a delta is checked against the running version,
//! applied, hash-checked and compiled. Large ones are parsed, applied and compiled on the
//! blocking pool, so the runtime's workers keep serving requests meanwhile.

use std::sync::Arc;

use super::protocol::{ControlMessage, Delta};
use crate::config::{self, Config};
use crate::spec::Snapshot;

/// Snapshots with more APIs and keys than this are handled on the blocking pool; smaller
/// ones take microseconds and are handled in place.
const INLINE_ITEMS: usize = 64;
/// Messages longer than this (bytes) are parsed on the blocking pool.
const INLINE_BYTES: usize = 256 * 1024;

/// The configuration a gateway runs, as the control plane numbered it.
#[derive(Debug, Clone)]
pub struct Running {
    /// Its version.
    pub version: u64,
    /// Its hash ([`config::hash`]).
    pub hash: String,
    /// The snapshot (the base of the next delta).
    pub snapshot: Arc<Snapshot>,
}

/// What to do with a message.
pub enum Outcome {
    /// Install this configuration and ACK it.
    Install {
        /// What it becomes once installed.
        running: Running,
        /// The compiled configuration.
        config: Box<Config>,
    },
    /// The gateway already runs this version with this hash: ACK it, change nothing.
    Current(Running),
    /// The configuration does not compile: NACK, keep the running one.
    Refused {
        /// The version refused.
        version: u64,
        /// The compile error.
        error: String,
    },
    /// A delta that cannot be applied: ask for a full snapshot.
    Resync,
}

/// Parses a text frame (on the blocking pool when it is large).
pub async fn parse<T: AsRef<str> + Send + 'static>(text: T) -> Result<ControlMessage, ParseError> {
    if text.as_ref().len() <= INLINE_BYTES {
        return parse_now(text.as_ref());
    }
    tokio::task::spawn_blocking(move || parse_now(text.as_ref()))
        .await
        .unwrap_or_else(|error| Err(ParseError { version: None, error: format!("parse task failed: {error}") }))
}

/// A frame that is not a control message; `version` when it was recognisably a snapshot
/// or delta (it is then NACKed rather than ignored).
#[derive(Debug)]
pub struct ParseError {
    /// The version the message carried, if it could be read.
    pub version: Option<u64>,
    /// Why it could not be read.
    pub error: String,
}

fn parse_now(text: &str) -> Result<ControlMessage, ParseError> {
    serde_json::from_str(text).map_err(|error| {
        #[derive(serde::Deserialize)]
        struct Envelope {
            #[serde(rename = "type")]
            kind: String,
            version: Option<u64>,
        }
        let version = serde_json::from_str::<Envelope>(text)
            .ok()
            .filter(|e| e.kind == "snapshot" || e.kind == "delta")
            .and_then(|e| e.version);
        ParseError { version, error: format!("cannot read the message: {error}") }
    })
}

/// A full snapshot with its claimed version and hash.
pub async fn snapshot(running: Option<&Running>, version: u64, hash: String, snapshot: Snapshot) -> Outcome {
    if let Some(running) = running.filter(|r| r.version == version && r.hash == hash) {
        return Outcome::Current(running.clone());
    }
    if snapshot.version != version {
        tracing::warn!(version, snapshot_version = snapshot.version, "the snapshot's own version differs");
    }
    let snapshot = Arc::new(snapshot);
    let compiled = {
        let snapshot = snapshot.clone();
        off_path(size(&snapshot), move || Config::compile(&snapshot).map_err(|e| e.to_string())).await.and_then(|r| r)
    };
    match compiled {
        Ok(config) => {
            if config.hash != hash {
                tracing::warn!(version, claimed = %hash, computed = %config.hash, "the snapshot hashes differently");
            }
            let running = Running { version, hash: config.hash.clone(), snapshot };
            Outcome::Install { running, config: Box::new(config) }
        }
        Err(error) => Outcome::Refused { version, error },
    }
}

/// A delta on the running configuration.
pub async fn delta(running: Option<&Running>, delta: Delta) -> Outcome {
    let Some(running) = running.filter(|r| r.version == delta.base_version) else {
        tracing::warn!(
            base_version = delta.base_version, running = ?running.map(|r| r.version),
            "the delta is not for the running version; asking for a snapshot"
        );
        return Outcome::Resync;
    };
    let (base, version) = (running.snapshot.clone(), delta.version);
    off_path(size(&base), move || {
        let next = delta.apply(&base);
        match Config::compile(&next) {
            Ok(config) if config.hash == delta.hash => {
                let running = Running { version: delta.version, hash: config.hash.clone(), snapshot: Arc::new(next) };
                Outcome::Install { running, config: Box::new(config) }
            }
            Ok(config) => {
                tracing::warn!(version = delta.version, expected = %delta.hash, computed = %config.hash,
                    "the delta's result hashes differently; asking for a snapshot");
                Outcome::Resync
            }
            // An error in what the control plane meant to send is a NACK; in anything else, a resync.
            Err(error) if config::hash(&next) == delta.hash => {
                Outcome::Refused { version: delta.version, error: error.to_string() }
            }
            Err(_) => Outcome::Resync,
        }
    })
    .await
    .unwrap_or_else(|error| Outcome::Refused { version, error })
}

/// How much work a snapshot is: its APIs and keys.
fn size(snapshot: &Snapshot) -> usize {
    snapshot.apis.len() + snapshot.applications.iter().map(|a| a.keys.len() + 1).sum::<usize>()
}

/// Runs `work` in place when `size` is small, else on the blocking pool.
async fn off_path<T: Send + 'static>(size: usize, work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    if size <= INLINE_ITEMS {
        return Ok(work());
    }
    tokio::task::spawn_blocking(work).await.map_err(|error| format!("compile task failed: {error}"))
}
