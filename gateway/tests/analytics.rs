//! Analytics events through a real gateway and upstream: one event per request with the
//! right fields for 200, 401, 403, 429, 502 and 504 answers and for cache hits, request
//! and response bytes counted (declared and chunked), none for an API marked
//! `do_not_track`, and a full queue dropping its
//! oldest events and counting them (also on the status listener's `/analytics`).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway::analytics::{Analytics, CacheOutcome, ErrorSide, Event};
use gateway::spec::AuthKind;
use http::{Request, StatusCode};
use http_body_util::{Full, StreamBody};
use support::{MockUpstream, TestGateway, call, get, snapshot};

fn config(upstream: &str, slow: &str) -> String {
    format!(
        r#"
version: 3
environment: production
tiers:
  - {{ name: Tiny, rate: {{ limit: 2, period_secs: 60 }} }}
apis:
  - id: shop
    name: Shop
    context: /shop
    version: v2
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
    operations:
      - {{ method: GET, path: /items, cache: {{ ttl_secs: 60 }} }}
  - id: open
    name: Open
    context: /open
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
  - id: dead
    name: Dead
    context: /dead
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "http://127.0.0.1:9" }}], retries: 0 }}
  - id: quiet
    name: Quiet
    context: /quiet
    version: v1
    auth: none
    do_not_track: true
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
  - id: slow
    name: Slow
    context: /slow
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "{slow}" }}], timeouts: {{ response_ms: 200 }} }}
applications:
  - id: app-a
    keys: [{{ key: analytics-key-a }}]
    subscriptions: [{{ api: shop, tier: Tiny }}]
  - id: app-b
    keys: [{{ key: analytics-key-b }}]
"#
    )
}

/// Waits until `analytics` holds `n` events, and returns them by request id.
async fn events(analytics: &Analytics, n: usize) -> HashMap<String, Event> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while analytics.queued() < n {
        assert!(Instant::now() < deadline, "only {} of {n} events were recorded", analytics.queued());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let batch = analytics.next_batch().unwrap();
    assert_eq!(batch.events.len(), n, "one event per tracked request: {:?}", batch.events);
    batch.events.iter().map(|e| (e.request_id.as_str().into_owned(), e.clone())).collect()
}

async fn fetch(gw: &TestGateway, path: &str, id: &str, key: Option<&str>) -> (StatusCode, usize) {
    let mut headers = vec![("x-request-id", id)];
    headers.extend(key.map(|k| ("x-api-key", k)));
    let (status, _, body) = get(&gw.url(path), &headers).await;
    (status, if body.is_null() { 0 } else { body.to_string().len() })
}

#[tokio::test]
async fn every_request_becomes_one_event_with_its_outcome() {
    let (upstream, slow) = (MockUpstream::start("u").await, MockUpstream::start("slow").await);
    slow.delay_ms.store(1_000, std::sync::atomic::Ordering::Relaxed);
    let analytics = Analytics::new("node-1", 1_000);
    let gw = TestGateway::start_recording(&snapshot(&config(&upstream.url(), &slow.url())), analytics.clone()).await;

    assert_eq!(fetch(&gw, "/quiet/v1/x", "untracked", None).await.0, StatusCode::OK);
    assert_eq!(fetch(&gw, "/shop/v2/items", "miss", Some("analytics-key-a")).await.0, StatusCode::OK);
    assert_eq!(fetch(&gw, "/shop/v2/items", "hit", Some("analytics-key-a")).await.0, StatusCode::OK);
    assert_eq!(
        fetch(&gw, "/shop/v2/items", "throttled", Some("analytics-key-a")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(fetch(&gw, "/shop/v2/items", "anonymous", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(fetch(&gw, "/shop/v2/items", "unsubscribed", Some("analytics-key-b")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(fetch(&gw, "/dead/v1/x", "dead", None).await.0, StatusCode::BAD_GATEWAY);
    assert_eq!(fetch(&gw, "/slow/v1/x", "timeout", None).await.0, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(fetch(&gw, "/nowhere", "no-route", None).await.0, StatusCode::NOT_FOUND);
    let post = Request::post(gw.url("/open/v1/echo")).header("x-request-id", "declared");
    let (status, _, answer) = call(post.body(Full::new(Bytes::from_static(b"hello world"))).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let chunks = futures_util::stream::iter(
        ["abc", "defgh"].map(|c| Ok::<_, std::convert::Infallible>(http_body::Frame::data(Bytes::from(c)))),
    );
    let chunked =
        Request::post(gw.url("/open/v1/echo")).header("x-request-id", "chunked").body(StreamBody::new(chunks));
    let response = support::client_for::<StreamBody<_>>().request(chunked.unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    http_body_util::BodyExt::collect(response.into_body()).await.unwrap();

    let events = events(&analytics, 10).await;
    let miss = &events["miss"];
    assert_eq!((miss.status, miss.method.as_ref()), (200, "GET"));
    assert_eq!((miss.api_id.as_deref(), miss.api_version.as_deref()), (Some("shop"), Some("v2")));
    assert_eq!(miss.operation.as_deref(), Some("GET /items"));
    assert_eq!(miss.application_id.as_deref(), Some("app-a"));
    assert_eq!((miss.environment.as_deref(), &*miss.node), (Some("production"), "node-1"));
    assert_eq!(
        (miss.cache, miss.auth, miss.error_source, miss.throttled),
        (Some(CacheOutcome::Miss), Some(AuthKind::ApiKey), None, false)
    );
    let upstream_us = miss.upstream_us.expect("the upstream was called");
    assert!(miss.latency_us >= upstream_us + miss.gateway_us / 2, "{miss:?}");
    assert!(miss.bytes_out > 20 && miss.bytes_in == 0, "{miss:?}");
    let now = chrono::Utc::now().timestamp_millis();
    assert!((now - miss.time_ms).abs() < 10_000, "{miss:?}");

    let hit = &events["hit"];
    assert_eq!((hit.status, hit.cache, hit.upstream_us), (200, Some(CacheOutcome::Hit), None));
    assert_eq!(hit.bytes_out, miss.bytes_out, "the stored body");

    let throttled = &events["throttled"];
    assert_eq!((throttled.status, throttled.throttled), (429, true));
    assert_eq!(
        (throttled.error_code.as_deref(), throttled.error_source),
        (Some("rate_limited"), Some(ErrorSide::Client))
    );
    assert_eq!((throttled.application_id.as_deref(), throttled.upstream_us), (Some("app-a"), None));

    let anonymous = &events["anonymous"];
    assert_eq!((anonymous.status, anonymous.error_code.as_deref()), (401, Some("missing_credentials")));
    assert_eq!((anonymous.application_id.as_deref(), anonymous.throttled), (None, false));

    let unsubscribed = &events["unsubscribed"];
    assert_eq!((unsubscribed.status, unsubscribed.error_code.as_deref()), (403, Some("not_subscribed")));
    assert_eq!(unsubscribed.application_id.as_deref(), Some("app-b"), "the caller is known even when refused");

    let dead = &events["dead"];
    assert_eq!(
        (dead.status, dead.error_source, dead.error_code.as_deref()),
        (502, Some(ErrorSide::Upstream), Some("upstream_unavailable"))
    );
    assert_eq!(dead.auth, Some(AuthKind::None));

    let timeout = &events["timeout"];
    assert_eq!((timeout.status, timeout.error_code.as_deref()), (504, Some("upstream_timeout")));
    assert!(timeout.upstream_us.unwrap() >= 190_000, "{timeout:?}");

    let no_route = &events["no-route"];
    assert_eq!(
        (no_route.status, no_route.api_id.as_deref(), no_route.error_code.as_deref()),
        (404, None, Some("no_route"))
    );

    assert_eq!(events["declared"].bytes_in, 11);
    assert_eq!(events["declared"].bytes_out, answer.to_string().len() as u64);
    assert_eq!(events["chunked"].bytes_in, 8, "a body without a declared length is counted");
    assert_eq!(analytics.dropped(), 0);
}

#[tokio::test]
async fn a_full_queue_drops_the_oldest_events_and_counts_them() {
    let upstream = MockUpstream::start("u").await;
    let analytics = Analytics::new("node-1", 3);
    let gw =
        TestGateway::start_recording(&snapshot(&config(&upstream.url(), &upstream.url())), analytics.clone()).await;
    for n in 0..5 {
        assert_eq!(fetch(&gw, "/open/v1/x", &format!("r{n}"), None).await.0, StatusCode::OK);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while analytics.dropped() < 2 {
        assert!(Instant::now() < deadline, "dropped {}", analytics.dropped());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, _, body) = get(&format!("http://{}/analytics", gw.status), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["dropped"].as_u64(), body["queued"].as_u64(), body["capacity"].as_u64()),
        (Some(2), Some(3), Some(3))
    );
    let kept: Vec<String> =
        analytics.next_batch().unwrap().events.iter().map(|e| e.request_id.as_str().into_owned()).collect();
    assert_eq!(kept, ["r2", "r3", "r4"], "the newest are kept");
}
