//! The disk cache of a control-plane gateway: its node id and the last good snapshot, so
//! it can start serving before (or without) reaching the control plane. Files are written
//! atomically (a temporary file renamed over the old one) and are owner-only: the
//! directory 0700, files 0600 (a snapshot may carry what the gateway must present).

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::spec::Snapshot;

/// The snapshot's file name in the cache directory.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
/// The node id's file name in the cache directory.
pub const NODE_ID_FILE: &str = "node-id";

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// A snapshot as cached: what it is, for which environment, and the snapshot.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The environment it was received for.
    pub environment: String,
    /// Its version (as the control plane numbered it).
    pub version: u64,
    /// Its hash ([`crate::config::hash`]).
    pub hash: String,
    /// The configuration.
    pub snapshot: Arc<Snapshot>,
}

/// The file's shape (written from borrowed parts, read into owned ones).
#[derive(Serialize, Deserialize)]
struct File<E, S> {
    environment: E,
    version: u64,
    hash: E,
    snapshot: S,
}

impl Cache {
    /// Opens the directory, creating it (0700) if needed and making it owner-only.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
        #[cfg(unix)]
        fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        Ok(Self { dir: dir.to_owned() })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This node's id: read from the cache, or a new UUID written there.
    pub fn node_id(&self) -> io::Result<String> {
        let path = self.dir.join(NODE_ID_FILE);
        match fs::read_to_string(&path) {
            Ok(text) if uuid::Uuid::parse_str(text.trim()).is_ok() => return Ok(text.trim().to_owned()),
            Ok(_) => tracing::warn!(file = %path.display(), "the node id file is not a UUID; writing a new one"),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        let id = uuid::Uuid::new_v4().to_string();
        write_private(&path, id.as_bytes())?;
        Ok(id)
    }

    /// The cached snapshot for `environment`, if there is a readable one. A missing file is
    /// `None`; an unreadable one, or one for another environment, is logged and `None`.
    pub fn load(&self, environment: &str) -> Option<Cached> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return None,
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "cannot read the cached configuration");
                return None;
            }
        };
        match serde_json::from_slice::<File<String, Snapshot>>(&bytes) {
            Ok(file) if file.environment == environment => Some(Cached {
                environment: file.environment,
                version: file.version,
                hash: file.hash,
                snapshot: Arc::new(file.snapshot),
            }),
            Ok(file) => {
                tracing::warn!(
                    file = %path.display(), cached = %file.environment, environment,
                    "the cached configuration is for another environment; ignored"
                );
                None
            }
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "the cached configuration is unreadable; ignored");
                None
            }
        }
    }

    /// Writes `cached` as the last good snapshot (atomically, owner-only).
    pub fn store(&self, cached: &Cached) -> io::Result<()> {
        let file = File {
            environment: cached.environment.as_str(),
            version: cached.version,
            hash: cached.hash.as_str(),
            snapshot: &*cached.snapshot,
        };
        let json = serde_json::to_vec(&file).map_err(io::Error::other)?;
        write_private(&self.dir.join(SNAPSHOT_FILE), &json)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory (mode 0600),
/// synced, then renamed over `path`: a reader sees the old file or the new one, whole.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    let temp = path.with_file_name(name);
    // A leftover from a crash could have other permissions: start from a new file.
    match fs::remove_file(&temp) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(error) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    // Make the rename itself durable.
    if let Some(dir) = path.parent() {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir() -> PathBuf {
        std::env::temp_dir().join(format!("portico-cache-test-{}", uuid::Uuid::new_v4())).join("cache")
    }

    #[test]
    fn the_node_id_is_kept_and_the_snapshot_round_trips_owner_only() {
        let dir = tempdir();
        let cache = Cache::open(&dir).unwrap();
        let id = cache.node_id().unwrap();
        assert_eq!(cache.node_id().unwrap(), id);
        assert!(cache.load("prod").is_none());
        let snapshot = Arc::new(Snapshot { version: 7, ..Default::default() });
        let cached = Cached { environment: "prod".into(), version: 7, hash: "h".into(), snapshot };
        cache.store(&cached).unwrap();
        cache.store(&cached).unwrap();
        let loaded = cache.load("prod").unwrap();
        assert_eq!((loaded.version, loaded.hash.as_str(), loaded.snapshot.version), (7, "h", 7));
        assert!(cache.load("sandbox").is_none(), "another environment's snapshot is not used");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join(SNAPSHOT_FILE)), 0o600);
            assert_eq!(mode(&dir.join(NODE_ID_FILE)), 0o600);
        }
        fs::write(dir.join(SNAPSHOT_FILE), b"{ not json").unwrap();
        assert!(cache.load("prod").is_none());
        let _ = fs::remove_dir_all(dir.parent().unwrap());
    }
}
