//! sea-orm entities: one module per table, mirroring the `migrations` crate. Status and
//! role columns are stored as snake_case strings and parsed by the services.

pub mod audit_entry;
pub mod invitation;
pub mod mail;
pub mod membership;
pub mod one_time_token;
pub mod organization;
pub mod personal_access_token;
pub mod session;
pub mod user;
