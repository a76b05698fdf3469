//! Fresh, isolated, migrated databases for tests (feature `testkit`).
//!
//! Without `PORTICO_TEST_DATABASE_URL` a test gets a private in-memory SQLite database.
//! With it (CI sets it to the shared PostgreSQL), a test gets a database of its own,
//! `portico_t_<unix seconds>_<random>`, created on that server; it never touches another
//! database, and leftovers of earlier runs older than six hours are dropped. With
//! `CI=true` a missing variable is a failure, not a silent fallback.
//!
//! Every test that asks for a backend appends `<backend>\t<test>` to the file named by
//! `PORTICO_TEST_REPORT`, which the test command sums up per backend.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::{Migrator, MigratorTrait};

/// Environment variable naming the PostgreSQL server tests may create databases on.
pub const DATABASE_URL_VAR: &str = "PORTICO_TEST_DATABASE_URL";
/// Environment variable naming the Redis server tests may use (with their own key prefix).
pub const REDIS_URL_VAR: &str = "PORTICO_TEST_REDIS_URL";
const LEFTOVER_MAX_AGE_SECS: u64 = 6 * 3600;

/// A migrated database that belongs to one test.
pub struct TestDatabase {
    /// The open connection pool.
    pub conn: DatabaseConnection,
    /// URL of this database (for tests that start a process on it).
    pub url: String,
    /// `"postgres"` or `"sqlite"`.
    pub backend: &'static str,
}

/// Creates a fresh database for `test`, runs every migration on it and returns it.
///
/// # Panics
/// When the database cannot be created or migrated: a test cannot run without it.
pub async fn fresh_database(test: &str) -> TestDatabase {
    let db = match required_var(DATABASE_URL_VAR) {
        Some(server) => postgres_database(&server).await,
        None => {
            let url = "sqlite::memory:".to_owned();
            TestDatabase { conn: connect(&url).await, url, backend: "sqlite" }
        }
    };
    report(db.backend, test);
    Migrator::up(&db.conn, None).await.unwrap_or_else(|e| panic!("migrations failed on {}: {e}", db.backend));
    db
}

/// A file-backed SQLite URL in `dir`, or a fresh PostgreSQL database, without migrating:
/// for tests that start the `portico` process themselves and let it migrate.
pub async fn fresh_database_url(test: &str, dir: &std::path::Path) -> (String, &'static str) {
    let (url, backend) = match required_var(DATABASE_URL_VAR) {
        Some(server) => (postgres_database(&server).await.url, "postgres"),
        None => (format!("sqlite://{}?mode=rwc", dir.join("portico.db").display()), "sqlite"),
    };
    report(backend, test);
    (url, backend)
}

/// The Redis URL and a key prefix private to `test`, or `None` when tests run without
/// Redis (then the caller uses its in-process implementation).
pub fn redis(test: &str) -> Option<(String, String)> {
    let url = required_var(REDIS_URL_VAR);
    report(if url.is_some() { "redis" } else { "in-process" }, test);
    url.map(|url| (url, format!("portico-test:{}:{}:", unique_suffix(), test)))
}

fn required_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but {name} is not set: this test must run against the real server")
        }
        _ => None,
    }
}

fn unique_suffix() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{secs}_{:08x}", rand::thread_rng().r#gen::<u32>())
}

async fn connect(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(4).sqlx_logging(false);
    Database::connect(options).await.unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

async fn postgres_database(server_url: &str) -> TestDatabase {
    let admin = connect(server_url).await;
    drop_leftovers(&admin).await;
    let name = format!("portico_t_{}", unique_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    let url = replace_database(server_url, &name);
    TestDatabase { conn: connect(&url).await, url, backend: "postgres" }
}

async fn drop_leftovers(admin: &DatabaseConnection) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let Ok(rows) = admin
        .query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'portico\\_t\\_%'",
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok()).unwrap_or(now);
        if now.saturating_sub(created) > LEFTOVER_MAX_AGE_SECS {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
}

/// Replaces the database name (the URL path) of a PostgreSQL URL, keeping its query.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..].find('/').map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn report(backend: &str, test: &str) {
    let Ok(path) = std::env::var("PORTICO_TEST_REPORT") else { return };
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        // One write per line: tests in parallel processes append to the same file.
        let _ = file.write_all(format!("{backend}\t{test}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_the_database_and_keeps_the_query() {
        assert_eq!(replace_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(replace_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(replace_database("postgres://h:1", "x"), "postgres://h:1/x");
    }
}
