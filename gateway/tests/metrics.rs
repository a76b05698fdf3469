//! `/metrics` on the status listener, read with a Prometheus text-format parser after real
//! traffic: requests by API and status code, latency histograms whose counts match, body
//! bytes, the configuration's version, upstream health and connections, rate-limit
//! decisions, analytics drops and the process figures.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/prometheus.rs"]
mod prometheus;
mod support;

use http::StatusCode;
use http_body_util::BodyExt;
use prometheus::Scrape;
use support::{MockUpstream, TestGateway, get, snapshot};

fn config(upstream: &str) -> String {
    format!(
        r#"
version: 7
tiers:
  - {{ name: Tiny, rate: {{ limit: 2, period_secs: 60 }} }}
apis:
  - id: shop
    name: Shop
    context: /shop
    version: v2
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
  - id: open
    name: "Open \"quoted\" API"
    context: /open
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
applications:
  - id: app-a
    keys: [{{ key: metrics-key-a }}]
    subscriptions: [{{ api: shop, tier: Tiny }}]
"#
    )
}

async fn scrape(gw: &TestGateway) -> Scrape {
    let response = support::client()
        .request(http::Request::get(format!("http://{}/metrics", gw.status)).body(Default::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Scrape::parse(&text)
}

fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape.value(name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?}"))
}

#[tokio::test]
async fn metrics_count_every_call_by_api_and_status() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url()))).await;
    for _ in 0..3 {
        assert_eq!(get(&gw.url("/open/v1/x"), &[]).await.0, StatusCode::OK);
    }
    let key = [("x-api-key", "metrics-key-a")];
    for _ in 0..2 {
        assert_eq!(get(&gw.url("/shop/v2/x"), &key).await.0, StatusCode::OK);
    }
    assert_eq!(get(&gw.url("/shop/v2/x"), &key).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get(&gw.url("/shop/v2/x"), &[]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&gw.url("/nowhere"), &[]).await.0, StatusCode::NOT_FOUND);
    // The body is done (and the call counted) just after the client has read it.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let scrape = scrape(&gw).await;
    let requests =
        |api: &str, code: &str| value(&scrape, "portico_gateway_requests_total", &[("api", api), ("code", code)]);
    assert_eq!(requests("open", "200"), 3.0);
    assert_eq!(requests("shop", "200"), 2.0);
    assert_eq!(requests("shop", "429"), 1.0);
    assert_eq!(requests("shop", "401"), 1.0);
    assert_eq!(requests("", "404"), 1.0, "calls no route matched count under api=\"\"");
    assert!(scrape.find("portico_gateway_requests_total", &[("api", "open"), ("code", "500")]).is_none());

    let (count, buckets) = scrape.histogram("portico_gateway_request_duration_seconds", &[("api", "shop")]).unwrap();
    assert_eq!(count, 4, "every shop call");
    let infinite = buckets.iter().find(|(bound, _)| bound.is_infinite()).expect("a +Inf bucket");
    assert_eq!(infinite.1, 4.0, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative: {buckets:?}");
    let (upstream_count, _) =
        scrape.histogram("portico_gateway_upstream_duration_seconds", &[("api", "shop")]).unwrap();
    assert_eq!(upstream_count, 2, "only the admitted calls reached the upstream");
    assert!(value(&scrape, "portico_gateway_response_bytes_total", &[("api", "open")]) > 0.0);

    assert_eq!(value(&scrape, "portico_gateway_config_version", &[]), 7.0);
    assert_eq!(value(&scrape, "portico_gateway_config_applied_total", &[]), 1.0);
    assert_eq!(scrape.histogram("portico_gateway_config_apply_duration_seconds", &[]).unwrap().0, 1);
    let info = [("api", "open"), ("name", "Open \"quoted\" API"), ("version", "v1")];
    assert_eq!(value(&scrape, "portico_gateway_api_info", &info), 1.0, "label values are escaped and read back");
    let endpoint = upstream.url();
    assert_eq!(value(&scrape, "portico_gateway_upstream_healthy", &[("api", "shop"), ("endpoint", &endpoint)]), 1.0);
    assert!(value(&scrape, "portico_gateway_upstream_connections_opened_total", &[]) >= 1.0);
    assert!(value(&scrape, "portico_gateway_client_connections_opened_total", &[]) >= 8.0);

    let decisions = |decision| {
        value(&scrape, "portico_gateway_ratelimit_decisions_total", &[("mode", "local"), ("decision", decision)])
    };
    assert_eq!((decisions("admitted"), decisions("refused")), (2.0, 1.0));
    assert_eq!(value(&scrape, "portico_gateway_ratelimit_mode", &[("mode", "local")]), 1.0);
    assert_eq!(value(&scrape, "portico_gateway_throttled_total", &[]), 1.0);

    assert!(value(&scrape, "process_cpu_seconds_total", &[]) > 0.0);
    assert!(value(&scrape, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(value(&scrape, "process_open_fds", &[]) > 0.0);
    assert!(scrape.help("portico_gateway_requests_total").is_some_and(|help| !help.is_empty()), "families carry HELP");
}

#[tokio::test]
async fn metrics_report_dropped_analytics_events() {
    let upstream = MockUpstream::start("u").await;
    let analytics = gateway::analytics::Analytics::new("node-1", 2);
    let gw = TestGateway::start_recording(&snapshot(&config(&upstream.url())), analytics.clone()).await;
    for _ in 0..5 {
        assert_eq!(get(&gw.url("/open/v1/x"), &[]).await.0, StatusCode::OK);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while analytics.dropped() < 3 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let scrape = scrape(&gw).await;
    assert_eq!(value(&scrape, "portico_gateway_analytics_dropped_total", &[]), 3.0);
    assert_eq!(value(&scrape, "portico_gateway_analytics_queued", &[]), 2.0);
}
