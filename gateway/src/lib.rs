//! Portico's data plane: the API gateway.
//!
//! The gateway runs two listeners: the **proxy** listener, which serves APIs only, and
//! the **status** listener with `/healthz` and `/readyz` (so operational endpoints never
//! shadow an API). It knows nothing of the control plane's database, web framework or UI;
//! it is embedded in `portico` (the co-located gateway) and runs alone as
//! `portico-gateway`. Routing, policies and config distribution build on this server.

pub mod error;
pub mod proxy;
pub mod request_id;
pub mod server;
pub mod settings;
pub mod signal;
pub mod status;

pub use error::ProxyError;
pub use server::{BoundGateway, Gateway};
pub use settings::GatewaySettings;
