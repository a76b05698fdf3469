//! A real OAuth2 client (the `oauth2` crate) against a running `portico` and a remote
//! gateway fed over the config stream: client credentials and authorization code + PKCE
//! complete, the gateway accepts the tokens (and enforces scopes), a revocation reaches
//! the remote gateway as a delta, and after a key rotation tokens signed by the old and
//! the new key both pass.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use gateway::control_plane::{Client, ClientSettings};
use gateway::{ConfigStore, Gateway, GatewaySettings};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde_json::json;
use server::distribution::ConfigHub;
use support::oauth::{REDIRECT, fixture};

type HttpFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, std::io::Error>> + Send>>;

/// The HTTP client the `oauth2` crate sends its requests with (hyper, plain HTTP).
fn http_client(request: HttpRequest) -> HttpFuture {
    Box::pin(async move {
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, http_body_util::Full::new(bytes::Bytes::from(body)));
        let response = client.request(request).await.map_err(std::io::Error::other)?;
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::collect(body).await.map_err(std::io::Error::other)?.to_bytes();
        Ok(http::Response::from_parts(parts, body.to_vec()))
    })
}

async fn call(url: &str, token: &str) -> (u16, String) {
    let request = http::Request::get(url)
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    match client.request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
        Err(_) => (0, String::new()),
    }
}

async fn until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn an_oauth2_client_gets_tokens_the_remote_gateway_accepts_until_they_are_revoked() {
    let app = support::app("server::oauth_client").await;
    let hub = ConfigHub::new(app.state.db.clone(), app.state.config_changed.clone());
    tokio::spawn(hub.clone().run());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let portico = listener.local_addr().unwrap();
    let router = app.router.clone().layer(axum::Extension(hub.clone()));
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_addr = backend.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(backend, axum::Router::new().fallback(|| async { "pets" })).await });

    let f = fixture(&app, &format!("http://{backend_addr}")).await;
    let mut root = f.root.clone();
    let gateway_token =
        root.post("/api/admin/v1/gateway-tokens", json!({ "name": "dc-1", "environment": "production" })).await;
    let store = ConfigStore::new();
    let settings = ClientSettings {
        url: format!("ws://{portico}"),
        environment: "production".into(),
        token: gateway_token.body["secret"].as_str().unwrap().to_owned(),
        cache_dir: std::env::temp_dir().join(format!("portico-oauth-{}", uuid::Uuid::new_v4())),
        usage_interval: Duration::from_millis(200),
    };
    tokio::spawn(Client::start(settings, store.clone()).unwrap().run());
    let bound = Gateway::new(GatewaySettings::ephemeral(), store.clone()).bind().await.unwrap();
    let pets = format!("http://{}/pets/v1/pets", bound.proxy_addr);
    let admin = format!("http://{}/pets/v1/admin", bound.proxy_addr);
    tokio::spawn(bound.serve(std::future::pending()));
    app.state.config_changed.notify_one();

    let base = format!("http://{portico}");
    let confidential = BasicClient::new(ClientId::new(f.client_id.clone()))
        .set_client_secret(ClientSecret::new(f.secret.clone()))
        .set_token_uri(TokenUrl::new(format!("{base}/oauth2/token")).unwrap());
    let reader = confidential
        .exchange_client_credentials()
        .add_scope(Scope::new("pets:read".into()))
        .request_async(&http_client)
        .await
        .unwrap();
    let reader_token = reader.access_token().secret().clone();
    assert_eq!(reader.scopes().map(|s| s.len()), Some(1));
    until("the client's token working at the remote gateway", Duration::from_secs(30), async || {
        call(&pets, &reader_token).await.0 == 200
    })
    .await;
    let (status, body) = call(&admin, &reader_token).await;
    assert_eq!(status, 403, "pets:admin is missing: {body}");
    assert!(body.contains("insufficient_scope"));

    // Authorization code + PKCE with a public client; the user's consent is the browser step.
    let public = BasicClient::new(ClientId::new(f.public_client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::new(format!("{base}/oauth2/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/oauth2/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, state) = public
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("pets:read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let request = serde_urlencoded::from_str(authorize_url.query().unwrap()).unwrap();
    let actor = support::publish::admin(&app.state.db).await.0;
    let back = domain::oauth::authorize::decide(&app.state.db, &app.state.oauth, &actor, &request, true).await.unwrap();
    let answer: std::collections::HashMap<String, String> =
        url::Url::parse(&back).unwrap().query_pairs().into_owned().collect();
    assert_eq!(&answer["state"], state.secret());
    let user_tokens = public
        .exchange_code(AuthorizationCode::new(answer["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .unwrap();
    assert!(user_tokens.refresh_token().is_some());
    let user_token = user_tokens.access_token().secret().clone();
    until("the user's token working at the remote gateway", Duration::from_secs(30), async || {
        call(&pets, &user_token).await.0 == 200
    })
    .await;

    // Revocation reaches the remote gateway as a delta; the other token keeps working.
    // (The crate refuses plain-http revocation URLs, so this request is sent by hand.)
    let form = format!("token={reader_token}&token_type_hint=access_token");
    let revoke = http::Request::post(format!("{base}/oauth2/revoke"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", support::oauth::Fixture::basic(&f))
        .body(form.into_bytes())
        .unwrap();
    assert_eq!(http_client(revoke).await.unwrap().status(), 200);
    let took = until("the revocation reaching the remote gateway", Duration::from_secs(10), async || {
        call(&pets, &reader_token).await.1.contains("token_revoked")
    })
    .await;
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(call(&pets, &user_token).await.0, 200, "revoking one token never revokes another");

    // How long a revocation takes to reach the remote gateway: revoke call answered →
    // the gateway refusing the token, over 20 tokens.
    let mut latencies = Vec::new();
    for _ in 0..20 {
        let token = confidential
            .exchange_client_credentials()
            .add_scope(Scope::new("pets:read".into()))
            .request_async(&http_client)
            .await
            .unwrap();
        let token = token.access_token().secret().clone();
        assert_eq!(call(&pets, &token).await.0, 200);
        let revoke = http::Request::post(format!("{base}/oauth2/revoke"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", support::oauth::Fixture::basic(&f))
            .body(format!("token={token}").into_bytes())
            .unwrap();
        assert_eq!(http_client(revoke).await.unwrap().status(), 200);
        let answered = Instant::now();
        while call(&pets, &token).await.0 == 200 {
            assert!(answered.elapsed() < Duration::from_secs(10), "revocation never arrived");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(answered.elapsed());
    }
    latencies.sort();
    let (p50, p95, max) = (latencies[9], latencies[18], latencies[19]);
    println!("revocation → remote gateway refusing the token, 20 tokens: p50 {p50:?}, p95 {p95:?}, max {max:?}");
    assert!(max < Duration::from_secs(1), "a revocation reaches the gateway within a second: {latencies:?}");

    // Rotation: the old key stays published, so both old and new tokens pass.
    let rotated = root.post("/api/admin/v1/signing-keys/rotate", json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.text);
    let new_kid = rotated.body["kid"].as_str().unwrap().to_owned();
    let fresh = confidential
        .exchange_client_credentials()
        .add_scope(Scope::new("pets:read".into()))
        .request_async(&http_client)
        .await
        .unwrap();
    let fresh_token = fresh.access_token().secret().clone();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            fresh_token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], new_kid.as_str());
    until("the new key reaching the remote gateway", Duration::from_secs(30), async || {
        call(&pets, &fresh_token).await.0 == 200
    })
    .await;
    assert_eq!(call(&pets, &user_token).await.0, 200, "a token signed by the retired key still passes");
}
