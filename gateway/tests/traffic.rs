//! Traffic control through a real gateway and upstream, with the in-process limiter:
//! tier rates with their headers, burst, limits keyed by header and query, operation
//! limits, counters surviving a config push, quotas across a day boundary (moved clock),
//! concurrency, and a backend limit that throttles the lower tier first.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use gateway::ratelimit::limiter::Limiter;
use gateway::{ConfigStore, GatewaySettings};
use http::StatusCode;
use support::{MockUpstream, TestGateway, get, snapshot};

/// Two applications (keys `gold-key-1`, `bronze-key-1`) on API `/pets`, with extra YAML
/// for the API and for the tiers.
fn config(upstream: &str, api_extra: &str, tiers: &str) -> String {
    format!(
        r#"
version: 1
tiers:
{tiers}
apis:
  - id: pets
    name: Pets
    context: /pets
    version: v1
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
{api_extra}
applications:
  - id: gold-app
    keys: [{{ key: gold-key-1 }}]
    subscriptions: [{{ api: pets, tier: Gold }}]
  - id: bronze-app
    keys: [{{ key: bronze-key-1 }}]
    subscriptions: [{{ api: pets, tier: Bronze }}]
"#
    )
}

const TIERS: &str = r#"
  - { name: Gold, rate: { limit: 3, period_secs: 60 }, priority: 2 }
  - { name: Bronze, rate: { limit: 3, period_secs: 60, burst: 2 } }
"#;

async fn status_of(gw: &TestGateway, key: &str) -> (StatusCode, http::HeaderMap, serde_json::Value) {
    get(&gw.url("/pets/v1/x"), &[("x-api-key", key)]).await
}

#[tokio::test]
async fn a_subscription_tier_limits_its_consumer_and_says_so_in_headers() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "", TIERS))).await;
    for left in [2, 1, 0] {
        let (status, headers, _) = status_of(&gw, "gold-key-1").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["ratelimit-policy"], "\"Gold\";q=3;w=60");
        let state = headers["ratelimit"].to_str().unwrap();
        assert!(state.starts_with(&format!("\"Gold\";r={left};t=")), "{state}");
    }
    let (status, headers, body) = status_of(&gw, "gold-key-1").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    assert_eq!(headers["retry-after"], "20", "one request per 20 s");
    assert!(headers["ratelimit"].to_str().unwrap().starts_with("\"Gold\";r=0;"));
    assert!(body["request_id"].as_str().is_some());
    assert_eq!(upstream.hits.load(std::sync::atomic::Ordering::SeqCst), 3, "a refused call never reaches upstream");

    // Burst: Bronze allows 2 at once, whatever its rate.
    let admitted = count_ok(&gw, "bronze-key-1", 3).await;
    assert_eq!(admitted, 2, "Bronze's burst is 2");
    let (_, _, limits) = get(&format!("http://{}/limits", gw.status), &[]).await;
    assert_eq!(limits["mode"], "local");
    assert_eq!(limits["throttled"], 2);
}

async fn count_ok(gw: &TestGateway, key: &str, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        ok += usize::from(status_of(gw, key).await.0 == StatusCode::OK);
    }
    ok
}

#[tokio::test]
async fn counters_survive_a_config_push_and_a_raised_limit_applies_to_them() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "", TIERS))).await;
    assert_eq!(count_ok(&gw, "gold-key-1", 5).await, 3);
    // Another version of the configuration, same tier: still used up.
    let mut next = snapshot(&config(&upstream.url(), "", TIERS));
    next.version = 2;
    gw.store.apply(&next).unwrap();
    assert_eq!(count_ok(&gw, "gold-key-1", 2).await, 0, "the push reset nothing");
    // Gold raised from 3 to 6 a minute: the 3 already used still count.
    let raised = TIERS.replace("limit: 3, period_secs: 60 }, priority", "limit: 6, period_secs: 60 }, priority");
    let mut next = snapshot(&config(&upstream.url(), "", &raised));
    next.version = 3;
    gw.store.apply(&next).unwrap();
    assert_eq!(count_ok(&gw, "gold-key-1", 6).await, 3, "6 a minute, 3 of them already used");
}

#[tokio::test]
async fn api_and_operation_limits_count_by_their_key() {
    let upstream = MockUpstream::start("u").await;
    let api = r#"
    auth: none
    rate_limits:
      - { key: "header:X-Tenant", limit: 2, period_secs: 60 }
    operations:
      - { method: GET, path: /x }
      - method: GET
        path: /search
        rate_limits: [{ key: "query:account", limit: 1, period_secs: 60 }]
"#;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), api, TIERS))).await;
    let call = |path: &'static str, tenant: &'static str| {
        let url = gw.url(path);
        async move { get(&url, &[("x-tenant", tenant)]).await.0 }
    };
    assert_eq!(call("/pets/v1/x", "a").await, StatusCode::OK);
    assert_eq!(call("/pets/v1/x", "a").await, StatusCode::OK);
    assert_eq!(call("/pets/v1/x", "a").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call("/pets/v1/x", "b").await, StatusCode::OK, "another tenant, another count");
    // The operation's own limit, by query parameter, on top of the API's.
    assert_eq!(call("/pets/v1/search?account=1", "c").await, StatusCode::OK);
    assert_eq!(call("/pets/v1/search?account=1", "d").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call("/pets/v1/search?account=2", "d").await, StatusCode::OK);
    // A request without the header is counted by its IP.
    let (status, headers, _) = get(&gw.url("/pets/v1/x"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["ratelimit-policy"], "\"*-header:X-Tenant\";q=2;w=60");
}

#[tokio::test]
async fn a_quota_is_refused_with_its_own_code_until_the_day_ends() {
    let upstream = MockUpstream::start("u").await;
    let tiers = r#"
  - { name: Gold, quota: { limit: 2, period: day } }
  - { name: Bronze }
"#;
    let clock = Arc::new(Mutex::new("2026-12-03T23:59:30Z".parse::<DateTime<Utc>>().unwrap()));
    let now = clock.clone();
    let limiter = Limiter::local(1000).with_clock(Arc::new(move || *now.lock().unwrap()));
    let store = ConfigStore::with_limiter(limiter);
    let snapshot = snapshot(&config(&upstream.url(), "", tiers));
    let gw = TestGateway::start_on(store, &snapshot, GatewaySettings::ephemeral()).await;
    assert_eq!(count_ok(&gw, "gold-key-1", 2).await, 2);
    let (status, headers, body) = status_of(&gw, "gold-key-1").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("quota_exceeded")));
    assert_eq!(headers["retry-after"], "30", "30 s to midnight");
    assert_eq!(headers["ratelimit-policy"], "\"Gold-quota\";q=2;w=86400");
    assert_eq!(count_ok(&gw, "bronze-key-1", 3).await, 3, "an unlimited tier");

    *clock.lock().unwrap() = "2026-12-04T00:00:00Z".parse().unwrap();
    assert_eq!(count_ok(&gw, "gold-key-1", 3).await, 2, "a new day, a new quota");
}

#[tokio::test]
async fn concurrent_requests_above_the_limit_are_refused() {
    let upstream = MockUpstream::start("u").await;
    upstream.delay_ms.store(400, std::sync::atomic::Ordering::SeqCst);
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), "    max_concurrent: 2", TIERS))).await;
    let url = gw.url("/pets/v1/x");
    let calls: Vec<_> = ["gold-key-1", "gold-key-1", "bronze-key-1"]
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            let url = url.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50 * i as u64)).await;
                get(&url, &[("x-api-key", key)]).await
            })
        })
        .collect();
    let mut codes = Vec::new();
    for call in calls {
        let (status, headers, body) = call.await.unwrap();
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["error"], "too_many_concurrent_requests");
            assert_eq!(headers["retry-after"], "1");
        }
        codes.push(status);
    }
    assert_eq!(codes, [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    assert_eq!(status_of(&gw, "bronze-key-1").await.0, StatusCode::OK, "places are given back");
}

#[tokio::test]
async fn a_saturated_backend_throttles_the_lower_tier_first() {
    let upstream = MockUpstream::start("u").await;
    let tiers = r#"
  - { name: Gold, priority: 2 }
  - { name: Bronze }
"#;
    let api = "    backend_limit: { limit: 10, period_secs: 3600 }";
    let gw = TestGateway::start(&snapshot(&config(&upstream.url(), api, tiers))).await;
    // Bronze alone may use half the backend's burst, then is refused …
    assert_eq!(count_ok(&gw, "bronze-key-1", 10).await, 5);
    let (status, headers, body) = status_of(&gw, "bronze-key-1").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("backend_saturated")));
    assert!(headers.contains_key("retry-after"));
    // … while Gold still finds the rest.
    assert_eq!(count_ok(&gw, "gold-key-1", 10).await, 5);
}

#[tokio::test]
async fn bad_limits_are_refused_with_their_path() {
    let path = |tiers: &str, api: &str| {
        let snapshot = gateway::spec::parse(config("http://127.0.0.1:9", api, tiers).as_bytes());
        match snapshot {
            Ok(snapshot) => gateway::Config::compile(&snapshot).map(|_| ()).unwrap_err().path,
            Err(error) => error.path,
        }
    };
    assert_eq!(path("  - { name: Gold, rate: { limit: 0 } }\n  - { name: Bronze }", ""), "tiers[0].rate.limit");
    assert_eq!(path("  - { name: Gold }", ""), "applications[1].subscriptions[0].tier");
    let bad_key = "    rate_limits: [{ key: \"cookie:x\", limit: 1 }]";
    assert!(path(TIERS, bad_key).starts_with("apis[0].rate_limits[0]"), "{}", path(TIERS, bad_key));
    assert_eq!(path(TIERS, "    max_concurrent: 0"), "apis[0].max_concurrent");
    assert_eq!(path(TIERS, "    backend_limit: { limit: 5, period_secs: 0 }"), "apis[0].backend_limit.period_secs");
}
