//! The control plane's `/metrics`, read with a Prometheus text-format parser: requests
//! counted by route template (never by raw path), method and status, latency histograms,
//! the database pool and process figures; and the bearer token it can require.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../../gateway/tests/support/prometheus.rs"]
mod prometheus;
mod support;

use axum::http::{Method, StatusCode};
use prometheus::Scrape;

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = support::app("metrics_count_requests_by_route_template").await;
    let admin = app.signed_in("root@example.com").await;
    let unknown = uuid::Uuid::new_v4();
    for _ in 0..2 {
        assert_eq!(admin.get(&format!("/api/publisher/v1/apis/{unknown}")).await.status, StatusCode::NOT_FOUND);
    }
    let reply = admin.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let scrape = Scrape::parse(&reply.text);
    let route = "/api/publisher/v1/apis/{api_id}";
    let not_found =
        scrape.value("portico_http_requests_total", &[("route", route), ("method", "GET"), ("code", "404")]);
    // The counters are process-wide and other tests run in this process: at least ours.
    assert!(not_found.unwrap_or(0.0) >= 2.0, "{}", reply.text);
    assert!(!reply.text.contains(&unknown.to_string()), "raw paths never become labels");
    let login = scrape
        .value("portico_http_requests_total", &[("route", "/api/auth/login"), ("method", "POST"), ("code", "200")]);
    assert!(login.unwrap_or(0.0) >= 1.0);
    let (count, _) = scrape.histogram("portico_http_request_duration_seconds", &[("route", route)]).unwrap();
    assert!(count >= 2);
    assert!(scrape.value("portico_db_pool_connections", &[("state", "idle")]).is_some());
    assert!(scrape.value("process_cpu_seconds_total", &[]).unwrap() > 0.0);
    assert_eq!(scrape.value("portico_gateway_streams_open", &[]), Some(0.0));
    assert!(scrape.help("portico_http_requests_total").is_some_and(|help| !help.is_empty()));
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let app = support::app("metrics_can_require_a_bearer_token").await;
    let options = server::router::RouterOptions { metrics_token: Some("scrape-secret".into()), ..Default::default() };
    let router = server::router::build(app.state.clone(), options);
    let call = |authorization: Option<&'static str>| {
        let router = router.clone();
        async move {
            let mut request = axum::http::Request::builder().method(Method::GET).uri("/metrics");
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response =
                tower::ServiceExt::oneshot(router, request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
            response.status()
        }
    };
    assert_eq!(call(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(call(Some("Bearer wrong")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(call(Some("Bearer scrape-secret")).await, StatusCode::OK);
}
