//! DB-less mode: the configuration comes from a declarative file (the snapshot format, YAML
//! or JSON), loaded at start and reloaded when the file changes or on SIGHUP. A file that
//! does not load is reported with its error's location and the running configuration
//! keeps serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::config::{Config, ConfigStore};
use crate::spec::{self, LoadError, Snapshot};

/// How often the file's modification time and size are checked.
const POLL: Duration = Duration::from_secs(1);

/// Reads and parses a snapshot file.
pub fn read(path: &Path) -> Result<Snapshot, LoadError> {
    let text = std::fs::read(path).map_err(|e| LoadError::at("", format!("cannot read {}: {e}", path.display())))?;
    spec::parse(&text)
}

/// Loads, compiles and installs the file's configuration.
pub fn load(path: &Path, store: &ConfigStore) -> Result<(), LoadError> {
    let snapshot = read(path)?;
    let config = Config::compile(&snapshot).inspect_err(|_| store.metrics().rejected())?;
    if store.current().is_some_and(|current| current.hash == config.hash) {
        return Ok(());
    }
    store.install(config);
    Ok(())
}

/// Reloads the file whenever it changes or the process gets SIGHUP, forever.
pub async fn watch(path: PathBuf, store: Arc<ConfigStore>) {
    let mut stamp = file_stamp(&path);
    let mut hangup = hangup_signal();
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = poll.tick() => false,
            () = next_hangup(&mut hangup) => true,
        };
        let now = file_stamp(&path);
        if !forced && now == stamp {
            continue;
        }
        stamp = now;
        // Parsing and compiling a large file takes a while: not on a thread serving requests.
        let (file, live) = (path.clone(), store.clone());
        let loaded = tokio::task::spawn_blocking(move || load(&file, &live))
            .await
            .unwrap_or_else(|e| Err(LoadError::at("", format!("the reload task failed: {e}"))));
        match loaded {
            Ok(()) => tracing::info!(file = %path.display(), "configuration file reloaded"),
            Err(error) => tracing::error!(
                file = %path.display(), %error,
                "configuration file not loaded; the running configuration keeps serving"
            ),
        }
    }
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangup_signal() -> Hangup {}

#[cfg(unix)]
async fn next_hangup(signal: &mut Hangup) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangup) {
    std::future::pending().await
}
