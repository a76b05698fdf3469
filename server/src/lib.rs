//! Portico's control plane, the composition root: settings, the axum application (REST
//! API, Leptos UI, operational endpoints), start-up and the command line. Business rules
//! live in `domain`; this crate wires them to HTTP.

pub mod alerts;
pub mod analytics;
pub mod api;
pub mod auth;
pub mod cli;
pub mod db;
pub mod distribution;
pub mod error;
pub mod key_manager_refresh;
pub mod mailer;
pub mod metrics;
pub mod oauth;
pub mod ops;
pub mod request_context;
pub mod router;
pub mod serve;
pub mod settings;
pub mod sso;
pub mod telemetry;
pub mod web;
