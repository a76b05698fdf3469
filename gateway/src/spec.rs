//! The snapshot format: a gateway's whole configuration as data.
//!
//! One format serves three uses: the control plane pushes it to gateways, `portico export`
//! writes it, and a DB-less gateway reads it from a file (`portico-gateway --config FILE`).
//! It is therefore hand-writable: most fields have defaults, unknown fields are errors, and
//! a hand-written file may give an API key in clear (`key:`), which is hashed at load.
//! These types are the public schema; every field says what it does.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

mod cache;
mod identity;
mod load;
mod traffic;
mod upstream;

pub use cache::{CacheSpec, DEFAULT_CACHE_BODY_BYTES, MAX_CACHE_TTL_SECS};
pub use identity::{BasicCredentialSpec, IssuerSpec, JwkSpec, OAuthClientSpec, RevokedTokenSpec, is_scope_token};
pub use load::{LoadError, parse};
pub use traffic::{KeySource, LimitSpec, QuotaPeriod, QuotaSpec, RateSpec, TierSpec};
pub use upstream::{
    Balancing, CircuitBreakerSpec, EndpointSpec, HealthCheckSpec, HostHeader, TimeoutsSpec, UpstreamSpec,
    UpstreamTlsSpec,
};

/// The value of [`Snapshot::format`] this gateway reads.
pub const FORMAT: &str = "portico.gateway/v1";

/// A gateway's complete configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Format marker; must be `portico.gateway/v1` when given.
    #[serde(default = "format")]
    pub format: String,
    /// Environment this configuration is for (`production`, `sandbox`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Configuration version, increasing with every change (0 in hand-written files).
    #[serde(default)]
    pub version: u64,
    /// The APIs this gateway routes.
    #[serde(default)]
    pub apis: Vec<ApiSpec>,
    /// The applications (consumers) allowed to call them, with their keys and subscriptions.
    #[serde(default)]
    pub applications: Vec<ApplicationSpec>,
    /// Certificates the TLS listener presents, chosen by the name the client asks for
    /// (SNI). A name no certificate covers gets the gateway's default certificate
    /// (`PORTICO_GATEWAY_TLS_CERT`), or no handshake. They change with the configuration,
    /// without a restart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateSpec>,
    /// Issuers whose JWTs the `jwt` authentication accepts, with their public keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<IssuerSpec>,
    /// Tokens revoked before their expiry, refused by `jti`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_tokens: Vec<RevokedTokenSpec>,
    /// Throttling tiers that subscriptions and applications name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierSpec>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            format: format(),
            environment: None,
            version: 0,
            apis: Vec::new(),
            applications: Vec::new(),
            certificates: Vec::new(),
            issuers: Vec::new(),
            revoked_tokens: Vec::new(),
            tiers: Vec::new(),
        }
    }
}

impl Snapshot {
    /// Puts APIs, applications and issuers in id order, certificates in host-name order,
    /// revoked tokens in `jti` order and tiers in name order (the canonical order that hashes and deltas use;
    /// none of these lists' order means anything).
    pub fn canonicalize(&mut self) {
        self.apis.sort_by(|a, b| a.id.cmp(&b.id));
        self.applications.sort_by(|a, b| a.id.cmp(&b.id));
        self.certificates.sort_by(|a, b| a.hosts.cmp(&b.hosts));
        self.issuers.sort_by(|a, b| a.id.cmp(&b.id));
        self.revoked_tokens.sort_by(|a, b| a.jti.cmp(&b.jti));
        self.tiers.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// True when every list is in canonical order.
    pub fn is_canonical(&self) -> bool {
        self.apis.is_sorted_by(|a, b| a.id <= b.id)
            && self.applications.is_sorted_by(|a, b| a.id <= b.id)
            && self.certificates.is_sorted_by(|a, b| a.hosts <= b.hosts)
            && self.issuers.is_sorted_by(|a, b| a.id <= b.id)
            && self.revoked_tokens.is_sorted_by(|a, b| a.jti <= b.jti)
            && self.tiers.is_sorted_by(|a, b| a.name <= b.name)
    }
}

fn format() -> String {
    FORMAT.to_owned()
}

/// One deployed API version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    /// Stable identifier, unique in the snapshot (subscriptions refer to it).
    pub id: String,
    /// Display name (logs and error messages).
    pub name: String,
    /// Context path the API is served under, e.g. `/petstore` (may have several segments).
    pub context: String,
    /// Version segment after the context, e.g. `v1`: requests go to `/{context}/{version}/…`.
    pub version: String,
    /// Also serve this version at `/{context}/…` (the API's default version).
    #[serde(default)]
    pub default_version: bool,
    /// Host names this API answers on; empty means every host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Lifecycle state as the gateway sees it.
    #[serde(default)]
    pub state: ApiState,
    /// Where and how requests are forwarded.
    pub upstream: UpstreamSpec,
    /// Authentication required by operations that do not say otherwise.
    #[serde(default)]
    pub auth: AuthKind,
    /// How API keys are presented to this API.
    #[serde(default)]
    pub key_auth: KeyAuthSpec,
    /// The operations routed; empty means every method and path under the API's prefix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationSpec>,
    /// Headers added to or removed from requests before they go upstream.
    #[serde(default, skip_serializing_if = "HeaderRulesSpec::is_empty")]
    pub request_headers: HeaderRulesSpec,
    /// Largest request body accepted, in bytes (413 above); unset means the gateway's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    /// Limits on every call of the API, each counted by its key (429 `rate_limited`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<LimitSpec>,
    /// Most requests per period sent to the upstream, across every consumer, in this
    /// snapshot's environment (503 `backend_saturated` above it; lower-priority tiers are
    /// refused first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_limit: Option<RateSpec>,
    /// Most requests of this API in flight at once on each gateway node (429
    /// `too_many_concurrent_requests` above it), counted until the upstream's response
    /// head arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    /// Response caching of the API's calls (operations may set their own, or opt out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSpec>,
    /// Purge generation: raising it drops every response cached for this API, on every
    /// gateway (what "purge" in the console and the REST API does).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_generation: u64,
    /// Record no analytics event for this API's calls (Tyk's `do_not_track`): for health
    /// probes and other traffic not worth measuring.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub do_not_track: bool,
    /// WebSocket handshakes to this API (HTTP/1.1 `Upgrade: websocket`, authenticated and
    /// limited like any call) are passed through; these settings apply to the sessions.
    #[serde(default, skip_serializing_if = "is_default")]
    pub websocket: WebSocketSpec,
}

/// What the gateway does with an API's WebSocket sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketSpec {
    /// Log every frame's header (direction, opcode, FIN, payload length; never the
    /// payload) with the handshake's request id, in the access log when it is on.
    #[serde(default)]
    pub log_frames: bool,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The lifecycle states a gateway routes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiState {
    /// Routed normally.
    #[default]
    Published,
    /// Routed normally; takes no new subscriptions (a control-plane concern).
    Deprecated,
    /// Answered with 503 `api_blocked`.
    Blocked,
}

/// What a caller must present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Open: no credential needed.
    None,
    /// An API key of an application subscribed to the API.
    #[default]
    ApiKey,
    /// An OAuth2 access token (JWT, `Authorization: Bearer`) from a trusted issuer, whose
    /// client is an application subscribed to the API.
    Jwt,
    /// HTTP basic authentication with an application's username and password.
    Basic,
}

impl AuthKind {
    /// Every kind.
    pub const ALL: [AuthKind; 4] = [AuthKind::None, AuthKind::ApiKey, AuthKind::Jwt, AuthKind::Basic];

    /// The wire name (`none`, `api_key`, `jwt`, `basic`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::ApiKey => "api_key",
            AuthKind::Jwt => "jwt",
            AuthKind::Basic => "basic",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<AuthKind> {
        AuthKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// Where an API looks for the API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAuthSpec {
    /// Request header carrying the key.
    #[serde(default = "default_key_header")]
    pub header: String,
    /// Query parameter that may carry the key instead (off when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl Default for KeyAuthSpec {
    fn default() -> Self {
        Self { header: default_key_header(), query: None }
    }
}

fn default_key_header() -> String {
    "X-API-Key".to_owned()
}

/// One routed operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Path template below the API's prefix, e.g. `/pets/{petId}`.
    pub path: String,
    /// Authentication for this operation; unset means the API's `auth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthKind>,
    /// OAuth2 scopes a `jwt`-authenticated call must hold, all of them (403
    /// `insufficient_scope` otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Limits on calls of this operation, on top of the API's (429 `rate_limited`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<LimitSpec>,
    /// Response caching of this operation, replacing the API's (`enabled: false` opts out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSpec>,
}

/// Header changes applied to requests before they go upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRulesSpec {
    /// Headers set (replacing any value the client sent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Headers removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

impl HeaderRulesSpec {
    /// True when the rules change nothing.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// An application: the consumer identity that keys belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSpec {
    /// Stable identifier, sent upstream in `X-Application-Id`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The application's API keys for this environment.
    #[serde(default)]
    pub keys: Vec<KeySpec>,
    /// The APIs the application is subscribed to.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// The application's OAuth2 clients: tokens issued to them act as the application.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oauth_clients: Vec<OAuthClientSpec>,
    /// The application's basic-authentication credentials for this environment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basic_auth: Vec<BasicCredentialSpec>,
    /// Application tier: one limit across all the application's APIs (a `tiers` name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// One API key. Exactly one of `sha256` and `key` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// Identifier of the key (usage reports name it); optional in hand-written files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Lower-case hex SHA-256 of the key (what the control plane sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The key in clear (hand-written files only; hashed at load, never kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// When the key stops working (RFC 3339); unset means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An application's subscription to an API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// The `id` of the subscribed API.
    pub api: String,
    /// Whether calls are let through.
    #[serde(default)]
    pub state: SubscriptionState,
    /// Subscription tier: the limit of this application on this API (a `tiers` name);
    /// unset means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// State of a subscription at the gateway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Calls are let through.
    #[default]
    Active,
    /// Calls are refused with 403 `subscription_blocked`.
    Blocked,
}

/// A certificate the TLS listener serves for some host names.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Names this certificate is served for: exact (`api.example.com`) or one-label
    /// wildcards (`*.example.com` matches `a.example.com`, not `example.com` nor
    /// `a.b.example.com`). An exact name wins over a wildcard; a name may be listed by one
    /// certificate only.
    pub hosts: Vec<String>,
    /// PEM certificate chain, the server's certificate first, then intermediates.
    pub cert_pem: String,
    /// PEM private key of the certificate (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: String,
}

impl fmt::Debug for CertificateSpec {
    /// The private key is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateSpec")
            .field("hosts", &self.hosts)
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}
