//! Token checks one by one, including the classic attacks: `alg: none`, an HMAC
//! signature made with the RSA public key, a swapped payload, a foreign issuer.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde_json::{Value, json};

use super::*;
use crate::spec::{IssuerSpec, RevokedTokenSpec};

const NOW: i64 = 1_800_000_000;

/// One RSA key for the whole test binary (generating one takes a while).
pub(crate) static RSA_PKCS8: LazyLock<Vec<u8>> = LazyLock::new(|| {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    key.to_pkcs8_der().unwrap().as_bytes().to_vec()
});

fn rsa_key(kid: &str) -> SigningKey {
    SigningKey::from_pkcs8(kid, Algorithm::Rs256, &RSA_PKCS8).unwrap()
}

fn ec_key(kid: &str) -> SigningKey {
    SigningKey::from_pkcs8(kid, Algorithm::Es256, &SigningKey::generate_ec_pkcs8(Algorithm::Es256).unwrap()).unwrap()
}

fn issuer(keys: &[&SigningKey]) -> IssuerSpec {
    IssuerSpec {
        id: "portico".into(),
        issuer: "https://idp.example".into(),
        audiences: vec!["gateway".into()],
        client_claim: "client_id".into(),
        algorithms: vec!["RS256".into(), "ES256".into()],
        leeway_seconds: 30,
        keys: keys.iter().map(|k| k.jwk()).collect(),
    }
}

fn claims() -> Value {
    json!({
        "iss": "https://idp.example", "sub": "client-1", "aud": ["gateway"], "exp": NOW + 600, "iat": NOW,
        "jti": "t-1", "client_id": "client-1", "scope": "pets:read pets:write"
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn verify(issuers: &Issuers, token: &str) -> Result<VerifiedClaims, TokenError> {
    issuers.verify(token, NOW)
}

#[test]
fn a_valid_token_gives_its_client_scopes_and_window() {
    let key = rsa_key("k1");
    let issuers = Issuers::compile(&[issuer(&[&key])], &[]).unwrap();
    let verified = verify(&issuers, &key.sign("at+jwt", &claims()).unwrap()).unwrap();
    assert_eq!(verified.client_id, "client-1");
    assert_eq!(verified.scopes, ["pets:read", "pets:write"]);
    assert_eq!(verified.expires_at, NOW + 630, "exp plus the leeway");
    let es = ec_key("k2");
    let issuers = Issuers::compile(&[issuer(&[&es])], &[]).unwrap();
    let scp = with(with(claims(), "scope", Value::Null), "scp", json!(["a", "b"]));
    assert_eq!(verify(&issuers, &es.sign("JWT", &scp).unwrap()).unwrap().scopes, ["a", "b"]);
}

#[test]
fn time_audience_issuer_and_claims_are_checked() {
    let key = rsa_key("k1");
    let issuers = Issuers::compile(&[issuer(&[&key])], &[]).unwrap();
    let sign = |c: Value| key.sign("at+jwt", &c).unwrap();
    let cases = [
        (with(claims(), "exp", json!(NOW - 31)), TokenError::Expired),
        (with(claims(), "nbf", json!(NOW + 31)), TokenError::NotYetValid),
        (with(claims(), "aud", json!("someone-else")), TokenError::InvalidAudience),
        (with(claims(), "aud", Value::Null), TokenError::InvalidAudience),
        (with(claims(), "iss", json!("https://evil.example")), TokenError::UnknownIssuer),
        (with(claims(), "exp", json!("tomorrow")), TokenError::MissingClaim),
        (with(claims(), "client_id", json!(7)), TokenError::MissingClaim),
    ];
    for (claims, expected) in cases {
        assert_eq!(verify(&issuers, &sign(claims.clone())), Err(expected), "{claims}");
    }
    assert!(verify(&issuers, &sign(with(claims(), "exp", json!(NOW - 29)))).is_ok(), "within the leeway");
    assert!(verify(&issuers, &sign(with(claims(), "aud", json!("gateway")))).is_ok(), "a string audience");
}

#[test]
fn forged_tokens_are_refused_with_their_reason() {
    let key = rsa_key("k1");
    let issuers = Issuers::compile(&[issuer(&[&key])], &[]).unwrap();
    let token = key.sign("at+jwt", &claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());

    let none = format!("{}.{}.", encode(&json!({"alg": "none", "typ": "JWT"})), parts[1]);
    assert_eq!(verify(&issuers, &none), Err(TokenError::UnsupportedAlgorithm));

    // HS256 "signed" with the RSA public key the gateway trusts (key confusion).
    let header = encode(&json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}));
    let jwk = key.jwk();
    for secret in [jwk.n.clone().unwrap(), serde_json::to_string(&jwk).unwrap()] {
        let input = format!("{header}.{}", parts[1]);
        let mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), input.as_bytes());
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        assert_eq!(verify(&issuers, &forged), Err(TokenError::UnsupportedAlgorithm));
    }

    let other_payload = encode(&with(claims(), "scope", json!("admin")));
    let swapped = format!("{}.{other_payload}.{}", parts[0], parts[2]);
    assert_eq!(verify(&issuers, &swapped), Err(TokenError::InvalidSignature));

    let stranger = ec_key("k1");
    let es_token = stranger.sign("at+jwt", &claims()).unwrap();
    assert_eq!(verify(&issuers, &es_token), Err(TokenError::UnknownSigningKey), "ES256 with an RSA key's kid");
    let unknown_kid = rsa_key("k9").sign("at+jwt", &claims()).unwrap();
    assert_eq!(verify(&issuers, &unknown_kid), Err(TokenError::UnknownSigningKey));

    for malformed in ["", "a.b", "a.b.c.d", "!!.??.##", &format!("{}.{}", parts[0], parts[1])] {
        assert_eq!(verify(&issuers, malformed), Err(TokenError::Malformed), "{malformed}");
    }
    let not_object = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode("[1]"), parts[2]);
    assert_eq!(verify(&issuers, &not_object), Err(TokenError::Malformed));
}

#[test]
fn an_algorithm_the_issuer_does_not_use_is_refused_even_with_a_good_signature() {
    let key = ec_key("k1");
    let mut spec = issuer(&[&key]);
    spec.algorithms = vec!["RS256".into()];
    let issuers = Issuers::compile(&[spec], &[]).unwrap();
    assert_eq!(verify(&issuers, &key.sign("JWT", &claims()).unwrap()), Err(TokenError::UnsupportedAlgorithm));
}

#[test]
fn rotation_keeps_old_keys_working_until_they_are_removed() {
    let (old, new) = (rsa_key("old"), ec_key("new"));
    let (old_token, new_token) = (old.sign("at+jwt", &claims()).unwrap(), new.sign("at+jwt", &claims()).unwrap());
    let both = Issuers::compile(&[issuer(&[&old, &new])], &[]).unwrap();
    assert!(verify(&both, &old_token).is_ok() && verify(&both, &new_token).is_ok());
    let only_new = Issuers::compile(&[issuer(&[&new])], &[]).unwrap();
    assert_eq!(verify(&only_new, &old_token), Err(TokenError::UnknownSigningKey));
    assert!(verify(&only_new, &new_token).is_ok());
}

#[test]
fn revoking_one_token_revokes_no_other() {
    let key = rsa_key("k1");
    let revoked = [RevokedTokenSpec { jti: "t-1".into(), expires_at: NOW + 600 }];
    let issuers = Issuers::compile(&[issuer(&[&key])], &revoked).unwrap();
    assert_eq!(verify(&issuers, &key.sign("at+jwt", &claims()).unwrap()), Err(TokenError::Revoked));
    let other = with(claims(), "jti", json!("t-2"));
    assert!(verify(&issuers, &key.sign("at+jwt", &other).unwrap()).is_ok());
}

#[test]
fn bad_issuer_settings_are_refused_at_load() {
    let key = rsa_key("k1");
    let mut weak = issuer(&[&key]);
    weak.keys[0].n = Some(URL_SAFE_NO_PAD.encode([0xffu8; 128]));
    let error = Issuers::compile(&[weak], &[]).unwrap_err();
    assert_eq!(error.path, "issuers[0].keys[0]");
    assert!(error.message.contains("2048"), "{error}");
    let mut hs = issuer(&[&key]);
    hs.algorithms = vec!["HS256".into()];
    assert_eq!(Issuers::compile(&[hs], &[]).unwrap_err().path, "issuers[0].algorithms[0]");
    let mut symmetric = issuer(&[]);
    symmetric.keys = vec![crate::spec::JwkSpec { kty: "oct".into(), ..Default::default() }];
    assert!(Issuers::compile(&[symmetric], &[]).unwrap_err().message.contains("symmetric"));
    let mismatched = crate::spec::JwkSpec { alg: Some("ES256".into()), ..key.jwk() };
    assert!(VerifyingKey::from_jwk(&mismatched).is_err(), "an ES256 alg on an RSA key");
    let encryption = crate::spec::JwkSpec { use_: Some("enc".into()), ..key.jwk() };
    assert!(VerifyingKey::from_jwk(&encryption).unwrap().is_none(), "encryption keys are skipped");
}
