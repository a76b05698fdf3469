//! The publishing journey over the REST API: a publisher imports a document (an invalid
//! one is refused with every error located and nothing saved; a URL on a private address
//! is refused), revises, deploys and publishes; a consumer creates an application,
//! subscribes and generates a key; the co-located gateway then answers a call with that
//! key with the upstream's response. Rotation keeps both keys working.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde_json::json;

const SPEC: &str = "openapi: 3.0.3\ninfo:\n  title: Hello\n  version: '1'\npaths:\n  /greeting:\n    get:\n      security: [{ key: [] }]\n      responses:\n        '200': { description: ok }\ncomponents:\n  securitySchemes:\n    key: { type: apiKey, in: header, name: X-API-Key }\n";

async fn call(url: &str, key: &str) -> (u16, String) {
    let request =
        http::Request::get(url).header("x-api-key", key).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn publish_subscribe_and_call_through_the_gateway() {
    let app = support::app("server::publishing::journey").await;
    let (org, _) = app.org_with_member("acme", "pub@acme.test", "publisher").await;
    let mut publisher = app.signed_in("pub@acme.test").await;

    let broken = publisher
        .post("/api/publisher/v1/apis/import", json!({ "org_id": org, "context": "/hello", "version": "v1", "spec": "openapi: 3.0.3\ninfo:\n  title: Hello\npaths:\n  pets: {}\n" }))
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.text);
    let errors = broken.body["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["field"] == "spec/info/version"), "{}", broken.text);
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == "spec/paths/pets" && e["message"].as_str().unwrap().starts_with("line 5, column 3")),
        "{}",
        broken.text
    );
    assert_eq!(publisher.get("/api/publisher/v1/apis").await.body["total"], 0, "nothing saved");

    let ssrf = publisher
        .post(
            "/api/publisher/v1/apis/import",
            json!({ "org_id": org, "context": "/hello", "version": "v1", "url": "http://127.0.0.1:9/openapi.json" }),
        )
        .await;
    assert_eq!(ssrf.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", ssrf.text);
    assert_eq!(ssrf.body["errors"][0]["field"], "url");

    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}", backend.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(backend, axum::Router::new().fallback(|| async { "hello from upstream" })).await
    });
    let imported = publisher
        .post(
            "/api/publisher/v1/apis/import",
            json!({
                "org_id": org, "context": "/hello", "version": "v1", "spec": SPEC,
                "definition": { "production": { "endpoints": [{ "url": backend_url }] } },
            }),
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text);
    assert_eq!(imported.body["name"], "Hello");
    assert_eq!(imported.body["definition"]["operations"][0]["auth"], "api_key");
    let api_id = imported.body["id"].as_str().unwrap().to_owned();
    let document = publisher.get(&format!("/api/publisher/v1/apis/{api_id}/openapi")).await;
    assert_eq!(document.body["operations"][0]["path"], "/greeting");

    let revision =
        publisher.post(&format!("/api/publisher/v1/apis/{api_id}/revisions"), json!({ "description": "first" })).await;
    let revision_id = revision.body["id"].as_str().unwrap();
    let url = format!("/api/publisher/v1/apis/{api_id}/deployments/production");
    let deployed = publisher.send(Method::PUT, &url, Some(json!({ "revision_id": revision_id })), &[]).await;
    assert_eq!(deployed.status, StatusCode::OK, "{}", deployed.text);
    let published = publisher
        .post(&format!("/api/publisher/v1/apis/{api_id}/lifecycle"), json!({ "state": "published", "reason": "ready" }))
        .await;
    assert_eq!(published.body["state"], "published", "{}", published.text);

    let mut consumer = app.signed_in_new_consumer("dev@example.com").await;
    let catalog = consumer.get("/api/portal/v1/apis").await;
    assert!(
        catalog.body.as_array().unwrap().iter().any(|a| a["id"] == json!(api_id)),
        "public APIs are in the catalog"
    );
    let me = consumer.get("/api/me").await;
    let consumer_org =
        me.body["memberships"].as_array().unwrap().iter().find(|m| m["role"] == "org_admin").unwrap()["org_id"].clone();
    let application =
        consumer.post("/api/portal/v1/applications", json!({ "org_id": consumer_org, "name": "Mine" })).await;
    assert_eq!(application.status, StatusCode::CREATED, "{}", application.text);
    let application_id = application.body["id"].as_str().unwrap().to_owned();
    let subscribed = consumer
        .post(
            &format!("/api/portal/v1/applications/{application_id}/subscriptions"),
            json!({ "api_id": api_id, "tier": "Gold" }),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::CREATED, "{}", subscribed.text);
    let key = consumer
        .post(&format!("/api/portal/v1/applications/{application_id}/keys"), json!({ "environment": "production" }))
        .await;
    let secret = key.body["secret"].as_str().unwrap().to_owned();
    let listed = consumer.get(&format!("/api/portal/v1/applications/{application_id}/keys")).await;
    assert!(!listed.text.contains(&secret), "the key is shown once");

    let gateway = support::colocated_gateway(&app).await;
    let url = format!("http://{gateway}/hello/v1/greeting");
    let started = Instant::now();
    while call(&url, &secret).await.0 != 200 {
        assert!(started.elapsed() < Duration::from_secs(20), "the deploy never reached the gateway");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(call(&url, &secret).await.1, "hello from upstream");

    let key_id = key.body["key"]["id"].as_str().unwrap();
    let rotated = consumer.post(&format!("/api/portal/v1/keys/{key_id}/rotate"), json!({ "grace_hours": 1 })).await;
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    let started = Instant::now();
    while call(&url, &new_secret).await.0 != 200 {
        assert!(started.elapsed() < Duration::from_secs(20), "the rotated key never reached the gateway");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(call(&url, &secret).await.0, 200, "the old key works during the grace period");

    let subscribers = publisher.get(&format!("/api/publisher/v1/apis/{api_id}/subscriptions")).await;
    let subscription_id = subscribers.body[0]["id"].as_str().unwrap().to_owned();
    publisher
        .send(
            Method::PATCH,
            &format!("/api/publisher/v1/subscriptions/{subscription_id}"),
            Some(json!({ "blocked": true })),
            &[],
        )
        .await;
    let started = Instant::now();
    while call(&url, &new_secret).await.0 != 403 {
        assert!(started.elapsed() < Duration::from_secs(20), "the block never reached the gateway");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
