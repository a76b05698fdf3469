//! Portico's control-plane core: the data model (sea-orm entities), the business rules
//! and the services that apply them. Used by `server` (REST API, CLI) and by `app`'s
//! server functions, so a rule lives here once.
//!
//! Services are plain async functions taking `&impl Db` (a connection or a transaction)
//! and, for anything a user does, an [`Actor`]: every query is scoped by the actor's
//! organizations here, never in handlers, and every mutation writes an audit record.

pub mod accounts;
pub mod actor;
pub mod alerts;
pub mod analytics;
pub mod api_cache;
pub mod api_definition;
pub mod api_keys;
pub mod apis;
pub mod applications;
pub mod audit;
pub mod basic_credentials;
pub mod catalog;
pub mod deployments;
pub mod entities;
pub mod environments;
pub mod error;
pub mod gateways;
pub mod invitations;
pub mod key_managers;
pub mod lifecycle;
pub mod mail;
pub mod members;
pub mod oauth;
pub mod one_time;
pub mod openapi;
pub mod orgs;
pub mod page;
pub mod password_reset;
pub mod passwords;
pub mod permissions;
pub mod platform_settings;
pub mod roles;
pub mod secrets;
pub mod sessions;
pub mod setup;
pub mod snapshots;
pub mod sso;
pub mod throttle;
pub mod tiers;
pub mod tokens;
pub mod users;
pub mod validate;

pub use actor::{Actor, Role};
pub use error::{DomainError, FieldError};
pub use page::{Page, PageRequest};
pub use permissions::{Permission, Permissions};

/// A database handle a service can run on: a pooled connection or an open transaction.
/// Services that write several rows open a (nested) transaction on it themselves, with
/// [`Db::begin_write`].
pub trait Db: sea_orm::ConnectionTrait + sea_orm::TransactionTrait {
    /// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write
    /// lock is taken at once (waiting for the busy timeout if another writer holds it),
    /// because a deferred transaction that has read cannot take it later once another
    /// connection has written — SQLite refuses the upgrade at once, and the request would
    /// fail. PostgreSQL ignores the mode; nested calls open a savepoint.
    fn begin_write(&self) -> impl std::future::Future<Output = Result<Self::Transaction, sea_orm::DbErr>> + Send
    where
        Self: Sync,
    {
        let options = sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.begin_with_options(options)
    }
}
impl<T: sea_orm::ConnectionTrait + sea_orm::TransactionTrait> Db for T {}

/// Result of a domain operation.
pub type DomainResult<T> = Result<T, DomainError>;
