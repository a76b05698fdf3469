//! Opening the database and bringing its schema up to date at start-up.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Connects to `url` (creating the SQLite file's directory if needed) and applies every
/// pending migration. The error names the database with its password masked.
pub async fn open(url: &str, max_connections: u32) -> Result<DatabaseConnection, String> {
    if let Some(path) = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p))
        && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db =
        Database::connect(options).await.map_err(|e| format!("cannot connect to the database {}: {e}", redact(url)))?;
    Migrator::up(&db, None).await.map_err(|e| format!("cannot apply database migrations on {}: {e}", redact(url)))?;
    Ok(db)
}

/// Whether the database answers and has no pending migration (for `/readyz`).
pub async fn ready(db: &DatabaseConnection) -> Result<(), String> {
    db.ping().await.map_err(|e| format!("database unreachable: {e}"))?;
    let pending = Migrator::get_pending_migrations(db).await.map_err(|e| format!("cannot read migrations: {e}"))?;
    if pending.is_empty() { Ok(()) } else { Err(format!("{} migrations pending", pending.len())) }
}

/// The URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://./data/portico.db"), "sqlite://./data/portico.db");
    }
}
