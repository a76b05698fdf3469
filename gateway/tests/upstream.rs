//! Upstream behaviour with real hyper upstreams on port 0: balancing, failover, retries,
//! circuit breaker, active health checks, timeouts, HTTP/2 and body limits.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use support::{MockUpstream, TestGateway, call, get, snapshot};

/// An open API in front of `upstream` (YAML of the `upstream:` mapping).
fn open_api(upstream: &str) -> String {
    format!("apis:\n  - {{ id: a, name: A, context: /a, version: v1, auth: none, upstream: {upstream} }}\n")
}

/// A loopback address nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

async fn names(gw: &TestGateway, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (status, _, body) = get(&gw.url("/a/v1/x"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        out.push(body["upstream"].as_str().unwrap().to_owned());
    }
    out
}

#[tokio::test]
async fn round_robin_and_weighted_balancing_spread_requests() {
    let (a, b, c) = (MockUpstream::start("a").await, MockUpstream::start("b").await, MockUpstream::start("c").await);
    let yaml =
        open_api(&format!("{{ endpoints: [{{url: '{}'}}, {{url: '{}'}}, {{url: '{}'}}] }}", a.url(), b.url(), c.url()));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    let seen = names(&gw, 30).await;
    for name in ["a", "b", "c"] {
        assert_eq!(seen.iter().filter(|n| *n == name).count(), 10, "{seen:?}");
    }
    let yaml = open_api(&format!(
        "{{ balancing: weighted, endpoints: [{{url: '{}', weight: 3}}, {{url: '{}', weight: 1}}] }}",
        a.url(),
        b.url()
    ));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    let seen = names(&gw, 40).await;
    assert_eq!(seen.iter().filter(|n| *n == "a").count(), 30, "{seen:?}");
}

#[tokio::test]
async fn a_dead_primary_fails_over_to_the_backup_and_unsent_requests_are_retried() {
    let backup = MockUpstream::start("backup").await;
    let alive = MockUpstream::start("alive").await;
    let yaml = open_api(&format!(
        "{{ endpoints: [{{url: '{}'}}, {{url: '{}'}}], backup: [{{url: '{}'}}], circuit_breaker: {{ failures: 0 }} }}",
        closed_port(),
        alive.url(),
        backup.url()
    ));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    // Every GET succeeds: the dead endpoint's turn is retried on the next one.
    assert!(names(&gw, 10).await.iter().all(|n| n == "alive"));
    let only_dead =
        open_api(&format!("{{ endpoints: [{{url: '{}'}}], backup: [{{url: '{}'}}] }}", closed_port(), backup.url()));
    let gw = TestGateway::start(&snapshot(&only_dead)).await;
    assert!(names(&gw, 3).await.iter().all(|n| n == "backup"));
    // A POST is retried too when no connection could be opened (nothing was sent)…
    let post = |gw: &TestGateway| Request::post(gw.url("/a/v1/x")).body(Full::new(Bytes::from_static(b"{}"))).unwrap();
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    for _ in 0..4 {
        assert_eq!(call(post(&gw)).await.0, StatusCode::OK);
    }
    assert_eq!(alive.last().body_len, 2, "with its body");
    // …and with nowhere else to go, the client gets 502.
    let no_backup = open_api(&format!("{{ endpoints: [{{url: '{}'}}] }}", closed_port()));
    let gw = TestGateway::start(&snapshot(&no_backup)).await;
    let (status, _, body) = call(post(&gw)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_GATEWAY, Some("upstream_unavailable")));
}

#[tokio::test]
async fn the_circuit_breaker_opens_after_failures_and_probes_again() {
    let flaky = MockUpstream::start("flaky").await;
    let steady = MockUpstream::start("steady").await;
    flaky.status.store(503, Ordering::Relaxed);
    let yaml = open_api(&format!(
        "{{ endpoints: [{{url: '{}'}}, {{url: '{}'}}], circuit_breaker: {{ failures: 3, open_ms: 300 }} }}",
        flaky.url(),
        steady.url()
    ));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    for _ in 0..6 {
        get(&gw.url("/a/v1/x"), &[]).await;
    }
    assert_eq!(flaky.hits.load(Ordering::Relaxed), 3, "three failures open the circuit");
    for _ in 0..10 {
        get(&gw.url("/a/v1/x"), &[]).await;
    }
    assert_eq!(flaky.hits.load(Ordering::Relaxed), 3, "an open circuit gets no traffic");
    flaky.status.store(200, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let seen = names(&gw, 10).await;
    assert_eq!(
        seen.iter().filter(|n| *n == "flaky").count(),
        5,
        "the probe succeeded and closed the circuit: {seen:?}"
    );
}

#[tokio::test]
async fn active_health_checks_take_endpoints_out_and_back() {
    let sick = MockUpstream::start("sick").await;
    let well = MockUpstream::start("well").await;
    sick.health_status.store(500, Ordering::Relaxed);
    let yaml = open_api(&format!(
        "{{ endpoints: [{{url: '{}'}}, {{url: '{}'}}], health_check: {{ path: /health, interval_ms: 100, unhealthy_threshold: 2, healthy_threshold: 1 }} }}",
        sick.url(),
        well.url()
    ));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(names(&gw, 8).await.iter().all(|n| n == "well"), "the failing endpoint is out");
    sick.health_status.store(200, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(names(&gw, 8).await.iter().any(|n| n == "sick"), "and back after a good probe");
}

#[tokio::test]
async fn a_slow_upstream_is_a_504_with_the_request_id() {
    let slow = MockUpstream::start("slow").await;
    slow.delay_ms.store(2_000, Ordering::Relaxed);
    let yaml = open_api(&format!("{{ endpoints: [{{url: '{}'}}], timeouts: {{ response_ms: 200 }} }}", slow.url()));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    let started = std::time::Instant::now();
    let (status, headers, body) = get(&gw.url("/a/v1/x"), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout")));
    assert_eq!(body["request_id"].as_str(), headers["x-request-id"].to_str().ok());
    assert!(started.elapsed() < Duration::from_millis(1_500));
}

#[tokio::test]
async fn http2_clients_and_h2c_upstreams() {
    let upstream = MockUpstream::start("h2").await;
    let yaml = open_api(&format!("{{ endpoints: [{{url: '{}'}}], http2: true }}", upstream.url()));
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let response = client.request(Request::get(gw.url("/a/v1/x")).body(Full::default()).unwrap()).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["version"], "HTTP/2.0", "the upstream was spoken to in HTTP/2");
    assert!(upstream.last().headers.contains_key("host"), "the h2 :authority becomes the upstream Host");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let upstream = MockUpstream::start("u").await;
    let yaml = format!(
        "apis:\n  - {{ id: a, name: A, context: /a, version: v1, auth: none, max_body_bytes: 1000, upstream: {{ endpoints: [{{url: '{}'}}] }} }}\n",
        upstream.url()
    );
    let gw = TestGateway::start(&snapshot(&yaml)).await;
    let post = |n: usize| Request::post(gw.url("/a/v1/x")).body(Full::new(Bytes::from(vec![b'x'; n]))).unwrap();
    let (status, _, body) = call(post(1001)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("request_too_large")));
    assert_eq!(upstream.hits.load(Ordering::Relaxed), 0, "refused on Content-Length, before the upstream");
    let (status, _, _) = call(post(1000)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(upstream.last().body_len, 1000);

    // Without Content-Length (chunked), the limit stops the stream as it passes.
    let (mut sender, body) = http_body_util::Channel::<Bytes>::new(4);
    let request = Request::post(gw.url("/a/v1/x")).body(body).unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = tokio::spawn(client.request(request));
    for _ in 0..3 {
        if sender.send_data(Bytes::from(vec![b'x'; 600])).await.is_err() {
            break;
        }
    }
    drop(sender);
    let response = response.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
