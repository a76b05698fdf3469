//! Bearer-token (JWT) and basic authentication through a real gateway and upstream: the
//! error codes and `WWW-Authenticate` challenges, per-operation scopes, the credential
//! stripped and the application named upstream, revocation and key rotation arriving by
//! configuration update while tokens are cached, and settings refused at load.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::LazyLock;

use base64::Engine as _;
use gateway::jwt::{Algorithm, SigningKey};
use gateway::spec::{IssuerSpec, RevokedTokenSpec, Snapshot};
use http::StatusCode;
use serde_json::{Value, json};
use support::{MockUpstream, TestGateway, get, snapshot};

static RSA_PKCS8: LazyLock<Vec<u8>> = LazyLock::new(|| {
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

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(client: &str, jti: &str, scope: &str) -> Value {
    json!({
        "iss": "https://portico.example", "sub": client, "aud": "portico-gateway", "exp": now() + 600,
        "iat": now(), "jti": jti, "client_id": client, "scope": scope,
    })
}

fn config(upstream: &str, keys: &[&SigningKey], revoked: &[&str]) -> Snapshot {
    let mut snapshot = snapshot(&format!(
        r#"
apis:
  - id: pets
    name: Pets
    context: /pets
    version: v1
    auth: jwt
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
    operations:
      - {{ method: GET, path: /pets, scopes: [pets:read] }}
      - {{ method: POST, path: /pets, scopes: [pets:read, pets:write] }}
      - {{ method: GET, path: /any }}
      - {{ method: GET, path: /basic, auth: basic }}
  - id: other
    name: Other
    context: /other
    version: v1
    auth: jwt
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
applications:
  - id: app-1
    oauth_clients: [{{ issuer: portico, client_id: client-1 }}]
    basic_auth: [{{ username: alice, password: "correct horse" }}]
    subscriptions: [{{ api: pets }}]
  - id: app-2
    oauth_clients: [{{ issuer: portico, client_id: client-2 }}]
    subscriptions: [{{ api: other }}]
"#
    ));
    snapshot.issuers = vec![IssuerSpec {
        id: "portico".into(),
        issuer: "https://portico.example".into(),
        audiences: vec!["portico-gateway".into()],
        client_claim: "client_id".into(),
        algorithms: vec!["RS256".into(), "ES256".into()],
        leeway_seconds: 30,
        keys: keys.iter().map(|k| k.jwk()).collect(),
    }];
    snapshot.revoked_tokens =
        revoked.iter().map(|jti| RevokedTokenSpec { jti: (*jti).into(), expires_at: now() + 600 }).collect();
    snapshot.version += 1;
    snapshot
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn tokens_identify_the_application_and_carry_the_scopes_each_operation_needs() {
    let upstream = MockUpstream::start("u").await;
    let key = rsa_key("k1");
    let gw = TestGateway::start(&config(&upstream.url(), &[&key], &[])).await;
    let reader = bearer(&key.sign("at+jwt", &claims("client-1", "t-read", "pets:read")).unwrap());
    let writer = bearer(&key.sign("at+jwt", &claims("client-1", "t-write", "pets:read pets:write")).unwrap());

    let (status, headers, body) = get(&gw.url("/pets/v1/pets"), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_credentials")));
    assert_eq!(headers["www-authenticate"], r#"Bearer realm="portico""#);

    let (status, _, body) = get(&gw.url("/pets/v1/pets"), &[("authorization", &reader)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = upstream.last();
    assert_eq!(seen.headers["x-application-id"], "app-1");
    assert!(!seen.headers.contains_key("authorization"), "the token never reaches the upstream");

    let post = |auth: &str| {
        http::Request::post(gw.url("/pets/v1/pets"))
            .header("authorization", auth)
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap()
    };
    let (status, headers, body) = support::call(post(&reader)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("insufficient_scope")));
    assert_eq!(
        headers["www-authenticate"],
        r#"Bearer realm="portico", error="insufficient_scope", scope="pets:read pets:write""#
    );
    assert_eq!(support::call(post(&writer)).await.0, StatusCode::OK);
    assert_eq!(get(&gw.url("/pets/v1/any"), &[("authorization", &reader)]).await.0, StatusCode::OK);

    let stranger = bearer(&key.sign("at+jwt", &claims("client-2", "t-2", "pets:read")).unwrap());
    let (status, _, body) = get(&gw.url("/pets/v1/pets"), &[("authorization", &stranger)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("not_subscribed")));
    let unknown = bearer(&key.sign("at+jwt", &claims("client-9", "t-9", "pets:read")).unwrap());
    let (status, _, body) = get(&gw.url("/pets/v1/pets"), &[("authorization", &unknown)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_client")));
}

#[tokio::test]
async fn refused_tokens_get_401_with_their_own_code_and_an_rfc_6750_challenge() {
    let upstream = MockUpstream::start("u").await;
    let key = rsa_key("k1");
    let gw = TestGateway::start(&config(&upstream.url(), &[&key], &[])).await;
    let sign = |c: Value| bearer(&key.sign("at+jwt", &c).unwrap());
    let good = claims("client-1", "t-1", "pets:read");
    let with = |name: &str, value: Value| {
        let mut c = good.clone();
        c[name] = value;
        c
    };
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!("Bearer {}.{}.", b64(json!({"alg": "none"})), b64(good.clone()));
    let cases = [
        (sign(with("exp", json!(now() - 120))), "token_expired"),
        (sign(with("nbf", json!(now() + 120))), "token_not_yet_valid"),
        (sign(with("aud", json!("another-api"))), "invalid_audience"),
        (sign(with("iss", json!("https://evil.example"))), "unknown_issuer"),
        (none, "unsupported_algorithm"),
        (bearer(&ec_key("k1").sign("at+jwt", &good).unwrap()), "unknown_signing_key"),
        ("Bearer not-a-jwt".to_owned(), "malformed_token"),
    ];
    for (token, code) in cases {
        let (status, headers, body) = get(&gw.url("/pets/v1/pets"), &[("authorization", &token)]).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some(code)), "{token}");
        let challenge = headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with(r#"Bearer realm="portico", error="invalid_token""#), "{challenge}");
    }
    assert_eq!(upstream.hits.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test]
async fn revocation_and_rotation_reach_a_running_gateway_through_configuration_updates() {
    let upstream = MockUpstream::start("u").await;
    let (old, new) = (rsa_key("old"), ec_key("new"));
    let gw = TestGateway::start(&config(&upstream.url(), &[&old], &[])).await;
    let first = bearer(&old.sign("at+jwt", &claims("client-1", "t-1", "pets:read")).unwrap());
    let second = bearer(&old.sign("at+jwt", &claims("client-1", "t-2", "pets:read")).unwrap());
    let call = |token: &str| {
        let (gw, token) = (&gw, token.to_owned());
        async move { get(&gw.url("/pets/v1/pets"), &[("authorization", &token)]).await }
    };
    assert_eq!(call(&first).await.0, StatusCode::OK);
    assert_eq!(call(&second).await.0, StatusCode::OK, "both are verified and cached");

    gw.store.apply(&config(&upstream.url(), &[&old], &["t-1"])).unwrap();
    let (status, _, body) = call(&first).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("token_revoked")));
    assert_eq!(call(&second).await.0, StatusCode::OK, "revoking a token never revokes another");

    // Rotation: the new key signs while the old one is still published; then the old one goes.
    gw.store.apply(&config(&upstream.url(), &[&old, &new], &["t-1"])).unwrap();
    let rotated = bearer(&new.sign("at+jwt", &claims("client-1", "t-3", "pets:read")).unwrap());
    assert_eq!(call(&rotated).await.0, StatusCode::OK);
    assert_eq!(call(&second).await.0, StatusCode::OK);
    gw.store.apply(&config(&upstream.url(), &[&new], &["t-1"])).unwrap();
    assert_eq!(call(&rotated).await.0, StatusCode::OK);
    let (status, _, body) = call(&second).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_signing_key")));
}

#[tokio::test]
async fn basic_credentials_are_checked_cached_and_stripped() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&config(&upstream.url(), &[&ec_key("k")], &[])).await;
    let basic = |user: &str, password: &str| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
    };
    let (status, headers, body) = get(&gw.url("/pets/v1/basic"), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_credentials")));
    assert_eq!(headers["www-authenticate"], r#"Basic realm="portico", charset="UTF-8""#);
    for wrong in [basic("alice", "wrong horse"), basic("mallory", "correct horse"), "Basic %%%".to_owned()] {
        let (status, _, body) = get(&gw.url("/pets/v1/basic"), &[("authorization", &wrong)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}: {body}");
    }
    let right = basic("alice", "correct horse");
    for _ in 0..3 {
        let (status, _, body) = get(&gw.url("/pets/v1/basic"), &[("authorization", &right)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let seen = upstream.last();
    assert_eq!(seen.headers["x-application-id"], "app-1");
    assert!(!seen.headers.contains_key("authorization"));
    let (status, _, body) = get(&gw.url("/pets/v1/pets"), &[("authorization", &right)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_credentials")));
}

#[test]
fn identity_settings_that_cannot_work_are_refused_with_their_place() {
    let base = config("http://127.0.0.1:9", &[&ec_key("k")], &[]);
    let compile = |s: &Snapshot| gateway::Config::compile(s).err().map(|e| (e.path, e.message));

    let mut unknown_issuer = base.clone();
    unknown_issuer.applications[0].oauth_clients[0].issuer = "nobody".into();
    let (path, _) = compile(&unknown_issuer).unwrap();
    assert_eq!(path, "applications[0].oauth_clients[0].issuer");

    let mut bad_scope = base.clone();
    bad_scope.apis[0].operations[0].scopes = vec!["has space".into()];
    let (path, _) = compile(&bad_scope).unwrap();
    assert_eq!(path, "apis[0].operations[0].scopes");

    let mut weak = base.clone();
    weak.applications[0].basic_auth[0].password = Some("short".into());
    assert!(compile(&weak).unwrap().1.contains("8 characters"));

    let mut not_argon = base.clone();
    not_argon.applications[0].basic_auth[0].password = None;
    not_argon.applications[0].basic_auth[0].password_hash = Some("5f4dcc3b5aa765d61d8327deb882cf99".into());
    assert!(compile(&not_argon).unwrap().1.contains("argon2id"));
    assert!(!format!("{:?}", base.applications[0].basic_auth[0]).contains("correct horse"), "never printed");
}
