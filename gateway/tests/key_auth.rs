//! Key authentication through a real gateway and a real upstream: 401 / 403 / 200 / 503,
//! the credential stripped (header and query), the application named upstream, and the
//! forwarding headers.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::StatusCode;
use support::{MockUpstream, TestGateway, get, snapshot};

fn config(upstream: &str) -> String {
    format!(
        r#"
apis:
  - id: pets
    name: Pets
    context: /pets
    version: v1
    key_auth: {{ header: X-Key, query: api_key }}
    upstream: {{ endpoints: [{{ url: "{upstream}" }}], base_path: /api }}
    operations:
      - {{ method: GET, path: "/pets/{{id}}" }}
      - {{ method: GET, path: /status, auth: none }}
  - id: blocked
    name: Blocked
    context: /blocked
    version: v1
    state: blocked
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
  - id: other
    name: Other
    context: /other
    version: v1
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
applications:
  - id: app-1
    name: First
    keys: [{{ key: key-one-secret }}, {{ key: key-old-expired, expires_at: "2020-01-01T00:00:00Z" }}]
    subscriptions: [{{ api: pets }}, {{ api: blocked }}, {{ api: other, state: blocked }}]
  - id: app-2
    keys: [{{ sha256: "{two}" }}]
"#,
        two = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"key-two-secret")),
    )
}

#[tokio::test]
async fn keys_are_checked_stripped_and_replaced_by_the_application_id() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url()))).await;

    let (status, _, body) = get(&gw.url("/pets/v1/pets/7"), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_credentials")));
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let (status, _, body) = get(&gw.url("/pets/v1/pets/7"), &[("x-key", "wrong-key-123")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));
    let (status, _, body) = get(&gw.url("/pets/v1/pets/7"), &[("x-key", "key-old-expired")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));
    let (status, _, body) = get(&gw.url("/pets/v1/pets/7"), &[("x-key", "key-two-secret")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("not_subscribed")));
    let (status, _, body) = get(&gw.url("/other/v1/x"), &[("x-api-key", "key-one-secret")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("subscription_blocked")));
    let (status, _, body) = get(&gw.url("/blocked/v1/x"), &[("x-key", "key-one-secret")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("api_blocked")));
    assert_eq!(upstream.hits.load(std::sync::atomic::Ordering::Relaxed), 0, "nothing refused reached the upstream");

    let (status, headers, body) =
        get(&gw.url("/pets/v1/pets/7?x=1"), &[("x-key", "key-one-secret"), ("x-request-id", "rid-1")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["upstream"], "u");
    assert_eq!(headers["x-request-id"], "rid-1");
    assert!(!headers.contains_key("x-hop"), "hop-by-hop headers named in Connection are removed");
    let seen = upstream.last();
    assert_eq!(seen.uri, "/api/pets/7?x=1");
    assert!(!seen.headers.contains_key("x-key"), "the key never reaches the upstream");
    assert_eq!(seen.headers["x-application-id"], "app-1");
    assert_eq!(seen.headers["x-request-id"], "rid-1");
    assert_eq!(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen.headers["x-forwarded-proto"], "http");
    assert_eq!(seen.headers["host"], upstream.addr.to_string().as_str());
    assert!(seen.headers["forwarded"].to_str().unwrap().starts_with("for=127.0.0.1;proto=http;host="));

    let (status, _, _) = get(&gw.url("/pets/v1/pets/8?api_key=key-one-secret&y=2"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(upstream.last().uri, "/api/pets/8?y=2", "a key in the query is removed too");
}

#[tokio::test]
async fn open_operations_need_no_key_and_cannot_claim_an_application() {
    let upstream = MockUpstream::start("u").await;
    let gw = TestGateway::start(&snapshot(&config(&upstream.url()))).await;
    let (status, _, _) = get(&gw.url("/pets/v1/status"), &[("x-application-id", "app-1"), ("x-key", "junk")]).await;
    assert_eq!(status, StatusCode::OK);
    let seen = upstream.last();
    assert!(!seen.headers.contains_key("x-application-id"));
    assert!(!seen.headers.contains_key("x-key"));
    let (status, _, body) = get(&gw.url("/pets/v1/unknown"), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no_route")));
}
