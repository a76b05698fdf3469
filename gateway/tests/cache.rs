//! Response caching through a real gateway and upstream: hit, miss and bypass with their
//! `X-Cache` header, the upstream's `Cache-Control` honoured or overridden, TTL expiry,
//! operation settings, authenticated responses never shared across consumers, purge by
//! raising the API's generation, and (with `PORTICO_TEST_REDIS_URL`) two gateways sharing
//! entries through Redis and serving on when it goes away.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use gateway::cache::ResponseCache;
use gateway::ratelimit::limiter::Limiter;
use gateway::{ConfigStore, GatewaySettings};
use http::{Request, StatusCode};
use http_body_util::Full;
use support::cuttable::Cuttable;
use support::{MockUpstream, TestGateway, call, get, snapshot};

/// API `/c` (open) with `cache` settings, and API `/k` (API keys) cached per consumer.
fn config(upstream: &str, cache: &str, generation: u64) -> String {
    format!(
        r#"
version: 1
apis:
  - id: open
    name: Open
    context: /c
    version: v1
    auth: none
    cache: {cache}
    cache_generation: {generation}
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
    operations:
      - {{ method: GET, path: /items }}
      - {{ method: POST, path: /items }}
      - {{ method: GET, path: /live, cache: {{ enabled: false }} }}
      - {{ method: GET, path: /short, cache: {{ ttl_secs: 1, override_cache_control: true }} }}
  - id: keyed
    name: Keyed
    context: /k
    version: v1
    cache: {{ ttl_secs: 60 }}
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
applications:
  - id: app-a
    keys: [{{ key: consumer-key-a }}]
    subscriptions: [{{ api: keyed }}]
  - id: app-b
    keys: [{{ key: consumer-key-b }}]
    subscriptions: [{{ api: keyed }}]
"#
    )
}

/// `X-Cache` of a response, and the upstream's `hit` counter in its body.
async fn fetch(gw: &TestGateway, path: &str, headers: &[(&str, &str)]) -> (String, serde_json::Value) {
    let (status, response, body) = get(&gw.url(path), headers).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cache = response.get("x-cache").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (cache, body)
}

#[tokio::test]
async fn responses_are_served_from_the_cache_until_they_expire() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 0))).await;
    let (first, body) = fetch(&gw, "/c/v1/items?a=1&b=2", &[]).await;
    assert_eq!(first, "MISS");
    let (status, headers, again) = get(&gw.url("/c/v1/items?b=2&a=1"), &[]).await;
    assert_eq!((status, headers["x-cache"].to_str().unwrap()), (StatusCode::OK, "HIT"));
    assert_eq!(again, body, "the stored body, whatever the parameter order");
    assert!(headers.contains_key("age") && headers.contains_key("x-request-id"));
    assert_ne!(headers["x-request-id"], "", "a hit has its own request id");
    assert_eq!(upstream.hits.load(Ordering::SeqCst), 1);

    // HEAD is answered from the GET entry, without a body.
    let head = Request::head(gw.url("/c/v1/items?a=1&b=2")).body(Full::new(Bytes::new())).unwrap();
    let (status, headers, empty) = call(head).await;
    assert_eq!((status, headers["x-cache"].to_str().unwrap(), empty), (StatusCode::OK, "HIT", serde_json::Value::Null));

    // Bypassed: another method, a client asking for a fresh answer.
    let post = Request::post(gw.url("/c/v1/items")).body(Full::new(Bytes::from("{}"))).unwrap();
    assert_eq!(call(post).await.1["x-cache"], "BYPASS");
    assert_eq!(fetch(&gw, "/c/v1/items?a=1&b=2", &[("cache-control", "no-cache")]).await.0, "BYPASS");
    assert_eq!(upstream.hits.load(Ordering::SeqCst), 3);

    // An operation opting out has no X-Cache; one with 1 s expires.
    let (live, _) = fetch(&gw, "/c/v1/live", &[]).await;
    assert_eq!(live, "");
    assert_eq!(fetch(&gw, "/c/v1/short", &[]).await.0, "MISS");
    assert_eq!(fetch(&gw, "/c/v1/short", &[]).await.0, "HIT");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(fetch(&gw, "/c/v1/short", &[]).await.0, "MISS", "expired after its TTL");
}

#[tokio::test]
async fn the_upstreams_cache_control_is_honoured_unless_overridden() {
    let upstream = MockUpstream::start("u").await;
    upstream.response_headers.lock().unwrap().push(("cache-control", "no-store".into()));
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 0))).await;
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "MISS");
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "MISS", "no-store is not stored");
    // /short overrides Cache-Control: stored whatever the upstream says.
    assert_eq!(fetch(&gw, "/c/v1/short", &[]).await.0, "MISS");
    assert_eq!(fetch(&gw, "/c/v1/short", &[("cache-control", "no-cache")]).await.0, "HIT");

    *upstream.response_headers.lock().unwrap() = vec![("cache-control", "public, max-age=1".into())];
    assert_eq!(fetch(&gw, "/c/v1/items?m=1", &[]).await.0, "MISS");
    assert_eq!(fetch(&gw, "/c/v1/items?m=1", &[]).await.0, "HIT");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(fetch(&gw, "/c/v1/items?m=1", &[]).await.0, "MISS", "max-age=1 outranks the 60 s TTL");
}

#[tokio::test]
async fn authenticated_responses_are_never_shared_across_consumers() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 0))).await;
    let (a1, body_a) = fetch(&gw, "/k/v1/me", &[("x-api-key", "consumer-key-a")]).await;
    let (a2, again_a) = fetch(&gw, "/k/v1/me", &[("x-api-key", "consumer-key-a")]).await;
    let (b1, body_b) = fetch(&gw, "/k/v1/me", &[("x-api-key", "consumer-key-b")]).await;
    assert_eq!((a1.as_str(), a2.as_str(), b1.as_str()), ("MISS", "HIT", "MISS"));
    assert_eq!((body_a["application"].as_str(), body_b["application"].as_str()), (Some("app-a"), Some("app-b")));
    assert_eq!(again_a, body_a);
    assert_eq!(fetch(&gw, "/k/v1/me", &[("x-api-key", "consumer-key-b")]).await.1, body_b);
    // A credential the gateway did not check (open API): the upstream may answer that
    // caller alone, so the cache stays out of it.
    assert_eq!(fetch(&gw, "/c/v1/items", &[("authorization", "Bearer someone")]).await.0, "BYPASS");
    let (status, _, _) = get(&gw.url("/k/v1/me"), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a cached entry never answers an unauthenticated call");
}

#[tokio::test]
async fn raising_the_generation_purges_the_apis_responses() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 0))).await;
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "MISS");
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "HIT");
    let mut purged = snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 1));
    purged.version = 2;
    gw.store.apply(&purged).unwrap();
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "MISS", "purged");
    assert_eq!(fetch(&gw, "/c/v1/items", &[]).await.0, "HIT");
}

#[tokio::test]
async fn a_ttl_out_of_range_is_refused_with_its_path() {
    for (cache, path) in [
        ("{ ttl_secs: 0 }", "apis[0].cache.ttl_secs"),
        ("{ ttl_secs: 604801 }", "apis[0].cache.ttl_secs"),
        ("{ ttl_secs: 5, headers: [\"a b\"] }", "apis[0].cache.headers[0]"),
    ] {
        let error = gateway::Config::compile(&snapshot(&config("http://127.0.0.1:1", cache, 0))).err().unwrap();
        assert_eq!(error.path, path, "{cache}");
    }
}

/// A gateway whose cache is shared through the Redis at `url`.
async fn shared_gateway(url: &str, prefix: &str, upstream: &MockUpstream) -> TestGateway {
    let cache = ResponseCache::for_settings(Some(url), prefix, 1 << 20).unwrap();
    let store = ConfigStore::with(Limiter::local(100), cache);
    let snapshot = snapshot(&config(&upstream.url(), "{ ttl_secs: 60 }", 0));
    TestGateway::start_on(store, &snapshot, GatewaySettings::ephemeral()).await
}

#[tokio::test]
async fn gateways_share_cached_responses_through_redis_and_serve_on_without_it() {
    let Some((url, prefix)) = migrations::testkit::redis("gateway::cache::shared") else {
        eprintln!("no PORTICO_TEST_REDIS_URL: the shared cache is tested in CI");
        return;
    };
    let target = url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let proxy = Cuttable::start(target).await;
    let through_proxy = format!("redis://{}", proxy.addr);
    let upstream = MockUpstream::start("u").await;
    let one = shared_gateway(&through_proxy, &prefix, &upstream).await;
    let two = shared_gateway(&through_proxy, &prefix, &upstream).await;
    let (miss, body) = fetch(&one, "/c/v1/items?shared=1", &[]).await;
    assert_eq!(miss, "MISS");
    // The entry reaches Redis in the background.
    let mut found = String::new();
    for _ in 0..50 {
        let (cache, again) = fetch(&two, "/c/v1/items?shared=1", &[]).await;
        if cache == "HIT" {
            assert_eq!(again, body, "the other gateway serves the stored body");
            found = cache;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(found, "HIT", "the second gateway found the first one's entry in Redis");
    let before = upstream.hits.load(Ordering::SeqCst);

    proxy.cut().await;
    for i in 0..20 {
        let (cache, _) = fetch(&one, &format!("/c/v1/items?away={i}"), &[]).await;
        assert_eq!(cache, "MISS", "served from the upstream while Redis is away");
    }
    assert_eq!(fetch(&one, "/c/v1/items?away=0", &[]).await.0, "HIT", "kept in-process meanwhile");
    assert_eq!(upstream.hits.load(Ordering::SeqCst), before + 20);
}
