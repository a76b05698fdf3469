//! External key managers, with a test OIDC issuer on 127.0.0.1 serving discovery and a
//! JWKS: an admin registers it by URL, a consumer maps the issuer's client to an
//! application, the co-located gateway accepts the issuer's tokens; when the issuer is
//! down its last keys keep working and the error is shown; the JWT-bearer grant
//! exchanges the issuer's assertion for a Portico token; bad registrations are refused.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use gateway::jwt::{Algorithm, SigningKey};
use serde_json::{Value, json};
use support::oauth::{enc, fixture, post};

/// A test OIDC issuer: discovery and JWKS, which can be taken down.
struct Issuer {
    url: String,
    key: Arc<SigningKey>,
    up: Arc<AtomicBool>,
}

async fn issuer() -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pkcs8 = SigningKey::generate_ec_pkcs8(Algorithm::Es256).unwrap();
    let key = Arc::new(SigningKey::from_pkcs8("idp-key-1", Algorithm::Es256, &pkcs8).unwrap());
    let up = Arc::new(AtomicBool::new(true));
    let (jwk, issuer_url, live, live2) = (key.jwk(), url.clone(), up.clone(), up.clone());
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || {
                let (issuer_url, live) = (issuer_url.clone(), live.clone());
                async move {
                    if !live.load(Ordering::Relaxed) {
                        return Err(http::StatusCode::SERVICE_UNAVAILABLE);
                    }
                    Ok(Json(json!({ "issuer": issuer_url, "jwks_uri": format!("{issuer_url}/keys") })))
                }
            }),
        )
        .route(
            "/keys",
            axum::routing::get(move || {
                let (jwk, live) = (jwk.clone(), live2.clone());
                async move {
                    if !live.load(Ordering::Relaxed) {
                        return Err(http::StatusCode::SERVICE_UNAVAILABLE);
                    }
                    Ok(Json(json!({ "keys": [jwk, { "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB" }] })))
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Issuer { url, key, up }
}

fn token(issuer: &Issuer, claims: Value) -> String {
    issuer.key.sign("JWT", &claims).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn call(url: &str, token: &str) -> (u16, String) {
    let request = http::Request::get(url)
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn tokens_of_a_registered_key_manager_pass_the_gateway_even_while_it_is_down() {
    let app = support::app("server::key_managers").await;
    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_addr = backend.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(backend, axum::Router::new().fallback(|| async { "pets" })).await });
    let f = fixture(&app, &format!("http://{backend_addr}")).await;
    let proxy = support::colocated_gateway(&app).await;
    let idp = issuer().await;
    let mut root = f.root.clone();

    let bad = root
        .post("/api/admin/v1/key-managers", json!({ "name": "Nowhere", "discovery_url": "http://127.0.0.1:9" }))
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.body["errors"][0]["field"].as_str()),
        (422, Some("discovery_url")),
        "{}",
        bad.text
    );
    let hs = root
        .post("/api/admin/v1/key-managers", json!({ "name": "HS", "discovery_url": idp.url, "algorithms": ["HS256"] }))
        .await;
    assert_eq!(hs.status, 422, "{}", hs.text);
    let created = root
        .post(
            "/api/admin/v1/key-managers",
            json!({ "name": "Test IdP", "discovery_url": idp.url, "client_claim": "azp", "audiences": ["pets-api"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["issuer"], idp.url.as_str());
    assert_eq!(created.body["key_ids"], json!(["idp-key-1"]), "the encryption key is skipped");
    let manager = created.body["id"].as_str().unwrap().to_owned();

    let consumers_view = root.get("/api/portal/v1/key-managers").await;
    assert_eq!(consumers_view.body[0]["name"], "Test IdP");
    let mapped = root
        .post(
            &format!("/api/portal/v1/applications/{}/external-clients", f.published.app_id),
            json!({ "key_manager_id": manager, "environment": "production", "client_id": "idp-client-7" }),
        )
        .await;
    assert_eq!(mapped.status, 201, "{}", mapped.text);
    app.state.config_changed.notify_one();

    let claims = |aud: &str| json!({ "iss": idp.url, "azp": "idp-client-7", "aud": aud, "exp": now() + 600, "scope": "pets:read" });
    let good = token(&idp, claims("pets-api"));
    let url = format!("http://{proxy}/pets/v1/pets");
    let started = Instant::now();
    while call(&url, &good).await.0 != 200 {
        assert!(started.elapsed() < Duration::from_secs(20), "the key manager never reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = call(&url, &token(&idp, claims("someone-else"))).await;
    assert_eq!(status, 401);
    assert!(body.contains("invalid_audience"), "{body}");

    // The issuer goes down: refreshing fails, the error is shown, the last keys still work.
    idp.up.store(false, Ordering::Relaxed);
    let refreshed = root.post(&format!("/api/admin/v1/key-managers/{manager}/refresh"), json!({})).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert!(refreshed.body["last_error"].as_str().is_some_and(|e| e.contains("503")), "{}", refreshed.text);
    assert_eq!(refreshed.body["key_ids"], json!(["idp-key-1"]));
    let listed = root.get("/api/admin/v1/key-managers").await;
    assert!(listed.body[0]["last_error"].is_string());
    app.state.config_changed.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(call(&url, &good).await.0, 200, "the last good keys keep working");
    idp.up.store(true, Ordering::Relaxed);
    let recovered = root.post(&format!("/api/admin/v1/key-managers/{manager}/refresh"), json!({})).await;
    assert!(recovered.body["last_error"].is_null(), "{}", recovered.text);

    // JWT bearer (RFC 7523): the issuer's assertion, meant for Portico, becomes a Portico token.
    let assertion =
        |aud: &str| token(&idp, json!({ "iss": idp.url, "sub": "alice@idp", "aud": aud, "exp": now() + 300 }));
    let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    let form = |a: String| format!("grant_type={}&assertion={a}&scope=pets:read", enc(grant));
    let exchanged = post(&app, "/oauth2/token", &form(assertion(support::ORIGIN)), Some(&f.basic())).await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.text);
    assert_eq!(support::oauth::claims(exchanged.body["access_token"].as_str().unwrap())["sub"], "alice@idp");
    let wrong = post(&app, "/oauth2/token", &form(assertion("https://elsewhere.example")), Some(&f.basic())).await;
    assert_eq!((wrong.status.as_u16(), wrong.body["error"].as_str()), (400, Some("invalid_grant")), "{}", wrong.text);

    // Removing the key manager takes its tokens away.
    let removed = root.delete(&format!("/api/admin/v1/key-managers/{manager}")).await;
    assert_eq!(removed.status, 204);
    app.state.config_changed.notify_one();
    let started = Instant::now();
    while call(&url, &good).await.0 == 200 {
        assert!(started.elapsed() < Duration::from_secs(20), "the removal never reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
