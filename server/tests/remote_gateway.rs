//! Config distribution to a remote gateway over the real stream: the gateway's
//! control-plane client connects to `portico`'s `/api/gateway/v1/connect` with a gateway
//! token, serves a deploy, ACKs it (the registry shows its version and hash), follows a
//! change as a delta, ships its analytics events (stored, then acknowledged), and a
//! revoked token is refused.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use domain::analytics::{GroupBy, ReportQuery};
use gateway::analytics::Analytics;
use gateway::control_plane::{Client, ClientSettings};
use gateway::{ConfigStore, Gateway, GatewaySettings};
use sea_orm::EntityTrait;
use serde_json::json;
use server::distribution::ConfigHub;

async fn get(url: &str, key: &str) -> (u16, String) {
    let request =
        http::Request::get(url).header("x-api-key", key).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
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

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(30), "{what} did not happen");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_remote_gateway_follows_deploys_over_the_stream() {
    let app = support::app("server::remote_gateway").await;
    let hub = ConfigHub::new(app.state.db.clone(), app.state.config_changed.clone());
    tokio::spawn(hub.clone().run());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control_plane = listener.local_addr().unwrap();
    let router = app.router.clone().layer(axum::Extension(hub.clone()));
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });

    let mut root = app.signed_in("root@example.com").await;
    let token = root.post("/api/admin/v1/gateway-tokens", json!({ "name": "dc-1", "environment": "production" })).await;
    let secret = token.body["secret"].as_str().unwrap().to_owned();

    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_addr = backend.local_addr().unwrap();
    let upstream = axum::Router::new().fallback(|| async { "hello from upstream" });
    tokio::spawn(async move { axum::serve(backend, upstream).await });

    let store = ConfigStore::new();
    let cache = std::env::temp_dir().join(format!("portico-remote-{}", uuid::Uuid::new_v4()));
    let settings = ClientSettings {
        url: format!("ws://{control_plane}"),
        environment: "production".into(),
        token: secret.clone(),
        cache_dir: cache,
        usage_interval: Duration::from_millis(200),
    };
    let analytics = Analytics::new("remote-1", 10_000);
    let client = Client::start(settings, store.clone()).unwrap();
    tokio::spawn(client.ship_analytics(analytics.clone(), Duration::from_millis(100)).run());
    let gateway = Gateway::new(GatewaySettings::ephemeral(), store.clone()).with_analytics(analytics.clone());
    let bound = gateway.bind().await.unwrap();
    let proxy = bound.proxy_addr;
    tokio::spawn(bound.serve(std::future::pending()));
    until("the first snapshot", async || store.current().is_some()).await;

    let published = support::publish::publish(&app.state.db, "/hello", &format!("http://{backend_addr}")).await;
    app.state.config_changed.notify_one();
    let url = format!("http://{proxy}/hello/v1/anything");
    until("the deploy reaching the remote gateway", async || get(&url, &published.key).await.0 == 200).await;
    assert_eq!(get(&url, &published.key).await.1, "hello from upstream");

    // The registry shows the gateway with the version and hash it acknowledged.
    let current = hub.current("production").unwrap();
    until("the ACK in the registry", async || {
        let nodes = root.get("/api/admin/v1/gateways").await.body;
        nodes[0]["config_hash"] == json!(current.hash) && nodes[0]["connected"] == json!(true)
    })
    .await;

    // A change travels as a delta: blocking the API answers 503 at the remote gateway.
    domain::apis::transition(
        &app.state.db,
        &published.actor,
        published.api_id,
        domain::lifecycle::ApiState::Blocked,
        "abuse",
    )
    .await
    .unwrap();
    app.state.config_changed.notify_one();
    until("the block reaching the remote gateway", async || get(&url, &published.key).await.0 == 503).await;

    // Key usage is reported back in batches.
    until("key usage recorded", async || {
        let keys = domain::api_keys::list(&app.state.db, &published.actor, published.app_id).await.unwrap();
        keys.iter().any(|k| k.last_used_at.is_some())
    })
    .await;

    // Its analytics events are stored: the 200s and the 503s, from this node.
    let query = ReportQuery { api_id: Some(published.api_id), group_by: Some(GroupBy::Status), ..Default::default() };
    until("analytics stored", async || {
        let report = domain::analytics::publisher_report(&app.state.db, &published.actor, &query).await.unwrap();
        let keys: Vec<&str> = report.groups.iter().map(|g| g.key.as_str()).collect();
        keys.contains(&"200") && keys.contains(&"503") && analytics.queued() == 0
    })
    .await;
    until("every event acknowledged", async || analytics.shipped() > 0 && analytics.queued() == 0).await;
    let node = domain::entities::analytics_event::Entity::find().one(&app.state.db).await.unwrap().unwrap().node;
    assert_eq!(node, "remote-1");

    let token_id = token.body["token"]["id"].as_str().unwrap();
    root.send(http::Method::DELETE, &format!("/api/admin/v1/gateway-tokens/{token_id}"), None, &[]).await;
    let refused = get(&format!("http://{control_plane}/api/gateway/v1/connect?environment=production"), "").await;
    assert_eq!(refused.0, 401);
}
