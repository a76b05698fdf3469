//! Config distribution to the co-located gateway: a deploy through the domain reaches the
//! in-process gateway via the hub (no restart), a key call gets the upstream's answer,
//! and an undeploy takes the route away again.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use gateway::{ConfigStore, Gateway, GatewaySettings};
use server::distribution::{ConfigHub, feed_colocated};

/// A one-route upstream answering `hello`.
async fn upstream() -> std::net::SocketAddr {
    let app = axum::Router::new().fallback(|| async { "hello from upstream" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn status_of(url: &str, key: Option<&str>) -> (u16, String) {
    let mut request = http::Request::get(url);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.request(request.body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn deploys_reach_the_colocated_gateway_without_a_restart() {
    let dir = std::env::temp_dir().join(format!("portico-colocated-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _) = migrations::testkit::fresh_database_url("server::colocated", &dir).await;
    let db = server::db::open(&url, 4).await.unwrap();
    let changed = std::sync::Arc::new(tokio::sync::Notify::new());
    let hub = ConfigHub::new(db.clone(), changed.clone());
    tokio::spawn(hub.clone().run());
    let store = ConfigStore::new();
    tokio::spawn(feed_colocated(hub.clone(), "production".into(), store.clone()));
    let bound = Gateway::new(GatewaySettings::ephemeral(), store.clone()).bind().await.unwrap();
    let proxy = bound.proxy_addr;
    tokio::spawn(bound.serve(std::future::pending()));

    let backend = upstream().await;
    let published = support::publish::publish(&db, "/hello", &format!("http://{backend}")).await;
    changed.notify_one();
    let started = Instant::now();
    let url = format!("http://{proxy}/hello/v1/greeting");
    loop {
        if store.current().is_some() && status_of(&url, Some(&published.key)).await.0 == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the deploy never reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = status_of(&format!("http://{proxy}/hello/greeting"), Some(&published.key)).await;
    assert_eq!((status, body.as_str()), (200, "hello from upstream"), "the default version too");
    let (status, body) = status_of(&url, None).await;
    assert_eq!(status, 401, "{body}");

    domain::deployments::undeploy(&db, &published.actor, published.api_id, "production").await.unwrap();
    changed.notify_one();
    let started = Instant::now();
    while status_of(&url, Some(&published.key)).await.0 != 404 {
        assert!(started.elapsed() < Duration::from_secs(20), "the undeploy never reached the gateway");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
