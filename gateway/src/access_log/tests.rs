use std::time::Duration;

use http::HeaderValue;

use super::*;
use crate::analytics::{CacheOutcome, ErrorSide, RequestId};

const SHOP: &str = r#"
apis:
  - id: shop
    name: Shop
    context: /shop
    version: v1
    key_auth: { header: X-Shop-Key, query: shop_key }
    upstream: { endpoints: [{ url: "http://127.0.0.1:9" }] }
"#;

fn event() -> Event {
    Event {
        request_id: RequestId(HeaderValue::from_static("req-1")),
        api_id: Some("shop".into()),
        api_version: Some("v1".into()),
        operation: Some("GET /orders/{id}".into()),
        application_id: Some("app-1".into()),
        environment: Some("production".into()),
        node: "node-1".into(),
        status: 429,
        latency_us: 1_500,
        gateway_us: 200,
        bytes_out: 80,
        error_source: Some(ErrorSide::Client),
        error_code: Some("rate_limited".into()),
        throttled: true,
        cache: Some(CacheOutcome::Bypass),
        ..Event::example()
    }
}

fn lines(path: &std::path::Path, count: usize) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= count {
            return text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("fewer than {count} lines in {}", path.display());
}

#[test]
fn lines_hold_the_chosen_fields_with_secrets_redacted() {
    let dir = std::env::temp_dir().join(format!("portico-access-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("access.log");
    let fields: Vec<String> =
        "time,request_id,trace_id,client_ip,method,path,query,status,latency_ms,upstream_ms,error_code,throttled,\
         header:authorization,header:cookie,header:x-shop-key,header:x-team,header:user-agent"
            .split(',')
            .map(str::to_owned)
            .collect();
    let log = AccessLog::open(path.to_str().unwrap(), &fields, &["X-Team".into(), "session".into()]).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_static("Bearer eyJhbGciOi.secret.sig"));
    headers.insert("cookie", HeaderValue::from_static("portico_session=abc"));
    headers.insert("x-shop-key", HeaderValue::from_static("pk_live_secret"));
    headers.insert("x-team", HeaderValue::from_static("core"));
    headers.insert("user-agent", HeaderValue::from_static("curl/8"));
    let query = "page=2&api_key=pk_live_1&access_token=t0k&session=s3&shop_key=k&Password=p&q=a%20b";
    let captured = log.capture(("/shop/v1/orders/7", Some(query)), "203.0.113.9".parse().unwrap(), &headers);
    let snapshot = crate::spec::parse(SHOP.as_bytes()).unwrap();
    let config = crate::config::Config::compile(&snapshot).unwrap();
    log.write(captured, &event(), Some(&config.apis[0]), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    let line = &lines(&path, 1)[0];
    assert_eq!(line["time"], "2025-12-08T00:00:00.123Z");
    assert_eq!(line["request_id"], "req-1");
    assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(line["client_ip"], "203.0.113.9");
    assert_eq!((line["method"].as_str(), line["path"].as_str()), (Some("GET"), Some("/shop/v1/orders/7")));
    assert_eq!(
        line["query"],
        "page=2&api_key=[REDACTED]&access_token=[REDACTED]&session=[REDACTED]&shop_key=[REDACTED]&Password=[REDACTED]&q=a%20b"
    );
    assert_eq!((line["status"].as_u64(), line["latency_ms"].as_f64()), (Some(429), Some(1.5)));
    assert!(line["upstream_ms"].is_null());
    assert_eq!((line["error_code"].as_str(), line["throttled"].as_bool()), (Some("rate_limited"), Some(true)));
    assert_eq!(line["http_authorization"], "Bearer [REDACTED]");
    assert_eq!(line["http_cookie"], "[REDACTED]");
    assert_eq!(line["http_x_shop_key"], "[REDACTED]", "the API's key header");
    assert_eq!(line["http_x_team"], "[REDACTED]", "named in the redact setting");
    assert_eq!(line["http_user_agent"], "curl/8");
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in ["eyJhbGciOi", "abc", "pk_live", "t0k", "s3", "core"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(log.written(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_fields_and_bad_destinations_are_refused() {
    let refused = AccessLog::open("stdout", &["time".into(), "colour".into()], &[]).err().unwrap();
    assert!(refused.contains("unknown field `colour`") && refused.contains("header:NAME"), "{refused}");
    assert!(AccessLog::open("stdout", &["header:bad name".into()], &[]).is_err());
    assert!(AccessLog::open("stdout", &[], &[]).is_err());
    assert!(
        AccessLog::open("/nonexistent/dir/access.log", &["time".into()], &[]).err().unwrap().contains("cannot open")
    );
}

#[test]
fn the_default_fields_parse() {
    let fields: Vec<String> = DEFAULT_FIELDS.split(',').map(str::to_owned).collect();
    let parsed = fields::parse(&fields).unwrap();
    assert_eq!(parsed.len(), fields.len());
}
