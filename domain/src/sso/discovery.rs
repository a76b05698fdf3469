//! A provider's OpenID Connect discovery document (`/.well-known/openid-configuration`)
//! and its signing keys (JWKS). Both are fetched when needed (sign-ins are rare next to
//! API calls, and a provider that rotated its keys is picked up at once).

use gateway::jwt::VerifyingKey;
use gateway::spec::JwkSpec;
use serde::Deserialize;

use super::http;

/// The members of the discovery document single sign-on uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    /// Absent: `client_secret_basic` (OpenID Connect Discovery §3).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// Absent: any algorithm the gateway's verifier supports.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
}

/// Normalises an issuer for comparison (a trailing `/` is not significant here).
pub(crate) fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Fetches and checks the discovery document of `issuer`.
pub(crate) async fn fetch(issuer: &str) -> Result<Discovery, String> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let document = http::get_json(&url).await?;
    let discovery: Discovery =
        serde_json::from_value(document).map_err(|e| format!("the discovery document at {url} is incomplete: {e}"))?;
    if !same_issuer(&discovery.issuer, issuer) {
        return Err(format!("the discovery document names issuer {} instead of {issuer}", discovery.issuer));
    }
    Ok(discovery)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<JwkSpec>,
}

/// Fetches the provider's signature keys; keys Portico cannot use (encryption keys,
/// unsupported types, short RSA keys) are skipped.
pub(crate) async fn keys(discovery: &Discovery) -> Result<Vec<VerifyingKey>, String> {
    let document = http::get_json(&discovery.jwks_uri).await?;
    let jwks: Jwks = serde_json::from_value(document).map_err(|e| format!("the JWKS is not a key set: {e}"))?;
    let keys: Vec<VerifyingKey> = jwks
        .keys
        .iter()
        .filter_map(|jwk| match VerifyingKey::from_jwk(jwk) {
            Ok(key) => key,
            Err(reason) => {
                tracing::debug!(kid = ?jwk.kid, %reason, "skipping a provider key");
                None
            }
        })
        .collect();
    if keys.is_empty() {
        return Err("the provider publishes no usable signing key".into());
    }
    Ok(keys)
}
