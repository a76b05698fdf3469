//! The identity part of the snapshot: the token issuers whose JWTs the gateway accepts,
//! the tokens revoked before they expire, and how applications are known to issuers
//! (OAuth2 client ids) and to basic authentication (usernames).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A JWT issuer the gateway trusts: Portico's own authorization server or an external
/// key manager (Keycloak, Okta, Auth0, Azure AD, …). Tokens are checked locally against
/// `keys`; the gateway never calls the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSpec {
    /// Stable identifier, unique in the snapshot (applications' OAuth2 clients refer to it).
    pub id: String,
    /// The exact `iss` claim of this issuer's tokens.
    pub issuer: String,
    /// Audiences accepted: a token's `aud` must contain one of them. Empty means the
    /// audience is not checked (only for issuers that do not set one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Claim naming the OAuth2 client the token was issued to, which maps it to an
    /// application (`client_id`; `azp` for Keycloak and Auth0, `appid` for Azure AD v1).
    #[serde(default = "default_client_claim")]
    pub client_claim: String,
    /// Signature algorithms accepted (`RS256`, `RS384`, `RS512`, `PS256`, `PS384`,
    /// `PS512`, `ES256`, `ES384`, `EdDSA`). `none` and the HMAC family are never accepted.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Clock leeway for `exp` and `nbf`, in seconds.
    #[serde(default = "default_leeway", skip_serializing_if = "is_default_leeway")]
    pub leeway_seconds: u32,
    /// The issuer's public signing keys (its JWKS `keys`). Keys being rotated out stay
    /// here until the tokens they signed have expired.
    pub keys: Vec<JwkSpec>,
}

fn default_client_claim() -> String {
    "client_id".to_owned()
}

fn default_algorithms() -> Vec<String> {
    vec!["RS256".to_owned(), "ES256".to_owned()]
}

const DEFAULT_LEEWAY: u32 = 30;

fn default_leeway() -> u32 {
    DEFAULT_LEEWAY
}

fn is_default_leeway(value: &u32) -> bool {
    *value == DEFAULT_LEEWAY
}

/// A public key in JSON Web Key form (RFC 7517). Members other than these (`x5c`,
/// `x5t`, …) are ignored, so a provider's JWKS can be pasted as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSpec {
    /// Key type: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// Key id, matched against the token header's `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The one algorithm this key signs with; tokens naming another are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use; keys marked other than `sig` are ignored.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Curve of an `EC` (`P-256`, `P-384`) or `OKP` (`Ed25519`) key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// Public point's x coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Public point's y coordinate (base64url; `EC` keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// A token revoked before its expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokedTokenSpec {
    /// The token's `jti`.
    pub jti: String,
    /// When the token expires anyway (Unix seconds); the entry can be dropped after.
    pub expires_at: i64,
}

/// An OAuth2 client of an application at one issuer: tokens whose client claim is
/// `client_id` act as the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthClientSpec {
    /// The [`IssuerSpec::id`] of the issuer.
    pub issuer: String,
    /// The client id that issuer puts in its tokens.
    pub client_id: String,
}

/// A username and password of an application for HTTP basic authentication. Exactly one
/// of `password_hash` and `password` is given.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicCredentialSpec {
    /// The username (unique in the snapshot).
    pub username: String,
    /// The password as an argon2id PHC string (what the control plane sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// The password in clear (hand-written files only; hashed at load, never kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for BasicCredentialSpec {
    /// The password is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentialSpec")
            .field("username", &self.username)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Whether `scope` is a scope token (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`,
/// printable ASCII without spaces, `"` or `\\`).
pub fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty() && scope.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}
