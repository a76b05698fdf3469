//! Migrations apply cleanly, twice (idempotent), on SQLite and — with
//! `PORTICO_TEST_DATABASE_URL` — on PostgreSQL.
#![allow(clippy::expect_used)]

use migrations::testkit::fresh_database;
use migrations::{Migrator, MigratorTrait};

#[tokio::test]
async fn migrations_apply_and_are_idempotent() {
    let db = fresh_database("migrations::migrations_apply_and_are_idempotent").await;
    assert!(Migrator::get_pending_migrations(&db.conn).await.expect("pending").is_empty());
    Migrator::up(&db.conn, None).await.expect("second run is a no-op");
    let applied = Migrator::get_applied_migrations(&db.conn).await.expect("applied");
    assert_eq!(applied.len(), Migrator::migrations().len());
    for table in [
        "organizations",
        "users",
        "memberships",
        "sessions",
        "personal_access_tokens",
        "one_time_tokens",
        "invitations",
        "audit_log",
        "mail_outbox",
    ] {
        let manager = migrations::SchemaManager::new(&db.conn);
        assert!(manager.has_table(table).await.expect("has_table"), "{table} missing on {}", db.backend);
    }
}
