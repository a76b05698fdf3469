//! An API at run time: its identity, lifecycle state, upstream and compiled policy chain.

use std::sync::Arc;

use crate::cache::Caching;
use crate::policy::{self, Policy, Shared};
use crate::spec::{ApiSpec, ApiState, LoadError};
use crate::upstream::Upstream;

/// A compiled API.
pub struct Api {
    /// Stable id (subscriptions refer to it).
    pub id: Arc<str>,
    /// Display name.
    pub name: String,
    /// Its version (`v1`), for analytics.
    pub version: Arc<str>,
    /// Each listed operation as `METHOD /template` (by position), for analytics.
    pub operation_names: Vec<Arc<str>>,
    /// Lifecycle state.
    pub state: ApiState,
    /// Where requests go.
    pub upstream: Arc<Upstream>,
    /// The policies, in the order of [`policy`]'s table.
    pub policies: Vec<Arc<dyn Policy>>,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
    /// Response caching of its calls; `None` when none is cached.
    pub caching: Option<Caching>,
    /// Its calls are recorded in analytics (the spec's `do_not_track` unset).
    pub tracked: bool,
    /// The header an API key may come in (lowercase), redacted in access logs.
    pub key_header: Arc<str>,
    /// The query parameter an API key may come in, redacted in access logs.
    pub key_query: Option<Arc<str>>,
    /// Log the frames of its WebSocket sessions.
    pub log_frames: bool,
    /// Its Prometheus counters, attached when its configuration is installed.
    pub metrics: std::sync::OnceLock<Arc<crate::metrics::ApiMetrics>>,
}

impl Api {
    /// Compiles `apis[index]`.
    pub fn compile(
        index: usize,
        spec: &ApiSpec,
        shared: &Shared,
        default_max_body: u64,
    ) -> Result<Arc<Self>, LoadError> {
        let at = |field: &str| format!("apis[{index}].{field}");
        if spec.id.is_empty() {
            return Err(LoadError::at(at("id"), "an API needs an id"));
        }
        check_context(&spec.context).map_err(|message| LoadError::at(at("context"), message))?;
        if spec.version.is_empty() || !spec.version.chars().all(is_segment_char) {
            let message = "a version is one path segment of letters, digits, `.`, `-` or `_` (e.g. `v1`)";
            return Err(LoadError::at(at("version"), message));
        }
        for (h, host) in spec.hosts.iter().enumerate() {
            if host.is_empty() || host.parse::<http::uri::Authority>().is_err() || host.contains(':') {
                return Err(LoadError::at(at(&format!("hosts[{h}]")), format!("`{host}` is not a host name")));
            }
        }
        Ok(Arc::new(Self {
            id: Arc::from(spec.id.as_str()),
            name: spec.name.clone(),
            version: Arc::from(spec.version.as_str()),
            operation_names: spec.operations.iter().map(|o| Arc::from(format!("{} {}", o.method, o.path))).collect(),
            state: spec.state,
            upstream: Upstream::compile(&at("upstream"), &spec.upstream)?,
            policies: policy::chain_for(index, spec, shared)?,
            max_body_bytes: spec.max_body_bytes.unwrap_or(default_max_body),
            caching: Caching::compile(index, spec)?,
            tracked: !spec.do_not_track,
            key_header: Arc::from(spec.key_auth.header.to_ascii_lowercase()),
            key_query: spec.key_auth.query.as_deref().map(Arc::from),
            log_frames: spec.websocket.log_frames,
            metrics: std::sync::OnceLock::new(),
        }))
    }
}

fn is_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~')
}

/// A context is `/` followed by one or more segments of safe characters.
fn check_context(context: &str) -> Result<(), String> {
    let Some(rest) = context.strip_prefix('/') else {
        return Err(format!("`{context}` must start with `/`"));
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return Err("the context cannot be `/` alone (every API needs its own prefix)".into());
    }
    if rest.split('/').any(|segment| segment.is_empty() || !segment.chars().all(is_segment_char)) {
        return Err(format!("`{context}` may only have segments of letters, digits, `.`, `-`, `_` or `~`"));
    }
    Ok(())
}
