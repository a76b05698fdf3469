//! The trusted issuers of a snapshot, compiled: keys parsed once, and one function that
//! takes a bearer token to its verified claims or to the precise reason it is refused.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{Algorithm, TokenError, VerifyingKey, decode};
use crate::spec::{IssuerSpec, LoadError, RevokedTokenSpec};

/// One compiled issuer.
#[derive(Debug)]
struct Issuer {
    audiences: Vec<String>,
    client_claim: String,
    algorithms: Vec<Algorithm>,
    leeway: i64,
    keys: Vec<VerifyingKey>,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// Position of the issuer in the snapshot (what OAuth2 clients are indexed by).
    pub issuer: usize,
    /// The client the token was issued to (the issuer's client claim).
    pub client_id: String,
    /// Granted scopes (`scope`, space-separated, or `scp`, a string or an array).
    pub scopes: Vec<String>,
    /// Expiry (Unix seconds) plus the issuer's leeway: refused from this second on.
    pub expires_at: i64,
    /// `nbf` minus the leeway, if any: refused before this second.
    pub not_before: Option<i64>,
    /// Claims with a string or number value, sorted by name.
    pub values: Vec<(Box<str>, Box<str>)>,
}

/// Every trusted issuer and the revoked token ids.
#[derive(Debug, Default)]
pub struct Issuers {
    list: Vec<Issuer>,
    by_iss: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    revoked: HashSet<String>,
}

impl Issuers {
    /// Compiles the snapshot's issuers and revocations.
    pub fn compile(specs: &[IssuerSpec], revoked: &[RevokedTokenSpec]) -> Result<Self, LoadError> {
        let mut issuers = Issuers { revoked: revoked.iter().map(|r| r.jti.clone()).collect(), ..Default::default() };
        for (i, spec) in specs.iter().enumerate() {
            let at = |field: String| format!("issuers[{i}].{field}");
            if spec.id.is_empty() || issuers.by_id.insert(spec.id.clone(), i).is_some() {
                return Err(LoadError::at(at("id".into()), format!("issuer id `{}` is empty or used twice", spec.id)));
            }
            if spec.issuer.is_empty() || issuers.by_iss.insert(spec.issuer.clone(), i).is_some() {
                let message = format!("issuer `{}` is empty or listed twice", spec.issuer);
                return Err(LoadError::at(at("issuer".into()), message));
            }
            if spec.client_claim.is_empty() {
                return Err(LoadError::at(at("client_claim".into()), "name the claim that holds the client id"));
            }
            let mut algorithms = Vec::with_capacity(spec.algorithms.len());
            for (a, name) in spec.algorithms.iter().enumerate() {
                let alg = Algorithm::parse(name).ok_or_else(|| {
                    let message =
                        format!("`{name}` is not accepted (RS256/384/512, PS256/384/512, ES256, ES384, EdDSA)");
                    LoadError::at(at(format!("algorithms[{a}]")), message)
                })?;
                algorithms.push(alg);
            }
            if algorithms.is_empty() {
                return Err(LoadError::at(at("algorithms".into()), "list at least one algorithm"));
            }
            let mut keys = Vec::with_capacity(spec.keys.len());
            for (k, jwk) in spec.keys.iter().enumerate() {
                if let Some(key) =
                    VerifyingKey::from_jwk(jwk).map_err(|m| LoadError::at(at(format!("keys[{k}]")), m))?
                {
                    keys.push(key);
                }
            }
            issuers.list.push(Issuer {
                audiences: spec.audiences.clone(),
                client_claim: spec.client_claim.clone(),
                algorithms,
                leeway: i64::from(spec.leeway_seconds),
                keys,
            });
        }
        Ok(issuers)
    }

    /// The position of the issuer with [`IssuerSpec::id`] `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// True when no issuer is trusted.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Checks a token completely (structure, algorithm, issuer, signature, time window at
    /// `now`, audience, revocation, client claim) and returns its claims.
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedClaims, TokenError> {
        let decoded = decode(token)?;
        let alg = Algorithm::parse(&decoded.header.alg).ok_or(TokenError::UnsupportedAlgorithm)?;
        let claims = &decoded.claims;
        let iss = claims.get("iss").and_then(Value::as_str).ok_or(TokenError::UnknownIssuer)?;
        let position = *self.by_iss.get(iss).ok_or(TokenError::UnknownIssuer)?;
        let issuer = &self.list[position];
        if !issuer.algorithms.contains(&alg) {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        let kid = decoded.header.kid.as_deref();
        let mut candidates = issuer
            .keys
            .iter()
            .filter(|key| key.accepts(alg) && (kid.is_none() || key.kid.as_deref() == kid))
            .peekable();
        if candidates.peek().is_none() {
            return Err(TokenError::UnknownSigningKey);
        }
        if !candidates.any(|key| key.verify(alg, decoded.signing_input, &decoded.signature)) {
            return Err(TokenError::InvalidSignature);
        }
        let exp = numeric(claims, "exp").ok_or(TokenError::MissingClaim)?;
        let expires_at = exp.saturating_add(issuer.leeway);
        if now >= expires_at {
            return Err(TokenError::Expired);
        }
        let not_before = match claims.get("nbf") {
            None => None,
            Some(_) => Some(numeric(claims, "nbf").ok_or(TokenError::MissingClaim)?.saturating_sub(issuer.leeway)),
        };
        if not_before.is_some_and(|nbf| now < nbf) {
            return Err(TokenError::NotYetValid);
        }
        if !issuer.audiences.is_empty() && !audience_matches(claims.get("aud"), &issuer.audiences) {
            return Err(TokenError::InvalidAudience);
        }
        if let Some(jti) = claims.get("jti").and_then(Value::as_str)
            && self.revoked.contains(jti)
        {
            return Err(TokenError::Revoked);
        }
        let client_id = claims.get(&issuer.client_claim).and_then(Value::as_str).ok_or(TokenError::MissingClaim)?;
        Ok(VerifiedClaims {
            issuer: position,
            client_id: client_id.to_owned(),
            scopes: scopes(claims),
            expires_at,
            not_before,
            values: values(claims),
        })
    }
}

/// A NumericDate claim (integer or fractional seconds).
fn numeric(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value.as_i64().or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn audience_matches(aud: Option<&Value>, accepted: &[String]) -> bool {
    match aud {
        Some(Value::String(one)) => accepted.iter().any(|a| a == one),
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).any(|one| accepted.iter().any(|a| a == one)),
        _ => false,
    }
}

fn values(claims: &Map<String, Value>) -> Vec<(Box<str>, Box<str>)> {
    let mut values: Vec<(Box<str>, Box<str>)> = claims
        .iter()
        .filter_map(|(name, value)| match value {
            Value::String(text) => Some((name.as_str().into(), text.as_str().into())),
            Value::Number(number) => Some((name.as_str().into(), number.to_string().into())),
            _ => None,
        })
        .collect();
    values.sort_unstable();
    values
}

fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    let words = |text: &str| text.split_ascii_whitespace().map(str::to_owned).collect::<Vec<_>>();
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(text)), _) => words(text),
        (_, Some(Value::String(text))) => words(text),
        (_, Some(Value::Array(items))) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}
