//! Portico's data plane: the API gateway.
//!
//! The gateway runs two listeners: the **proxy** listener, which serves APIs only, and
//! the **status** listener with `/healthz`, `/readyz`, `/config` and `/metrics` (so operational
//! endpoints never shadow an API). It knows nothing of the control plane's database, web
//! framework or UI: it serves a [`Snapshot`](spec::Snapshot) compiled into a
//! [`Config`](config::Config), which a source keeps current — a file (DB-less mode), the
//! control plane's stream, or, in `portico`, the co-located control plane in-process.

pub mod access_log;
pub mod analytics;
pub mod api;
pub mod cache;
pub mod config;
pub mod control_plane;
pub mod credentials;
pub mod error;
pub mod file_source;
pub mod forwarding;
pub mod jwt;
pub mod metrics;
pub mod observers;
pub mod outbound;
pub mod policy;
pub mod proxy;
pub mod ratelimit;
pub mod redis_link;
pub mod request_id;
pub mod router;
pub mod server;
pub mod settings;
pub mod signal;
pub mod spec;
pub mod status;
pub mod telemetry;
pub mod tiers;
pub mod tls;
pub mod upstream;
pub mod verified_cache;
pub mod websocket;

pub use config::{Config, ConfigStore};
pub use error::ProxyError;
pub use server::{BoundGateway, Gateway};
pub use settings::GatewaySettings;
pub use spec::Snapshot;
