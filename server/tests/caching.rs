//! Response caching over the REST API and the co-located gateway: a publisher sets an
//! API's cache (a TTL out of range is a field error), deploys it, and calls are answered
//! `MISS` then `HIT` without reaching the upstream again; `DELETE …/cache` purges, and the
//! gateway's next answer comes from the upstream.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use serde_json::json;

/// `X-Cache` and body of `GET url`.
async fn fetch(url: &str) -> (String, String) {
    let request = http::Request::get(url).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let cache = response.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (cache, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_publisher_caches_an_api_and_purges_it_over_rest() {
    let app = support::app("server::caching::purge").await;
    let (org, _) = app.org_with_member("acme", "pub@acme.test", "publisher").await;
    let mut publisher = app.signed_in("pub@acme.test").await;
    let calls = Arc::new(AtomicUsize::new(0));
    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}", backend.local_addr().unwrap());
    let counter = calls.clone();
    tokio::spawn(async move {
        let answer = move || async move { format!("answer {}", counter.fetch_add(1, Ordering::SeqCst) + 1) };
        axum::serve(backend, axum::Router::new().fallback(answer)).await
    });
    let definition = |ttl: u64| json!({ "production": { "endpoints": [{ "url": backend_url }] }, "auth": "none", "cache": { "ttl_secs": ttl } });
    let input = |ttl| json!({ "org_id": org, "name": "Cached", "context": "/cached", "version": "v1", "definition": definition(ttl) });

    let refused = publisher.post("/api/publisher/v1/apis", input(0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["field"], "definition.cache.ttl_secs", "{}", refused.text);
    let created = publisher.post("/api/publisher/v1/apis", input(60)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let api_id = created.body["id"].as_str().unwrap().to_owned();
    let revision = publisher.post(&format!("/api/publisher/v1/apis/{api_id}/revisions"), json!({})).await;
    let url = format!("/api/publisher/v1/apis/{api_id}/deployments/production");
    let body = json!({ "revision_id": revision.body["id"] });
    assert_eq!(publisher.send(Method::PUT, &url, Some(body), &[]).await.status, StatusCode::OK);
    publisher.post(&format!("/api/publisher/v1/apis/{api_id}/lifecycle"), json!({ "state": "published" })).await;

    let gateway = support::colocated_gateway(&app).await;
    let url = format!("http://{gateway}/cached/v1/items");
    let started = Instant::now();
    let first = loop {
        let (cache, body) = fetch(&url).await;
        if cache == "MISS" {
            break body;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the deploy never reached the gateway");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let seen = calls.load(Ordering::SeqCst);
    assert_eq!(fetch(&url).await, ("HIT".to_owned(), first.clone()));
    assert_eq!(calls.load(Ordering::SeqCst), seen, "a hit does not reach the upstream");

    let purged = publisher.delete(&format!("/api/publisher/v1/apis/{api_id}/cache")).await;
    assert_eq!(purged.status, StatusCode::OK, "{}", purged.text);
    assert_eq!(
        (purged.body["generation"].clone(), purged.body["environments"].clone()),
        (json!(1), json!(["production"]))
    );
    let started = Instant::now();
    loop {
        let (cache, body) = fetch(&url).await;
        if cache == "MISS" {
            assert_ne!(body, first, "after the purge the upstream answers again");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the purge never reached the gateway");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(fetch(&url).await.0, "HIT");
}
