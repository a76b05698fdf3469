//! Signing JWTs with `ring`, and the public half of a signing key as a JWK — what an
//! authorization server (Portico's control plane) needs; the gateway itself only verifies.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::{Value, json};

use super::Algorithm;
use crate::spec::JwkSpec;

/// A private signing key with its id and algorithm.
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    pair: Pair,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl std::fmt::Debug for SigningKey {
    /// The private key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PKCS#8 (DER) private key for `alg`.
    pub fn from_pkcs8(kid: impl Into<String>, alg: Algorithm, der: &[u8]) -> Result<Self, String> {
        let rejected = |e: ring::error::KeyRejected| format!("the {} key is not usable: {e}", alg.as_str());
        let pair = match alg {
            Algorithm::Rs256
            | Algorithm::Rs384
            | Algorithm::Rs512
            | Algorithm::Ps256
            | Algorithm::Ps384
            | Algorithm::Ps512 => Pair::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
            Algorithm::Es256 | Algorithm::Es384 => {
                let curve = if alg == Algorithm::Es256 {
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING
                };
                Pair::Ec(EcdsaKeyPair::from_pkcs8(curve, der, &SystemRandom::new()).map_err(rejected)?)
            }
            Algorithm::EdDsa => Pair::Ed(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?),
        };
        Ok(Self { kid: kid.into(), alg, pair })
    }

    /// A new ES256 or ES384 key, as PKCS#8 DER (RSA keys are generated elsewhere: `ring`
    /// cannot make them).
    pub fn generate_ec_pkcs8(alg: Algorithm) -> Result<Vec<u8>, String> {
        let curve = match alg {
            Algorithm::Es256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            Algorithm::Es384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            other => return Err(format!("{} keys are not elliptic-curve keys", other.as_str())),
        };
        EcdsaKeyPair::generate_pkcs8(curve, &SystemRandom::new())
            .map(|doc| doc.as_ref().to_vec())
            .map_err(|_| "the system random source failed".to_owned())
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The public key as a JWK (`use: sig`, with `kid` and `alg`).
    pub fn jwk(&self) -> JwkSpec {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let mut jwk = JwkSpec {
            kid: Some(self.kid.clone()),
            alg: Some(self.alg.as_str().to_owned()),
            use_: Some("sig".to_owned()),
            ..JwkSpec::default()
        };
        match &self.pair {
            Pair::Rsa(pair) => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                jwk.kty = "RSA".into();
                jwk.n = Some(b64(&public.n));
                jwk.e = Some(b64(&public.e));
            }
            Pair::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let half = (point.len() - 1) / 2;
                jwk.kty = "EC".into();
                jwk.crv = Some(if self.alg == Algorithm::Es256 { "P-256" } else { "P-384" }.into());
                jwk.x = Some(b64(&point[1..=half]));
                jwk.y = Some(b64(&point[1 + half..]));
            }
            Pair::Ed(pair) => {
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(b64(pair.public_key().as_ref()));
            }
        }
        jwk
    }

    /// Signs `claims` (a JSON object) into a compact JWT with `typ` (`at+jwt` for access
    /// tokens, RFC 9068; `JWT` otherwise).
    pub fn sign(&self, typ: &str, claims: &Value) -> Result<String, String> {
        let header = json!({ "alg": self.alg.as_str(), "typ": typ, "kid": self.kid });
        let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let failed = |_| "signing failed".to_owned();
        let rng = SystemRandom::new();
        let signature = match &self.pair {
            Pair::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match self.alg {
                    Algorithm::Rs256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::Rs384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::Rs512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::Ps256 => &signature::RSA_PSS_SHA256,
                    Algorithm::Ps384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, token.as_bytes(), &mut out).map_err(failed)?;
                out
            }
            Pair::Ec(pair) => pair.sign(&rng, token.as_bytes()).map_err(failed)?.as_ref().to_vec(),
            Pair::Ed(pair) => pair.sign(token.as_bytes()).as_ref().to_vec(),
        };
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}
