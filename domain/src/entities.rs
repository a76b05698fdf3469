//! sea-orm entities: one module per table, mirroring the `migrations` crate. Status and
//! role columns are stored as snake_case strings and parsed by the services.

pub mod analytics_batch;
pub mod analytics_event;
pub mod analytics_minute;
pub mod api;
pub mod api_key;
pub mod api_lifecycle_event;
pub mod api_revision;
pub mod application;
pub mod audit_entry;
pub mod basic_credential;
pub mod deployment;
pub mod environment;
pub mod gateway_node;
pub mod gateway_token;
pub mod invitation;
pub mod key_manager;
pub mod mail;
pub mod membership;
pub mod oauth_access_token;
pub mod oauth_client;
pub mod oauth_code;
pub mod oauth_consent;
pub mod oauth_refresh_token;
pub mod one_time_token;
pub mod org_role;
pub mod organization;
pub mod personal_access_token;
pub mod platform_setting;
pub mod session;
pub mod signing_key;
pub mod sso_login;
pub mod sso_provider;
pub mod subscription;
pub mod tier;
pub mod user;
