//! What watches the requests a gateway serves — analytics events, traces and the access
//! log — held together, so the proxy, the status listener and the metrics take one value.
//! Each is optional: what is not configured costs the request path nothing.

use std::sync::Arc;

use crate::access_log::AccessLog;
use crate::analytics::Analytics;
use crate::telemetry::Tracer;

/// The request observers of one gateway process.
#[derive(Clone, Default)]
pub struct Observers {
    /// Where analytics events go; `None` when analytics is off.
    pub analytics: Option<Arc<Analytics>>,
    /// Where spans go; `None` when tracing is off.
    pub tracer: Option<Arc<Tracer>>,
    /// Where access-log lines go; `None` when the access log is off.
    pub access_log: Option<Arc<AccessLog>>,
}

impl Observers {
    /// Whether anything needs a request's details.
    pub fn any(&self) -> bool {
        self.analytics.is_some() || self.tracer.is_some() || self.access_log.is_some()
    }
}
