use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gateway::jwt::{Algorithm, SigningKey, VerifyingKey};
use serde_json::{Value, json};

use super::{Expected, verify};

const NOW: i64 = 1_900_000_000;

fn key(kid: &str) -> SigningKey {
    let der = SigningKey::generate_ec_pkcs8(Algorithm::Es256).expect("key");
    SigningKey::from_pkcs8(kid, Algorithm::Es256, &der).expect("key")
}

fn claims() -> Value {
    json!({
        "iss": "https://idp.example/", "aud": "portico", "sub": "u-1", "exp": NOW + 300, "iat": NOW,
        "nonce": "n-1", "email": "ann@example.com", "email_verified": true, "name": "Ann",
    })
}

fn expected() -> Expected<'static> {
    Expected { issuer: "https://idp.example", client_id: "portico", nonce: "n-1", algorithms: None, now: NOW }
}

fn check(signer: &SigningKey, claims: &Value, trusted: &SigningKey) -> Result<super::Identity, &'static str> {
    let token = signer.sign("JWT", claims).expect("sign");
    let keys = vec![VerifyingKey::from_jwk(&trusted.jwk()).expect("jwk").expect("sig key")];
    verify(&token, &keys, &expected()).map_err(|(code, _)| code)
}

fn with(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut value = claims();
    change(value.as_object_mut().expect("object"));
    value
}

#[test]
fn a_valid_token_gives_the_identity() {
    let k = key("k1");
    let identity = check(&k, &claims(), &k).expect("valid");
    assert_eq!(identity.subject, "u-1");
    assert_eq!(identity.email.as_deref(), Some("ann@example.com"));
    assert_eq!((identity.email_verified, identity.name.as_deref()), (Some(true), Some("Ann")));
    let listed = with(|c| {
        c.insert("aud".into(), json!(["portico", "other"]));
        c.insert("azp".into(), json!("portico"));
    });
    assert!(check(&k, &listed, &k).is_ok(), "several audiences with azp = our client");
}

#[test]
fn each_failed_check_has_its_code() {
    let k = key("k1");
    let other = key("k1");
    assert_eq!(check(&other, &claims(), &k).err(), Some("id_token_invalid"), "signed by another key");
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.insert("aud".into(), json!("someone-else"));
            }),
            &k
        )
        .err(),
        Some("id_token_wrong_audience")
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.insert("aud".into(), json!(["portico", "other"]));
            }),
            &k
        )
        .err(),
        Some("id_token_wrong_audience"),
        "several audiences without azp"
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.insert("exp".into(), json!(NOW - 61));
            }),
            &k
        )
        .err(),
        Some("id_token_expired")
    );
    assert!(
        check(
            &k,
            &with(|c| {
                c.insert("exp".into(), json!(NOW - 30));
            }),
            &k
        )
        .is_ok(),
        "within the leeway"
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.insert("nonce".into(), json!("n-2"));
            }),
            &k
        )
        .err(),
        Some("id_token_nonce_mismatch")
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.remove("nonce");
            }),
            &k
        )
        .err(),
        Some("id_token_nonce_mismatch")
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.insert("iss".into(), json!("https://evil.example"));
            }),
            &k
        )
        .err(),
        Some("id_token_invalid")
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.remove("sub");
            }),
            &k
        )
        .err(),
        Some("id_token_invalid")
    );
    assert_eq!(
        check(
            &k,
            &with(|c| {
                c.remove("iat");
            }),
            &k
        )
        .err(),
        Some("id_token_invalid")
    );
}

#[test]
fn none_and_hmac_tokens_are_refused() {
    let k = key("k1");
    let keys = vec![VerifyingKey::from_jwk(&k.jwk()).expect("jwk").expect("sig key")];
    for alg in ["none", "HS256"] {
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "kid": "k1" }).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        let token = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(b"sig"));
        assert_eq!(verify(&token, &keys, &expected()).map_err(|(c, _)| c).err(), Some("id_token_invalid"), "{alg}");
    }
    let announced = vec!["RS256".to_owned()];
    let token = k.sign("JWT", &claims()).expect("sign");
    let only_rs = Expected { algorithms: Some(&announced), ..expected() };
    assert_eq!(verify(&token, &keys, &only_rs).map_err(|(c, _)| c).err(), Some("id_token_invalid"));
    assert_eq!(verify("not.a.token", &keys, &expected()).map_err(|(c, _)| c).err(), Some("id_token_invalid"));
}
