//! An API's runtime definition: what a gateway needs to route and forward it (endpoints per
//! environment, balancing, timeouts, TLS, auth, operations, header rules). It is stored as
//! JSON on the API, copied into immutable revisions, and turned into the gateway's
//! [`ApiSpec`] for one environment when a snapshot is built. Validation is the gateway's
//! own compile step, so the control plane never accepts what a gateway would refuse.

use gateway::spec::{ApiSpec, ApiState, Snapshot, UpstreamSpec};
/// The gateway's types the definition's fields are made of.
pub use gateway::spec::{
    AuthKind, Balancing, CacheSpec, CircuitBreakerSpec, EndpointSpec, HeaderRulesSpec, HealthCheckSpec, HostHeader,
    KeyAuthSpec, KeySource, LimitSpec, OperationSpec, RateSpec, TimeoutsSpec, UpstreamTlsSpec, WebSocketSpec,
};
use serde::{Deserialize, Serialize};

use crate::{DomainError, DomainResult, FieldError};

/// The environment whose gateways use the sandbox endpoints; all others use production.
pub const SANDBOX: &str = "sandbox";

/// Endpoints of one kind (production or sandbox).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// Endpoints balanced between.
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    /// Failover endpoints, used while no primary one is available.
    #[serde(default)]
    pub backup: Vec<EndpointSpec>,
}

/// The runtime definition of an API (see the gateway's spec for each field's meaning).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiDefinition {
    /// Endpoints for production (and every environment but sandbox).
    #[serde(default)]
    pub production: Endpoints,
    /// Endpoints for the sandbox environment.
    #[serde(default)]
    pub sandbox: Endpoints,
    /// Load balancing between endpoints.
    #[serde(default)]
    pub balancing: Balancing,
    /// Path prepended upstream.
    #[serde(default)]
    pub base_path: String,
    /// `Host` header sent upstream.
    #[serde(default)]
    pub host_header: HostHeader,
    /// Connect and response timeouts.
    #[serde(default)]
    pub timeouts: TimeoutsSpec,
    /// Retries on other endpoints when a connection cannot be opened.
    #[serde(default = "one")]
    pub retries: u32,
    /// Circuit breaker per endpoint.
    #[serde(default)]
    pub circuit_breaker: CircuitBreakerSpec,
    /// Active health checks.
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    /// Upstream TLS.
    #[serde(default)]
    pub tls: Option<UpstreamTlsSpec>,
    /// HTTP/2 to `http://` endpoints.
    #[serde(default)]
    pub http2: bool,
    /// Default authentication of operations.
    #[serde(default)]
    pub auth: AuthKind,
    /// Where API keys are presented.
    #[serde(default)]
    pub key_auth: KeyAuthSpec,
    /// Routed operations (empty: every path and method).
    #[serde(default)]
    pub operations: Vec<OperationSpec>,
    /// Header rules.
    #[serde(default)]
    pub request_headers: HeaderRulesSpec,
    /// Request body limit.
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
    /// The OAuth2 scopes this API defines; operations require them by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ScopeDefinition>,
    /// Limits on every call, each counted by its key (operations have their own in
    /// `operations[].rate_limits`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<LimitSpec>,
    /// Most requests per period sent to the production endpoints, across every consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_backend_limit: Option<RateSpec>,
    /// Most requests per period sent to the sandbox endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_backend_limit: Option<RateSpec>,
    /// Most requests in flight at once on each gateway node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    /// The tiers consumers may subscribe with (names); empty: every tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// Response caching of the API's calls (operations may set their own in
    /// `operations[].cache`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSpec>,
    /// Record no analytics for the API's calls (they are still served, limited and
    /// logged).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub do_not_track: bool,
    /// What the gateway does with WebSocket sessions (frame logging).
    #[serde(default, skip_serializing_if = "is_default")]
    pub websocket: WebSocketSpec,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// An OAuth2 scope an API defines (`pets:write`), optionally reserved to roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeDefinition {
    /// The scope as tokens carry it: printable ASCII without spaces, `"` or `\`.
    pub name: String,
    /// What it allows, shown on the consent page and in the portal.
    #[serde(default)]
    pub description: String,
    /// When not empty, only users with one of these roles in the publishing organization
    /// get the scope (for the client-credentials grant: the application's owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<crate::Role>,
}

/// The scope-token rule, shared with the gateway that checks scopes.
pub use gateway::spec::is_scope_token;

fn one() -> u32 {
    1
}

/// What identifies an API at a gateway besides its definition.
pub struct Routing<'a> {
    /// The API's id.
    pub id: String,
    /// Its name.
    pub name: &'a str,
    /// Context path.
    pub context: &'a str,
    /// Version segment.
    pub version: &'a str,
    /// Whether it is the default version.
    pub default_version: bool,
    /// Its state at the gateway.
    pub state: ApiState,
    /// Its cache purge generation.
    pub cache_generation: u64,
}

impl ApiDefinition {
    /// The endpoints used in `environment`.
    pub fn endpoints_for(&self, environment: &str) -> &Endpoints {
        if environment == SANDBOX { &self.sandbox } else { &self.production }
    }

    /// The gateway spec of this API in `environment`.
    pub fn to_spec(&self, routing: Routing<'_>, environment: &str) -> ApiSpec {
        let endpoints = self.endpoints_for(environment);
        ApiSpec {
            id: routing.id,
            name: routing.name.to_owned(),
            context: routing.context.to_owned(),
            version: routing.version.to_owned(),
            default_version: routing.default_version,
            hosts: Vec::new(),
            state: routing.state,
            upstream: UpstreamSpec {
                endpoints: endpoints.endpoints.clone(),
                backup: endpoints.backup.clone(),
                balancing: self.balancing,
                base_path: self.base_path.clone(),
                host_header: self.host_header.clone(),
                timeouts: self.timeouts,
                retries: self.retries,
                circuit_breaker: self.circuit_breaker,
                health_check: self.health_check.clone(),
                tls: self.tls.clone(),
                http2: self.http2,
            },
            auth: self.auth,
            key_auth: self.key_auth.clone(),
            operations: self.operations.clone(),
            request_headers: self.request_headers.clone(),
            max_body_bytes: self.max_body_bytes,
            rate_limits: self.rate_limits.clone(),
            backend_limit: if environment == SANDBOX {
                self.sandbox_backend_limit
            } else {
                self.production_backend_limit
            },
            max_concurrent: self.max_concurrent,
            cache: self.cache.clone(),
            cache_generation: routing.cache_generation,
            do_not_track: self.do_not_track,
            websocket: self.websocket.clone(),
        }
    }

    /// Validates the definition with the gateway's compile step, for each endpoint kind
    /// that has endpoints. Errors name fields as `definition.production.endpoints[0].url`.
    pub fn validate(&self, context: &str, version: &str) -> DomainResult<()> {
        let mut errors = self.scope_errors();
        for (kind, environment) in [("production", "production"), ("sandbox", SANDBOX)] {
            if self.endpoints_for(environment).endpoints.is_empty() {
                continue;
            }
            let routing = Routing {
                id: "api".into(),
                name: "api",
                context,
                version,
                default_version: false,
                state: ApiState::Published,
                cache_generation: 0,
            };
            let snapshot = Snapshot { apis: vec![self.to_spec(routing, environment)], ..Default::default() };
            if let Err(error) = gateway::Config::compile(&snapshot) {
                errors.push(FieldError::new(&field_of(&error.path, kind), "invalid", error.message));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(DomainError::Invalid(errors)) }
    }
}

impl ApiDefinition {
    /// Scope definitions that are malformed or repeated, and operation scopes the API
    /// does not define.
    fn scope_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, scope) in self.scopes.iter().enumerate() {
            if !is_scope_token(&scope.name) {
                let message = "A scope is printable ASCII without spaces, quotes or backslashes (e.g. pets:write).";
                errors.push(FieldError::new(&format!("definition.scopes[{i}].name"), "invalid_scope", message));
            } else if !seen.insert(scope.name.as_str()) {
                let message = format!("{} is defined twice.", scope.name);
                errors.push(FieldError::new(&format!("definition.scopes[{i}].name"), "duplicate_scope", message));
            }
        }
        for (o, operation) in self.operations.iter().enumerate() {
            for scope in operation.scopes.iter().filter(|s| !seen.contains(s.as_str())) {
                let message = format!("{scope} is not one of this API's scopes; define it first.");
                errors.push(FieldError::new(&format!("definition.operations[{o}].scopes"), "undefined_scope", message));
            }
        }
        errors
    }
}

/// Maps a gateway spec path (`apis[0].upstream.endpoints[0].url`) to the definition's.
fn field_of(path: &str, kind: &str) -> String {
    let rest = path.strip_prefix("apis[0]").unwrap_or(path).trim_start_matches('.');
    match rest {
        "context" | "version" => rest.to_owned(),
        _ if rest.starts_with("upstream.endpoints") || rest.starts_with("upstream.backup") => {
            format!("definition.{kind}.{}", &rest["upstream.".len()..])
        }
        _ if rest.starts_with("backend_limit") => format!("definition.{kind}_{rest}"),
        _ => format!("definition.{}", rest.strip_prefix("upstream.").unwrap_or(rest)).trim_end_matches('.').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_limits_are_field_errors_of_the_definition() {
        let mut definition = ApiDefinition::default();
        definition.production.endpoints.push(EndpointSpec { url: "http://x".into(), weight: 1 });
        definition.rate_limits.push(LimitSpec {
            key: KeySource::Ip,
            limit: 0,
            period_secs: 60,
            burst: None,
            approximate: false,
        });
        definition.production_backend_limit = Some(RateSpec { limit: 10, period_secs: 0, burst: None });
        let Err(DomainError::Invalid(errors)) = definition.validate("/pets", "v1") else { panic!("must fail") };
        assert_eq!(errors[0].field, "definition.rate_limits[0].limit");
        definition.rate_limits.clear();
        let Err(DomainError::Invalid(errors)) = definition.validate("/pets", "v1") else { panic!("must fail") };
        assert_eq!(errors[0].field, "definition.production_backend_limit.period_secs");
    }

    #[test]
    fn validation_names_the_definition_field() {
        let mut definition = ApiDefinition::default();
        definition.production.endpoints.push(EndpointSpec { url: "ftp://x".into(), weight: 1 });
        let Err(DomainError::Invalid(errors)) = definition.validate("/pets", "v1") else { panic!("must fail") };
        assert_eq!(errors[0].field, "definition.production.endpoints[0].url");
        definition.production.endpoints[0].url = "http://127.0.0.1:9000".into();
        assert!(definition.validate("/pets", "v1").is_ok());
        assert!(matches!(definition.validate("pets", "v1"), Err(DomainError::Invalid(e)) if e[0].field == "context"));
        definition.base_path = "no-slash".into();
        assert!(
            matches!(definition.validate("/pets", "v1"), Err(DomainError::Invalid(e)) if e[0].field == "definition.base_path")
        );
    }
}
