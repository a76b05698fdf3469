//! Benchmark (not a test): time from a deploy call returning to a remote gateway serving
//! the change, over 100 deploys, through the real stack — REST deploy, config hub,
//! WebSocket delta, the gateway's compile and swap. `cargo bench -p server --bench push_latency`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use gateway::control_plane::{Client, ClientSettings};
use gateway::{ConfigStore, Gateway, GatewaySettings};
use http::Method;
use serde_json::json;
use server::distribution::ConfigHub;

/// An upstream that answers with the `X-Deploy` header it received.
async fn echo_upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(|headers: http::HeaderMap| async move {
        headers.get("x-deploy").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn answer(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<bytes::Bytes>,
    >,
    url: &str,
    key: &str,
) -> String {
    let request = http::Request::get(url).header("x-api-key", key).body(http_body_util::Empty::new()).unwrap();
    match client.request(request).await {
        Ok(response) => {
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            String::from_utf8_lossy(&body).into_owned()
        }
        Err(_) => String::new(),
    }
}

#[tokio::main]
async fn main() {
    let app = support::app("server::bench::push_latency").await;
    let hub = ConfigHub::new(app.state.db.clone(), app.state.config_changed.clone());
    tokio::spawn(hub.clone().run());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control_plane = listener.local_addr().unwrap();
    let router = app.router.clone().layer(axum::Extension(hub));
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    let mut root = app.signed_in("root@example.com").await;
    let token =
        root.post("/api/admin/v1/gateway-tokens", json!({ "name": "bench", "environment": "production" })).await;
    let store = ConfigStore::new();
    let settings = ClientSettings {
        url: format!("ws://{control_plane}"),
        environment: "production".into(),
        token: token.body["secret"].as_str().unwrap().to_owned(),
        cache_dir: std::env::temp_dir().join(format!("portico-bench-{}", uuid::Uuid::new_v4())),
        usage_interval: Duration::from_secs(30),
    };
    tokio::spawn(Client::start(settings, store.clone()).unwrap().run());
    let bound = Gateway::new(GatewaySettings::ephemeral(), store).bind().await.unwrap();
    let proxy = bound.proxy_addr;
    tokio::spawn(bound.serve(std::future::pending()));

    let published = support::publish::publish(&app.state.db, "/bench", &echo_upstream().await).await;
    let api = published.api_id;
    let url = format!("http://{proxy}/bench/v1/x");
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let definition = root.get(&format!("/api/publisher/v1/apis/{api}")).await.body["definition"].clone();
    let mut samples = Vec::with_capacity(100);
    for n in 0..100 {
        let mut changed = definition.clone();
        changed["request_headers"] = json!({ "add": { "X-Deploy": n.to_string() } });
        root.patch(&format!("/api/publisher/v1/apis/{api}"), json!({ "definition": changed })).await;
        let revision = root.post(&format!("/api/publisher/v1/apis/{api}/revisions"), json!({})).await;
        let body = json!({ "revision_id": revision.body["id"] });
        let deployed = root
            .send(Method::PUT, &format!("/api/publisher/v1/apis/{api}/deployments/production"), Some(body), &[])
            .await;
        assert!(deployed.status.is_success(), "{}", deployed.text);
        let returned = Instant::now();
        while answer(&client, &url, &published.key).await != n.to_string() {
            assert!(returned.elapsed() < Duration::from_secs(30), "deploy {n} never served");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        samples.push(returned.elapsed().as_secs_f64() * 1e3);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "deploy call returned → remote gateway serving it, 100 deploys: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.99),
        samples[99]
    );
}
