//! Analytics end to end on the configured database (SQLite, or PostgreSQL with
//! `PORTICO_TEST_DATABASE_URL`): calls through the co-located gateway are stored as raw
//! events and per-minute rollups that agree with each other; reports over REST group
//! them by status, application and operation, export CSV, and are scoped by tenant; a
//! batch delivered twice is stored once; each subscription's current use is shown
//! against its tier; ranges are checked; a DB-less gateway posts its batches to
//! `/api/gateway/v1/analytics` with a gateway token.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use domain::entities::{analytics_event, analytics_minute};
use gateway::analytics::{Batch, Event, RequestId};
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

async fn call(url: &str, key: &str) -> u16 {
    let request =
        http::Request::get(url).header("x-api-key", key).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
    status
}

#[tokio::test]
async fn calls_are_stored_rolled_up_reported_and_scoped_by_tenant() {
    let app = support::app("server::analytics::end_to_end").await;
    let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}", backend.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(backend, axum::Router::new().fallback(|| async { "twelve bytes" })).await });
    let published = support::publish::publish(&app.state.db, "/metered", &backend_url).await;
    let gateway = support::recording_gateway(&app).await;
    let url = format!("http://{gateway}/metered/v1/items");
    let started = Instant::now();
    while call(&url, &published.key).await != 200 {
        assert!(started.elapsed() < Duration::from_secs(30), "the deploy never reached the gateway");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..6 {
        assert_eq!(call(&url, &published.key).await, 200);
    }
    for _ in 0..2 {
        assert_eq!(call(&url, "not-a-key-at-all").await, 401);
    }
    let api_id = published.api_id.to_string();
    let root = app.signed_in("root@example.com").await;
    let report_url = format!("/api/publisher/v1/analytics?api_id={api_id}&group_by=status");
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = loop {
        let report = root.get(&report_url).await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        if report.body["totals"]["requests"].as_i64() >= Some(9) {
            break report.body;
        }
        assert!(Instant::now() < deadline, "the calls never reached the report: {}", report.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // At least 7 were 200 (the deploy may have taken a few more tries to arrive).
    let ok =
        report["groups"].as_array().unwrap().iter().find(|g| g["key"] == "200").unwrap()["requests"].as_i64().unwrap();
    let unauthorized = report["groups"].as_array().unwrap().iter().find(|g| g["key"] == "401").unwrap();
    assert!(ok >= 7, "{report}");
    assert_eq!(unauthorized["requests"], 2);
    assert_eq!(report["totals"]["client_errors"], 2);
    assert!(report["totals"]["bytes_out"].as_i64().unwrap() >= 12 * ok, "{report}");
    assert!(report["totals"]["p99_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(report["statuses"][0]["status"], 200);
    assert!(report["series"].as_array().unwrap().iter().any(|p| p["requests"].as_i64() > Some(0)));

    // The rollups agree with the raw events, per status.
    let db = &app.state.db;
    let raw = |status: i32| {
        analytics_event::Entity::find()
            .filter(analytics_event::Column::ApiId.eq(published.api_id))
            .filter(analytics_event::Column::Status.eq(status))
            .count(db)
    };
    assert_eq!(raw(200).await.unwrap() as i64, ok);
    assert_eq!(raw(401).await.unwrap(), 2);
    let rows = analytics_minute::Entity::find()
        .filter(analytics_minute::Column::ApiId.eq(api_id.clone()))
        .all(db)
        .await
        .unwrap();
    assert_eq!(rows.iter().map(|r| r.requests).sum::<i64>(), ok + 2);
    let stored =
        analytics_event::Entity::find().filter(analytics_event::Column::Status.eq(200)).one(db).await.unwrap().unwrap();
    assert_eq!((stored.application_id, stored.environment.as_str()), (Some(published.app_id), "production"));
    assert_eq!(stored.api_org_id, Some(rows[0].api_org_id.parse().unwrap()), "the tenant is resolved at ingest");

    // Grouped by application: the refused calls have none.
    let by_app = root.get(&format!("/api/publisher/v1/analytics?api_id={api_id}&group_by=application")).await.body;
    let labels: Vec<&str> = by_app["groups"].as_array().unwrap().iter().map(|g| g["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["App", "—"], "{by_app}");

    // CSV export of the series and of the groups.
    let csv =
        root.get(&format!("/api/publisher/v1/analytics/export?api_id={api_id}&table=groups&group_by=status")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("key,label,requests,"), "{}", csv.text);
    assert!(csv.text.lines().any(|l| l.starts_with("401,401,2,")), "{}", csv.text);
    let series = root.get(&format!("/api/publisher/v1/analytics/export?api_id={api_id}")).await;
    assert!(series.text.starts_with("time,requests,") && series.text.lines().count() > 2, "{}", series.text);

    // The consumer's view: its application's calls and its subscription's use now.
    let usage = root.get(&format!("/api/portal/v1/applications/{}/usage", published.app_id)).await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
    assert_eq!(usage.body[0]["tier"], "Unlimited");
    assert_eq!(usage.body[0]["quota_used"].as_i64(), Some(ok), "{}", usage.text);
    assert!(usage.body[0]["requests_last_minute"].as_i64().unwrap() >= 1);
    let own = root.get(&format!("/api/portal/v1/applications/{}/analytics", published.app_id)).await;
    assert_eq!(own.body["totals"]["requests"].as_i64(), Some(ok), "the unauthenticated calls are not the app's");

    // Another tenant's publisher sees none of it.
    app.org_with_member("rival", "pub@rival.test", "publisher").await;
    let rival = app.signed_in("pub@rival.test").await;
    assert_eq!(rival.get(&report_url).await.status, StatusCode::NOT_FOUND);
    let everything = rival.get("/api/publisher/v1/analytics").await;
    assert_eq!((everything.status, everything.body["totals"]["requests"].as_i64()), (StatusCode::OK, Some(0)));
    let their_app = rival.get(&format!("/api/portal/v1/applications/{}/usage", published.app_id)).await;
    assert_eq!(their_app.status, StatusCode::NOT_FOUND);

    // Ranges: a year answers (from rollups); more than 400 days, or backwards, is a field error.
    let now = chrono::Utc::now().timestamp_millis();
    let year = root.get(&format!("/api/publisher/v1/analytics?from={}&to={now}", now - 365 * 86_400_000)).await;
    assert_eq!(year.status, StatusCode::OK, "{}", year.text);
    assert!(year.body["series"].as_array().unwrap().len() <= 120);
    assert!(year.body["totals"]["requests"].as_i64() >= Some(ok + 2));
    let too_long = root.get(&format!("/api/publisher/v1/analytics?from={}&to={now}", now - 401 * 86_400_000)).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_long.text);
    assert_eq!(too_long.body["errors"][0]["field"], "from");
    let backwards = root.get(&format!("/api/publisher/v1/analytics?from={now}&to={}", now - 1)).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nonsense = root.get("/api/publisher/v1/analytics?group_by=planet").await;
    assert_eq!(nonsense.status, StatusCode::BAD_REQUEST, "{}", nonsense.text);
}

fn event(request_id: &'static str, api: &str, status: u16, latency_us: u64) -> Event {
    Event {
        time_ms: chrono::Utc::now().timestamp_millis(),
        request_id: RequestId(http::HeaderValue::from_static(request_id)),
        method: "GET".into(),
        api_id: Some(api.into()),
        api_version: Some("v1".into()),
        operation: Some("GET /x".into()),
        application_id: None,
        environment: Some("production".into()),
        node: "n1".into(),
        status,
        latency_us,
        upstream_us: Some(latency_us / 2),
        gateway_us: 100,
        bytes_in: 0,
        bytes_out: 10,
        error_source: None,
        error_code: None,
        throttled: status == 429,
        cache: None,
        auth: None,
        trace_id: None,
    }
}

#[tokio::test]
async fn a_batch_delivered_twice_is_stored_once_and_rollups_sum_per_minute() {
    let app = support::app("server::analytics::dedup").await;
    let db = &app.state.db;
    let api = uuid::Uuid::now_v7().to_string();
    let batch = Batch {
        node: "n1".into(),
        seq: 42,
        dropped: 3,
        events: vec![event("a", &api, 200, 800), event("b", &api, 200, 900), event("c", &api, 429, 200)],
    };
    assert_eq!(domain::analytics::ingest(db, None, &batch).await.unwrap(), domain::analytics::Ingested::Stored(3));
    assert_eq!(domain::analytics::ingest(db, None, &batch).await.unwrap(), domain::analytics::Ingested::Duplicate);
    let next = Batch { seq: 43, events: vec![event("d", &api, 200, 700)], ..batch.clone() };
    domain::analytics::ingest(db, Some("sandbox"), &next).await.unwrap();
    let raw =
        analytics_event::Entity::find().filter(analytics_event::Column::ApiId.eq(api.parse::<uuid::Uuid>().unwrap()));
    assert_eq!(raw.count(db).await.unwrap(), 4);
    let rows =
        analytics_minute::Entity::find().filter(analytics_minute::Column::ApiId.eq(api.clone())).all(db).await.unwrap();
    let production: Vec<_> = rows.iter().filter(|r| r.environment == "production").collect();
    let ok = production.iter().find(|r| r.status == 200).unwrap();
    assert_eq!((ok.requests, ok.latency_sum_us, ok.bytes_out), (2, 1_700, 20), "two calls in one row");
    assert_eq!(production.iter().find(|r| r.status == 429).unwrap().throttled, 1);
    assert_eq!(
        rows.iter().filter(|r| r.environment == "sandbox").map(|r| r.requests).sum::<i64>(),
        1,
        "the gateway's grant wins"
    );

    // Pruning past the retention removes raw rows and rollups.
    let later = chrono::Utc::now() + chrono::Duration::days(40);
    let pruned = domain::analytics::prune(db, later, 30, 400).await.unwrap();
    assert!(pruned.events >= 4 && pruned.rollups == 0, "{pruned:?}");
}

#[tokio::test]
async fn a_db_less_gateway_posts_its_batches_with_a_gateway_token() {
    let app = support::app("server::analytics::http_sink").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control_plane = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    let mut root = app.signed_in("root@example.com").await;
    let token = root
        .post("/api/admin/v1/gateway-tokens", serde_json::json!({ "name": "edge", "environment": "production" }))
        .await;
    let secret = token.body["secret"].as_str().unwrap().to_owned();
    let endpoint = format!("http://{control_plane}/api/gateway/v1/analytics");

    let refused = root.post("/api/gateway/v1/analytics", serde_json::json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    let sink = gateway::analytics::http_sink::HttpSink::new(&endpoint, Some("Bearer gwt_wrong")).unwrap();
    let api = uuid::Uuid::now_v7().to_string();
    let batch = std::sync::Arc::new(Batch {
        node: "edge-1".into(),
        seq: 7,
        dropped: 0,
        events: vec![event("e1", &api, 200, 900)],
    });
    use gateway::analytics::Sink as _;
    let error = sink.publish(&batch).await.unwrap_err();
    assert!(error.contains("401"), "{error}");

    let sink = gateway::analytics::http_sink::HttpSink::new(&endpoint, Some(&format!("Bearer {secret}"))).unwrap();
    sink.publish(&batch).await.unwrap();
    sink.publish(&batch).await.expect("a batch sent again is acknowledged");
    let raw =
        analytics_event::Entity::find().filter(analytics_event::Column::ApiId.eq(api.parse::<uuid::Uuid>().unwrap()));
    assert_eq!(raw.count(&app.state.db).await.unwrap(), 1, "and stored once");

    let mut client = app.client();
    client.bearer = Some(secret);
    let garbage = client.post("/api/gateway/v1/analytics", serde_json::json!({ "node": "x" })).await;
    assert_eq!(
        (garbage.status, garbage.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_batch")),
        "{}",
        garbage.text
    );
}
