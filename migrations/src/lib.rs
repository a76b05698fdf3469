//! Portico's database schema as sea-orm migrations.
//!
//! Migrations run at start-up (`portico` calls [`Migrator::up`]) and are idempotent: an
//! applied migration is recorded in `seaql_migrations` and never runs twice. They work on
//! SQLite (the embedded default) and PostgreSQL. This crate never imports `domain`: the
//! schema is described here with sea-query only, so a migration stays valid when entities
//! change later.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_organizations_and_users;
mod m20261127_000002_create_sessions_and_tokens;
mod m20261127_000003_create_invitations;
mod m20261127_000004_create_audit_log;
mod m20261127_000005_create_mail_outbox;
mod m20261128_000001_create_apis;
mod m20261128_000002_create_applications;
mod m20261128_000003_create_gateways;
mod m20261129_000001_create_oauth;
mod m20261129_000020_create_custom_roles;
mod m20261202_000010_create_sso;
mod m20261203_000001_tier_limits;
mod m20261203_000020_api_cache_generation;
mod m20261204_000001_create_analytics;
mod m20261205_000001_create_alerts;
mod m20261208_000001_index_analytics_batches;
#[cfg(feature = "testkit")]
pub mod testkit;

/// Every migration of the schema, in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_organizations_and_users::Migration),
            Box::new(m20261127_000002_create_sessions_and_tokens::Migration),
            Box::new(m20261127_000003_create_invitations::Migration),
            Box::new(m20261127_000004_create_audit_log::Migration),
            Box::new(m20261127_000005_create_mail_outbox::Migration),
            Box::new(m20261128_000001_create_apis::Migration),
            Box::new(m20261128_000002_create_applications::Migration),
            Box::new(m20261128_000003_create_gateways::Migration),
            Box::new(m20261129_000001_create_oauth::Migration),
            Box::new(m20261129_000020_create_custom_roles::Migration),
            Box::new(m20261202_000010_create_sso::Migration),
            Box::new(m20261203_000001_tier_limits::Migration),
            Box::new(m20261203_000020_api_cache_generation::Migration),
            Box::new(m20261204_000001_create_analytics::Migration),
            Box::new(m20261205_000001_create_alerts::Migration),
            Box::new(m20261208_000001_index_analytics_batches::Migration),
        ]
    }
}
