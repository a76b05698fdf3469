//! Verifying an OpenID Connect ID token (Core §3.1.3.7) with the gateway's JWT
//! primitives: the algorithm is one the gateway accepts (never `none` or HMAC) and one
//! the provider announces, the signature verifies with one of the provider's keys, `iss`
//! is the provider, `aud` names our client (and `azp` does when there are several
//! audiences), `exp` has not passed, and `nonce` is the one this sign-in sent.

use gateway::jwt::{Algorithm, VerifyingKey, decode};
use serde_json::{Map, Value};

use super::discovery::same_issuer;

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub(crate) const LEEWAY: i64 = 60;

/// What the token must say.
pub(crate) struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The provider's `id_token_signing_alg_values_supported`, if it announces them.
    pub algorithms: Option<&'a [String]>,
    /// Now, in Unix seconds.
    pub now: i64,
}

/// The identity a valid token vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// `None` when the provider does not say.
    pub email_verified: Option<bool>,
    /// `name`, else `preferred_username`.
    pub name: Option<String>,
}

/// Why a token was refused: (code, detail).
pub(crate) type Refusal = (&'static str, String);

fn invalid(detail: impl Into<String>) -> Refusal {
    ("id_token_invalid", detail.into())
}

/// Verifies `token`; see the module documentation for the checks.
pub(crate) fn verify(token: &str, keys: &[VerifyingKey], expected: &Expected<'_>) -> Result<Identity, Refusal> {
    let decoded = decode(token).map_err(|e| invalid(e.to_string()))?;
    let alg = Algorithm::parse(&decoded.header.alg)
        .ok_or_else(|| invalid(format!("algorithm {} is not accepted", decoded.header.alg)))?;
    if expected.algorithms.is_some_and(|announced| !announced.iter().any(|a| a == alg.as_str())) {
        return Err(invalid(format!("the provider does not announce algorithm {}", alg.as_str())));
    }
    let kid = decoded.header.kid.as_deref();
    let mut candidates =
        keys.iter().filter(|key| key.accepts(alg) && (kid.is_none() || key.kid.as_deref() == kid)).peekable();
    if candidates.peek().is_none() {
        return Err(invalid(format!("no provider key for kid {kid:?} and {}", alg.as_str())));
    }
    if !candidates.any(|key| key.verify(alg, decoded.signing_input, &decoded.signature)) {
        return Err(invalid("the signature does not verify"));
    }
    let claims = &decoded.claims;
    let iss = text(claims, "iss").ok_or_else(|| invalid("no `iss`"))?;
    if !same_issuer(iss, expected.issuer) {
        return Err(invalid(format!("issued by {iss}, not {}", expected.issuer)));
    }
    check_audience(claims, expected.client_id)?;
    let exp = numeric(claims, "exp").ok_or_else(|| invalid("no `exp`"))?;
    if expected.now >= exp.saturating_add(LEEWAY) {
        return Err(("id_token_expired", format!("expired at {exp}, now {}", expected.now)));
    }
    let iat = numeric(claims, "iat").ok_or_else(|| invalid("no `iat`"))?;
    if iat > expected.now.saturating_add(LEEWAY) {
        return Err(invalid(format!("issued in the future ({iat})")));
    }
    if numeric(claims, "nbf").is_some_and(|nbf| expected.now < nbf.saturating_sub(LEEWAY)) {
        return Err(invalid("not valid yet (`nbf`)"));
    }
    match text(claims, "nonce") {
        Some(nonce) if gateway_safe_eq(nonce, expected.nonce) => {}
        Some(_) => return Err(("id_token_nonce_mismatch", "the nonce is not this sign-in's".into())),
        None => return Err(("id_token_nonce_mismatch", "no nonce".into())),
    }
    let subject = text(claims, "sub").filter(|s| !s.is_empty()).ok_or_else(|| invalid("no `sub`"))?;
    Ok(Identity {
        subject: subject.to_owned(),
        email: text(claims, "email").map(str::to_owned),
        email_verified: match claims.get("email_verified") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
            _ => None,
        },
        name: text(claims, "name").or_else(|| text(claims, "preferred_username")).map(str::to_owned),
    })
}

fn check_audience(claims: &Map<String, Value>, client_id: &str) -> Result<(), Refusal> {
    let wrong = |detail: String| ("id_token_wrong_audience", detail);
    match claims.get("aud") {
        Some(Value::String(aud)) if aud == client_id => Ok(()),
        Some(Value::Array(list)) if list.iter().any(|a| a.as_str() == Some(client_id)) => {
            if list.len() > 1 && text(claims, "azp") != Some(client_id) {
                return Err(wrong("several audiences and `azp` is not our client".into()));
            }
            Ok(())
        }
        other => Err(wrong(format!("the audience {other:?} is not client {client_id}"))),
    }
}

fn text<'c>(claims: &'c Map<String, Value>, name: &str) -> Option<&'c str> {
    claims.get(name).and_then(Value::as_str)
}

fn numeric(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value.as_i64().or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn gateway_safe_eq(a: &str, b: &str) -> bool {
    crate::secrets::constant_time_eq(a, b)
}

#[cfg(test)]
mod tests;
