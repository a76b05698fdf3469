//! JSON Web Tokens (RFC 7519) as the gateway reads them: the compact form split and
//! decoded, and signatures checked with `ring` against public keys given as JWKs.
//!
//! The algorithm is pinned twice: an issuer lists the algorithms it uses, and a key that
//! names its `alg` verifies only that one. `none` and the HMAC family (`HS256`, …) are
//! never accepted, so a token "signed" with an RSA public key as an HMAC secret has no
//! code path to succeed (the classic key-confusion attack).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::spec::JwkSpec;

mod error;
mod issuers;
mod sign;

pub use error::TokenError;
pub use issuers::{Issuers, VerifiedClaims};
pub use sign::SigningKey;

/// A signature algorithm the gateway verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// Ed25519.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, by its JOSE name.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::Rs256,
        Algorithm::Rs384,
        Algorithm::Rs512,
        Algorithm::Ps256,
        Algorithm::Ps384,
        Algorithm::Ps512,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::EdDsa,
    ];

    /// The JOSE name (`RS256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Rs384 => "RS384",
            Algorithm::Rs512 => "RS512",
            Algorithm::Ps256 => "PS256",
            Algorithm::Ps384 => "PS384",
            Algorithm::Ps512 => "PS512",
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE name; `none`, `HS*` and anything unknown are `None`.
    pub fn parse(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == name)
    }

    fn family(self) -> Family {
        match self {
            Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512 => Family::Rsa,
            Algorithm::Ps256 | Algorithm::Ps384 | Algorithm::Ps512 => Family::Rsa,
            Algorithm::Es256 => Family::Ec("P-256"),
            Algorithm::Es384 => Family::Ec("P-384"),
            Algorithm::EdDsa => Family::Ed25519,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    Ec(&'static str),
    Ed25519,
}

/// A public key that checks signatures.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    /// The key id (`kid`), if the JWK has one.
    pub kid: Option<String>,
    /// The one algorithm this key verifies, when the JWK names it.
    alg: Option<Algorithm>,
    family: Family,
    material: Material,
}

#[derive(Debug, Clone)]
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed EC point (`04 || x || y`) or an Ed25519 public key.
    Point(Vec<u8>),
}

impl VerifyingKey {
    /// Reads a JWK; `Ok(None)` for keys not meant for signatures (`use` other than `sig`).
    pub fn from_jwk(jwk: &JwkSpec) -> Result<Option<Self>, String> {
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Ok(None);
        }
        let alg = match jwk.alg.as_deref() {
            None => None,
            Some(name) => Some(Algorithm::parse(name).ok_or_else(|| format!("`{name}` is not a supported algorithm"))?),
        };
        let field = |name: &str, value: &Option<String>| -> Result<Vec<u8>, String> {
            let text = value.as_deref().ok_or_else(|| format!("a `{}` key needs `{name}`", jwk.kty))?;
            URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|_| format!("`{name}` is not base64url"))
        };
        let (family, material) = match jwk.kty.as_str() {
            "RSA" => {
                let n = field("n", &jwk.n)?;
                if n.len() < 256 {
                    return Err("RSA keys shorter than 2048 bits are refused".into());
                }
                (Family::Rsa, Material::Rsa { n, e: field("e", &jwk.e)? })
            }
            "EC" => {
                let (curve, size) = match jwk.crv.as_deref() {
                    Some("P-256") => ("P-256", 32),
                    Some("P-384") => ("P-384", 48),
                    other => return Err(format!("curve {other:?} is not supported (P-256, P-384)")),
                };
                let (x, y) = (field("x", &jwk.x)?, field("y", &jwk.y)?);
                if x.len() != size || y.len() != size {
                    return Err(format!("`x` and `y` of a {curve} key are {size} bytes each"));
                }
                (Family::Ec(curve), Material::Point([&[4u8][..], &x, &y].concat()))
            }
            "OKP" if jwk.crv.as_deref() == Some("Ed25519") => {
                let x = field("x", &jwk.x)?;
                if x.len() != 32 {
                    return Err("`x` of an Ed25519 key is 32 bytes".into());
                }
                (Family::Ed25519, Material::Point(x))
            }
            "OKP" => return Err("only Ed25519 `OKP` keys are supported".into()),
            "oct" => return Err("symmetric (`oct`) keys are never accepted".into()),
            other => return Err(format!("key type `{other}` is not supported (RSA, EC, OKP)")),
        };
        if let Some(alg) = alg
            && alg.family() != family
        {
            return Err(format!("algorithm {} does not fit a `{}` key", alg.as_str(), jwk.kty));
        }
        Ok(Some(Self { kid: jwk.kid.clone(), alg, family, material }))
    }

    /// Whether this key may verify a token signed with `alg`.
    pub fn accepts(&self, alg: Algorithm) -> bool {
        self.alg.map_or(alg.family() == self.family, |own| own == alg)
    }

    /// Checks `signature` over `message` (the caller checked [`Self::accepts`]).
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            Material::Rsa { n, e } => {
                let params: &'static signature::RsaParameters = match alg {
                    Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Algorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return false,
                };
                RsaPublicKeyComponents { n, e }.verify(params, message, signature).is_ok()
            }
            Material::Point(point) => {
                let params: &'static dyn signature::VerificationAlgorithm = match alg {
                    Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Algorithm::EdDsa => &signature::ED25519,
                    _ => return false,
                };
                UnparsedPublicKey::new(params, point).verify(message, signature).is_ok()
            }
        }
    }
}

/// The JOSE header members the gateway reads.
#[derive(Debug, Deserialize)]
pub struct Header {
    /// Signature algorithm as named by the token.
    pub alg: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
}

/// A token split and decoded, its signature not yet checked.
#[derive(Debug)]
pub struct Decoded<'t> {
    /// The header.
    pub header: Header,
    /// The claims.
    pub claims: Map<String, Value>,
    /// `header.payload`, what the signature covers.
    pub signing_input: &'t [u8],
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Longest token read (larger ones are malformed, not parsed).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Splits and decodes a compact JWS; only structure is checked here.
pub fn decode(token: &str) -> Result<Decoded<'_>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.splitn(4, '.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Header = serde_json::from_slice(&b64(header)?).map_err(|_| TokenError::Malformed)?;
    let claims = match serde_json::from_slice(&b64(payload)?) {
        Ok(Value::Object(claims)) => claims,
        _ => return Err(TokenError::Malformed),
    };
    let signing_input = &token.as_bytes()[..header_len(token, payload)];
    Ok(Decoded { header, claims, signing_input, signature: b64(signature)? })
}

fn header_len(token: &str, payload: &str) -> usize {
    token.find('.').unwrap_or_default() + 1 + payload.len()
}

fn b64(part: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests;
